#include "server/ctl/local_commands.h"

#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdlib>
#include <variant>

#include <fstream>
#include <map>
#include <sstream>

#include "platform/common/file.h"
#include "server/ca/shared_ca.h"
#include "server/presence/presence_checks.h"
#include "server/detect/engine.h"
#include "server/enroll/token_issuer.h"
#include "server/store/assignments_csv.h"
#include "server/store/device_ref.h"
#include "server/collector/collector.h"
#include "server/store/open_store.h"
#include "server/store/postgres_store.h"
#include "server/store/sqlite_store.h"

namespace telltale::ctl {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Opening the store must never create a collector where none is: a typo in
// --data-dir would otherwise mint an empty database and confusing answers.
// A --store URL names a shared database the collectors created.
std::unique_ptr<server::Store> open_local_store(const LocalContext& ctx) {
  if (!ctx.store.empty()) return server::open_store(ctx.store);
  auto db = server::database_file(ctx.data_dir);
  if (!std::filesystem::exists(db))
    throw std::runtime_error("no collector database at " + db.string() +
                             " (start telltale-collector with this --data-dir first; collectors on PostgreSQL: "
                             "pass --store postgresql://...)");
  return std::make_unique<server::SqliteStore>(db);
}

// A device id, hostname or serial → the device id, or nullopt after saying
// why (none, or the candidates of an ambiguous name).
std::optional<std::string> resolve(LocalContext& ctx, server::Store& store, const std::string& ref) {
  auto r = server::resolve_device_ref(store.devices(), ref);
  if (!r.resolved()) {
    ctx.err << "telltale-ctl: " << r.error << "\n";
    return std::nullopt;
  }
  return r.matches.front().device_id;
}

}  // namespace

int token_create(LocalContext& ctx, int64_t uses, int64_t ttl_seconds, const std::string& address,
                 const std::string& note) {
  auto owned_store = open_local_store(ctx);
  auto& store = *owned_store;
  server::IssuedToken issued;
  try {
    // A CA kept in the database (--ca-passphrase-file) needs no CA dir here.
    std::optional<std::string> ca_pem;
    if (ctx.ca_dir.empty() && server::is_postgres_url(ctx.store)) ca_pem = server::shared_ca_certificate(ctx.store);
    issued = server::issue_token(store, ctx.data_dir, uses, ttl_seconds, address, note, ctx.ca_dir, ca_pem);
  } catch (const std::invalid_argument& e) {
    ctx.err << "telltale-ctl: " << e.what() << "\n";
    return 2;
  }
  if (ctx.format == Format::kTable) {
    ctx.out << issued.token << "\n";
  } else {
    Table t{{"token", "id", "address", "uses", "expires"},
            {{issued.token, issued.record.id, issued.address, std::to_string(uses),
              format_time_ms(issued.record.expires_unix_ms)}}};
    render(t, ctx.format, ctx.out);
  }
  return 0;
}

int token_list(LocalContext& ctx) {
  auto owned_store = open_local_store(ctx);
  auto& store = *owned_store;
  Table t{{"id", "created", "expires", "uses", "max_uses", "state", "note"}, {}};
  const int64_t now = now_ms();
  for (const auto& tok : store.tokens()) {
    std::string state = tok.revoked                 ? "revoked"
                         : tok.expires_unix_ms <= now ? "expired"
                         : tok.uses >= tok.max_uses   ? "used up"
                                                      : "active";
    t.rows.push_back({tok.id, format_time_ms(tok.created_unix_ms), format_time_ms(tok.expires_unix_ms),
                      std::to_string(tok.uses), std::to_string(tok.max_uses), state, tok.note});
  }
  render(t, ctx.format, ctx.out);
  return 0;
}

int token_revoke(LocalContext& ctx, const std::string& id) {
  auto owned_store = open_local_store(ctx);
  auto& store = *owned_store;
  if (!store.revoke_token(id)) {
    ctx.err << "telltale-ctl: no token with id " << id << "\n";
    return 1;
  }
  ctx.out << "token " << id << " revoked\n";
  return 0;
}

