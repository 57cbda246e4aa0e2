#pragma once
// Holds logind's handle-lid-switch inhibitor while a presence check asks for
// the lid to be closed, so the laptop does not suspend between close and
// open. The agent has no D-Bus client; it runs logind's own front end,
// ROOT/usr/bin/systemd-inhibit, in block mode around a `sleep`, and ends it
// when the check is over. Without logind (containers, other init systems)
// the tool exits at once and the check goes on without the inhibitor.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace telltale::platform::linux_probe {

class LidSwitchInhibitor {
 public:
  // Starts the inhibitor for at most `max`; returns null and sets `error`
  // ("…/systemd-inhibit: exited 1 at once (no logind?)") when it cannot.
  static std::unique_ptr<LidSwitchInhibitor> hold(const std::filesystem::path& root, const std::string& why,
                                                  std::chrono::seconds max, std::string& error);
  ~LidSwitchInhibitor();  // releases it (SIGTERM to its process group, then reaps it)
  LidSwitchInhibitor(const LidSwitchInhibitor&) = delete;
  LidSwitchInhibitor& operator=(const LidSwitchInhibitor&) = delete;
  pid_t pid() const { return pid_; }

 private:
  explicit LidSwitchInhibitor(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

}  // namespace telltale::platform::linux_probe
