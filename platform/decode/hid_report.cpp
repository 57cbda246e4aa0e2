#include "platform/decode/hid_report.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "platform/common/hash.h"

namespace telltale::decode {
namespace {

// Bounds, so a hostile descriptor costs bounded memory. The kernel allows a
// global stack of 4 (HID_GLOBAL_STACK_SIZE); real descriptors nest collections
// a handful deep.
constexpr size_t kGlobalStackDepth = 4;
constexpr size_t kCollectionDepth = 32;
// hid-core's HID_MAX_USAGES: more usages before one main item are an error, and
// a Usage Maximum that would pass it is cut to fit (as the kernel does).
constexpr uint64_t kHidMaxUsages = 12288;

constexpr uint32_t kGenericDesktop = 0x01;
constexpr uint32_t kKeyboardPage = 0x07;
constexpr uint32_t kConsumerPage = 0x0C;
constexpr uint32_t kDigitizerPage = 0x0D;

enum ItemType : uint8_t { kMain = 0, kGlobal = 1, kLocal = 2, kReserved = 3 };

struct Globals {
  uint32_t usage_page = 0;
  int64_t logical_min = 0;
  int64_t logical_max = 0;
  uint32_t report_size = 0;
  uint32_t report_count = 0;
  uint32_t report_id = 0;
};

// Usages as the kernel's hid-core keeps them (drivers/hid/hid-core.c): a 1–2
// byte Usage takes the usage page in effect *when it is read* (complete_usage),
// a 4-byte one carries its own page; a Usage Maximum adds the whole range from
// the last Usage Minimum. At each main item, hid_concatenate_last_usage_page
// re-pages the trailing usages to the current page, walking back from the last
// one and stopping at the first that already has that page. So
//   UP(GD) U(X) U(Y) UP(Consumer) U(AC Pan) Input
// keeps X/Y on Generic Desktop (Linux reports them as axes), while
//   UP(Button) U(1) UP(GD) Input
// moves Button 1 to Generic Desktop. A range is one entry: every usage in it
// has the same page, so the walk treats it like the kernel treats its members.
struct LocalUsage {
  uint32_t first;  // page << 16 | id
  uint32_t last;   // == first for a single Usage
  bool extended;   // written as 4 bytes: the page is the item's own
};

struct Locals {
  std::vector<LocalUsage> usages;
  std::optional<uint32_t> minimum;  // raw Usage Minimum data, waiting for its Maximum
  uint64_t count = 0;               // usages the kernel would hold (a range counts each member)
  int delimiter_depth = 0;
  int delimiter_branch = 0;  // only the first set of a Delimiter counts (hid-core ignores alternatives)
  void clear() { *this = Locals{}; }
};

struct Collection {
  uint32_t usage = 0;  // page << 16 | id, 0 when none was given
  uint8_t type = 0;    // 0 physical, 1 application, 2 logical…
  bool has_key_inputs = false;
};

uint32_t with_page(uint32_t usage, uint32_t page) { return (page & 0xFFFF) << 16 | (usage & 0xFFFF); }

uint32_t unsigned_data(std::span<const uint8_t> data) {
  uint32_t v = 0;
  for (size_t i = 0; i < data.size(); ++i) v |= static_cast<uint32_t>(data[i]) << (8 * i);
  return v;
}

int64_t signed_data(std::span<const uint8_t> data) {
  const uint32_t v = unsigned_data(data);
  switch (data.size()) {
    case 1: return static_cast<int8_t>(v);
    case 2: return static_cast<int16_t>(v);
    case 4: return static_cast<int32_t>(v);
    default: return 0;
  }
}

bool is_vendor_page(uint32_t page) { return page >= 0xFF00 && page <= 0xFFFF; }

class Parser {
 public:
  explicit Parser(telltale::v1::HidSummary& out) : out_(out) {}

