// bench-links: telltale_detect
// Detection cost. Scoring one snapshot is compared with copying and
// serialising the same snapshot (work every ingest does anyway); correlating
// a 100,000-device fleet with a plain sort of the same 100,000 keys.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include <google/protobuf/util/json_util.h>

#include "server/detect/engine.h"

namespace {

using telltale::detect::DeviceContext;
using telltale::detect::Engine;
using telltale::detect::FleetDevice;

telltale::v1::Snapshot scenario(const std::string& name) {
  std::ifstream in(std::string(TELLTALE_SOURCE_DIR) + "/tests/scenarios/" + name + "/snapshot.json");
  std::stringstream ss;
  ss << in.rdbuf();
  telltale::v1::Snapshot s;
  if (!google::protobuf::util::JsonStringToMessage(ss.str(), &s).ok()) std::abort();
  return s;
}

telltale::detect::Assignment kAssignee{"PF4ABCDE", "Jordan Miles", "jordan.miles@example.com", "America/New_York",
                                       "US-NY"};

void BM_EvaluateSnapshot(benchmark::State& state, const char* name) {
  Engine engine;
  auto snap = scenario(name);
  DeviceContext ctx;
  ctx.device_id = "dev-1";
  ctx.assignment = &kAssignee;
  for (auto _ : state) benchmark::DoNotOptimize(engine.evaluate(snap, ctx));
}
BENCHMARK_CAPTURE(BM_EvaluateSnapshot, pikvm_v3, "pikvm-v3-otg")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_EvaluateSnapshot, docked_clean, "docked-two-monitors-lid-closed")->Unit(benchmark::kMicrosecond);

// Reference: what the collector already does with every snapshot.
void BM_Reference_CopyAndSerialize(benchmark::State& state, const char* name) {
  auto snap = scenario(name);
  for (auto _ : state) {
    telltale::v1::Snapshot copy = snap;
    benchmark::DoNotOptimize(copy.SerializeAsString());
  }
}
BENCHMARK_CAPTURE(BM_Reference_CopyAndSerialize, pikvm_v3, "pikvm-v3-otg")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Reference_CopyAndSerialize, docked_clean, "docked-two-monitors-lid-closed")
    ->Unit(benchmark::kMicrosecond);

// A synthetic fleet: most laptops at home (own gateway), every 500th home a
// farm of 12, a few hotels, hourly reports over 5 days with a gap at night.
std::vector<FleetDevice> synthetic_fleet(size_t n) {
  std::mt19937_64 rng(42);
  std::vector<FleetDevice> fleet(n);
  const int64_t start = 1760000000000, hour = 3600000;
  for (size_t i = 0; i < n; ++i) {
    auto& d = fleet[i];
    d.device_id = "dev-" + std::to_string(i);
    d.assignee = "employee" + std::to_string(i);
    size_t home = (i % 6000 < 12) ? i / 6000 : 1000000 + i;  // farms of 12
    char mac[32];
    std::snprintf(mac, sizeof mac, "02:%02zx:%02zx:%02zx:%02zx:%02zx", (home >> 32) & 0xff, (home >> 24) & 0xff,
                  (home >> 16) & 0xff, (home >> 8) & 0xff, home & 0xff);
    d.gateway_mac = mac;
    d.egress_ip = "10." + std::to_string((home >> 16) & 0xff) + "." + std::to_string((home >> 8) & 0xff) + "." +
                  std::to_string(home & 0xff);
    d.bssid = std::string(mac) + "b";
    if (rng() % 50 == 0) d.monitor_serials.push_back("DEL:a0c4:" + std::to_string(rng() % 5000000));
    int64_t jitter = static_cast<int64_t>(rng() % (4 * hour));
    for (int day = 0; day < 5; ++day)
      for (int h = 8; h < 20; ++h) d.seen_unix_ms.push_back(start + day * 24 * hour + h * hour + jitter);
  }
  return fleet;
}

void BM_CorrelateFleet(benchmark::State& state) {
  Engine engine;
  auto fleet = synthetic_fleet(static_cast<size_t>(state.range(0)));
  size_t clusters = 0;
  for (auto _ : state) {
    auto c = engine.correlate(fleet);
    clusters = c.size();
    benchmark::DoNotOptimize(c);
  }
  state.counters["clusters"] = static_cast<double>(clusters);
}
BENCHMARK(BM_CorrelateFleet)->Arg(100000)->Unit(benchmark::kMillisecond);

// Reference: sorting the same 100k gateway keys (the least any grouping does).
void BM_Reference_SortKeys(benchmark::State& state) {
  auto fleet = synthetic_fleet(static_cast<size_t>(state.range(0)));
  std::vector<std::string> keys;
  for (const auto& d : fleet) keys.push_back(d.gateway_mac);
  for (auto _ : state) {
    auto copy = keys;
    std::sort(copy.begin(), copy.end());
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_Reference_SortKeys)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
