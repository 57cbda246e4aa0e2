#include "platform/linux/input_devices.h"

#include "platform/common/file.h"
#include "platform/decode/proc_input_devices.h"
#include "platform/linux/root_path.h"

namespace telltale::platform::linux_probe {

namespace {
// About 600 bytes per device; 1 MiB is far beyond any real machine.
constexpr size_t kMaxProcInputDevices = 1 << 20;
}  // namespace

void InputDevicesProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  auto path = under(ctx.root, "proc/bus/input/devices");
  auto r = read_file(path, kMaxProcInputDevices);
  if (!r.data) {
    record_error(out, name(), ctx.root, path, r.missing ? "missing (no input subsystem?)" : r.error);
    return;
  }
  auto parsed = decode::parse_proc_input_devices(*r.data);
  for (auto& e : parsed.errors) record_error(out, name(), ctx.root, path, std::move(e));
  for (auto& d : parsed.devices) *out.add_input_devices() = std::move(d);
}

}  // namespace telltale::platform::linux_probe