  void run(std::span<const uint8_t> d) {
    size_t pos = 0;
    while (pos < d.size()) {
      const size_t start = pos;
      const uint8_t prefix = d[pos++];
      if (prefix == 0xFE) {  // long item: bDataSize, bLongItemTag, data (no defined tags; skipped)
        if (d.size() - pos < 2) return fail(start, "long item header needs 2 bytes, " + std::to_string(d.size() - pos) + " remain");
        const size_t size = d[pos];
        pos += 2;
        if (d.size() - pos < size)
          return fail(start, "long item claims " + std::to_string(size) + " data bytes, " + std::to_string(d.size() - pos) + " remain");
        pos += size;
        continue;
      }
      const size_t size = (prefix & 0x03) == 3 ? 4 : (prefix & 0x03);
      const auto type = static_cast<ItemType>((prefix >> 2) & 0x03);
      const uint8_t tag = prefix >> 4;
      if (d.size() - pos < size)
        return fail(start, "item claims " + std::to_string(size) + " data bytes, " + std::to_string(d.size() - pos) + " remain");
      const auto data = d.subspan(pos, size);
      pos += size;
      std::string problem;
      switch (type) {
        case kMain: problem = main_item(tag, data); break;
        case kGlobal: problem = global_item(tag, data); break;
        case kLocal: problem = local_item(tag, data); break;
        case kReserved: break;  // hid-core ignores reserved items (hid_parser_reserved), so a device can carry them
      }
      if (!problem.empty()) return fail(start, problem);
    }
    if (!collections_.empty()) set_error(d.size(), std::to_string(collections_.size()) + " collection(s) not closed at end of descriptor");
    if (locals_.delimiter_depth != 0) set_error(d.size(), "delimiter not closed at end of descriptor");
  }

  void finish() {
    // What parsed still counts, also after an error: an application collection
    // left open may well be the keyboard.
    while (!collections_.empty()) close_collection();
    out_.set_relative_pointer(rel_x_ && rel_y_);
    out_.set_absolute_pointer(abs_x_.has_value() && abs_y_.has_value());
    out_.set_touch_screen_contact(touch_tip_ && touch_x_ && touch_y_);
    if (abs_x_) {
      out_.set_abs_x_min(abs_x_->first);
      out_.set_abs_x_max(abs_x_->second);
    }
    if (abs_y_) {
      out_.set_abs_y_min(abs_y_->first);
      out_.set_abs_y_max(abs_y_->second);
    }
    for (uint32_t page : pages_) out_.add_usage_pages(page);
    for (uint32_t id : report_ids_) out_.add_report_ids(id);
  }

 private:
  static std::string hex(uint32_t v) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    do {
      s.insert(s.begin(), digits[v & 0xF]);
      v >>= 4;
    } while (v);
    if (s.size() % 2) s.insert(s.begin(), '0');
    return s;
  }

  void fail(size_t offset, const std::string& message) { set_error(offset, message); }
  void set_error(size_t offset, const std::string& message) {
    if (out_.parse_error().empty()) out_.set_parse_error("byte " + std::to_string(offset) + ": " + message);
  }

  void note_page(uint32_t page) {
    pages_.insert(page);
    if (is_vendor_page(page)) out_.set_vendor_page(true);
  }

  // hid_concatenate_last_usage_page, run before every main item.
  void concatenate_last_usage_page() {
    const uint32_t page = globals_.usage_page & 0xFFFF;
    for (auto it = locals_.usages.rbegin(); it != locals_.usages.rend(); ++it) {
      if (it->extended) continue;
      if (it->first >> 16 == page) break;
      it->first = with_page(it->first, page);
      it->last = with_page(it->last, page);
    }
  }

  std::string main_item(uint8_t tag, std::span<const uint8_t> data) {
    const uint32_t value = unsigned_data(data);
    concatenate_last_usage_page();
    std::string problem;
    switch (tag) {
      case 0x8: problem = field(value, /*input=*/true); break;   // Input
      case 0x9: problem = field(value, /*input=*/false); break;  // Output
      case 0xB: problem = field(value, /*input=*/false); break;  // Feature
      case 0xA: problem = open_collection(static_cast<uint8_t>(value)); break;
      case 0xC:
        if (collections_.empty()) problem = "end collection without an open collection";
        else close_collection();
        break;
      default: break;  // reserved main tags carry nothing we derive from
    }
    locals_.clear();
    return problem;
  }

  std::string open_collection(uint8_t type) {
    if (collections_.size() >= kCollectionDepth) return "collections nested deeper than " + std::to_string(kCollectionDepth);
    Collection c;
    c.type = type;
    if (!locals_.usages.empty()) c.usage = locals_.usages.front().first;  // hid-core: local.usage[0]
    if (c.usage) note_page(c.usage >> 16);
    collections_.push_back(c);
    if (type == 1) application(c.usage);
    return {};
  }

