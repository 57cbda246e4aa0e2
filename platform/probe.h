#pragma once
// The boundary between the agent and the operating system. Every probe reads
// below ProbeContext::root so that tests run on fixture trees in the kernel's
// real formats; a fixture is indistinguishable from a real machine.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "telltale/v1/events.pb.h"
#include "telltale/v1/snapshot.pb.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::platform {

struct ProbeContext {
  std::filesystem::path root = "/";
  // Remote-access watchlist pushed by the collector (or the built-in default).
  const telltale::v1::Watchlist* watchlist = nullptr;
  // "host:port" endpoints whose TCP connect time the latency probe measures.
  std::vector<std::string> latency_anchors;
};

class Probe {
 public:
  virtual ~Probe() = default;
  virtual std::string_view name() const = 0;
  // Fills this probe's sections of `out`. Must not throw on bad data: a
  // source that cannot be read or decoded is recorded in out.errors with its
  // path and the reason, and the rest of the snapshot is still produced.
  virtual void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) = 0;

  // Capabilities the agent uses without knowing which OS's probe it holds;
  // the defaults say "none".
  //
  // Optional continuous work (input timing) the watchdog may shed under
  // load (true) and resume (false). Takes effect for the next collection.
  virtual void shed_optional_work(bool /*shed*/) {}
  // Events the probe observed between collections (a time zone change),
  // oldest first; each call hands over what the previous one did not.
  virtual std::vector<telltale::v1::Event> take_events() { return {}; }
};

using ProbeList = std::vector<std::unique_ptr<Probe>>;

}  // namespace telltale::platform
