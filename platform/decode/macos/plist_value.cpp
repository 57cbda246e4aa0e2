// libplist (Debian libplist-dev) parses both encodings; writing our own
// binary-plist reader would duplicate a well-kept library.
#include "platform/decode/macos/plist_value.h"

#include "platform/decode/text_sanitize.h"

#include <plist/plist.h>

#include <cstdlib>
#include <limits>
#include <memory>

namespace telltale::decode::macos {
namespace {

struct PlistFree {
  void operator()(void* p) const { plist_free(static_cast<plist_t>(p)); }
};

// Returns false when the tree nests deeper than kMaxPlistDepth.
bool convert(plist_t node, PlistValue& out, int depth) {
  if (depth > kMaxPlistDepth) return false;
  switch (plist_get_node_type(node)) {
    case PLIST_BOOLEAN: {
      uint8_t b = 0;
      plist_get_bool_val(node, &b);
      out.kind = PlistValue::Kind::kBool;
      out.boolean = b != 0;
      return true;
    }
    case PLIST_UINT:
      out.kind = PlistValue::Kind::kInteger;
      plist_get_uint_val(node, &out.integer);
      return true;
    case PLIST_REAL:
      out.kind = PlistValue::Kind::kReal;
      plist_get_real_val(node, &out.real);
      return true;
    case PLIST_STRING: {
      // plist_get_string_val asserts (aborts) on a string with an embedded
      // NUL; the pointer form takes the stored length.
      uint64_t len = 0;
      const char* s = plist_get_string_ptr(node, &len);
      out.kind = PlistValue::Kind::kString;
      // Device-controlled text (USB strings, product names) ends up in protobuf
      // string fields, which must be UTF-8: sanitised once, here.
      if (s) out.text = sanitize_utf8(std::string_view(s, len));
      return true;
    }
    case PLIST_DATA: {
      char* d = nullptr;
      uint64_t len = 0;
      plist_get_data_val(node, &d, &len);
      out.kind = PlistValue::Kind::kData;
      if (d) out.bytes.assign(reinterpret_cast<uint8_t*>(d), reinterpret_cast<uint8_t*>(d) + len);
      std::free(d);
      return true;
    }
    case PLIST_DATE:
      out.kind = PlistValue::Kind::kDate;
      return true;
    case PLIST_UID:
      out.kind = PlistValue::Kind::kUid;
      plist_get_uid_val(node, &out.integer);
      return true;
    case PLIST_ARRAY: {
      out.kind = PlistValue::Kind::kArray;
      const uint32_t n = plist_array_get_size(node);
      out.array.resize(n);
      for (uint32_t i = 0; i < n; ++i)
        if (!convert(plist_array_get_item(node, i), out.array[i], depth + 1)) return false;
      return true;
    }
    case PLIST_DICT: {
      out.kind = PlistValue::Kind::kDict;
      plist_dict_iter it = nullptr;
      plist_dict_new_iter(node, &it);
      if (!it) return true;
      for (;;) {
        char* key = nullptr;
        plist_t value = nullptr;
        plist_dict_next_item(node, it, &key, &value);
        if (!value) {
          std::free(key);
          break;
        }
        out.keys.push_back(key ? sanitize_utf8(key) : "");
        out.values.emplace_back();
        std::free(key);
        if (!convert(value, out.values.back(), depth + 1)) {
          std::free(it);
          return false;
        }
      }
      std::free(it);
      return true;
    }
    default:
      out.kind = PlistValue::Kind::kNone;
      return true;
  }
}

// libplist 2.2 aborts (assert in plist_get_key_val) on a dictionary key
// whose UTF-16 form holds U+0000, and every key is read that way. A binary
// plist with such a string object is refused before libplist sees it.
// Layout (Apple's CFBinaryPList.c): trailer of 32 bytes at the end with the
// offset size, object count and offset table position; object markers 0x6N
// are UTF-16BE strings of N (or a following int's) code units.
std::string binary_plist_hazard(std::string_view b) {
  if (b.size() < 8 + 32 || b.substr(0, 6) != "bplist") return "";
  auto u8 = [&](size_t i) { return static_cast<uint8_t>(b[i]); };
  auto be = [&](size_t at, size_t width, uint64_t& v) {
    if (width == 0 || width > 8 || at > b.size() || b.size() - at < width) return false;
    v = 0;
    for (size_t i = 0; i < width; ++i) v = v << 8 | u8(at + i);
    return true;
  };
  const size_t t = b.size() - 32;
  const size_t offset_size = u8(t + 6);
  uint64_t count = 0, table = 0;
  if (!be(t + 8, 8, count) || !be(t + 24, 8, table)) return "";
  if (offset_size == 0 || count > b.size() || table > b.size()) return "";  // libplist refuses these itself
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t off = 0;
    if (!be(static_cast<size_t>(table + i * offset_size), offset_size, off) || off >= t) continue;
    const uint8_t marker = u8(static_cast<size_t>(off));
    if ((marker >> 4) != 0x6) continue;
    uint64_t units = marker & 0x0F;
    size_t start = static_cast<size_t>(off) + 1;
    if (units == 0x0F) {
      if (start >= t || (u8(start) >> 4) != 0x1) continue;
      const size_t width = size_t{1} << (u8(start) & 0x0F);
      if (!be(start + 1, width, units)) continue;
      start += 1 + width;
    }
    if (units > t || start > t || (t - start) / 2 < units) continue;
    for (uint64_t k = 0; k < units; ++k)
      if (u8(start + 2 * k) == 0 && u8(start + 2 * k + 1) == 0)
        return "binary property list: UTF-16 string object " + std::to_string(i) + " holds U+0000";
  }
  return "";
}

}  // namespace

