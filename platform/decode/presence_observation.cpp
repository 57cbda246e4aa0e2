#include "platform/decode/presence_observation.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

namespace telltale::decode {
namespace v1 = telltale::v1;

namespace {

// include/uapi/linux/input.h and input-event-codes.h
constexpr uint16_t kEvKey = 0x01, kEvSw = 0x05;
constexpr uint16_t kSwLid = 0x00;
constexpr uint16_t kBtnMisc = 0x100, kKeyOk = 0x160;  // [BTN_MISC, KEY_OK): pointer, joystick and tool buttons
constexpr uint32_t kBusPci = 0x01, kBusUsb = 0x03, kBusBluetooth = 0x05, kBusVirtual = 0x06, kBusI8042 = 0x11,
                   kBusI2c = 0x18, kBusHost = 0x19, kBusSpi = 0x1c, kBusRmi = 0x1d;
// The kernel's stamp and the helper's can disagree by a little in the other
// direction too (two reads of CLOCK_REALTIME on different CPUs, NTP slew).
constexpr int64_t kHelperSlackUs = 50'000;

int64_t stamp_us(const InputEvent& e) { return e.sec * 1'000'000 + e.usec; }

bool is_keyboard_press(const InputEvent& e) {
  return e.type == kEvKey && e.value == 1 && (e.code < kBtnMisc || e.code >= kKeyOk);
}

uint32_t to_ms(int64_t us) { return us <= 0 ? 0 : static_cast<uint32_t>(std::min<int64_t>(us / 1000, UINT32_MAX)); }

struct Press {
  int64_t t_us;
  size_t device;  // index into the streams
};

std::vector<Press> kernel_presses(std::span<const PresenceDeviceStream> devices) {
  std::vector<Press> presses;
  for (size_t i = 0; i < devices.size(); ++i)
    for (const auto& e : devices[i].events)
      if (is_keyboard_press(e)) presses.push_back({stamp_us(e), i});
  std::sort(presses.begin(), presses.end(), [](const Press& a, const Press& b) { return a.t_us < b.t_us; });
  return presses;
}

struct Answer {
  int64_t t_us = 0;
  v1::PresenceDeviceClass cls = v1::PRESENCE_DEVICE_UNKNOWN;
  std::optional<size_t> device;  // none when injected
};

// The answer inside [from, until): the first key press the helper saw, backed
// by the kernel press just before it; without helper reports, the first
// kernel press. `helper_only` counts helper presses no kernel press explains.
std::optional<Answer> answer_in(int64_t from, int64_t until, const std::vector<Press>& presses,
                                const PresenceSession& s, std::span<const PresenceDeviceStream> devices,
                                uint32_t& helper_only) {
  auto make = [&](const Press& p) {
    return Answer{p.t_us, classify_input_device(devices[p.device].device), p.device};
  };
  if (s.helper_keys_us.empty()) {
    for (const auto& p : presses)
      if (p.t_us >= from && p.t_us < until) return make(p);
    return std::nullopt;
  }
  for (int64_t h : s.helper_keys_us) {
    if (h < from || h >= until) continue;
    const Press* match = nullptr;
    for (const auto& p : presses)
      if (p.t_us >= std::max(from, h - kHelperMatchWindowUs) && p.t_us <= h + kHelperSlackUs) match = &p;
    if (match) return make(*match);
    ++helper_only;
    return Answer{h, v1::PRESENCE_DEVICE_INJECTED, std::nullopt};
  }
  return std::nullopt;
}

void set_usb_ids(v1::PresenceObservation& out, const PresenceDeviceStream& d) {
  if (classify_input_device(d.device) != v1::PRESENCE_DEVICE_EXTERNAL_USB) return;
  out.set_usb_vendor(d.device.vendor());
  out.set_usb_product(d.device.product());
}

void observe_key(const PresenceSession& s, std::span<const PresenceDeviceStream> devices,
                 v1::PresenceObservation& out) {
  const auto presses = kernel_presses(devices);
  uint32_t helper_only = 0;
  auto a = answer_in(s.prompts_us.front(), s.deadline_us, presses, s, devices, helper_only);
  out.set_helper_keys_without_kernel_event(helper_only);
  if (!a) return;
  out.set_outcome(v1::PRESENCE_OUTCOME_ANSWERED);
  out.set_device_class(a->cls);
  out.set_first_response_ms(to_ms(a->t_us - s.prompts_us.front()));
  if (a->device) set_usb_ids(out, devices[*a->device]);
}

uint32_t median_of(std::vector<uint32_t> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : static_cast<uint32_t>((uint64_t{v[n / 2 - 1]} + v[n / 2]) / 2);
}

void observe_reaction(const PresenceSession& s, std::span<const PresenceDeviceStream> devices,
                      v1::PresenceObservation& out) {
  const auto presses = kernel_presses(devices);
  uint32_t helper_only = 0;
  std::vector<uint32_t> reactions;
  std::map<v1::PresenceDeviceClass, std::pair<int, std::optional<size_t>>> by_class;
  for (size_t i = 0; i < s.prompts_us.size(); ++i) {
    const int64_t from = s.prompts_us[i];
    const int64_t until = i + 1 < s.prompts_us.size() ? s.prompts_us[i + 1] : s.deadline_us;
    auto* trial = out.add_trials();
    auto a = answer_in(from, until, presses, s, devices, helper_only);
    if (!a) {
      trial->set_missed(true);
      continue;
    }
    trial->set_device_class(a->cls);
    trial->set_reaction_ms(to_ms(a->t_us - from));
    // Faster than any human can see and react: anticipation or a machine.
    if (a->t_us - from < kAnticipationUs) trial->set_missed(true);
    else reactions.push_back(trial->reaction_ms());
    auto& [count, device] = by_class[a->cls];
    ++count;
    if (!device) device = a->device;
  }
  out.set_helper_keys_without_kernel_event(helper_only);
  if (by_class.empty()) return;
  out.set_outcome(v1::PRESENCE_OUTCOME_ANSWERED);
  out.set_mixed_devices(by_class.size() > 1);
  // The class that answered most trials; on a tie the more suspicious one
  // (higher enum value), so a mix never reads as cleaner than it is.
  auto best = by_class.begin();
  for (auto it = by_class.begin(); it != by_class.end(); ++it)
    if (it->second.first >= best->second.first) best = it;
  out.set_device_class(best->first);
  if (best->second.second) set_usb_ids(out, devices[*best->second.second]);
  for (const auto& t : out.trials())
    if (t.reaction_ms() > 0 || !t.missed()) {
      out.set_first_response_ms(t.reaction_ms());
      break;
    }
  if (reactions.empty()) return;
  const uint32_t median = median_of(reactions);
  std::vector<uint32_t> deviations;
  for (uint32_t r : reactions) deviations.push_back(r > median ? r - median : median - r);
  out.set_median_reaction_ms(median);
  out.set_reaction_spread_ms(median_of(deviations));
}

void observe_lid(const PresenceSession& s, std::span<const PresenceDeviceStream> devices,
                 v1::PresenceObservation& out) {
  const int64_t prompt = s.prompts_us.front();
  std::optional<int64_t> closed, opened;
  std::optional<size_t> lid_device;
  uint32_t toggles = 0;
  for (size_t i = 0; i < devices.size(); ++i)
    for (const auto& e : devices[i].events) {
      if (e.type != kEvSw || e.code != kSwLid) continue;
      const int64_t t = stamp_us(e);
      if (t < prompt || t >= s.deadline_us) continue;
      ++toggles;
      if (e.value == 1 && (!closed || t < *closed)) {
        closed = t;
        lid_device = i;
      }
    }
  for (size_t i = 0; closed && i < devices.size(); ++i)
    for (const auto& e : devices[i].events) {
      const int64_t t = stamp_us(e);
      if (e.type == kEvSw && e.code == kSwLid && e.value == 0 && t > *closed && t < s.deadline_us &&
          (!opened || t < *opened))
        opened = t;
    }
  out.set_lid_toggles(toggles);
  if (!closed) return;
  out.set_outcome(v1::PRESENCE_OUTCOME_ANSWERED);
  out.set_device_class(classify_input_device(devices[*lid_device].device));
  out.set_lid_closed_after_ms(to_ms(*closed - prompt));
  out.set_first_response_ms(out.lid_closed_after_ms());
  if (opened) out.set_lid_opened_after_ms(to_ms(*opened - prompt));
  else out.set_detail("lid closed but not opened again within the answer window");
}

std::string seconds(uint32_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
  return buf;
}

std::string hex4(uint32_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", v & 0xffff);
  return buf;
}

std::string answered_by(const v1::PresenceObservation& o, bool lid) {
  switch (o.device_class()) {
    case v1::PRESENCE_DEVICE_BUILT_IN: return lid ? "built-in lid switch" : "built-in keyboard";
    case v1::PRESENCE_DEVICE_EXTERNAL_USB:
      return std::string(lid ? "an external USB device" : "an external USB keyboard") + " (" + hex4(o.usb_vendor()) +
             ":" + hex4(o.usb_product()) + ")";
    case v1::PRESENCE_DEVICE_EXTERNAL_WIRELESS: return "a Bluetooth keyboard";
    case v1::PRESENCE_DEVICE_VIRTUAL: return lid ? "a virtual lid switch (uinput)" : "a virtual input device (uinput)";
    case v1::PRESENCE_DEVICE_INJECTED: return "injected input (XTEST or synthetic: no kernel input device pressed a key)";
    default: return "an unrecognised input device";
  }
}

}  // namespace

v1::PresenceDeviceClass classify_input_device(const v1::InputDevice& d) {
  if (d.virtual_device() || d.sysfs().starts_with("/devices/virtual/") || d.bus() == kBusVirtual)
    return v1::PRESENCE_DEVICE_VIRTUAL;
  switch (d.bus()) {
    case kBusUsb: return v1::PRESENCE_DEVICE_EXTERNAL_USB;
    case kBusBluetooth: return v1::PRESENCE_DEVICE_EXTERNAL_WIRELESS;
    case kBusI8042:
    case kBusI2c:
    case kBusHost:
    case kBusSpi:
    case kBusRmi:
    case kBusPci:
      return v1::PRESENCE_DEVICE_BUILT_IN;
    default: return v1::PRESENCE_DEVICE_UNKNOWN;
  }
}

v1::PresenceObservation observe_presence(const PresenceSession& s, std::span<const PresenceDeviceStream> devices) {
  v1::PresenceObservation out;
  out.set_session_type(s.session_type);
  out.set_remote_session(s.remote_session);
  out.set_outcome(v1::PRESENCE_OUTCOME_NO_ANSWER);
  if (!s.helper_present) {
    // The helper runs as the user: killing it must not turn a check into
    // "nobody to ask" while the user's graphical session is active.
    if (!s.session_without_helper.empty()) {
      out.set_detail("the prompt could not be shown: the active " + s.session_without_helper +
                     " has no presence helper running");
      return out;  // no answer
    }
    out.set_outcome(v1::PRESENCE_OUTCOME_NO_SESSION);
    return out;
  }
  if (s.prompts_us.empty()) {
    out.set_detail("the prompt was never shown");
    return out;
  }
  switch (s.action) {
    case v1::PRESENCE_ACTION_KEY: observe_key(s, devices, out); break;
    case v1::PRESENCE_ACTION_REACTION: observe_reaction(s, devices, out); break;
    case v1::PRESENCE_ACTION_LID: observe_lid(s, devices, out); break;
    default:
      out.set_outcome(v1::PRESENCE_OUTCOME_UNSUPPORTED);
      out.set_detail("unknown action");
      return out;
  }
  // Declining is the employee's right and is recorded as such, whatever
  // keys the Decline click came with.
  if (s.declined && out.outcome() != v1::PRESENCE_OUTCOME_ANSWERED) {
    v1::PresenceObservation declined;
    declined.set_outcome(v1::PRESENCE_OUTCOME_DECLINED);
    declined.set_session_type(s.session_type);
    declined.set_remote_session(s.remote_session);
    return declined;
  }
  return out;
}

std::string to_string(v1::PresenceDeviceClass c) {
  switch (c) {
    case v1::PRESENCE_DEVICE_BUILT_IN: return "built_in";
    case v1::PRESENCE_DEVICE_EXTERNAL_USB: return "external_usb";
    case v1::PRESENCE_DEVICE_EXTERNAL_WIRELESS: return "external_wireless";
    case v1::PRESENCE_DEVICE_VIRTUAL: return "virtual";
    case v1::PRESENCE_DEVICE_INJECTED: return "injected";
    default: return "unknown";
  }
}

std::string to_string(v1::PresenceOutcome o) {
  switch (o) {
    case v1::PRESENCE_OUTCOME_ANSWERED: return "answered";
    case v1::PRESENCE_OUTCOME_NO_ANSWER: return "no_answer";
    case v1::PRESENCE_OUTCOME_DECLINED: return "declined";
    case v1::PRESENCE_OUTCOME_NO_SESSION: return "no_session";
    case v1::PRESENCE_OUTCOME_EXPIRED: return "expired";
    case v1::PRESENCE_OUTCOME_UNSUPPORTED: return "unsupported";
    default: return "unknown";
  }
}

std::string to_string(v1::PresenceAction a) {
  switch (a) {
    case v1::PRESENCE_ACTION_LID: return "lid";
    case v1::PRESENCE_ACTION_KEY: return "key";
    case v1::PRESENCE_ACTION_REACTION: return "reaction";
    default: return "unknown";
  }
}

std::string describe_presence(v1::PresenceAction action, const v1::PresenceObservation& o, uint32_t answer_seconds) {
  std::string text;
  switch (o.outcome()) {
    case v1::PRESENCE_OUTCOME_ANSWERED:
      if (action == v1::PRESENCE_ACTION_LID) {
        text = o.lid_opened_after_ms() > 0
                   ? "lid closed and opened " + seconds(o.lid_opened_after_ms()) + " after the prompt"
                   : "lid closed " + seconds(o.lid_closed_after_ms()) + " after the prompt, not opened again";
        text += " (" + answered_by(o, true) + ")";
      } else if (action == v1::PRESENCE_ACTION_REACTION) {
        size_t answered = 0;
        for (const auto& t : o.trials()) answered += t.missed() ? 0 : 1;
        text = (o.device_class() == v1::PRESENCE_DEVICE_BUILT_IN ? "built-in keyboard answered"
                                                                  : "answered through " + answered_by(o, false));
        if (o.median_reaction_ms() > 0)
          text += ", median reaction " + std::to_string(o.median_reaction_ms()) + " ms (spread " +
                  std::to_string(o.reaction_spread_ms()) + " ms)";
        text += ", " + std::to_string(answered) + " of " + std::to_string(o.trials_size()) + " trials";
        if (o.mixed_devices()) text += ", more than one kind of device";
      } else {
        text = (o.device_class() == v1::PRESENCE_DEVICE_BUILT_IN ? "built-in keyboard answered"
                                                                  : "answered through " + answered_by(o, false)) +
               " " + seconds(o.first_response_ms()) + " after the prompt";
      }
      break;
    case v1::PRESENCE_OUTCOME_NO_ANSWER: text = "no answer within " + std::to_string(answer_seconds) + " s"; break;
    case v1::PRESENCE_OUTCOME_DECLINED: text = "declined by the user"; break;
    case v1::PRESENCE_OUTCOME_NO_SESSION: text = "no graphical session with the presence helper to ask"; break;
    case v1::PRESENCE_OUTCOME_EXPIRED: text = "expired before the laptop could be asked"; break;
    case v1::PRESENCE_OUTCOME_UNSUPPORTED: text = "cannot be observed on this laptop"; break;
    default: text = "no result"; break;
  }
  if (!o.detail().empty() && o.outcome() != v1::PRESENCE_OUTCOME_ANSWERED) text += " (" + o.detail() + ")";
  if (o.remote_session()) text += "; the session is remote (" + o.session_type() + ")";
  return text;
}

}  // namespace telltale::decode
