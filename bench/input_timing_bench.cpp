// bench-links: telltale_platform
// Input timing cost for one hour of continuous typing at 10 keys/s (36,000
// keys: press + release, each with MSC_SCAN and SYN_REPORT = 216,000 records,
// 5.2 MB), against a plain read() loop over the same bytes in the same run.
// "pct_of_one_core" = time per processed hour / 3600 s, in percent.
// Issue 17: the behaviour counters (evdev_behaviour.h) ride on the same reads;
// the timing path alone, the counters alone and both together run here side
// by side, so their cost is measured against the timing path in one run.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "platform/decode/evdev_behaviour.h"
#include "platform/decode/evdev_timing.h"
#include "platform/linux/input_timing.h"

namespace {

namespace fs = std::filesystem;
constexpr size_t kKeysPerHour = 36000;
constexpr size_t kRecordsPerWakeup = 3;  // a key press arrives as MSC_SCAN, EV_KEY, SYN_REPORT in one read

std::string record(int64_t t_us, uint16_t type, uint16_t code, int32_t value) {
  return telltale::decode::encode_input_event({t_us / 1000000, t_us % 1000000, type, code, value});
}

const std::string& one_hour() {
  static const std::string bytes = [] {
    std::mt19937 rng(10);
    std::lognormal_distribution<double> hold(std::log(90000.0), 0.3);
    std::string out;
    out.reserve(kKeysPerHour * 6 * 24);
    int64_t t = 1'795'701'600'000'000;
    for (size_t i = 0; i < kKeysPerHour; ++i, t += 100000) {
      const uint16_t code = static_cast<uint16_t>(16 + rng() % 30);
      const int64_t up = t + std::min<int64_t>(static_cast<int64_t>(hold(rng)), 95000);
      out += record(t, 4, 4, 0x70000 + code) + record(t, 1, code, 1) + record(t, 0, 0, 0);
      out += record(up, 4, 4, 0x70000 + code) + record(up, 1, code, 0) + record(up, 0, 0, 0);
    }
    return out;
  }();
  return bytes;
}

struct Recording {
  fs::path root = fs::temp_directory_path() / ("tt-bench-input-" + std::to_string(::getpid()));
  Recording() {
    fs::create_directories(root / "dev/input");
    std::ofstream(root / "dev/input/event0", std::ios::binary) << one_hour();
  }
  ~Recording() { fs::remove_all(root); }
};

void report(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * one_hour().size()));
  // seconds per iteration / 3600 s × 100: percent of one core while typing goes on for real.
  state.counters["pct_of_one_core"] = benchmark::Counter(static_cast<double>(state.iterations()) * 36.0,
                                                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Reference: what reading the device costs at all — one read() per wakeup, nothing else.
void BM_Reference_PlainReadLoopPerWakeup(benchmark::State& state) {
  Recording rec;
  char buf[kRecordsPerWakeup * telltale::decode::kInputEventSize];
  for (auto _ : state) {
    int fd = ::open((rec.root / "dev/input/event0").c_str(), O_RDONLY);
    ssize_t n;
    size_t total = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) total += static_cast<size_t>(n);
    ::close(fd);
    benchmark::DoNotOptimize(total);
  }
  report(state);
}

// The live reader's wakeups over the recording: each read of up to
// kRecordsPerWakeup records decoded and handed to `consume`, as the probe does.
// `events` is the caller's, reused across iterations as the live reader reuses it.
template <typename Consume>
void read_wakeups(const Recording& rec, std::vector<telltale::decode::InputEvent>& events, Consume consume) {
  uint8_t buf[kRecordsPerWakeup * telltale::decode::kInputEventSize];
  int fd = ::open((rec.root / "dev/input/event0").c_str(), O_RDONLY);
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) {
    events.clear();
    telltale::decode::decode_input_events(std::span<const uint8_t>(buf, static_cast<size_t>(n)), events);
    consume(events);
  }
  ::close(fd);
}

