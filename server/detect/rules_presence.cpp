// Presence checks (issue 20): how the laptop answered when it was asked for
// one physical action. Only the latest answered check inside the window
// counts, so a later pass at the built-in keyboard supersedes an earlier
// failure; unanswered checks add up across the window, since a farm that
// cannot touch the laptop misses every one. The family is capped in the
// engine below `suspicious`: a check is evidence, never proof by itself.
#include <algorithm>
#include <cstdio>

#include "server/detect/rules.h"

namespace telltale::detect {
namespace {

using telltale::v1::PresenceObservation;

telltale::v1::Indicator* add(const RuleInput& in, Findings& out, std::string_view id, double confidence,
                             const PresenceEvidence& check) {
  auto* ind = add_catalog_behaviour(in, out, id, confidence, "presence");
  if (!ind) return nullptr;
  Findings::fact(*ind, "check", check.check_id + " (" + check.action + "), answered " + utc_time(check.answered_unix_ms, "%Y-%m-%d %H:%M UTC"));
  if (!check.summary.empty()) Findings::fact(*ind, "result", check.summary);
  return ind;
}

std::string usb_id(const PresenceObservation& o) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04x:%04x", o.usb_vendor(), o.usb_product());
  return buf;
}

void answered(const RuleInput& in, Findings& out, const PresenceEvidence& check) {
  const auto& o = check.observation;
  switch (o.device_class()) {
    case telltale::v1::PRESENCE_DEVICE_INJECTED:
      if (auto* ind = add(in, out, "presence.answered_injected", 0.9, check))
        Findings::fact(*ind, "keys only the prompt saw", std::to_string(o.helper_keys_without_kernel_event()));
      break;
    case telltale::v1::PRESENCE_DEVICE_VIRTUAL:
      add(in, out, "presence.answered_virtual", 0.9, check);
      break;
    case telltale::v1::PRESENCE_DEVICE_EXTERNAL_USB:
      if (auto* ind = add(in, out, "presence.answered_external", 0.8, check))
        Findings::fact(*ind, "answering device", "USB " + usb_id(o));
      break;
    default:
      break;  // built-in, Bluetooth, unknown: nothing a remote operator would produce
  }
  if (o.remote_session())
    if (auto* ind = add(in, out, "presence.remote_session", 0.8, check))
      Findings::fact(*ind, "session type", o.session_type().empty() ? "unknown" : o.session_type());
  // Only the reaction task measures reaction: a key or lid answer's first
  // response includes reading the prompt.
  const int answered_trials = static_cast<int>(std::count_if(o.trials().begin(), o.trials().end(),
                                                             [](const auto& t) { return !t.missed(); }));
  if (check.action == "reaction" && answered_trials >= 3 &&
      o.median_reaction_ms() >= in.config.presence_late_reaction_ms)
    if (auto* ind = add(in, out, "presence.late_answer", 0.8, check))
      Findings::fact(*ind, "median reaction", std::to_string(o.median_reaction_ms()) + " ms over " +
                                                  std::to_string(answered_trials) + " trials (a person at the "
                                                  "keyboard: 200-400 ms)");
}

}  // namespace

void presence_rules(const RuleInput& in, Findings& out) {
  const int64_t window_ms = static_cast<int64_t>(in.config.presence_window_days * 86400000.0);
  std::vector<const PresenceEvidence*> recent;
  for (const auto& p : in.ctx.presence)
    if (p.answered_unix_ms <= in.now_unix_ms && in.now_unix_ms - p.answered_unix_ms <= window_ms) recent.push_back(&p);
  if (recent.empty()) return;
  std::sort(recent.begin(), recent.end(),
            [](const auto* a, const auto* b) { return a->answered_unix_ms > b->answered_unix_ms; });
  const PresenceEvidence& latest = *recent.front();
  switch (latest.observation.outcome()) {
    case telltale::v1::PRESENCE_OUTCOME_ANSWERED:
      answered(in, out, latest);
      break;
    case telltale::v1::PRESENCE_OUTCOME_NO_ANSWER: {
      // Misses since the last answered check: one is an absent employee,
      // several in a row is a laptop nobody can reach.
      int misses = 0;
      for (const auto* p : recent) {
        if (p->observation.outcome() == telltale::v1::PRESENCE_OUTCOME_ANSWERED) break;
        if (p->observation.outcome() == telltale::v1::PRESENCE_OUTCOME_NO_ANSWER) ++misses;
      }
      if (auto* ind = add(in, out, "presence.unanswered", misses >= 2 ? 0.9 : 0.6, latest))
        Findings::fact(*ind, "unanswered in a row", std::to_string(misses));
      break;
    }
    case telltale::v1::PRESENCE_OUTCOME_DECLINED:
      add(in, out, "presence.declined", 0.6, latest);
      break;
    default:
      break;  // no session, expired, unsupported: nothing about who sits there
  }
}

}  // namespace telltale::detect
