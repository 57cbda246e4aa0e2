#include "platform/decode/hid_preparsed.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>

namespace telltale::decode {
namespace {

// Layout of HIDP_PREPARSED_DATA (64-bit and 32-bit Windows alike; offsets as
// in hidapi's hidapi_descriptor_reconstruct.h).
constexpr size_t kHeaderSize = 44;     // caps[0] starts here
constexpr size_t kCapSize = 104;       // hid_pp_cap
constexpr size_t kLinkNodeSize = 16;   // hid_pp_link_collection_node
constexpr size_t kMaxCollectionDepth = 32;
constexpr uint16_t kMaxCaps = 4096;    // far above real devices; bounds a hostile blob

uint16_t u16(std::span<const uint8_t> b, size_t at) { return uint16_t(b[at] | b[at + 1] << 8); }
uint32_t u32(std::span<const uint8_t> b, size_t at) {
  return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 | uint32_t(b[at + 3]) << 24;
}
int32_t i32(std::span<const uint8_t> b, size_t at) { return static_cast<int32_t>(u32(b, at)); }

struct Cap {
  int report_type = 0;  // 0 input, 1 output, 2 feature
  size_t index = 0;
  uint16_t usage_page = 0;
  uint8_t report_id = 0;
  uint8_t bit_position = 0;
  uint16_t report_size = 0;   // bits per field
  uint16_t report_count = 0;
  uint16_t byte_position = 0;  // byte 0 is the report id
  uint32_t main_flags = 0;     // the Input/Output/Feature item's data as the device declared it
  uint16_t link_collection = 0;
  bool is_button = false;
  bool is_range = false;
  uint16_t usage_min = 0, usage_max = 0, usage = 0;
  int32_t logical_min = 0, logical_max = 0;
  int32_t physical_min = 0, physical_max = 0;
  bool has_physical = false;
  uint32_t units = 0, units_exp = 0;

  int first_bit() const { return (int(byte_position) - 1) * 8 + bit_position; }
  int end_bit() const { return first_bit() + int(report_size) * report_count; }
};

struct LinkNode {
  uint16_t usage = 0;
  uint16_t usage_page = 0;
  uint16_t parent = 0;
  uint8_t collection_type = 0;
};

class Writer {
 public:
  std::vector<uint8_t> out;

  void item(uint8_t tag, int64_t value, bool is_signed) {
    if (is_signed ? (value >= -128 && value <= 127) : (value >= 0 && value <= 0xFF)) {
      out.push_back(uint8_t(tag | 1));
      out.push_back(uint8_t(value));
    } else if (is_signed ? (value >= -32768 && value <= 32767) : (value >= 0 && value <= 0xFFFF)) {
      out.push_back(uint8_t(tag | 2));
      out.push_back(uint8_t(value));
      out.push_back(uint8_t(value >> 8));
    } else {
      out.push_back(uint8_t(tag | 3));
      for (int i = 0; i < 4; ++i) out.push_back(uint8_t(value >> (8 * i)));
    }
  }
  void bare(uint8_t tag) { out.push_back(tag); }

  // Globals are written only when they change, as a descriptor author would.
  void usage_page(uint16_t page) { global(page_, page, 0x04, false); }
  void report_id(uint8_t id) {
    if (id != 0) global(report_id_, id, 0x84, false);
  }
  void logical(int64_t min, int64_t max) {
    global(logical_min_, min, 0x14, true);
    global(logical_max_, max, 0x24, true);
  }
  void physical(int64_t min, int64_t max) {
    global(physical_min_, min, 0x34, true);
    global(physical_max_, max, 0x44, true);
  }
  void unit(uint32_t units, uint32_t exponent) {
    global(unit_exp_, exponent, 0x54, false);
    global(unit_, units, 0x64, false);
  }
  void report_size(uint32_t bits) { global(size_, bits, 0x74, false); }
  void report_count(uint32_t n) { global(count_, n, 0x94, false); }

 private:
  void global(std::optional<int64_t>& current, int64_t value, uint8_t tag, bool is_signed) {
    if (current == value) return;
    current = value;
    item(tag, value, is_signed);
  }
  std::optional<int64_t> page_, report_id_, logical_min_, logical_max_, physical_min_, physical_max_, unit_exp_, unit_,
      size_, count_;
};

constexpr uint8_t kMainTags[3] = {0x80, 0x90, 0xB0};  // Input, Output, Feature

class Rebuilder {
 public:
  Rebuilder(std::vector<Cap> caps, std::vector<LinkNode> nodes) : caps_(std::move(caps)), nodes_(std::move(nodes)) {}

