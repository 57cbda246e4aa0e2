#include "platform/decode/raw_input.h"

#include <charconv>
#include <cstdio>

namespace telltale::decode {
namespace {

constexpr uint16_t kEvSyn = 0x00, kEvKey = 0x01, kEvRel = 0x02, kEvAbs = 0x03;
constexpr uint16_t kRelX = 0x00, kRelY = 0x01, kRelHWheel = 0x06, kRelWheel = 0x08;
constexpr uint16_t kAbsX = 0x00, kAbsY = 0x01;
constexpr uint16_t kBtnLeft = 0x110;  // BTN_LEFT, RIGHT, MIDDLE, SIDE, EXTRA follow
// RI_MOUSE_*: down/up pairs for buttons 1..5, then the wheels.
constexpr uint16_t kWheel = 0x0400, kHWheel = 0x0800;
// Windows sends a fake left/right shift with the E0 prefix around some
// extended keys (arrows with NumLock on): not a key the user pressed.
constexpr uint16_t kLeftShift = 0x2a, kRightShift = 0x36;

InputEvent event(int64_t t_us, uint16_t type, uint16_t code, int32_t value) {
  InputEvent e;
  if (t_us >= 0) {
    e.sec = t_us / 1000000;
    e.usec = t_us % 1000000;
  } else {
    e.sec = -1;  // the accumulators ignore events before 1970
  }
  e.type = type;
  e.code = code;
  e.value = value;
  return e;
}

bool parse_hex4(std::string_view s, uint16_t& out) {
  if (s.size() < 4) return false;
  const auto r = std::from_chars(s.data(), s.data() + 4, out, 16);
  return r.ec == std::errc() && r.ptr == s.data() + 4;
}

std::string upper(std::string_view s) {
  std::string r(s);
  for (auto& c : r)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return r;
}

}  // namespace

void RawInputTranslator::translate(const RawInputRecord& r, std::vector<InputEvent>& out) {
  if (r.kind == RawInputRecord::Kind::keyboard) {
    // 0xff is the keyboard's overrun code; E1 prefixes Pause's first half.
    if (r.make_code == 0xff || (r.key_flags & kRiKeyE1)) return;
    const bool e0 = r.key_flags & kRiKeyE0;
    const uint16_t make = r.make_code & 0x7f;
    if (e0 && (make == kLeftShift || make == kRightShift)) return;
    const uint16_t code = static_cast<uint16_t>(make | (e0 ? 0x80 : 0));
    int32_t value;
    if (r.key_flags & kRiKeyBreak) {
      value = 0;
      down_.reset(code);
    } else {
      value = down_.test(code) ? 2 : 1;  // Windows repeats the make code while held
      down_.set(code);
    }
    out.push_back(event(r.t_us, kEvKey, code, value));
    out.push_back(event(r.t_us, kEvSyn, 0, 0));
    return;
  }
  for (uint16_t b = 0; b < 5; ++b) {
    const uint16_t down_bit = static_cast<uint16_t>(1u << (2 * b)), up_bit = static_cast<uint16_t>(down_bit << 1);
    if (r.button_flags & down_bit) out.push_back(event(r.t_us, kEvKey, static_cast<uint16_t>(kBtnLeft + b), 1));
    if (r.button_flags & up_bit) out.push_back(event(r.t_us, kEvKey, static_cast<uint16_t>(kBtnLeft + b), 0));
  }
  if (r.button_flags & kWheel) out.push_back(event(r.t_us, kEvRel, kRelWheel, 1));
  if (r.button_flags & kHWheel) out.push_back(event(r.t_us, kEvRel, kRelHWheel, 1));
  if (r.mouse_flags & kMouseMoveAbsolute) {
    // evdev reports only the axes that changed; do the same so that a
    // repeated position is no move.
    if (!abs_known_ || r.x != abs_x_) out.push_back(event(r.t_us, kEvAbs, kAbsX, r.x));
    if (!abs_known_ || r.y != abs_y_) out.push_back(event(r.t_us, kEvAbs, kAbsY, r.y));
    abs_known_ = true;
    abs_x_ = r.x;
    abs_y_ = r.y;
  } else {
    if (r.x != 0) out.push_back(event(r.t_us, kEvRel, kRelX, r.x));
    if (r.y != 0) out.push_back(event(r.t_us, kEvRel, kRelY, r.y));
  }
  out.push_back(event(r.t_us, kEvSyn, 0, 0));
}

RawInputDeviceIdentity identify_raw_input_device(std::string_view device_name) {
  RawInputDeviceIdentity id;
  const std::string n = upper(device_name);
  std::string_view rest = n;
  for (std::string_view prefix : {"\\\\?\\", "\\??\\", "\\\\.\\"})
    if (rest.starts_with(prefix)) rest.remove_prefix(prefix.size());
  char ids[32] = "";
  if (const auto v = n.find("VID_"); v != std::string::npos && parse_hex4(std::string_view(n).substr(v + 4), id.vid)) {
    if (const auto p = n.find("PID_", v); p != std::string::npos) parse_hex4(std::string_view(n).substr(p + 4), id.pid);
    std::snprintf(ids, sizeof ids, "%04x:%04x", id.vid, id.pid);
  } else if (const auto v2 = n.find("_VID&"); v2 != std::string::npos) {
    // Bluetooth LE HID: "…_VID&0002046D_PID&B023…" (source 0002 = USB-IF ids).
    uint16_t source = 0;
    if (parse_hex4(std::string_view(n).substr(v2 + 5), source) && parse_hex4(std::string_view(n).substr(v2 + 9), id.vid)) {
      if (const auto p = n.find("_PID&", v2); p != std::string::npos) parse_hex4(std::string_view(n).substr(p + 5), id.pid);
      std::snprintf(ids, sizeof ids, "%04x:%04x", id.vid, id.pid);
    }
  }
  const bool bluetooth = n.find("{00001124-0000-1000-8000-00805F9B34FB}") != std::string::npos ||
                         n.find("_VID&") != std::string::npos || rest.starts_with("BTHENUM#") ||
                         rest.starts_with("BTHLEDEVICE");
  if (rest.starts_with("ROOT#") && (n.find("RDP_KBD") != std::string::npos || n.find("RDP_MOU") != std::string::npos)) {
    id.bus = 0x19;
    id.virtual_device = true;
    id.name = "Remote Desktop input";
  } else if (rest.starts_with("TERMINPUT_BUS#")) {
    id.bus = 0x19;
    id.virtual_device = true;
    id.name = "Remote Desktop input";
  } else if (rest.starts_with("ACPI#")) {
    id.bus = 0x11;  // the i8042 controller: a laptop's own keyboard or touchpad
    id.internal = true;
    id.name = "internal PS/2 (ACPI)";
  } else if (bluetooth) {
    id.bus = 0x05;
    id.name = std::string("Bluetooth HID ") + ids;
  } else if (rest.starts_with("HID#") && id.vid != 0) {
    id.bus = 0x03;
    id.name = std::string("USB HID ") + ids;
  } else if (rest.starts_with("HID#")) {
    // HID over I2C (and SPI) devices are named by their ACPI id, no VID_.
    id.bus = 0x18;
    id.internal = true;
    const auto end = rest.find('#', 4);
    id.name = "internal HID " + std::string(rest.substr(4, end == std::string_view::npos ? std::string_view::npos : end - 4));
  } else {
    id.name = "unknown input device";
  }
  return id;
}

void RawInputDeviceCounters::add(const RawInputRecord& r) {
  scratch_.clear();
  translator_.translate(r, scratch_);
  timing_.add(scratch_);
  behaviour_.add(scratch_);
}

void RawInputDeviceCounters::fill(telltale::v1::DeviceActivity& out) const {
  timing_.fill(out);
  behaviour_.fill(out);
}

void InjectedInputCounter::key(bool injected, bool down, uint32_t virtual_key) {
  const size_t vk = virtual_key & 0xff;
  if (!down) {
    down_.reset(vk);
    return;
  }
  if (down_.test(vk)) return;  // autorepeat
  down_.set(vk);
  if (injected) ++key_presses_;
}

void InjectedInputCounter::fill(telltale::v1::DeviceActivity& out) const {
  out.set_device("injected input (SendInput)");
  out.set_event_node("low-level hooks");
  out.set_virtual_device(true);
  out.set_injected_key_presses(key_presses_);
  out.set_injected_pointer_reports(pointer_reports_);
}

}  // namespace telltale::decode