  void application(uint32_t usage) {
    const uint32_t page = usage >> 16;
    const uint32_t id = usage & 0xFFFF;
    if (page == kGenericDesktop && id == 0x80) out_.set_system_control(true);
    if (page == kGenericDesktop && (id == 0x04 || id == 0x05)) out_.set_gamepad(true);
    if (page == kConsumerPage) out_.set_consumer_control(true);
    if (page == kDigitizerPage) {
      out_.set_digitizer(true);
      if (id == 0x05) out_.set_touchpad(true);
    }
  }

  void close_collection() {
    const Collection c = collections_.back();
    collections_.pop_back();
    // A keyboard is a keyboard/keypad application collection with key inputs
    // (HID 1.11 B.1); a keypad usage alone (some receivers declare one empty) is not.
    if (c.type == 1 && (c.usage == (kGenericDesktop << 16 | 0x06) || c.usage == (kGenericDesktop << 16 | 0x07)) && c.has_key_inputs)
      out_.set_keyboard(true);
    if (c.has_key_inputs && !collections_.empty()) collections_.back().has_key_inputs = true;
  }

  // Input / Output / Feature: which usages this field reports and how.
  std::string field(uint32_t flags, bool input) {
    if (globals_.report_id) report_ids_.insert(globals_.report_id);
    const bool constant = flags & 0x01;
    const bool variable = flags & 0x02;
    const bool relative = flags & 0x04;
    if (!input || constant) return {};
    const auto& usages = locals_.usages;
    auto any_on_page = [&](uint32_t page) {
      return std::any_of(usages.begin(), usages.end(),
                         [&](const LocalUsage& u) { return u.first >> 16 == page || u.last >> 16 == page; });
    };
    auto contains = [&](uint32_t usage) {
      return std::any_of(usages.begin(), usages.end(),
                         [&](const LocalUsage& u) { return u.first <= usage && usage <= u.last; });
    };
    if (any_on_page(kKeyboardPage) && !collections_.empty()) collections_.back().has_key_inputs = true;
    if (!variable) return {};  // an array of X/Y selectors is not an axis
    const uint32_t x = kGenericDesktop << 16 | 0x30;
    const uint32_t y = kGenericDesktop << 16 | 0x31;
    const std::pair<int64_t, int64_t> logical{globals_.logical_min, globals_.logical_max};
    // A joystick's or gamepad's sticks are X/Y too, but no pointer: an analog
    // gaming keyboard (keyboard + gamepad in one device) is not a KVM.
    const bool game = inside(kGenericDesktop << 16 | 0x04) || inside(kGenericDesktop << 16 | 0x05) ||
                      inside(kGenericDesktop << 16 | 0x08);
    const bool touch_screen = inside(kDigitizerPage << 16 | 0x04);
    const bool pen = inside(kDigitizerPage << 16 | 0x02) || inside(kDigitizerPage << 16 | 0x20);
    if (touch_screen && contains(kDigitizerPage << 16 | 0x42)) touch_tip_ = true;     // Tip Switch
    if (pen && contains(kDigitizerPage << 16 | 0x30)) out_.set_pen_pressure(true);   // Tip Pressure
    if (game) return {};
    if (relative) {
      rel_x_ = rel_x_ || contains(x);
      rel_y_ = rel_y_ || contains(y);
    } else {
      // Multi-touch digitizers repeat X/Y per contact; the first sets the range.
      if (contains(x) && !abs_x_) abs_x_ = logical;
      if (contains(y) && !abs_y_) abs_y_ = logical;
      if (touch_screen && contains(x)) touch_x_ = true;
      if (touch_screen && contains(y)) touch_y_ = true;
    }
    return {};
  }

  bool inside(uint32_t usage) const {
    return std::any_of(collections_.begin(), collections_.end(), [&](const Collection& c) { return c.usage == usage; });
  }

