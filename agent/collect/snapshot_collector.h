#pragma once
// Runs every probe over the root and assembles one Snapshot, plus the
// agent's own health. Probes never throw for bad data; a probe that throws
// anyway (a bug) is recorded as a ProbeError and the others still run.
// Every string of the result has passed decode::sanitize_strings() (valid
// UTF-8, one line, no format characters, capped); the count of repaired
// fields is in health.strings_repaired.
#include <filesystem>
#include <mutex>

#include "platform/probe.h"
#include "telltale/v1/events.pb.h"
#include "telltale/v1/snapshot.pb.h"

namespace telltale::agent {

class SnapshotCollector {
 public:
  SnapshotCollector(std::filesystem::path root, platform::ProbeList probes);

  telltale::v1::Snapshot collect(const platform::ProbeContext& context_overrides);

  // Turns continuous input-timing collection off (true) or on again.
  void shed_input_timing(bool shed);

  // Events probes observed since the last call (time zone changes…).
  std::vector<telltale::v1::Event> take_events();

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  platform::ProbeList probes_;
  std::mutex mu_;
};

}  // namespace telltale::agent
