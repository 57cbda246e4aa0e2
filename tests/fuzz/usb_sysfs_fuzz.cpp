// fuzz-links: telltale_decode
// Directory names under sys/bus/usb/devices and the attribute values beside
// them, one per input line. A fixture root or a hostile filesystem can hold
// any name; the parsers must classify it, never crash, and keep the
// invariants the USB tree builder relies on.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/decode/usb_sysfs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace telltale::decode;
  std::string_view all(reinterpret_cast<const char*>(data), size);
  while (!all.empty()) {
    const auto nl = all.find('\n');
    const std::string_view line = all.substr(0, nl);
    all = nl == std::string_view::npos ? std::string_view{} : all.substr(nl + 1);

    const auto name = parse_usb_name(line);
    if (name.kind == UsbNameKind::kDevice) {
      if (name.ports.empty()) __builtin_trap();
      // Walking up the hub chain ends at the root hub in as many steps as there are ports.
      std::string path(line);
      for (size_t step = 0; step < name.ports.size(); ++step) path = usb_parent_port_path(path);
      if (path != "usb" + std::to_string(name.bus)) __builtin_trap();
    }
    if (name.kind == UsbNameKind::kRootHub && !name.ports.empty()) __builtin_trap();
    const auto parent = usb_parent_port_path(line);
    if (parent.size() > line.size() + 3) __builtin_trap();  // "1-2" → "usb1" grows by one at most
    const auto port = usb_port_path_from_sysfs(line);
    if (port.size() > line.size()) __builtin_trap();
    for (size_t digits : {size_t{2}, size_t{4}}) {
      if (auto v = parse_fixed_hex(line, digits)) {
        if (*v >= (1u << (4 * digits))) __builtin_trap();
      }
    }
    if (auto v = parse_usb_version(line)) {
      if (v->empty() || v->find(' ') != std::string::npos) __builtin_trap();
    }
    (void)is_usb_speed(line);
    (void)is_usb_removable(line);
    (void)is_hid_device_name(line);
  }
  return 0;
}