int devices_list(LocalContext& ctx) {
  auto owned_store = open_local_store(ctx);
  auto& store = *owned_store;
  Table t{{"device", "hostname", "serial", "verdict", "score", "assignee", "platform", "version", "enrolled", "last_seen",
           "last_seq", "reports", "state", "same_hardware_as"},
          {}};
  std::map<std::string, server::StoredVerdict> verdicts;
  for (auto& v : store.latest_verdicts()) verdicts[v.device_id] = v;
  std::map<std::string, std::string> assignees;
  for (const auto& a : store.assignments()) assignees[a.device_key] = a.employee;
  for (const auto& d : store.devices()) {
    auto v = verdicts.find(d.device_id);
    std::string level = v == verdicts.end() ? "-" : v->second.level;
    std::string score = v == verdicts.end() ? "-" : std::to_string(static_cast<int>(v->second.score + 0.5));
    std::string assignee = assignees.count(d.device_id) ? assignees[d.device_id]
                           : assignees.count(d.serial)  ? assignees[d.serial]
                                                        : "";
    std::string same;
    for (const auto& p : d.previous_device_ids) same += (same.empty() ? "" : " ") + p;
    t.rows.push_back({d.device_id, d.hostname, d.serial, level, score, assignee, d.platform, d.agent_version,
                      format_time_ms(d.enrolled_unix_ms),
                      format_time_ms(d.last_seen_unix_ms), std::to_string(d.last_seq), std::to_string(d.reports),
                      d.revoked ? "revoked" : d.conflicting_reports ? "cloned?" : "active", same});
  }
  render(t, ctx.format, ctx.out);
  return 0;
}

int device_show(LocalContext& ctx, const std::string& ref) {
  auto owned_store = open_local_store(ctx);
  auto& store = *owned_store;
  auto device_id = resolve(ctx, store, ref);
  if (!device_id) return 1;
  auto snapshot = store.latest_snapshot(*device_id);
  if (!snapshot) {
    ctx.err << "telltale-ctl: device " << *device_id << " has not reported a snapshot yet\n";
    return 1;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  google::protobuf::util::MessageToJsonString(*snapshot, &json, opts);
  ctx.out << json;
  return 0;
}

int device_revoke(LocalContext& ctx, const std::string& ref) {
  auto owned_store = open_local_store(ctx);
  auto& store = *owned_store;
  auto resolved = resolve(ctx, store, ref);
  if (!resolved) return 1;
  const std::string& device_id = *resolved;
  if (!store.revoke_device(device_id)) {
    ctx.err << "telltale-ctl: no device " << device_id << "\n";
    return 1;
  }
  ctx.out << "device " << device_id << " revoked; its streams close within seconds\n";
  return 0;
}

int assignments_import(LocalContext& ctx, const std::string& csv_path) {
  std::ifstream in(csv_path);
  if (!in) {
    ctx.err << "telltale-ctl: cannot read " << csv_path << "\n";
    return 1;
  }
  std::vector<server::Assignment> rows;
  try {
    rows = server::parse_assignments_csv(in, std::filesystem::path(csv_path).filename().string());
  } catch (const server::AssignmentCsvError& e) {
    ctx.err << "telltale-ctl: " << e.what() << "\n";
    return 1;
  }
  auto owned_store = open_local_store(ctx);
  auto& store = *owned_store;
  store.replace_assignments(rows);
  ctx.out << "imported " << rows.size() << " assignments; verdicts follow within one correlation interval\n";
  return 0;
}

int assignments_list(LocalContext& ctx) {
  auto owned_store = open_local_store(ctx);
  auto& store = *owned_store;
  Table t{{"device", "employee", "email", "timezone", "region"}, {}};
  for (const auto& a : store.assignments()) t.rows.push_back({a.device_key, a.employee, a.email, a.timezone, a.region});
  render(t, ctx.format, ctx.out);
  return 0;
}

int clusters_list(LocalContext& ctx) {
  auto owned_store = open_local_store(ctx);
  auto& store = *owned_store;
  Table t{{"cluster", "kind", "key", "members", "devices", "first_seen", "last_seen"}, {}};
  for (const auto& c : store.clusters()) {
    std::string members;
    for (const auto& m : c.members) members += (members.empty() ? "" : " ") + m;
    t.rows.push_back({c.cluster_id, c.kind, c.key, std::to_string(c.members.size()), members,
                      format_time_ms(c.first_seen_unix_ms), format_time_ms(c.last_seen_unix_ms)});
  }
  render(t, ctx.format, ctx.out);
  return 0;
}

int reports_list(LocalContext& ctx) {
  Table t{{"report", "formats", "bytes", "path"}, {}};
  std::map<std::string, std::pair<std::string, uintmax_t>> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(server::reports_dir(ctx.data_dir), ec)) {
    auto name = entry.path().stem().string();
    if (name.rfind("fleet-", 0) != 0) continue;
    auto& f = found[name];
    f.first += (f.first.empty() ? "" : " ") + entry.path().extension().string().substr(1);
    f.second += entry.file_size(ec);
  }
  for (const auto& [name, f] : found)
    t.rows.push_back({name, f.first, std::to_string(f.second), (server::reports_dir(ctx.data_dir) / name).string() + ".*"});
  render(t, ctx.format, ctx.out);
  return 0;
}

