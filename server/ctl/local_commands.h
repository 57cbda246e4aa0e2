#pragma once
// telltale-ctl commands that work on the collector's data dir directly
// (sqlite in WAL mode lets them run beside a live collector) or on the
// PostgreSQL database the collectors share (--store).
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "server/ctl/output.h"

namespace telltale::ctl {

struct LocalContext {
  std::filesystem::path data_dir;
  Format format = Format::kTable;
  std::ostream& out;
  std::ostream& err;
  std::string store;              // postgresql:// URL; empty: sqlite in data_dir
  std::filesystem::path ca_dir;   // where ca.crt is; empty: data_dir
};

// Each returns the process exit code: 0 ok, 1 the thing asked for failed, 2 usage.
int token_create(LocalContext& ctx, int64_t uses, int64_t ttl_seconds, const std::string& address,
                 const std::string& note);
int token_list(LocalContext& ctx);
int token_revoke(LocalContext& ctx, const std::string& id);
int devices_list(LocalContext& ctx);
int device_show(LocalContext& ctx, const std::string& device_id);
int device_revoke(LocalContext& ctx, const std::string& device_id);
int assignments_import(LocalContext& ctx, const std::string& csv_path);
int assignments_list(LocalContext& ctx);
int clusters_list(LocalContext& ctx);
int reports_list(LocalContext& ctx);
int verdict_history(LocalContext& ctx, const std::string& device_id);
// Offline evaluation with the collector's own engine: a snapshot in protobuf
// JSON (as `show` or `telltale-agent scan --format json` print it).
// Presence checks: start queues one (the collector pushes it when the laptop
// is connected); list shows a device's (or every device's) checks; show one.
// Queues one check per laptop, all at one instant: the DEVICE words and,
// with cluster_id, every member of that cluster. Refusals are reported per
// laptop; the others stay queued (exit 1 if any was refused).
int presence_start(LocalContext& ctx, const std::vector<std::string>& device_refs, const std::string& cluster_id,
                   const std::string& action, const std::string& reason);
int presence_list(LocalContext& ctx, const std::string& device_ref);
int presence_show(LocalContext& ctx, const std::string& check_id);
int evaluate_file(LocalContext& ctx, const std::string& snapshot_path, const std::string& assignments_csv,
                  const std::string& device, const std::string& catalog);

}  // namespace telltale::ctl
