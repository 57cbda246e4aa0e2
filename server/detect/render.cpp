// How verdicts leave detect: a terminal page and protobuf's canonical JSON.
#include <cstdio>
#include <stdexcept>

#include <boost/json.hpp>
#include <google/protobuf/util/json_util.h>

#include "server/detect/engine.h"
#include "server/detect/why.h"

namespace telltale::detect {
namespace {

std::string canonical_json(const google::protobuf::Message& m, bool all_fields = false) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = false;
  opts.always_print_primitive_fields = all_fields;  // score 0 and empty lists stay visible
  auto status = google::protobuf::util::MessageToJsonString(m, &out, opts);
  if (!status.ok()) throw std::runtime_error("JSON of " + m.GetTypeName() + ": " + status.ToString());
  return out;
}

std::string iso_utc(int64_t unix_ms) {
  if (unix_ms == 0) return "-";
  time_t s = static_cast<time_t>(unix_ms / 1000);
  struct tm tm {};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::string render_text(const telltale::v1::Verdict& v) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s: %s (score %s, catalog %s, evaluated %s)\n",
                v.device_id().empty() ? "device" : v.device_id().c_str(), v.level().c_str(), format_score(v.score()).c_str(),
                v.catalog_version().c_str(), iso_utc(v.evaluated_at_unix_ms()).c_str());
  out += buf;
  out += "  why: " + why(v) + "\n";
  if (v.indicators().empty()) out += "  no indicators\n";
  for (const auto& i : v.indicators()) {
    std::snprintf(buf, sizeof buf, "  [%s %s %s] %s — %s (since %s)\n", i.category().c_str(), i.severity().c_str(),
                  format_score(i.score()).c_str(), i.id().c_str(), i.title().c_str(), iso_utc(i.first_seen_unix_ms()).c_str());
    out += buf;
    for (const auto& f : i.evidence()) out += "      " + f.key() + ": " + f.value() + "\n";
  }
  for (const auto& c : v.cluster_ids()) out += "  cluster " + c + "\n";
  return out;
}

std::string to_json(const telltale::v1::Verdict& v) {
  // Protobuf's own printer keeps its number format (451.5, int64 as strings);
  // "verdict" goes first so a reader sees the answer before the reasons.
  std::string body = canonical_json(v, /*all_fields=*/true);
  return "{\"verdict\":" + boost::json::serialize(boost::json::value(v.level())) + (body.size() > 2 ? "," : "") +
         body.substr(1);
}

std::string to_json(const telltale::v1::Cluster& c) { return canonical_json(c); }

}  // namespace telltale::detect
