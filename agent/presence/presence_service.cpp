#include "agent/presence/presence_service.h"

#include "platform/common/log.h"

namespace telltale::agent {
namespace v1 = telltale::v1;

namespace {
constexpr size_t kMaxQueued = 16;    // the collector rate-limits; this only bounds a misbehaving one
constexpr size_t kMaxSeen = 1024;
}  // namespace

PresenceService::PresenceService(PresenceIdentity identity, MakeCapture make_capture, PresencePrompter& prompter,
                                 Deliver deliver)
    : identity_(std::move(identity)), make_capture_(std::move(make_capture)), prompter_(prompter),
      deliver_(std::move(deliver)), worker_([this] { loop(); }) {}

PresenceService::~PresenceService() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  prompter_.cancel();  // a check waiting minutes for a person must not hold up shutdown
  worker_.join();
}

void PresenceService::submit(const v1::PresenceRequest& request) {
  std::lock_guard lock(mu_);
  if (seen_.contains(request.check_id())) {
    spdlog::info("event=presence_request_repeated check={} action=ignored", log::q(request.check_id()));
    return;
  }
  if (queue_.size() >= kMaxQueued) {
    spdlog::warn("event=presence_request_refused check={} reason=queue_full queued={}", log::q(request.check_id()),
                 queue_.size());
    return;
  }
  if (seen_.size() >= kMaxSeen) seen_.clear();
  seen_.insert(request.check_id());
  queue_.push_back(request);
  cv_.notify_all();
}

void PresenceService::loop() {
  for (;;) {
    v1::PresenceRequest request;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      request = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      auto capture = make_capture_ ? make_capture_() : nullptr;
      deliver_(run_presence_check(request, capture.get(), prompter_, identity_));
    } catch (const std::exception& e) {
      spdlog::error("event=presence_check_failed check={} reason={}", log::q(request.check_id()), log::q(e.what()));
    }
  }
}

}  // namespace telltale::agent