// The live path's work per wakeup: the same reads, plus decode and accumulate.
void BM_InputTiming_ReadDecodeAccumulatePerWakeup(benchmark::State& state) {
  Recording rec;
  std::vector<telltale::decode::InputEvent> events;
  for (auto _ : state) {
    telltale::decode::InputTimingAccumulator acc;
    read_wakeups(rec, events, [&](const auto& decoded) { acc.add(decoded); });
    telltale::v1::DeviceActivity out;
    acc.fill(out);
    benchmark::DoNotOptimize(out.key_presses());
  }
  report(state);
}

// The behaviour counters alone on the same reads (lid timeline attached, as live).
void BM_Behaviour_ReadDecodeCountPerWakeup(benchmark::State& state) {
  Recording rec;
  std::vector<telltale::decode::InputEvent> events;
  for (auto _ : state) {
    telltale::decode::LidTimeline lid;
    lid.record(1'795'701'000'000'000, true);
    telltale::decode::InputBehaviourCounters counters(&lid);
    read_wakeups(rec, events, [&](const auto& decoded) { counters.add(decoded); });
    telltale::v1::DeviceActivity out;
    counters.fill(out);
    benchmark::DoNotOptimize(out.key_presses_lid_closed());
  }
  report(state);
}

// What the live reader does now: timing and behaviour on each wakeup's events.
void BM_InputTiming_TimingAndBehaviourPerWakeup(benchmark::State& state) {
  Recording rec;
  std::vector<telltale::decode::InputEvent> events;
  for (auto _ : state) {
    telltale::decode::LidTimeline lid;
    lid.record(1'795'701'000'000'000, true);
    telltale::decode::InputTimingAccumulator acc;
    telltale::decode::InputBehaviourCounters counters(&lid);
    read_wakeups(rec, events, [&](const auto& decoded) {
      acc.add(decoded);
      counters.add(decoded);
    });
    telltale::v1::DeviceActivity out;
    acc.fill(out);
    counters.fill(out);
    benchmark::DoNotOptimize(out.key_presses_lid_closed());
  }
  report(state);
}

// Without the syscalls, which hide everything else: the decoded hour through
// the timing accumulator alone, and through it plus the behaviour counters.
const std::vector<telltale::decode::InputEvent>& decoded_hour() {
  static const std::vector<telltale::decode::InputEvent> events = [] {
    std::vector<telltale::decode::InputEvent> out;
    const auto& bytes = one_hour();
    telltale::decode::decode_input_events(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), out);
    return out;
  }();
  return events;
}

void BM_InMemory_TimingOnly(benchmark::State& state) {
  for (auto _ : state) {
    telltale::decode::InputTimingAccumulator acc;
    acc.add(decoded_hour());
    benchmark::DoNotOptimize(acc.key_presses());
  }
  report(state);
}

void BM_InMemory_TimingAndBehaviour(benchmark::State& state) {
  for (auto _ : state) {
    telltale::decode::LidTimeline lid;
    lid.record(1'795'701'000'000'000, true);
    telltale::decode::InputTimingAccumulator acc;
    telltale::decode::InputBehaviourCounters counters(&lid);
    acc.add(decoded_hour());
    counters.add(decoded_hour());
    benchmark::DoNotOptimize(acc.key_presses());
    benchmark::DoNotOptimize(counters.absolute_moves());
  }
  report(state);
}

// The recorded-file path through the probe: one collect over the hour.
void BM_InputTiming_ProbeCollectRecordedHour(benchmark::State& state) {
  Recording rec;
  telltale::platform::ProbeContext ctx;
  ctx.root = rec.root;
  for (auto _ : state) {
    telltale::platform::linux_probe::InputTimingProbe probe;
    telltale::v1::Snapshot s;
    probe.collect(ctx, s);
    if (s.input_activity().devices(0).key_presses() != kKeysPerHour) state.SkipWithError("wrong key count");
  }
  report(state);
}

BENCHMARK(BM_Reference_PlainReadLoopPerWakeup)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InputTiming_ReadDecodeAccumulatePerWakeup)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Behaviour_ReadDecodeCountPerWakeup)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InputTiming_TimingAndBehaviourPerWakeup)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InMemory_TimingOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InMemory_TimingAndBehaviour)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InputTiming_ProbeCollectRecordedHour)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
