#pragma once
// Helpers for the detect tests: read files, parse canonical JSON snapshots.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <google/protobuf/util/json_util.h>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::detect::testing {

inline std::filesystem::path scenarios_dir() { return std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/scenarios"; }

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline telltale::v1::Snapshot snapshot_from_json(const std::string& json) {
  telltale::v1::Snapshot s;
  auto status = google::protobuf::util::JsonStringToMessage(json, &s);
  if (!status.ok()) throw std::runtime_error("snapshot JSON: " + status.ToString());
  return s;
}

inline telltale::v1::Snapshot load_scenario_snapshot(const std::string& name) {
  return snapshot_from_json(slurp(scenarios_dir() / name / "snapshot.json"));
}

}  // namespace telltale::detect::testing
