#include "server/console/login_throttle.h"

#include <algorithm>
#include <vector>

namespace telltale::server::console {

int64_t LoginThrottle::wait_ms(const std::string& user, const std::string& peer, int64_t now) {
  std::lock_guard lock(mu_);
  auto it = states_.find({user, peer});
  if (it == states_.end()) return 0;
  return std::max<int64_t>(0, it->second.locked_until - now);
}

int64_t LoginThrottle::failed(const std::string& user, const std::string& peer, int64_t now) {
  std::lock_guard lock(mu_);
  if (states_.size() >= options_.max_keys) prune(now);
  auto& s = states_[{user, peer}];
  if (s.last_failure && now - s.last_failure > options_.forget_after_ms) s = State{};
  ++s.failures;
  s.last_failure = now;
  if (s.failures < options_.free_failures) return 0;
  // failures == free: base; each one after doubles, up to the cap.
  const int doublings = std::min(s.failures - options_.free_failures, 40);
  int64_t wait = options_.backoff_base_ms;
  for (int i = 0; i < doublings && wait < options_.backoff_max_ms; ++i) wait *= 2;
  wait = std::min(wait, options_.backoff_max_ms);
  s.locked_until = now + wait;
  s.refusal_row = 0;  // a new wait: its refusals get a row of their own
  return wait;
}

void LoginThrottle::succeeded(const std::string& user, const std::string& peer) {
  std::lock_guard lock(mu_);
  states_.erase({user, peer});
}

int64_t LoginThrottle::refusal_row(const std::string& user, const std::string& peer) {
  std::lock_guard lock(mu_);
  auto it = states_.find({user, peer});
  return it == states_.end() ? 0 : it->second.refusal_row;
}

void LoginThrottle::set_refusal_row(const std::string& user, const std::string& peer, int64_t row) {
  std::lock_guard lock(mu_);
  if (auto it = states_.find({user, peer}); it != states_.end()) it->second.refusal_row = row;
}

size_t LoginThrottle::keys() {
  std::lock_guard lock(mu_);
  return states_.size();
}

// Drops forgotten keys; if that is not enough, the half least recently failed
// (a flood of made-up names must not grow memory without bound).
void LoginThrottle::prune(int64_t now) {
  std::erase_if(states_, [&](const auto& kv) {
    return now - kv.second.last_failure > options_.forget_after_ms && kv.second.locked_until <= now;
  });
  if (states_.size() < options_.max_keys) return;
  std::vector<int64_t> times;
  times.reserve(states_.size());
  for (auto& [k, s] : states_) times.push_back(s.last_failure);
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  const int64_t median = times[times.size() / 2];
  std::erase_if(states_, [&](const auto& kv) { return kv.second.last_failure <= median; });
}

}  // namespace telltale::server::console
