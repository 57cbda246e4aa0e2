#include "server/ingest/report_limits.h"

#include <google/protobuf/descriptor.h>

namespace telltale::server {
namespace {
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::optional<std::string> walk(const Message& m, const ReportLimits& lim, const std::string& path, int depth) {
  if (depth > lim.max_depth) return path + ": nested deeper than " + std::to_string(lim.max_depth);
  const auto* refl = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(m, &fields);
  for (const auto* f : fields) {
    const std::string here = path + "." + f->name();
    if (f->is_repeated()) {
      size_t n = static_cast<size_t>(refl->FieldSize(m, f));
      size_t limit = lim.max_repeated;
      if (f->name() == "usb_devices") limit = lim.max_usb_devices;
      if (f->name() == "events") limit = lim.max_events;
      if (n > limit) return here + ": " + std::to_string(n) + " entries, limit " + std::to_string(limit);
      for (size_t i = 0; i < n; ++i) {
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          if (auto e = walk(refl->GetRepeatedMessage(m, f, static_cast<int>(i)), lim, here + "[" + std::to_string(i) + "]",
                            depth + 1))
            return e;
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          std::string scratch;
          const auto& s = refl->GetRepeatedStringReference(m, f, static_cast<int>(i), &scratch);
          size_t limit_s = f->type() == FieldDescriptor::TYPE_BYTES ? lim.max_bytes_field : lim.max_string_bytes;
          if (s.size() > limit_s)
            return here + "[" + std::to_string(i) + "]: " + std::to_string(s.size()) + " bytes, limit " +
                   std::to_string(limit_s);
        }
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (auto e = walk(refl->GetMessage(m, f), lim, here, depth + 1)) return e;
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      std::string scratch;
      const auto& s = refl->GetStringReference(m, f, &scratch);
      size_t limit_s = f->type() == FieldDescriptor::TYPE_BYTES ? lim.max_bytes_field : lim.max_string_bytes;
      if (s.size() > limit_s) return here + ": " + std::to_string(s.size()) + " bytes, limit " + std::to_string(limit_s);
    }
  }
  return std::nullopt;
}
}  // namespace

std::optional<std::string> check_report_limits(const Message& report, const ReportLimits& limits) {
  return walk(report, limits, "report", 0);
}

}  // namespace telltale::server
