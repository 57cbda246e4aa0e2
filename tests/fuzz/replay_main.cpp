// A main() for the libFuzzer harnesses in builds without libFuzzer (gcc, the
// CI build): it runs a harness over its committed seed corpus and then over
// deterministic mutations of every seed, so each CI run exercises every
// decoder's hostile-input invariants under whatever sanitizers the build has.
// It is no substitute for coverage-guided fuzzing (tests/fuzz/run); it keeps
// the harnesses compiling and catches regressions the seeds already reach.
//
//   <harness>_replay [--mutations N] [--seed S] FILE_OR_DIR...
//
// On a crash the input being run is written to ./crash-<harness>-<n> from the
// signal handler (or ASan's death callback), so it can be replayed with the
// same binary or with the libFuzzer build.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Present only when a sanitizer runtime is linked; weak so plain builds link.
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)(void));

namespace {

// What the crash handler writes out. Set before each run; the handler only
// reads them, with async-signal-safe calls.
const uint8_t* g_input = nullptr;
size_t g_input_size = 0;
char g_crash_path[512] = "crash-input";

void save_current_input() {
  if (g_input == nullptr) return;
  const int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  size_t off = 0;
  while (off < g_input_size) {
    const ssize_t n = ::write(fd, g_input + off, g_input_size - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  static const char msg[] = "replay: crashing input written to ";
  (void)!::write(2, msg, sizeof msg - 1);
  (void)!::write(2, g_crash_path, std::strlen(g_crash_path));
  (void)!::write(2, "\n", 1);
}

void on_fatal_signal(int sig) {
  save_current_input();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

std::vector<uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", p.c_str());
    std::exit(2);
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Byte values that make parsers take their edge branches: zero, sign and
// length boundaries, and the ASCII separators of the text formats.
constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, '\n', ' ', ':', '=', '"', '\\', '0', '9'};

// One mutation in the spirit of libFuzzer's default mutators.
std::vector<uint8_t> mutate(const std::vector<uint8_t>& seed, std::mt19937_64& rng,
                            const std::vector<std::vector<uint8_t>>& all) {
  std::vector<uint8_t> out = seed;
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int s = 0; s < steps; ++s) {
    switch (rng() % 7) {
      case 0:  // flip a bit
        if (!out.empty()) out[pick(out.size())] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // set a byte to an interesting value
        if (!out.empty()) out[pick(out.size())] = kInteresting[pick(sizeof kInteresting)];
        break;
      case 2:  // truncate
        out.resize(pick(out.size() + 1));
        break;
      case 3: {  // erase a run
        if (out.empty()) break;
        const size_t at = pick(out.size());
        const size_t len = 1 + pick(std::min<size_t>(16, out.size() - at));
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(at), out.begin() + static_cast<std::ptrdiff_t>(at + len));
        break;
      }
      case 4: {  // duplicate a run (grows lengths and counts past what headers claim)
        if (out.empty()) break;
        const size_t at = pick(out.size());
        const size_t len = 1 + pick(std::min<size_t>(64, out.size() - at));
        std::vector<uint8_t> run(out.begin() + static_cast<std::ptrdiff_t>(at),
                                 out.begin() + static_cast<std::ptrdiff_t>(at + len));
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(pick(out.size() + 1)), run.begin(), run.end());
        break;
      }
      case 5: {  // splice in a piece of another seed
        const auto& other = all[pick(all.size())];
        if (other.empty()) break;
        const size_t at = pick(other.size());
        const size_t len = 1 + pick(std::min<size_t>(64, other.size() - at));
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(pick(out.size() + 1)),
                   other.begin() + static_cast<std::ptrdiff_t>(at),
                   other.begin() + static_cast<std::ptrdiff_t>(at + len));
        break;
      }
      default:  // overwrite with random bytes
        if (!out.empty()) {
          const size_t at = pick(out.size());
          const size_t len = 1 + pick(std::min<size_t>(8, out.size() - at));
          for (size_t i = at; i < at + len; ++i) out[i] = static_cast<uint8_t>(rng());
        }
    }
  }
  return out;
}

void run_one(const std::vector<uint8_t>& input) {
  g_input = input.data();
  g_input_size = input.size();
  // A heap copy of exactly the input's size, as libFuzzer does, so ASan sees
  // any read one byte past the end.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[input.size() == 0 ? 1 : input.size()]);
  if (!input.empty()) std::memcpy(copy.get(), input.data(), input.size());
  LLVMFuzzerTestOneInput(copy.get(), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 2000;
  uint64_t seed = 20261129;
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--mutations" && i + 1 < argc) {
      mutations = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      inputs.emplace_back(a);
    }
  }
  const std::string harness = std::filesystem::path(argv[0]).filename().string();
  std::snprintf(g_crash_path, sizeof g_crash_path, "crash-%s", harness.c_str());
  for (int sig : {SIGSEGV, SIGILL, SIGABRT, SIGBUS, SIGFPE}) ::signal(sig, on_fatal_signal);
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(save_current_input);

  std::vector<std::vector<uint8_t>> seeds;
  std::vector<std::string> names;
  for (const auto& in : inputs) {
    if (std::filesystem::is_directory(in)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::directory_iterator(in))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());  // a fixed order makes a seed reproducible
      for (const auto& f : files) {
        seeds.push_back(read_file(f));
        names.push_back(f.string());
      }
    } else {
      seeds.push_back(read_file(in));
      names.push_back(in.string());
    }
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "replay: no inputs (give seed files or corpus directories)\n");
    return 2;
  }
  seeds.emplace_back();  // the empty input is every parser's first edge case
  names.emplace_back("<empty>");

  for (size_t i = 0; i < seeds.size(); ++i) run_one(seeds[i]);

  std::mt19937_64 rng(seed);
  for (long m = 0; m < mutations; ++m) {
    const auto& base = seeds[static_cast<size_t>(m) % seeds.size()];
    run_one(mutate(base, rng, seeds));
  }
  g_input = nullptr;
  std::printf("%s: %zu seeds and %ld mutations (seed %llu) ran without a crash\n", harness.c_str(),
              seeds.size(), mutations, static_cast<unsigned long long>(seed));
  return 0;
}
