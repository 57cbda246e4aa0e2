#include "server/ctl/local_commands.h"

#include <google/protobuf/util/json_util.h>

#include <chrono>

#include "server/enroll/token_issuer.h"
#include "server/collector/collector.h"
#include "server/store/sqlite_store.h"

namespace telltale::ctl {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Opening the store must never create a collector where none is: a typo in
// --data-dir would otherwise mint an empty database and confusing answers.
server::SqliteStore open_store(const LocalContext& ctx) {
  auto db = server::database_file(ctx.data_dir);
  if (!std::filesystem::exists(db))
    throw std::runtime_error("no collector database at " + db.string() +
                             " (start telltale-collector with this --data-dir first)");
  return server::SqliteStore(db);
}

}  // namespace

int token_create(LocalContext& ctx, int64_t uses, int64_t ttl_seconds, const std::string& address,
                 const std::string& note) {
  auto store = open_store(ctx);
  server::IssuedToken issued;
  try {
    issued = server::issue_token(store, ctx.data_dir, uses, ttl_seconds, address, note);
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
  auto store = open_store(ctx);
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
  auto store = open_store(ctx);
  if (!store.revoke_token(id)) {
    ctx.err << "telltale-ctl: no token with id " << id << "\n";
    return 1;
  }
  ctx.out << "token " << id << " revoked\n";
  return 0;
}

int devices_list(LocalContext& ctx) {
  auto store = open_store(ctx);
  Table t{{"device", "hostname", "serial", "platform", "version", "enrolled", "last_seen", "last_seq", "reports",
           "state", "same_hardware_as"},
          {}};
  for (const auto& d : store.devices()) {
    std::string same;
    for (const auto& p : d.previous_device_ids) same += (same.empty() ? "" : " ") + p;
    t.rows.push_back({d.device_id, d.hostname, d.serial, d.platform, d.agent_version, format_time_ms(d.enrolled_unix_ms),
                      format_time_ms(d.last_seen_unix_ms), std::to_string(d.last_seq), std::to_string(d.reports),
                      d.revoked ? "revoked" : "active", same});
  }
  render(t, ctx.format, ctx.out);
  return 0;
}

int device_show(LocalContext& ctx, const std::string& device_id) {
  auto store = open_store(ctx);
  if (!store.device(device_id)) {
    ctx.err << "telltale-ctl: no device " << device_id << "\n";
    return 1;
  }
  auto snapshot = store.latest_snapshot(device_id);
  if (!snapshot) {
    ctx.err << "telltale-ctl: device " << device_id << " has not reported a snapshot yet\n";
    return 1;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  google::protobuf::util::MessageToJsonString(*snapshot, &json, opts);
  ctx.out << json;
  return 0;
}

int device_revoke(LocalContext& ctx, const std::string& device_id) {
  auto store = open_store(ctx);
  if (!store.revoke_device(device_id)) {
    ctx.err << "telltale-ctl: no device " << device_id << "\n";
    return 1;
  }
  ctx.out << "device " << device_id << " revoked; its streams close within seconds\n";
  return 0;
}

}  // namespace telltale::ctl
