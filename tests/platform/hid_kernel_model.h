#pragma once
// The reference for the HID differential test: the Linux kernel's report
// descriptor parser (drivers/hid/hid-core.c: hid_open_report and its
// hid_parser_{main,global,local}) transcribed with the kernel's own data
// layout — one flat usage array per main item, each usage stored with its item
// size, ranges expanded member by member up to HID_MAX_USAGES, the usage page
// concatenated when a Usage is read (complete_usage) and again before every
// main item (hid_concatenate_last_usage_page), a collection's usage taken from
// local.usage[0], and each Input field registered with its innermost
// application, logical and physical collection (hid_lookup_collection).
//
// Debian ships no hid-tools (python3-hid-tools), and hid-tools' own parser is
// not the kernel's (a collection takes the *last* usage, a Usage Minimum/
// Maximum pair is re-paged as a pair), so the kernel's rules are the reference.
// From the fields the kernel registers, derive() applies the same plain
// definitions the summary promises (a keyboard is a Keyboard/Keypad application
// with key inputs; an axis is a variable X/Y input; a joystick's sticks are no
// pointer; a touch-screen contact is a Tip Switch with X/Y in a Touch Screen
// application; pen pressure is Tip Pressure of a Pen application or Stylus
// collection), written independently of platform/decode/hid_report.cpp.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace telltale::testing {

struct KernelHidView {
  bool parsed = true;  // false where hid_open_report would refuse the descriptor
  bool keyboard = false, relative_pointer = false, absolute_pointer = false;
  std::optional<std::pair<int64_t, int64_t>> abs_x, abs_y;
  bool touch_screen_contact = false, pen_pressure = false, gamepad = false;
  bool digitizer = false, touchpad = false, consumer_control = false, system_control = false;
};

namespace kernel_model {

constexpr unsigned kMaxUsages = 12288;   // HID_MAX_USAGES
constexpr unsigned kGlobalStack = 4;     // HID_GLOBAL_STACK_SIZE

struct Global {
  uint32_t usage_page = 0;
  int32_t logical_minimum = 0, logical_maximum = 0;
  uint32_t report_id = 0, report_size = 0, report_count = 0;
};

struct Local {
  std::vector<uint32_t> usage;
  std::vector<uint8_t> usage_size;
  uint32_t usage_minimum = 0;
  unsigned delimiter_depth = 0, delimiter_branch = 0;
};

struct Collection {
  uint8_t type;
  uint32_t usage;
};

struct Field {
  bool input;
  uint32_t flags;
  std::vector<uint32_t> usage;
  int32_t logical_minimum, logical_maximum;
  uint32_t application = 0, logical = 0, physical = 0;
  std::vector<uint32_t> stack;  // every open collection's usage, outermost first
};

struct Parser {
  Global global;
  std::vector<Global> global_stack;
  Local local;
  std::vector<Collection> collection_stack;
  std::vector<Collection> collections;  // every collection opened, in order
  std::vector<Field> fields;

  void complete_usage(size_t i) { local.usage[i] = (local.usage[i] & 0xFFFF) | (global.usage_page & 0xFFFF) << 16; }

  bool add_usage(uint32_t usage, uint8_t size) {
    if (local.usage.size() >= kMaxUsages) return false;
    local.usage.push_back(usage);
    local.usage_size.push_back(size);
    if (size <= 2) complete_usage(local.usage.size() - 1);
    return true;
  }

  void concatenate_last_usage_page() {
    for (size_t n = local.usage.size(); n-- > 0;) {
      if (local.usage_size[n] > 2) continue;
      if (local.usage[n] >> 16 == (global.usage_page & 0xFFFF)) break;
      complete_usage(n);
    }
  }

  uint32_t lookup(uint8_t type) const {
    for (size_t n = collection_stack.size(); n-- > 0;)
      if (collection_stack[n].type == type) return collection_stack[n].usage;
    return 0;
  }

