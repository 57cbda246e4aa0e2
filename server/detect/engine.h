#pragma once
// Public entry points of detection. Pure: the caller supplies the snapshot,
// the device's context and history, and the fleet view; nothing here touches
// the store or the network.
//
//   Engine engine;                       // built-in catalog, default thresholds
//   Verdict v = engine.evaluate(snapshot, ctx);
//   std::vector<Cluster> farms = engine.correlate(fleet);
//   std::cout << render_text(v) << to_json(v);
#include <cstdint>
#include <string>
#include <vector>

#include "server/detect/assignment.h"
#include "server/detect/catalog.h"
#include "server/detect/config.h"
#include "server/detect/fleet.h"
#include "telltale/v1/presence.pb.h"
#include "telltale/v1/snapshot.pb.h"
#include "telltale/v1/verdict.pb.h"

namespace telltale::detect {

// One answered presence check (issue 20) as the collector stored it: what was
// asked, when the signed answer arrived and what the agent observed.
struct PresenceEvidence {
  std::string check_id;
  std::string action;             // lid, key, reaction
  int64_t answered_unix_ms = 0;   // collector clock
  std::string summary;            // the plain-language result
  telltale::v1::PresenceObservation observation;
};

struct DeviceContext {
  std::string device_id;
  int64_t now_unix_ms = 0;                            // 0: the snapshot's collected_at
  const Assignment* assignment = nullptr;             // optional; context rules need it
  const telltale::v1::Verdict* previous = nullptr;    // optional; carries first_seen over
  // Input activity buckets from earlier snapshots (the current snapshot's are
  // added); used for night work and 24/7 activity.
  std::vector<telltale::v1::ActivityBucket> activity_history;
  // When the device reported recently, ascending (evidence for 24/7 activity).
  std::vector<int64_t> recent_snapshot_unix_ms;
  // Clusters from correlate() that contain this device.
  std::vector<telltale::v1::Cluster> clusters;
  // Answered presence checks with a valid signature, any order (rules_presence.cpp).
  std::vector<PresenceEvidence> presence;
};

class Engine {
 public:
  Engine();
  explicit Engine(Catalog catalog, DetectConfig config = {});

  telltale::v1::Verdict evaluate(const telltale::v1::Snapshot& snapshot, const DeviceContext& ctx) const;
  std::vector<telltale::v1::Cluster> correlate(const std::vector<FleetDevice>& fleet) const;
  // Clusters that list device_id as a member (to fill DeviceContext::clusters).
  static std::vector<telltale::v1::Cluster> clusters_of(const std::vector<telltale::v1::Cluster>& all,
                                                        const std::string& device_id);

  const Catalog& catalog() const { return catalog_; }
  const DetectConfig& config() const { return config_; }

 private:
  Catalog catalog_;
  DetectConfig config_;
};

// Level names in order of gravity.
inline constexpr const char* kLevels[] = {"clean", "review", "suspicious", "puppeteered"};
int level_rank(const std::string& level);  // 0..3, -1 when unknown

// One screen of text for a terminal: level, score, then each indicator with its facts.
std::string render_text(const telltale::v1::Verdict& verdict);
// Protobuf canonical JSON of the verdict plus a top-level "verdict" field
// holding the level.
std::string to_json(const telltale::v1::Verdict& verdict);
std::string to_json(const telltale::v1::Cluster& cluster);

}  // namespace telltale::detect
