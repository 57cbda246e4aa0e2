#pragma once
// Runs detection inside the collector: devices whose reports were committed
// are marked dirty and re-evaluated on a worker thread (never on the ingest
// path); fleet correlation runs periodically over every device's latest
// snapshot and re-marks the members of clusters that appeared or changed.
// Periodic full re-evaluation picks up assignment imports and catalog changes.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "server/detect/engine.h"
#include "server/detect/hardware_history.h"
#include "server/store/store.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::server {

struct VerdictServiceOptions {
  std::chrono::milliseconds correlate_interval{60000};
  // Verdict levels that make a device non-compliant in a compliance scan.
  std::set<std::string> noncompliant_levels = {"suspicious", "puppeteered"};
  // Asked before each fleet correlation; false skips it (another collector
  // sharing the database holds the correlation lease). Empty: always.
  std::function<bool()> may_correlate;
  // The collector's clock (unix ms): evaluation time and the hardware
  // history's sighting times. Empty: the system clock. Tests set it to play
  // hours of a fleet in a moment.
  std::function<int64_t()> clock;
};

class VerdictService {
 public:
  VerdictService(Store& store, detect::Engine engine, VerdictServiceOptions options);
  ~VerdictService();

  void start();
  void stop();

  // Called after a batch commit; cheap (marks and wakes).
  void mark_dirty(const std::vector<std::string>& device_ids);

  // Evaluates one device now against its stored state and saves the verdict.
  std::optional<telltale::v1::Verdict> evaluate_device(const std::string& device_id);
  // A suppression was added or lifted (the console calls this): the next
  // evaluation reads them again and every device is re-evaluated. Expiry
  // needs no call: the periodic full re-evaluation sees the clock pass it.
  void suppressions_changed();
  // Correlates the whole fleet and stores the clusters; returns how many.
  size_t correlate_fleet();

  // The answer to a compliance scan whose report was just stored.
  telltale::v1::ScanResult answer_scan(const std::string& device_id, const telltale::v1::Report& report);

  const detect::Engine& engine() const { return engine_; }

 private:
  void run();
  static std::optional<detect::Assignment> assignment_for(const DeviceRecord& device,
                                                          const std::vector<Assignment>& assignments);

  // Assignments and clusters change rarely (an import, a correlation run) but
  // every evaluation needs them: reading and parsing both tables per device
  // made evaluation O(fleet) per report. They are re-read when older than
  // kFleetViewTtl, so an import by `telltale-ctl` (another process) shows
  // within seconds, and at once after this collector's own correlation.
  struct FleetView {
    std::vector<Assignment> assignments;
    std::vector<telltale::v1::Cluster> clusters;
    std::vector<Suppression> suppressions;  // all rows; active_at() decides at each evaluation
    std::chrono::steady_clock::time_point loaded{};
    bool valid = false;
  };
  static constexpr std::chrono::seconds kFleetViewTtl{5};
  const FleetView& fleet_view();  // eval_mu_ held

  Store& store_;
  detect::Engine engine_;
  int64_t now_ms() const;

  // Which monitors and KVMs each device has shown, and for how long: what
  // makes a shared serial count (detect/hardware_history.h). The logic only;
  // the rows live in the store, read and written at each correlation.
  detect::HardwareHistory hardware_history_{kHardwareSightingsPerDevice};
  FleetView fleet_view_;
  VerdictServiceOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> dirty_;
  bool stopping_ = false;
  std::thread worker_;
  std::mutex eval_mu_;  // one evaluation at a time: verdict history stays ordered
};

// "ipv4:203.0.113.7:51234" → "203.0.113.7"; "ipv6:[2001:db8::1]:443" → "2001:db8::1".
std::string peer_ip(const std::string& grpc_peer);

}  // namespace telltale::server