int verdict_history(LocalContext& ctx, const std::string& ref) {
  auto owned_store = open_local_store(ctx);
  auto& store = *owned_store;
  auto resolved = resolve(ctx, store, ref);
  if (!resolved) return 1;
  const std::string& device_id = *resolved;
  if (ctx.format == Format::kJson) {
    ctx.out << "[";
    bool first = true;
    for (const auto& v : store.verdict_history(device_id, 1000)) ctx.out << (first ? "" : ",") << v.json, first = false;
    ctx.out << "]\n";
    return 0;
  }
  Table t{{"evaluated", "verdict", "score"}, {}};
  for (const auto& v : store.verdict_history(device_id, 1000))
    t.rows.push_back({format_time_ms(v.evaluated_unix_ms), v.level, std::to_string(v.score)});
  render(t, ctx.format, ctx.out);
  return 0;
}

int evaluate_file(LocalContext& ctx, const std::string& snapshot_path, const std::string& assignments_csv,
                  const std::string& device, const std::string& catalog_path) {
  auto text = read_file(snapshot_path, 64 * 1024 * 1024);
  if (!text.data) {
    ctx.err << "telltale-ctl: cannot read " << snapshot_path << ": " << text.error << "\n";
    return 1;
  }
  telltale::v1::Snapshot snapshot;
  auto status = google::protobuf::util::JsonStringToMessage(*text.data, &snapshot);
  if (!status.ok()) {
    ctx.err << "telltale-ctl: " << snapshot_path << " is not a Snapshot in protobuf JSON: " << status.ToString() << "\n";
    return 1;
  }
  detect::Engine engine = catalog_path.empty()
                              ? detect::Engine()
                              : detect::Engine(detect::Catalog::load_file(catalog_path), detect::DetectConfig{});
  detect::DeviceContext dctx;
  dctx.device_id = device;
  std::optional<detect::Assignment> assignment;
  if (!assignments_csv.empty()) {
    auto all = detect::load_assignments_csv(assignments_csv);
    for (const auto& a : all)
      if (a.device == device || a.device == snapshot.hardware().product_serial() || all.size() == 1) assignment = a;
    if (!assignment) {
      ctx.err << "telltale-ctl: no assignment in " << assignments_csv << " for device " << device << " or serial "
              << snapshot.hardware().product_serial() << "\n";
      return 1;
    }
    dctx.assignment = &*assignment;
  }
  auto verdict = engine.evaluate(snapshot, dctx);
  if (ctx.format == Format::kJson) ctx.out << detect::to_json(verdict) << "\n";
  else ctx.out << detect::render_text(verdict);
  return 0;
}

// --- presence checks -------------------------------------------------------

