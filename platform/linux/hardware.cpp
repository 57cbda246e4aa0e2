#include "platform/linux/hardware.h"

#include "platform/common/file.h"
#include "platform/linux/root_path.h"

namespace telltale::platform::linux_probe {

void HardwareProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  auto* hw = out.mutable_hardware();
  const auto dmi = under(ctx.root, "sys/class/dmi/id");
  auto attr = [&](const char* name) { return read_attribute(dmi / name).value_or(""); };
  hw->set_sys_vendor(attr("sys_vendor"));
  hw->set_product_name(attr("product_name"));
  hw->set_product_version(attr("product_version"));
  hw->set_product_serial(attr("product_serial"));
  hw->set_product_uuid(attr("product_uuid"));
  hw->set_board_vendor(attr("board_vendor"));
  hw->set_board_name(attr("board_name"));
  hw->set_board_serial(attr("board_serial"));
  hw->set_chassis_vendor(attr("chassis_vendor"));
  hw->set_bios_vendor(attr("bios_vendor"));
  hw->set_bios_version(attr("bios_version"));
  if (auto chassis = read_attribute(dmi / "chassis_type")) {
    try {
      hw->set_chassis_type(static_cast<uint32_t>(std::stoul(*chassis)));
    } catch (const std::exception&) {
      record_error(out, name(), ctx.root, dmi / "chassis_type", "\"" + *chassis + "\" is not a number");
    }
  }
  if (auto host = read_attribute(under(ctx.root, "proc/sys/kernel/hostname"))) hw->set_hostname(*host);
  else if (auto etc_host = read_attribute(under(ctx.root, "etc/hostname"))) hw->set_hostname(*etc_host);
  if (hw->sys_vendor().empty() && hw->product_name().empty())
    record_error(out, name(), ctx.root, dmi, "no DMI identity (sys_vendor and product_name unreadable)");
}

}  // namespace telltale::platform::linux_probe
