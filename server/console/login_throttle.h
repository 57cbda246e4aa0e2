#pragma once
// Failed console logins, per (user name, peer address). A key gets a few free
// failures, then every further failure doubles its wait (exponential backoff
// up to a cap); attempts inside the wait are refused without checking the
// password. Keyed on the pair, so guessing from one address never locks the
// right password out from another (docs/CONSOLE.md "Login").
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace telltale::server::console {

struct LoginThrottleOptions {
  int free_failures = 5;
  int64_t backoff_base_ms = 1000;
  int64_t backoff_max_ms = 15LL * 60 * 1000;
  // A key forgets its failures after this long without one.
  int64_t forget_after_ms = 24LL * 3600 * 1000;
  // Memory bound: past it the least recently active keys are dropped.
  size_t max_keys = 50000;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(LoginThrottleOptions options = {}) : options_(options) {}

  // 0 when an attempt may go ahead, else the milliseconds left to wait.
  int64_t wait_ms(const std::string& user, const std::string& peer, int64_t now);
  // Records a wrong password; returns the wait it imposes from now (0 while free).
  int64_t failed(const std::string& user, const std::string& peer, int64_t now);
  void succeeded(const std::string& user, const std::string& peer);

  // The audit row that counts the refused attempts of the key's current wait
  // (0: none yet). Refusals in one wait fold into one row.
  int64_t refusal_row(const std::string& user, const std::string& peer);
  void set_refusal_row(const std::string& user, const std::string& peer, int64_t row);

  size_t keys();

 private:
  struct State {
    int failures = 0;
    int64_t locked_until = 0;
    int64_t last_failure = 0;
    int64_t refusal_row = 0;
  };
  using Key = std::pair<std::string, std::string>;
  void prune(int64_t now);

  LoginThrottleOptions options_;
  std::mutex mu_;
  std::map<Key, State> states_;
};

}  // namespace telltale::server::console