  static uint32_t udata(std::span<const uint8_t> d) {
    uint32_t v = 0;
    for (size_t i = 0; i < d.size(); ++i) v |= uint32_t{d[i]} << (8 * i);
    return v;
  }
  static int32_t sdata(std::span<const uint8_t> d) {
    switch (d.size()) {
      case 1: return static_cast<int8_t>(d[0]);
      case 2: return static_cast<int16_t>(udata(d));
      case 4: return static_cast<int32_t>(udata(d));
      default: return 0;
    }
  }

  bool main_item(uint8_t tag, std::span<const uint8_t> d) {
    concatenate_last_usage_page();
    const uint32_t data = udata(d);
    switch (tag) {
      case 0xA: {
        const uint32_t usage = local.usage.empty() ? 0 : local.usage[0];
        collection_stack.push_back({static_cast<uint8_t>(data & 0xFF), usage});
        collections.push_back(collection_stack.back());
        break;
      }
      case 0xC:
        if (collection_stack.empty()) return false;
        collection_stack.pop_back();
        break;
      case 0x8:
      case 0x9:
      case 0xB:
        if (!local.usage.empty()) {  // hid_add_field ignores padding without usages
          Field f{tag == 0x8, data, local.usage, global.logical_minimum, global.logical_maximum,
                  lookup(1), lookup(2), lookup(0), {}};
          for (const auto& c : collection_stack) f.stack.push_back(c.usage);
          fields.push_back(std::move(f));
        }
        break;
      default: break;
    }
    local = Local{};
    return true;
  }

  bool global_item(uint8_t tag, std::span<const uint8_t> d) {
    switch (tag) {
      case 0xA:
        if (global_stack.size() == kGlobalStack) return false;
        global_stack.push_back(global);
        return true;
      case 0xB:
        if (global_stack.empty()) return false;
        global = global_stack.back();
        global_stack.pop_back();
        return true;
      case 0x0: global.usage_page = udata(d); return true;
      case 0x1: global.logical_minimum = sdata(d); return true;
      case 0x2:
        global.logical_maximum = global.logical_minimum < 0 ? sdata(d) : static_cast<int32_t>(udata(d));
        return true;
      case 0x8:
        global.report_id = udata(d);
        return global.report_id != 0 && global.report_id < 256;
      case 0x7:
        global.report_size = udata(d);
        return global.report_size <= 256;
      case 0x9:
        global.report_count = udata(d);
        return global.report_count <= kMaxUsages;
      case 0x3: case 0x4: case 0x5: case 0x6: return true;
      default: return false;  // "unknown global tag"
    }
  }

  bool local_item(uint8_t tag, std::span<const uint8_t> d) {
    const uint32_t data = udata(d);
    const auto size = static_cast<uint8_t>(d.size());
    switch (tag) {
      case 0xA:
        if (data) {
          if (local.delimiter_depth != 0) return false;
          local.delimiter_depth++;
          local.delimiter_branch++;
        } else {
          if (local.delimiter_depth < 1) return false;
          local.delimiter_depth--;
        }
        return true;
      case 0x0:
        if (local.delimiter_branch > 1) return true;
        return add_usage(data, size);
      case 0x1:
        if (local.delimiter_branch > 1) return true;
        local.usage_minimum = data;
        return true;
      case 0x2: {
        if (local.delimiter_branch > 1) return true;
        uint32_t last = data;
        const uint32_t count = data - local.usage_minimum;  // unsigned, as in the kernel
        if (uint64_t{count} + local.usage.size() >= kMaxUsages) {
          last = static_cast<uint32_t>(kMaxUsages - local.usage.size() + local.usage_minimum - 1);
          if (last == 0) return false;  // "no more usage index available"
        }
        for (uint64_t n = local.usage_minimum; n <= last; ++n)
          if (!add_usage(static_cast<uint32_t>(n), size)) return false;
        return true;
      }
      default: return true;  // "unknown local item tag": ignored
    }
  }
};

}  // namespace kernel_model