namespace {
std::string unix_user() {
  const char* user = std::getenv("USER");
  return user && *user ? user : "unknown";
}

Table presence_table(const std::vector<server::PresenceCheckRecord>& checks) {
  Table t{{"check", "device", "action", "status", "outcome", "class", "requested", "requested_by", "result"}, {}};
  for (const auto& c : checks)
    t.rows.push_back({c.check_id, c.device_id, c.action, c.status, c.outcome, c.device_class,
                      format_time_ms(c.requested_unix_ms), c.requested_by, c.summary});
  return t;
}
}  // namespace

int presence_start(LocalContext& ctx, const std::vector<std::string>& refs, const std::string& cluster_id,
                   const std::string& action, const std::string& reason) {
  auto owned_store = open_local_store(ctx);
  std::vector<std::string> devices;
  if (!cluster_id.empty()) {
    for (const auto& c : owned_store->clusters())
      if (c.cluster_id == cluster_id) devices = c.members;
    if (devices.empty()) {
      ctx.err << "telltale-ctl: no cluster " << cluster_id << " (telltale-ctl clusters lists them)\n";
      return 1;
    }
  }
  for (const auto& ref : refs) {
    auto resolved = resolve(ctx, *owned_store, ref);
    if (!resolved) return 1;
    devices.push_back(*resolved);
  }
  // Several laptops are asked in one round, at one instant: answers that then
  // come one after another are what the fleet rule answered_in_sequence reads.
  const int64_t now = now_ms();
  std::vector<server::PresenceCheckRecord> queued;
  int refused = 0;
  for (const auto& device : devices) {
    auto started = server::start_presence_check(*owned_store, {device, action, "ctl:" + unix_user(), reason},
                                                server::PresenceLimits{}, now);
    if (auto* why = std::get_if<std::string>(&started)) {
      ctx.err << "telltale-ctl: presence check for " << device << " refused: " << *why << "\n";
      ++refused;
      continue;
    }
    queued.push_back(std::get<server::PresenceCheckRecord>(started));
  }
  if (ctx.format == Format::kTable) {
    for (const auto& c : queued)
      ctx.out << "presence check " << c.check_id << " queued for " << c.device_id << " (" << c.action
              << "); the collector delivers it while the laptop is connected, until "
              << format_time_ms(c.expires_unix_ms) << "\n";
  } else if (!queued.empty()) {
    render(presence_table(queued), ctx.format, ctx.out);
  }
  return refused ? 1 : 0;
}

int presence_list(LocalContext& ctx, const std::string& ref) {
  auto owned_store = open_local_store(ctx);
  std::string device_id;
  if (!ref.empty()) {
    auto resolved = resolve(ctx, *owned_store, ref);
    if (!resolved) return 1;
    device_id = *resolved;
  }
  render(presence_table(owned_store->presence_checks(device_id, 200)), ctx.format, ctx.out);
  return 0;
}

int presence_show(LocalContext& ctx, const std::string& check_id) {
  auto owned_store = open_local_store(ctx);
  auto c = owned_store->presence_check(check_id);
  if (!c) {
    ctx.err << "telltale-ctl: no presence check " << check_id << "\n";
    return 1;
  }
  // The stored signature is checked again here, against the certificate
  // stored with it, so the output says whether the evidence still holds.
  std::string signature = "none";
  if (!c->signed_result.empty()) {
    telltale::v1::SignedPresenceResult s;
    signature = s.ParseFromString(c->signed_result) &&
                        server::presence_signature_valid(c->signed_result, s.certificate_pem())
                    ? "valid (device key)"
                    : "INVALID";
  }
  Table t{{"field", "value"},
          {{"check", c->check_id},
           {"device", c->device_id},
           {"action", c->action},
           {"status", c->status},
           {"outcome", c->outcome},
           {"device_class", c->device_class},
           {"result", c->summary},
           {"requested", format_time_ms(c->requested_unix_ms)},
           {"requested_by", c->requested_by},
           {"reason", c->reason},
           {"delivered", format_time_ms(c->delivered_unix_ms)},
           {"answered", format_time_ms(c->answered_unix_ms)},
           {"expires", format_time_ms(c->expires_unix_ms)},
           {"signature", signature},
           {"observation", c->observation_json}}};
  render(t, ctx.format, ctx.out);
  return 0;
}

}  // namespace telltale::ctl
