#include "platform/decode/text_sanitize_message.h"

#include <array>
#include <string_view>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "platform/decode/text_sanitize.h"

namespace telltale::decode {
namespace {

namespace pb = google::protobuf;
constexpr size_t kMaxExamples = 8;

// Fields whose values are paths or sentences and legitimately run past a
// name's length. A name missing here only means the shorter cap applies.
constexpr std::array<std::string_view, 14> kLongFields = {
    "telltale.v1.ProbeError.path",          "telltale.v1.ProbeError.message",
    "telltale.v1.Edid.error",               "telltale.v1.HidSummary.parse_error",
    "telltale.v1.VirtualMachineHint.evidence", "telltale.v1.RemoteProcess.exe",
    "telltale.v1.RemoteAccessTool.installed_paths", "telltale.v1.RemoteAccessTool.services",
    "telltale.v1.KeyboardLayout.source",    "telltale.v1.InputMethod.source",
    "telltale.v1.InputDevice.sysfs",        "telltale.v1.InputDevice.phys",
    "telltale.v1.KeyboardContext.options",  "telltale.v1.SpoolGap.reason",
};

class Walker {
 public:
  SanitizeResult result;

  void walk(pb::Message& m, const std::string& path, int depth) {
    // Depth is bounded by the schema (no recursive messages today); the
    // guard keeps a future recursive one from exhausting the stack.
    if (depth > 64) return;
    const pb::Reflection* r = m.GetReflection();
    std::vector<const pb::FieldDescriptor*> fields;
    r->ListFields(m, &fields);  // only fields that are set: empty ones need nothing
    for (const auto* f : fields) {
      const std::string here = path.empty() ? f->name() : path + "." + f->name();
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING && f->type() == pb::FieldDescriptor::TYPE_STRING) {
        const size_t cap = max_chars_of(*f);
        if (f->is_repeated()) {
          for (int i = 0; i < r->FieldSize(m, f); ++i) {
            std::string value = r->GetRepeatedString(m, f, i);
            std::string clean = clean_field_text(value, cap);
            if (clean != value) {
              r->SetRepeatedString(&m, f, i, std::move(clean));
              repaired(here + "[" + std::to_string(i) + "]");
            }
          }
        } else {
          std::string value = r->GetString(m, f);
          std::string clean = clean_field_text(value, cap);
          if (clean != value) {
            r->SetString(&m, f, std::move(clean));
            repaired(here);
          }
        }
      } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        if (f->is_repeated()) {
          for (int i = 0; i < r->FieldSize(m, f); ++i)
            walk(*r->MutableRepeatedMessage(&m, f, i), here + "[" + std::to_string(i) + "]", depth + 1);
        } else {
          walk(*r->MutableMessage(&m, f), here, depth + 1);
        }
      }
    }
  }

 private:
  void repaired(std::string path) {
    ++result.fields_repaired;
    if (result.examples.size() < kMaxExamples) result.examples.push_back(std::move(path));
  }
};

}  // namespace

size_t max_chars_of(const pb::FieldDescriptor& field) {
  for (auto name : kLongFields)
    if (field.full_name() == name) return kMaxLongFieldChars;
  return kMaxFieldChars;
}

std::span<const std::string_view> long_field_names() { return kLongFields; }

SanitizeResult sanitize_strings(pb::Message& message) {
  Walker w;
  w.walk(message, "", 0);
  return std::move(w.result);
}

}  // namespace telltale::decode