inline KernelHidView kernel_view(std::span<const uint8_t> d) {
  using kernel_model::Field;
  kernel_model::Parser p;
  KernelHidView v;
  size_t pos = 0;
  while (pos < d.size() && v.parsed) {
    const uint8_t b = d[pos++];
    if (b == 0xFE) {  // hid_open_report: "unexpected long global item"
      v.parsed = false;
      break;
    }
    const size_t n = (b & 3) == 3 ? 4 : (b & 3);
    if (d.size() - pos < n) { v.parsed = false; break; }
    const auto data = d.subspan(pos, n);
    pos += n;
    const uint8_t type = (b >> 2) & 3, tag = b >> 4;
    bool ok = true;
    if (type == 0) ok = p.main_item(tag, data);
    else if (type == 1) ok = p.global_item(tag, data);
    else if (type == 2) ok = p.local_item(tag, data);
    // type 3: hid_parser_reserved ignores it
    if (!ok) v.parsed = false;
  }
  if (!p.collection_stack.empty() || p.local.delimiter_depth != 0) v.parsed = false;
  if (d.empty()) v.parsed = false;  // "item fetching failed"

  constexpr uint32_t GD = 0x01 << 16, DG = 0x0D << 16;
  auto has = [](const Field& f, uint32_t usage) {
    for (uint32_t u : f.usage)
      if (u == usage) return true;
    return false;
  };
  auto in_stack = [](const Field& f, uint32_t usage) {
    for (uint32_t u : f.stack)
      if (u == usage) return true;
    return false;
  };
  for (const auto& c : p.collections) {
    if (c.type != 1) continue;
    if (c.usage == (GD | 0x80)) v.system_control = true;
    if (c.usage == (GD | 0x04) || c.usage == (GD | 0x05)) v.gamepad = true;
    if (c.usage >> 16 == 0x0C) v.consumer_control = true;
    if (c.usage >> 16 == 0x0D) v.digitizer = true;
    if (c.usage == (DG | 0x05)) v.touchpad = true;
  }
  bool rx = false, ry = false, touch_tip = false, touch_x = false, touch_y = false;
  for (const auto& f : p.fields) {
    if (!f.input || (f.flags & 1)) continue;  // hid-input ignores constant fields
    bool keys = false;
    for (uint32_t u : f.usage) keys = keys || (u >> 16 == 0x07);
    if (keys && (f.application == (GD | 0x06) || f.application == (GD | 0x07))) v.keyboard = true;
    if (!(f.flags & 2)) continue;
    const bool game = in_stack(f, GD | 0x04) || in_stack(f, GD | 0x05) || in_stack(f, GD | 0x08);
    const bool touch_screen = in_stack(f, DG | 0x04);
    const bool pen = in_stack(f, DG | 0x02) || in_stack(f, DG | 0x20);
    if (touch_screen && has(f, DG | 0x42)) touch_tip = true;
    if (pen && has(f, DG | 0x30)) v.pen_pressure = true;
    if (game) continue;
    const std::pair<int64_t, int64_t> range{f.logical_minimum, f.logical_maximum};
    if (f.flags & 4) {
      rx = rx || has(f, GD | 0x30);
      ry = ry || has(f, GD | 0x31);
    } else {
      if (has(f, GD | 0x30) && !v.abs_x) v.abs_x = range;
      if (has(f, GD | 0x31) && !v.abs_y) v.abs_y = range;
      touch_x = touch_x || (touch_screen && has(f, GD | 0x30));
      touch_y = touch_y || (touch_screen && has(f, GD | 0x31));
    }
  }
  v.relative_pointer = rx && ry;
  v.absolute_pointer = v.abs_x && v.abs_y;
  v.touch_screen_contact = touch_tip && touch_x && touch_y;
  return v;
}

}  // namespace telltale::testing