const PlistValue* PlistValue::get(std::string_view key) const {
  if (kind != Kind::kDict) return nullptr;
  for (size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &values[i];
  return nullptr;
}

std::optional<int64_t> PlistValue::as_int() const {
  if (kind != Kind::kInteger) return std::nullopt;
  return static_cast<int64_t>(integer);
}
std::optional<uint64_t> PlistValue::as_uint() const {
  if (kind != Kind::kInteger) return std::nullopt;
  return integer;
}
std::optional<std::string> PlistValue::as_string() const {
  if (kind != Kind::kString) return std::nullopt;
  return text;
}
std::optional<bool> PlistValue::as_bool() const {
  if (kind == Kind::kBool) return boolean;
  if (kind == Kind::kInteger) return integer != 0;
  return std::nullopt;
}
const std::vector<uint8_t>* PlistValue::as_data() const { return kind == Kind::kData ? &bytes : nullptr; }

std::optional<int64_t> PlistValue::int_at(std::string_view key) const {
  const auto* v = get(key);
  return v ? v->as_int() : std::nullopt;
}
std::optional<std::string> PlistValue::string_at(std::string_view key) const {
  const auto* v = get(key);
  return v ? v->as_string() : std::nullopt;
}
std::optional<bool> PlistValue::bool_at(std::string_view key) const {
  const auto* v = get(key);
  return v ? v->as_bool() : std::nullopt;
}

PlistParseResult parse_plist(std::string_view bytes) {
  PlistParseResult r;
  if (bytes.size() > std::numeric_limits<uint32_t>::max()) {
    r.error = "property list of " + std::to_string(bytes.size()) + " bytes is larger than 4 GiB";
    return r;
  }
  if (auto hazard = binary_plist_hazard(bytes); !hazard.empty()) {
    r.error = hazard;
    return r;
  }
  plist_t raw = nullptr;
  plist_from_memory(bytes.data(), static_cast<uint32_t>(bytes.size()), &raw);
  if (!raw) {
    r.error = "not an XML or binary property list (" + std::to_string(bytes.size()) + " bytes)";
    return r;
  }
  std::unique_ptr<void, PlistFree> guard(raw);
  PlistValue v;
  if (!convert(raw, v, 0)) {
    r.error = "property list nests deeper than " + std::to_string(kMaxPlistDepth) + " levels";
    return r;
  }
  r.value = std::move(v);
  return r;
}

}  // namespace telltale::decode::macos