  std::string global_item(uint8_t tag, std::span<const uint8_t> data) {
    const uint32_t value = unsigned_data(data);
    switch (tag) {
      case 0x0:
        globals_.usage_page = value & 0xFFFF;
        note_page(globals_.usage_page);
        break;
      case 0x1: globals_.logical_min = signed_data(data); break;
      // As the kernel reads it: signed only when the minimum is negative, so
      // 0..0xFFFF (min 0, max written as FF FF) stays 65535.
      case 0x2: globals_.logical_max = globals_.logical_min < 0 ? signed_data(data) : static_cast<int64_t>(value); break;
      // hid-core refuses the whole descriptor past these (hid_parser_global).
      case 0x7:
        if (value > 256) return "report size " + std::to_string(value) + ", at most 256";
        globals_.report_size = value;
        break;
      case 0x8:
        if (value == 0 || value > 255) return "report id " + std::to_string(value) + ", expected 1-255";
        globals_.report_id = value;
        break;
      case 0x9:
        if (value > kHidMaxUsages) return "report count " + std::to_string(value) + ", at most " + std::to_string(kHidMaxUsages);
        globals_.report_count = value;
        break;
      case 0xA:
        if (stack_.size() >= kGlobalStackDepth) return "push deeper than " + std::to_string(kGlobalStackDepth);
        stack_.push_back(globals_);
        break;
      case 0xB:
        if (stack_.empty()) return "pop with an empty global stack";
        globals_ = stack_.back();
        stack_.pop_back();
        break;
      case 0x3: case 0x4: case 0x5: case 0x6: break;  // physical range, unit exponent, unit: not needed
      default: return "unknown global item tag 0x" + hex(tag);  // 0xC-0xF: hid-core refuses the descriptor
    }
    return {};
  }

  std::string local_item(uint8_t tag, std::span<const uint8_t> data) {
    const uint32_t value = unsigned_data(data);
    const bool extended = data.size() == 4;
    if (extended && (tag <= 0x2)) note_page(value >> 16);
    const bool alternative = locals_.delimiter_branch > 1;
    switch (tag) {
      case 0x0:  // Usage
        if (alternative) break;
        return add_usage(value, value, extended);
      case 0x1:  // Usage Minimum
        if (alternative) break;
        locals_.minimum = value;
        break;
      case 0x2: {  // Usage Maximum: hid-core adds minimum..maximum, each with the Maximum's size
        if (alternative || !locals_.minimum) break;
        const uint32_t minimum = *locals_.minimum;
        // As hid-core computes it, in unsigned 32-bit: a Maximum below the
        // Minimum wraps to a huge count, which is then cut to the usages left.
        uint32_t last = value;
        if (static_cast<uint32_t>(value - minimum) + locals_.count >= kHidMaxUsages) {
          last = static_cast<uint32_t>(kHidMaxUsages - locals_.count + minimum - 1);
          if (last == 0) return "usage maximum past " + std::to_string(kHidMaxUsages) + " usages";
        }
        if (last < minimum) break;  // the kernel's loop runs no member
        return add_usage(minimum, last, extended);
      }
      case 0xA:  // Delimiter
        if (value) {
          if (locals_.delimiter_depth != 0) return "nested delimiters";
          ++locals_.delimiter_depth;
          ++locals_.delimiter_branch;
        } else {
          if (locals_.delimiter_depth < 1) return "close delimiter without an open one";
          --locals_.delimiter_depth;
        }
        break;
      default: break;  // designators, strings
    }
    return {};
  }

  std::string add_usage(uint32_t first, uint32_t last, bool extended) {
    if (locals_.count >= kHidMaxUsages) return "more than " + std::to_string(kHidMaxUsages) + " usages before one main item";
    locals_.count += uint64_t{last} - first + 1;
    if (!extended) {
      first = with_page(first, globals_.usage_page);
      last = with_page(last, globals_.usage_page);
    }
    locals_.usages.push_back({first, last, extended});
    return {};
  }

  telltale::v1::HidSummary& out_;
  Globals globals_;
  std::vector<Globals> stack_;
  Locals locals_;
  std::vector<Collection> collections_;
  std::set<uint32_t> pages_;
  std::set<uint32_t> report_ids_;
  bool touch_tip_ = false;  // a Tip Switch inside a Touch Screen application
  bool touch_x_ = false;
  bool touch_y_ = false;
  bool rel_x_ = false;
  bool rel_y_ = false;
  std::optional<std::pair<int64_t, int64_t>> abs_x_;
  std::optional<std::pair<int64_t, int64_t>> abs_y_;
};

}  // namespace

telltale::v1::HidSummary summarize_hid_report(std::span<const uint8_t> descriptor) {
  telltale::v1::HidSummary out;
  out.set_descriptor_length(static_cast<uint32_t>(descriptor.size()));
  out.set_descriptor_sha256(sha256_hex(descriptor));
  Parser parser(out);
  parser.run(descriptor);
  parser.finish();
  return out;
}

}  // namespace telltale::decode
