// Hardware identity from `system_profiler -json SPHardwareDataType`.
#include <boost/json.hpp>

#include <cctype>

#include "platform/macos/probes.h"
#include "platform/macos/tool_output.h"

namespace telltale::platform::macos_probe {
namespace {

std::string str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string().c_str()) : "";
}

// "16 GB" → bytes; 0 when unreadable.
uint64_t memory_bytes(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return 0;
  }
  std::string unit = text.substr(used);
  unit.erase(0, unit.find_first_not_of(' '));
  double scale = unit == "TB" ? 1024.0 * 1024 * 1024 * 1024 : unit == "GB" ? 1024.0 * 1024 * 1024 : unit == "MB" ? 1024.0 * 1024 : 0;
  return static_cast<uint64_t>(value * scale);
}

class HardwareProbe final : public Probe {
 public:
  explicit HardwareProbe(MacSystem s) : s_(std::move(s)) {}
  std::string_view name() const override { return "hardware"; }
  void collect(const ProbeContext&, telltale::v1::Snapshot& out) override {
    const std::vector<std::string> argv = {"system_profiler", "-json", "SPHardwareDataType"};
    auto r = run_tool(*s_.runner, argv, name(), out);
    if (!r) return;
    boost::system::error_code ec;
    auto doc = boost::json::parse(r->output, ec);
    const boost::json::object* item = nullptr;
    if (!ec && doc.is_object())
      if (const auto* list = doc.as_object().if_contains("SPHardwareDataType"); list && list->is_array() &&
                                                                                  !list->as_array().empty() &&
                                                                                  list->as_array()[0].is_object())
        item = &list->as_array()[0].as_object();
    if (!item) {
      record_error(out, name(), command_line(argv),
                   ec ? "not JSON: " + ec.message() : "no SPHardwareDataType object in the answer");
      return;
    }
    auto* hw = out.mutable_hardware();
    hw->set_sys_vendor("Apple Inc.");
    const std::string model = str(*item, "machine_model");
    hw->set_product_name(model);
    hw->set_product_version(str(*item, "machine_name"));
    hw->set_product_serial(str(*item, "serial_number"));
    hw->set_product_uuid(str(*item, "platform_UUID"));
    hw->set_bios_vendor("Apple Inc.");
    hw->set_bios_version(str(*item, "boot_rom_version"));
    std::string cpu = str(*item, "chip_type");
    if (cpu.empty()) cpu = str(*item, "cpu_type");
    hw->set_cpu_model(cpu);
    hw->set_memory_bytes(memory_bytes(str(*item, "physical_memory")));
    // Model identifiers say the chassis: MacBook*, else a desktop Mac; a VM
    // reports "VirtualMac2,1" (Apple Virtualization) or "VMware7,1".
    if (model.starts_with("MacBook")) {
      hw->set_chassis_type(10);
      hw->set_chassis_kind("laptop");
    } else if (model.starts_with("VirtualMac") || model.starts_with("VMware") || model.starts_with("Parallels")) {
      hw->set_chassis_kind("virtual");
      hw->mutable_vm()->set_is_virtual(true);
      hw->mutable_vm()->set_hypervisor(model.starts_with("VMware") ? "vmware" : model.starts_with("Parallels") ? "parallels" : "apple");
      hw->mutable_vm()->set_evidence("machine_model=" + model);
    } else if (!model.empty()) {
      hw->set_chassis_type(3);
      hw->set_chassis_kind("desktop");
    }
  }

 private:
  MacSystem s_;
};

}  // namespace

std::unique_ptr<Probe> make_hardware_probe(const MacSystem& s) { return std::make_unique<HardwareProbe>(s); }

}  // namespace telltale::platform::macos_probe
