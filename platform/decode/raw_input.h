#pragma once
// Windows Raw Input (WM_INPUT's RAWKEYBOARD / RAWMOUSE) fed to the same
// counting as Linux: each record becomes the evdev-shaped events the timing
// accumulator and the behaviour counters already understand, so both OSes
// produce identical histograms, buckets and counters from the same input.
// Scan codes are used only to pair a press with its release and to tell a
// new press from autorepeat; nothing about which key leaves this file.
// Pure: no Windows headers (the flag values are Windows' documented ones).
#include <bitset>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "platform/decode/evdev_behaviour.h"
#include "platform/decode/evdev_timing.h"
#include "telltale/v1/snapshot.pb.h"

namespace telltale::decode {

// RAWKEYBOARD.Flags, RAWMOUSE.usFlags / usButtonFlags (winuser.h).
constexpr uint16_t kRiKeyBreak = 0x01, kRiKeyE0 = 0x02, kRiKeyE1 = 0x04;
constexpr uint16_t kMouseMoveAbsolute = 0x01;
constexpr int32_t kMouseAbsoluteMax = 65535;  // absolute RAWMOUSE coordinates are normalised to 0..65535

struct RawInputRecord {
  enum class Kind : uint8_t { keyboard, mouse };
  int64_t t_us = 0;  // wall clock, microseconds since 1970 (the helper stamps on arrival)
  Kind kind = Kind::keyboard;
  uint16_t make_code = 0;     // keyboard: scan code
  uint16_t key_flags = 0;     // keyboard: RI_KEY_*
  uint16_t mouse_flags = 0;   // mouse: MOUSE_MOVE_*
  uint16_t button_flags = 0;  // mouse: RI_MOUSE_*
  int32_t x = 0, y = 0;       // mouse: lLastX / lLastY
};

// Turns one device's records into evdev-shaped events (appended to out).
class RawInputTranslator {
 public:
  void translate(const RawInputRecord& r, std::vector<InputEvent>& out);

 private:
  std::bitset<0x100> down_;  // pairing only; a held key repeats as value 2
  bool abs_known_ = false;
  int32_t abs_x_ = 0, abs_y_ = 0;
};

// Where a Raw Input device name (GetRawInputDeviceInfo RIDI_DEVICENAME,
// "\\?\HID#VID_046D&PID_C52B&MI_00#7&…#{884b96c3-…}") says the device sits.
struct RawInputDeviceIdentity {
  uint16_t vid = 0, pid = 0;
  uint32_t bus = 0;       // DeviceActivity.bus numbering (Linux BUS_*): 3 USB, 5 Bluetooth, 0x11 i8042, 0x18 I2C, 0x19 host
  bool internal = false;  // the laptop's own keyboard / touchpad (i8042, I2C)
  bool virtual_device = false;  // Remote Desktop's own devices
  std::string name;       // "USB HID 046d:c52b", "internal PS/2 (ACPI)", …
};
RawInputDeviceIdentity identify_raw_input_device(std::string_view device_name);

// Per physical device: the timing accumulator and behaviour counters over the
// translated stream.
class RawInputDeviceCounters {
 public:
  RawInputDeviceCounters() { behaviour_.set_abs_range(0, 0, kMouseAbsoluteMax), behaviour_.set_abs_range(1, 0, kMouseAbsoluteMax); }
  void add(const RawInputRecord& r);
  // Everything but the identity fields.
  void fill(telltale::v1::DeviceActivity& out) const;

 private:
  RawInputTranslator translator_;
  InputTimingAccumulator timing_;
  InputBehaviourCounters behaviour_;
  std::vector<InputEvent> scratch_;
};

// Input the low-level hooks (WH_KEYBOARD_LL / WH_MOUSE_LL) saw carrying the
// injected flag: SendInput, the way software remote control types. Virtual
// key codes pair key-down with key-up only, so a held key counts once.
class InjectedInputCounter {
 public:
  void key(bool injected, bool down, uint32_t virtual_key);
  void pointer(bool injected) {
    if (injected) ++pointer_reports_;
  }
  uint64_t key_presses() const { return key_presses_; }
  uint64_t pointer_reports() const { return pointer_reports_; }
  // The helper's "injected input" entry: virtual, with fields 19 and 20.
  void fill(telltale::v1::DeviceActivity& out) const;

 private:
  std::bitset<0x100> down_;
  uint64_t key_presses_ = 0;
  uint64_t pointer_reports_ = 0;
};

}  // namespace telltale::decode
