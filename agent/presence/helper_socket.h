#pragma once
// The agent's end of the session-helper protocol (docs/ARCHITECTURE.md,
// "Presence check"): a Unix stream socket the per-user helper connects to.
// The peer is identified by SO_PEERCRED, never by anything it says: its uid
// must own an active logind session, whose type (x11, wayland) and
// remoteness go into the result. One line per message, tab-separated:
//   helper → agent  HELLO\t1
//   agent → helper  CHECK\t<id>\t<lid|key|reaction>\t<answer s>\t<trials>\t<company>\t<reason>
//   helper → agent  SHOWN\t<unix µs>   GREEN\t<unix µs>   KEY\t<unix µs>   DECLINED   DONE
// Key presses are reported as times only; the helper never sends which key.
#include <cstdint>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "agent/presence/presence_runner.h"
#include "platform/presence_input.h"

namespace telltale::agent {

class HelperSocket final : public PresencePrompter {
 public:
  // sessions: logind's view (the capture's), read at each connection.
  HelperSocket(std::filesystem::path path, std::function<std::vector<platform::UserSession>()> sessions);
  ~HelperSocket() override;
  HelperSocket(const HelperSocket&) = delete;
  HelperSocket& operator=(const HelperSocket&) = delete;

  // Binds and starts accepting; throws std::runtime_error naming the path.
  void start();
  PromptReport prompt(const telltale::v1::PresenceRequest& request) override;
  void cancel() override { stop_ = true; }
  bool helper_connected();

 private:
  void accept_loop();
  // An active x11/wayland/mir logind session (of `uid` when given).
  std::optional<platform::UserSession> active_graphical_session(std::optional<uint32_t> uid);
  std::filesystem::path path_;
  std::function<std::vector<platform::UserSession>()> sessions_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread acceptor_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  int helper_fd_ = -1;  // the newest accepted helper
  platform::UserSession helper_session_;
};

}  // namespace telltale::agent
