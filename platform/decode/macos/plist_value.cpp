// libplist (Debian libplist-dev) parses both encodings; writing our own
// binary-plist reader would duplicate a well-kept library.
#include "platform/decode/macos/plist_value.h"

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
    case PLIST_STRING:
    case PLIST_KEY: {
      char* s = nullptr;
      plist_get_string_val(node, &s);
      out.kind = PlistValue::Kind::kString;
      if (s) out.text = s;
      std::free(s);
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
        out.dict.emplace_back(key ? key : "", PlistValue{});
        std::free(key);
        if (!convert(value, out.dict.back().second, depth + 1)) {
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

}  // namespace

const PlistValue* PlistValue::get(std::string_view key) const {
  if (kind != Kind::kDict) return nullptr;
  for (const auto& [k, v] : dict)
    if (k == key) return &v;
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
