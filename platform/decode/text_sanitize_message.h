#pragma once
// The last pass over a report before it is spooled: every string field of a
// message, at any depth (nested, repeated, oneof, map), found by protobuf
// reflection so a field added to the schema tomorrow is covered without
// anyone remembering to. Each value goes through clean_field_text(), so no
// content read from a device or a user's file can make the report fail to
// serialise or parse, reorder the text around it, or grow without bound.
// `bytes` fields (raw EDID…) are left alone: they are data, not text.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

namespace telltale::decode {

// Names, identifiers, single values: a product string, a comm, a layout.
inline constexpr size_t kMaxFieldChars = 256;
// Paths and sentences: error messages, file paths, evidence.
inline constexpr size_t kMaxLongFieldChars = 1024;

struct SanitizeResult {
  uint64_t fields_repaired = 0;        // string values that changed
  std::vector<std::string> examples;   // field paths of the first few, for the log ("keyboard.users[0]...name")
};

// The cap of one string field: kMaxLongFieldChars for the fields that hold
// paths or sentences (listed by full name in the .cpp), kMaxFieldChars for
// every other one, including fields not yet written.
size_t max_chars_of(const google::protobuf::FieldDescriptor& field);
// The full names given the long cap (a test checks each still exists).
std::span<const std::string_view> long_field_names();

SanitizeResult sanitize_strings(google::protobuf::Message& message);

}  // namespace telltale::decode
