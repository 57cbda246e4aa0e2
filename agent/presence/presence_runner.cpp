#include "agent/presence/presence_runner.h"

#include "platform/common/log.h"
#include "platform/common/signature.h"
#include "platform/decode/presence_observation.h"

namespace telltale::agent {
namespace v1 = telltale::v1;

v1::SignedPresenceResult sign_presence_result(const v1::PresenceResult& result, const PresenceIdentity& identity) {
  v1::SignedPresenceResult signed_result;
  // The bytes signed are the bytes stored: the collector never re-serializes them.
  signed_result.set_result(result.SerializeAsString());
  signed_result.set_signature(signature::sign_sha256(identity.key_pem, signed_result.result()));
  signed_result.set_certificate_pem(identity.cert_pem);
  return signed_result;
}

v1::SignedPresenceResult run_presence_check(const v1::PresenceRequest& request,
                                            platform::PresenceInputCapture* capture, PresencePrompter& prompter,
                                            const PresenceIdentity& identity, const Clock& clock) {
  v1::PresenceResult result;
  result.set_check_id(request.check_id());
  result.set_device_id(identity.device_id);
  result.set_action(request.action());
  result.set_agent_version(TELLTALE_VERSION);
  result.set_started_at_unix_ms(clock.now_unix_ms());
  auto& obs = *result.mutable_observation();
  if (request.expires_at_unix_ms() > 0 && clock.now_unix_ms() > request.expires_at_unix_ms()) {
    obs.set_outcome(v1::PRESENCE_OUTCOME_EXPIRED);
  } else if (!capture) {
    obs.set_outcome(v1::PRESENCE_OUTCOME_UNSUPPORTED);
    obs.set_detail("no presence capture for this operating system yet");
  } else if (request.action() == v1::PRESENCE_ACTION_LID && !capture->has_lid_switch()) {
    obs.set_outcome(v1::PRESENCE_OUTCOME_UNSUPPORTED);
    obs.set_detail("no lid switch among the input devices");
  } else {
    // Watching starts before the prompt so an answer cannot slip past.
    capture->start();
    if (request.action() == v1::PRESENCE_ACTION_LID) {
      // Closing the lid would suspend the laptop before it is opened again.
      const uint32_t window_s = (request.answer_seconds() ? request.answer_seconds() : 120) + 30;
      if (auto why = capture->inhibit_lid_suspend(std::chrono::seconds(window_s)); !why.empty())
        spdlog::warn("event=presence_lid_not_inhibited check={} reason={}", log::q(request.check_id()), log::q(why));
    }
    PromptReport report = prompter.prompt(request);
    std::vector<std::string> errors;
    auto streams = capture->finish(errors);
    for (const auto& e : errors) spdlog::warn("event=presence_input_error check={} detail={}", log::q(request.check_id()), log::q(e));
    decode::PresenceSession session;
    session.action = request.action();
    session.prompts_us = report.prompts_us;
    session.helper_keys_us = report.helper_keys_us;
    session.declined = report.declined;
    session.helper_present = report.helper_present;
    session.session_without_helper = report.session_without_helper;
    session.session_type = report.session_type;
    session.remote_session = report.remote_session;
    const int64_t window_us = int64_t{request.answer_seconds() ? request.answer_seconds() : 120} * 1'000'000;
    session.deadline_us = report.prompts_us.empty() ? 0 : report.prompts_us.front() + window_us;
    obs = decode::observe_presence(session, streams);
  }
  result.set_finished_at_unix_ms(clock.now_unix_ms());
  spdlog::info("event=presence_check_done check={} action={} outcome={} class={} first_ms={} median_ms={}",
               log::q(request.check_id()), decode::to_string(request.action()), decode::to_string(obs.outcome()),
               decode::to_string(obs.device_class()), obs.first_response_ms(), obs.median_reaction_ms());
  return sign_presence_result(result, identity);
}

}  // namespace telltale::agent
