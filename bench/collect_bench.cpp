// bench-links: telltale_platform
// One full collection of every Linux probe (make_all) on the PiKVM laptop
// fixture, each probe on its own, and as references the CPU time of
// `lshw -json` and `lsusb -v` on this machine, run as child processes and
// measured with getrusage(RUSAGE_CHILDREN). Figures: docs/PERFORMANCE.md,
// "Sensor collection (issue 3)".
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "platform/common/log.h"
#include "platform/linux/probes.h"

extern char** environ;

namespace {

using telltale::platform::ProbeContext;

const std::filesystem::path kFixture = std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/pikvm-laptop";

ProbeContext fixture_context() {
  ProbeContext ctx;
  ctx.root = kFixture;
  return ctx;
}

void BM_CollectAllProbes_PikvmLaptop(benchmark::State& state) {
  auto probes = telltale::platform::linux_probe::make_all();
  auto ctx = fixture_context();
  size_t usb = 0, inputs = 0;
  for (auto _ : state) {
    telltale::v1::Snapshot snapshot;
    for (auto& p : probes) p->collect(ctx, snapshot);
    usb = static_cast<size_t>(snapshot.usb_devices_size());
    inputs = static_cast<size_t>(snapshot.input_devices_size());
    benchmark::DoNotOptimize(snapshot);
  }
  state.counters["probes"] = static_cast<double>(probes.size());
  state.counters["usb_devices"] = static_cast<double>(usb);
  state.counters["input_devices"] = static_cast<double>(inputs);
}
BENCHMARK(BM_CollectAllProbes_PikvmLaptop)->Unit(benchmark::kMillisecond);

void BM_CollectOneProbe_PikvmLaptop(benchmark::State& state, size_t index) {
  auto probes = telltale::platform::linux_probe::make_all();
  auto ctx = fixture_context();
  for (auto _ : state) {
    telltale::v1::Snapshot snapshot;
    probes[index]->collect(ctx, snapshot);
    benchmark::DoNotOptimize(snapshot);
  }
}

// CPU seconds (user + system) the child spent, or a negative value when it could not run.
double run_child(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  rusage before{}, after{};
  ::getrusage(RUSAGE_CHILDREN, &before);
  pid_t pid;
  int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::getrusage(RUSAGE_CHILDREN, &after);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return seconds(after.ru_utime) - seconds(before.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_stime);
}

// The reported time is the child's CPU time (manual time), not our wall time.
void BM_Reference(benchmark::State& state, std::vector<std::string> argv) {
  for (auto _ : state) {
    double cpu = run_child(argv);
    if (cpu < 0) {
      state.SkipWithError((argv[0] + " is not installed (apt-get install lshw usbutils)").c_str());
      break;
    }
    state.SetIterationTime(cpu);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Fixture parts other sensors read may be absent; their warnings are not the subject here.
  spdlog::set_level(spdlog::level::off);
  auto probes = telltale::platform::linux_probe::make_all();
  for (size_t i = 0; i < probes.size(); ++i)
    benchmark::RegisterBenchmark(("BM_CollectOneProbe_PikvmLaptop/" + std::string(probes[i]->name())).c_str(),
                                 BM_CollectOneProbe_PikvmLaptop, i)
        ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_Reference/lshw_-json", BM_Reference, std::vector<std::string>{"lshw", "-json"})
      ->UseManualTime()
      ->Iterations(3)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Reference/lsusb_-v", BM_Reference, std::vector<std::string>{"lsusb", "-v"})
      ->UseManualTime()
      ->Iterations(10)
      ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
