#pragma once
// Shared by the console's route files (console_*_routes.cpp): the request
// context a route sees, JSON reply helpers and the device facts several
// routes and the evidence export assemble. Not part of the library's API.
#include <google/protobuf/message.h>

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/console/console_api.h"
#include "server/console/console_db.h"
#include "server/console/device_search.h"
#include "server/detect/catalog.h"
#include "server/store/store.h"
#include "telltale/v1/verdict.pb.h"

namespace telltale::server::console::internal {
namespace json = boost::json;

int64_t now_ms();
// Bidirectional-text controls (U+061C, U+200E/F, U+202A-E, U+2066-9) in
// device-reported strings would reorder what the console shows after them;
// they are replaced with U+FFFD in every answer. Returns how many were replaced.
size_t neutralize_bidi(std::string& utf8);
// JSON with bidi controls neutralised.
HttpResponse reply(int status, const json::value& v);
// Errors carry what was wrong and what was expected: {"error": "..."}.
HttpResponse error(int status, const std::string& message);

json::value parse_json_or_null(const std::string& text);
// Stored canonical JSON (verdicts, clusters) embedded as a value, or the raw
// text when it does not parse (never drop evidence on the floor).
json::value embed_json(const std::string& text);
json::value proto_value(const google::protobuf::Message& m);
// A stored verdict in the API's naming (snake_case, like every other field
// the console answers with; the store keeps protobuf's lowerCamel JSON), or
// the stored text as embed_json gives it when it does not parse. Keys are
// renamed, values kept: nothing a rule wrote is dropped.
json::value verdict_value(const std::string& stored);

// "?a=1&b=x%20y" → {a:1, b:"x y"}; '+' reads as a space (form encoding).
std::map<std::string, std::string> query_params(const std::string& target);
// An integer query parameter in [lo, hi]; `fallback` when absent. Throws
// BadRequest naming the parameter otherwise.
int64_t int_param(const std::map<std::string, std::string>& q, const std::string& name, int64_t fallback, int64_t lo,
                  int64_t hi);

// Thrown by helpers for a 400; ConsoleApi turns it into {"error": what}.
struct BadRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};

json::object device_json(const DeviceRecord& d);
// The assignment matching the device by id first, then by DMI serial.
std::optional<Assignment> assignment_for(const std::vector<Assignment>& all, const DeviceRecord& d);
json::value assignee_json(const std::optional<Assignment>& a);

// What happened on the laptop, newest first, from consecutive stored states
// (Store::snapshot_at), the agent's own events, the verdict history and the
// gaps between reports: {unix_ms, time_utc, local_time, zone, kind: change|
// event|verdict|silence|report, type, summary, seq}. Covers the last
// `reports` reports (what the device page and the evidence export show).
json::array device_timeline(Store& store, const std::string& device_id, const ApiOptions& options,
                            size_t reports = 200);
// detect::group_evidence as JSON: [{thing, kind, label, severity, score,
// score_text, indicators: [index into verdict.indicators]}].
json::array evidence_groups_json(const telltale::v1::Verdict& v);
json::object case_json(const CaseRecord& c, const std::string& hostname, bool with_notes);

// The detection catalog the collector runs (ApiOptions::catalog_path, else
// the built-in one), loaded once per path.
std::shared_ptr<const detect::Catalog> catalog(const ApiOptions& options);

// The few facts of a device's latest snapshot that lists show. Rebuilding
// the snapshot applies its deltas, too slow to repeat per row and per page
// load on a large fleet, so they are kept until the device's next report.
struct SnapshotFacts {
  bool has_snapshot = false;
  std::string zone;    // TimeContext.iana_zone the laptop reports
  std::string egress;  // NetworkContext.egress_ip (filled by the collector)
  bool has_health = false;
  telltale::v1::AgentHealth health;
  std::vector<SearchField> search;  // snapshot_search_fields
};

class SnapshotFactsCache {
 public:
  SnapshotFacts get(Store& store, const DeviceRecord& d);
  // detect::why of a stored verdict, parsed once per (device, evaluation).
  std::string why(const StoredVerdict& v);

 private:
  std::map<std::string, std::pair<int64_t, std::string>> whys_;  // device → (evaluated, why)
  struct Entry {
    uint64_t last_seq = 0;
    uint64_t reports = 0;
    SnapshotFacts facts;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// Where a device probably is: the country of the zone it reports (via the
// catalog's zone table) and its egress address (the snapshot's, else the
// address of its last connection). Empty when nothing is known.
std::string location_hint(const SnapshotFacts& facts, const DeviceRecord& d, const detect::Catalog& catalog);

// What a route sees: who asks, for what, and where to read and write.
struct Context {
  ConsoleDb& db;
  Store& store;
  const ApiOptions& options;
  SnapshotFactsCache& facts;
  const HttpRequest& req;
  const Principal& who;
  std::string path;
  std::map<std::string, std::string> query;

  bool get() const { return req.method == "GET"; }
  bool post() const { return req.method == "POST"; }
  bool allowed(Role r) const { return static_cast<int>(who.role) >= static_cast<int>(r); }
  void audit(const std::string& action, const std::string& target, const std::string& detail = {}) const {
    db.audit(now_ms(), who.username, action, target, req.peer, detail);
  }
  // The JSON object body or a BadRequest naming the expected shape.
  json::object body_object(const std::string& expected) const;
};

HttpResponse forbidden(Role needed);

// Each returns nullopt when the path is not one of its routes.
std::optional<HttpResponse> device_routes(Context& c);
std::optional<HttpResponse> case_routes(Context& c);
std::optional<HttpResponse> admin_routes(Context& c);
std::optional<HttpResponse> overview_routes(Context& c);
std::optional<HttpResponse> presence_routes(Context& c);
std::optional<HttpResponse> alert_routes(Context& c);  // console_alert_routes.cpp
std::optional<HttpResponse> suppression_routes(Context& c);  // console_suppression_routes.cpp

}  // namespace telltale::server::console::internal
