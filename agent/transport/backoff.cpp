#include "agent/transport/backoff.h"

#include <algorithm>

namespace telltale::agent {

std::chrono::milliseconds Backoff::next() {
  const int64_t base = base_.count(), cap = cap_.count();
  int64_t ceiling = base;
  for (int i = 0; i < attempt_ && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  if (attempt_ < 62) ++attempt_;
  std::uniform_int_distribution<int64_t> dist(0, ceiling);
  return std::chrono::milliseconds(std::max<int64_t>(50, dist(rng_)));
}

}  // namespace telltale::agent
