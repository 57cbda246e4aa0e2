#include "platform/decode/rtt_summary.h"

#include <algorithm>
#include <cmath>

namespace telltale::decode {

telltale::v1::RttSummary summarize_rtt(const std::vector<uint32_t>& samples_us) {
  telltale::v1::RttSummary s;
  s.set_samples(static_cast<uint32_t>(samples_us.size()));
  if (samples_us.empty()) return s;
  std::vector<uint32_t> sorted = samples_us;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  s.set_min_us(sorted.front());
  s.set_max_us(sorted.back());
  s.set_median_us(sorted[(n - 1) / 2]);
  const size_t rank = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(n)));  // nearest-rank, 1-based
  s.set_p95_us(sorted[std::clamp<size_t>(rank, 1, n) - 1]);
  if (n > 1) {
    uint64_t total = 0;
    for (size_t i = 1; i < n; ++i)
      total += samples_us[i] > samples_us[i - 1] ? samples_us[i] - samples_us[i - 1] : samples_us[i - 1] - samples_us[i];
    s.set_jitter_us(static_cast<uint32_t>(total / (n - 1)));
  }
  return s;
}

}  // namespace telltale::decode