  std::string run() {
    if (nodes_.empty()) return "preparsed data: no link collections";
    return collection(0, 0);
  }
  std::vector<uint8_t> take() { return std::move(w_.out); }

 private:
  std::string collection(uint16_t index, size_t depth) {
    if (depth >= kMaxCollectionDepth) return "preparsed data: link collections nested deeper than " + std::to_string(kMaxCollectionDepth);
    const LinkNode& node = nodes_[index];
    w_.usage_page(node.usage_page);
    w_.item(0x08, node.usage, false);
    w_.item(0xA0, node.collection_type, false);

    // This collection's caps in report order; caps sharing a start bit are
    // one array main item with several usages (IsMultipleItemsForArray) or
    // aliases of one field.
    std::vector<const Cap*> mine;
    for (const auto& c : caps_)
      if (c.link_collection == index) mine.push_back(&c);
    std::stable_sort(mine.begin(), mine.end(), [](const Cap* a, const Cap* b) {
      return std::tuple(a->report_type, a->report_id, a->first_bit()) < std::tuple(b->report_type, b->report_id, b->first_bit());
    });
    std::map<std::pair<int, uint8_t>, int> next_bit;  // (report type, id) → end of the last field written here
    for (size_t i = 0; i < mine.size();) {
      size_t j = i + 1;
      while (j < mine.size() && mine[j]->report_type == mine[i]->report_type && mine[j]->report_id == mine[i]->report_id &&
             mine[j]->first_bit() == mine[i]->first_bit())
        ++j;
      field(std::span(mine).subspan(i, j - i), next_bit);
      i = j;
    }
    for (uint16_t child = 1; child < nodes_.size(); ++child) {
      if (nodes_[child].parent != index || child == index) continue;
      if (auto problem = collection(child, depth + 1); !problem.empty()) return problem;
    }
    w_.bare(0xC0);
    return {};
  }

  void field(std::span<const Cap* const> group, std::map<std::pair<int, uint8_t>, int>& next_bit) {
    const Cap& c = *group.front();
    w_.report_id(c.report_id);
    const auto key = std::pair(c.report_type, c.report_id);
    if (auto it = next_bit.find(key); it != next_bit.end() && c.first_bit() > it->second) {
      // A gap the device filled with constant bits Windows does not keep.
      w_.report_size(uint32_t(c.first_bit() - it->second));
      w_.report_count(1);
      w_.item(kMainTags[c.report_type], 0x03, false);  // Constant, Variable
    }
    // Windows lists an array's usages last-declared first.
    for (auto it = group.rbegin(); it != group.rend(); ++it) {
      const Cap& u = **it;
      w_.usage_page(u.usage_page);
      if (u.is_range) {
        w_.item(0x18, u.usage_min, false);
        w_.item(0x28, u.usage_max, false);
      } else {
        w_.item(0x08, u.usage, false);
      }
    }
    int64_t min = c.logical_min, max = c.logical_max;
    // Variable buttons carry no range in the caps (both 0): one bit each, 0..1.
    if (c.is_button && min == 0 && max == 0) max = 1;
    // Windows keeps the range sign-extended from the item's bytes, so an
    // unsigned 0..0xFFFF (written FF FF) comes back as 0..-1. The field's bit
    // width says what the device meant, as the kernel's reading of it does.
    if (min >= 0 && max < 0 && c.report_size > 0 && c.report_size < 32) max &= (int64_t{1} << c.report_size) - 1;
    w_.logical(min, max);
    if (c.has_physical) w_.physical(c.physical_min, c.physical_max);
    w_.unit(c.units, c.units_exp);
    w_.report_size(c.report_size);
    w_.report_count(c.report_count);
    w_.item(kMainTags[c.report_type], c.main_flags, false);
    next_bit[key] = std::max(next_bit[key], c.end_bit());
  }

