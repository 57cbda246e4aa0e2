#include "server/enroll/failure_limiter.h"

#include <algorithm>
#include <cmath>

namespace telltale::server {

std::string FailureLimiter::address_of(const std::string& peer) {
  auto colon = peer.find(':');
  std::string rest = colon == std::string::npos ? peer : peer.substr(colon + 1);
  if (rest.starts_with("[") ? rest.find("]:") != std::string::npos : rest.find(':') != std::string::npos)
    return rest.substr(0, rest.rfind(':'));
  return rest;
}

void FailureLimiter::top_up(Bucket& b, std::chrono::steady_clock::time_point now) const {
  const double per_ms = 1.0 / std::max<double>(1, static_cast<double>(limits_.refill.count()));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - b.updated).count();
  if (ms > 0) b.tokens = std::min(limits_.burst, b.tokens + static_cast<double>(ms) * per_ms);
  b.updated = now;
}

FailureLimiter::Verdict FailureLimiter::fail(const std::string& address, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= limits_.max_addresses) {
      for (auto i = buckets_.begin(); i != buckets_.end();) {
        top_up(i->second, now);
        i = i->second.tokens >= limits_.burst ? buckets_.erase(i) : std::next(i);
      }
    }
    const std::string key = buckets_.size() >= limits_.max_addresses ? std::string("*overflow*") : address;
    it = buckets_.find(key);
    if (it == buckets_.end()) it = buckets_.emplace(key, Bucket{limits_.burst, now, 0}).first;
  }
  Bucket& b = it->second;
  top_up(b, now);
  Verdict v;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    b.throttled_in_row = 0;
    return v;
  }
  v.throttled = true;
  v.throttled_in_row = ++b.throttled_in_row;
  v.retry_after_ms = static_cast<int64_t>(std::ceil((1 - b.tokens) * static_cast<double>(limits_.refill.count())));
  return v;
}

bool FailureLimiter::exhausted(const std::string& address, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(address);
  if (it == buckets_.end()) return false;
  top_up(it->second, now);
  return it->second.tokens < 1;
}

size_t FailureLimiter::tracked() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace telltale::server