  std::vector<Cap> caps_;
  std::vector<LinkNode> nodes_;
  Writer w_;
};

}  // namespace

ReconstructedDescriptor reconstruct_hid_descriptor(std::span<const uint8_t> pp) {
  ReconstructedDescriptor result;
  auto fail = [&](std::string message) {
    result.descriptor.clear();
    result.error = std::move(message);
    return result;
  };
  if (pp.size() < kHeaderSize)
    return fail("preparsed data: " + std::to_string(pp.size()) + " bytes, the header needs " + std::to_string(kHeaderSize));
  if (std::memcmp(pp.data(), "HidP KDR", 8) != 0) return fail("preparsed data: magic is not \"HidP KDR\"");

  std::vector<Cap> caps;
  for (int type = 0; type < 3; ++type) {
    const size_t info = 16 + 8 * size_t(type);
    const uint16_t first = u16(pp, info);
    const uint16_t last = u16(pp, info + 4);  // one past the type's last cap
    if (last < first || last > kMaxCaps)
      return fail("preparsed data: caps " + std::to_string(first) + ".." + std::to_string(last) + " of report type " +
                  std::to_string(type) + " out of order or beyond " + std::to_string(kMaxCaps));
    if (kHeaderSize + size_t(last) * kCapSize > pp.size())
      return fail("preparsed data: " + std::to_string(pp.size()) + " bytes, cap " + std::to_string(last) + " would end at " +
                  std::to_string(kHeaderSize + size_t(last) * kCapSize));
    for (uint16_t i = first; i < last; ++i) {
      const auto b = pp.subspan(kHeaderSize + size_t(i) * kCapSize, kCapSize);
      const uint8_t flags = b[24];
      if (flags & 0x02) continue;  // IsPadding
      Cap c;
      c.report_type = type;
      c.index = i;
      c.usage_page = u16(b, 0);
      c.report_id = b[2];
      c.bit_position = b[3];
      c.report_size = u16(b, 4);
      c.report_count = u16(b, 6);
      c.byte_position = u16(b, 8);
      c.main_flags = u32(b, 12);
      c.link_collection = u16(b, 18);
      c.is_button = flags & 0x04;
      c.is_range = flags & 0x10;
      c.usage_min = u16(b, 60);
      c.usage_max = u16(b, 62);
      c.usage = u16(b, 60);
      if (c.is_button) {
        c.logical_min = i32(b, 76);
        c.logical_max = i32(b, 80);
      } else {
        c.logical_min = i32(b, 80);
        c.logical_max = i32(b, 84);
        c.physical_min = i32(b, 88);
        c.physical_max = i32(b, 92);
        c.has_physical = c.physical_min != 0 || c.physical_max != 0;
      }
      c.units = u32(b, 96);
      c.units_exp = u32(b, 100);
      if (c.byte_position == 0 && c.report_size * c.report_count > 0)
        return fail("preparsed data: cap " + std::to_string(i) + " starts at byte 0, where the report id sits");
      caps.push_back(c);
    }
  }

  const size_t link_offset = kHeaderSize + u16(pp, 40);
  const uint16_t link_count = u16(pp, 42);
  if (link_offset + size_t(link_count) * kLinkNodeSize > pp.size())
    return fail("preparsed data: " + std::to_string(link_count) + " link collections at byte " + std::to_string(link_offset) +
                " run past its " + std::to_string(pp.size()) + " bytes");
  std::vector<LinkNode> nodes;
  for (uint16_t i = 0; i < link_count; ++i) {
    const auto b = pp.subspan(link_offset + size_t(i) * kLinkNodeSize, kLinkNodeSize);
    LinkNode n;
    n.usage = u16(b, 0);
    n.usage_page = u16(b, 2);
    n.parent = u16(b, 4);
    n.collection_type = b[12];
    if (i > 0 && n.parent >= link_count)
      return fail("preparsed data: link collection " + std::to_string(i) + " names parent " + std::to_string(n.parent) +
                  " of " + std::to_string(link_count));
    nodes.push_back(n);
  }
  for (const auto& c : caps)
    if (c.link_collection >= link_count)
      return fail("preparsed data: cap " + std::to_string(c.index) + " in link collection " + std::to_string(c.link_collection) +
                  " of " + std::to_string(link_count));

  Rebuilder rebuilder(std::move(caps), std::move(nodes));
  if (auto problem = rebuilder.run(); !problem.empty()) return fail(problem);
  result.descriptor = rebuilder.take();
  return result;
}

}  // namespace telltale::decode
