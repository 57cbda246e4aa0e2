// Presence checks over recorded evdev streams: a fixture root holds the
// kernel's /proc/bus/input/devices of a real laptop with a PiKVM attached and
// dev/input/eventN as regular files of struct input_event records, read by
// the same capture the agent runs on a live machine.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "platform/decode/presence_observation.h"
#include "platform/linux/presence_input.h"
#include "sensor_test_support.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = telltale::v1;
using telltale::decode::describe_presence;
using telltale::decode::InputEvent;
using telltale::decode::observe_presence;
using telltale::decode::PresenceSession;
using telltale::platform::linux_probe::LinuxPresenceCapture;

constexpr int64_t kT0 = 1'780'000'000'000'000;  // prompt clock origin, unix µs
constexpr uint16_t kEvSyn = 0, kEvKey = 1, kEvMsc = 4, kEvSw = 5;
// Event nodes in the pikvm-laptop fixture: event0 Lid Switch (ACPI), event2 AT
// keyboard (i8042), event7 PiKVM keyboard (USB 1d6b:0104); event11 is added:
// a uinput keyboard as xdotool/ydotool create it (USB bus id, virtual sysfs).
constexpr const char* kVirtualKeyboard = R"(
I: Bus=0003 Vendor=1234 Product=5678 Version=0001
N: Name="ydotoold virtual device"
P: Phys=
S: Sysfs=/devices/virtual/input/input11
U: Uniq=
H: Handlers=sysrq kbd event11 leds 
B: PROP=0
B: EV=120013
B: KEY=1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe
B: MSC=10
B: LED=1f
)";

std::string rec(int64_t t_us, uint16_t type, uint16_t code, int32_t value) {
  return telltale::decode::encode_input_event({t_us / 1000000, t_us % 1000000, type, code, value});
}

// One key stroke as a keyboard reports it: scan code, press, sync; release 90 ms later.
std::string stroke(int64_t t_us, uint16_t key) {
  return rec(t_us, kEvMsc, 4, 0x1e) + rec(t_us, kEvKey, key, 1) + rec(t_us, kEvSyn, 0, 0) +
         rec(t_us + 90'000, kEvMsc, 4, 0x1e) + rec(t_us + 90'000, kEvKey, key, 0) + rec(t_us + 90'000, kEvSyn, 0, 0);
}

std::string lid(int64_t t_us, bool closed) { return rec(t_us, kEvSw, 0, closed ? 1 : 0) + rec(t_us, kEvSyn, 0, 0); }

struct LaptopRoot : sensor_test::TempRoot {
  explicit LaptopRoot(const std::string& tag) : sensor_test::TempRoot("presence-" + tag) {
    std::ifstream in(sensor_test::kFixtures / "pikvm-laptop/proc/bus/input/devices");
    std::string devices{std::istreambuf_iterator<char>(in), {}};
    put("proc/bus/input/devices", devices + kVirtualKeyboard);
    for (const char* node : {"event0", "event2", "event7", "event11"}) put(std::string("dev/input/") + node, "");
  }
  v1::PresenceObservation observe(const PresenceSession& s) const {
    LinuxPresenceCapture capture(path);
    capture.start();
    std::vector<std::string> errors;
    auto streams = capture.finish(errors);
    EXPECT_TRUE(errors.empty()) << errors.front();
    return observe_presence(s, streams);
  }
};

PresenceSession reaction_task(std::vector<int64_t> offsets_ms) {
  PresenceSession s;
  s.action = v1::PRESENCE_ACTION_REACTION;
  for (auto ms : offsets_ms) s.prompts_us.push_back(kT0 + ms * 1000);
  s.deadline_us = s.prompts_us.back() + 3'000'000;
  s.session_type = "x11";
  return s;
}

const std::vector<int64_t> kGreenBoxesMs = {2000, 5300, 7900, 11200, 14000};

// Built-in keyboard presses at the given reaction times, plus typing before
// the task that must not count.
std::string reactions(const std::vector<int64_t>& reaction_ms, uint16_t key = 57) {
  std::string out = stroke(kT0 - 4'000'000, 30) + stroke(kT0 - 3'800'000, 31);
  for (size_t i = 0; i < reaction_ms.size(); ++i) out += stroke(kT0 + (kGreenBoxesMs[i] + reaction_ms[i]) * 1000, key);
  return out;
}

TEST(PresenceObservation, BuiltInKeyboardAtHumanReactionTimes_IsBuiltInWithMedian) {
  LaptopRoot root("builtin");
  root.put("dev/input/event2", reactions({270, 290, 310, 285, 300}));
  const auto obs = root.observe(reaction_task(kGreenBoxesMs));
  EXPECT_EQ(obs.outcome(), v1::PRESENCE_OUTCOME_ANSWERED);
  EXPECT_EQ(obs.device_class(), v1::PRESENCE_DEVICE_BUILT_IN);
  EXPECT_EQ(obs.median_reaction_ms(), 290u);
  EXPECT_EQ(obs.reaction_spread_ms(), 10u);  // deviations 20 0 20 5 10
  ASSERT_EQ(obs.trials_size(), 5);
  EXPECT_EQ(obs.trials(0).reaction_ms(), 270u);
  EXPECT_FALSE(obs.mixed_devices());
  EXPECT_EQ(obs.usb_vendor(), 0u);
  EXPECT_EQ(describe_presence(v1::PRESENCE_ACTION_REACTION, obs, 120),
            "built-in keyboard answered, median reaction 290 ms (spread 10 ms), 5 of 5 trials");
}

TEST(PresenceObservation, ExternalUsbHidAnsweringASecondLate_IsExternalWithItsIds) {
  LaptopRoot root("pikvm");
  // The PiKVM keyboard answers ~1 s after each green box (video and input
  // both crossing the network); the built-in keyboard sits idle.
  root.put("dev/input/event7", reactions({940, 1010, 980, 900, 1050}));
  const auto obs = root.observe(reaction_task(kGreenBoxesMs));
  EXPECT_EQ(obs.outcome(), v1::PRESENCE_OUTCOME_ANSWERED);
  EXPECT_EQ(obs.device_class(), v1::PRESENCE_DEVICE_EXTERNAL_USB);
  EXPECT_EQ(obs.usb_vendor(), 0x1d6bu);
  EXPECT_EQ(obs.usb_product(), 0x0104u);
  EXPECT_EQ(obs.median_reaction_ms(), 980u);
  EXPECT_EQ(describe_presence(v1::PRESENCE_ACTION_REACTION, obs, 120),
            "answered through an external USB keyboard (1d6b:0104), median reaction 980 ms (spread 40 ms), 5 of 5 "
            "trials");
}

TEST(PresenceObservation, UinputDeviceOnUsbBusId_IsVirtualNotExternal) {
  LaptopRoot root("uinput");
  PresenceSession s;
  s.action = v1::PRESENCE_ACTION_KEY;
  s.prompts_us = {kT0};
  s.deadline_us = kT0 + 120'000'000;
  root.put("dev/input/event11", stroke(kT0 + 1'700'000, 28));
  const auto obs = root.observe(s);
  EXPECT_EQ(obs.outcome(), v1::PRESENCE_OUTCOME_ANSWERED);
  EXPECT_EQ(obs.device_class(), v1::PRESENCE_DEVICE_VIRTUAL);
  EXPECT_EQ(obs.first_response_ms(), 1700u);
  EXPECT_EQ(obs.usb_vendor(), 0u);  // a virtual device's IDs are whatever its creator chose
}

TEST(PresenceObservation, HelperSawKeyNoKernelDevicePressed_IsInjected) {
  LaptopRoot root("xtest");
  PresenceSession s;
  s.action = v1::PRESENCE_ACTION_KEY;
  s.prompts_us = {kT0};
  s.deadline_us = kT0 + 120'000'000;
  // The built-in keyboard typed long before; the answer came through XTEST.
  root.put("dev/input/event2", stroke(kT0 - 2'000'000, 30) + stroke(kT0 + 9'000'000, 30));
  s.helper_keys_us = {kT0 + 2'400'000, kT0 + 9'050'000};
  const auto obs = root.observe(s);
  EXPECT_EQ(obs.outcome(), v1::PRESENCE_OUTCOME_ANSWERED);
  EXPECT_EQ(obs.device_class(), v1::PRESENCE_DEVICE_INJECTED);
  EXPECT_EQ(obs.first_response_ms(), 2400u);
  EXPECT_EQ(obs.helper_keys_without_kernel_event(), 1u);
}

TEST(PresenceObservation, HelperKeyBackedByBuiltInPress_IsBuiltIn) {
  LaptopRoot root("backed");
  PresenceSession s;
  s.action = v1::PRESENCE_ACTION_KEY;
  s.prompts_us = {kT0};
  s.deadline_us = kT0 + 120'000'000;
  root.put("dev/input/event2", stroke(kT0 + 1'200'000, 57));
  s.helper_keys_us = {kT0 + 1'230'000};  // X server and toolkit latency after the kernel
  const auto obs = root.observe(s);
  EXPECT_EQ(obs.device_class(), v1::PRESENCE_DEVICE_BUILT_IN);
  EXPECT_EQ(obs.first_response_ms(), 1200u);
  EXPECT_EQ(describe_presence(v1::PRESENCE_ACTION_KEY, obs, 120), "built-in keyboard answered 1.2 s after the prompt");
}

TEST(PresenceObservation, LidClosedAndOpenedAfterPrompt_IsBuiltInLidSwitch) {
  LaptopRoot root("lid");
  PresenceSession s;
  s.action = v1::PRESENCE_ACTION_LID;
  s.prompts_us = {kT0};
  s.deadline_us = kT0 + 120'000'000;
  // An earlier undocking toggle before the prompt does not count.
  root.put("dev/input/event0", lid(kT0 - 60'000'000, true) + lid(kT0 - 50'000'000, false) +
                                   lid(kT0 + 2'300'000, true) + lid(kT0 + 4'100'000, false));
  LinuxPresenceCapture capture(root.path);
  EXPECT_TRUE(capture.has_lid_switch());
  const auto obs = root.observe(s);
  EXPECT_EQ(obs.outcome(), v1::PRESENCE_OUTCOME_ANSWERED);
  EXPECT_EQ(obs.device_class(), v1::PRESENCE_DEVICE_BUILT_IN);
  EXPECT_EQ(obs.lid_closed_after_ms(), 2300u);
  EXPECT_EQ(obs.lid_opened_after_ms(), 4100u);
  EXPECT_EQ(obs.lid_toggles(), 2u);
  EXPECT_EQ(describe_presence(v1::PRESENCE_ACTION_LID, obs, 120),
            "lid closed and opened 4.1 s after the prompt (built-in lid switch)");
}

TEST(PresenceObservation, NothingWithinTheWindow_IsNoAnswer) {
  LaptopRoot root("none");
  root.put("dev/input/event2", stroke(kT0 - 1'000'000, 30) + stroke(kT0 + 130'000'000, 30));
  PresenceSession s;
  s.action = v1::PRESENCE_ACTION_KEY;
  s.prompts_us = {kT0};
  s.deadline_us = kT0 + 120'000'000;
  const auto obs = root.observe(s);
  EXPECT_EQ(obs.outcome(), v1::PRESENCE_OUTCOME_NO_ANSWER);
  EXPECT_EQ(describe_presence(v1::PRESENCE_ACTION_KEY, obs, 120), "no answer within 120 s");
  auto lid_session = s;
  lid_session.action = v1::PRESENCE_ACTION_LID;
  EXPECT_EQ(root.observe(lid_session).outcome(), v1::PRESENCE_OUTCOME_NO_ANSWER);
}

TEST(PresenceObservation, HelperStoppedWhileTheGraphicalSessionIsActive_IsNoAnswerNotNoSession) {
  LaptopRoot root("killed-helper");
  PresenceSession s;
  s.action = v1::PRESENCE_ACTION_KEY;
  s.helper_present = false;
  s.session_without_helper = "x11 session 2 of uid 1000";
  const auto obs = root.observe(s);
  EXPECT_EQ(obs.outcome(), v1::PRESENCE_OUTCOME_NO_ANSWER);
  EXPECT_EQ(describe_presence(v1::PRESENCE_ACTION_KEY, obs, 120),
            "no answer within 120 s (the prompt could not be shown: the active x11 session 2 of uid 1000 has no "
            "presence helper running)");
  s.session_without_helper.clear();  // nobody logged in graphically: nothing to ask
  EXPECT_EQ(root.observe(s).outcome(), v1::PRESENCE_OUTCOME_NO_SESSION);
}

TEST(PresenceObservation, DeclinedWithoutAnswer_IsRecordedAsDeclined) {
  LaptopRoot root("declined");
  PresenceSession s = reaction_task(kGreenBoxesMs);
  s.declined = true;
  const auto obs = root.observe(s);
  EXPECT_EQ(obs.outcome(), v1::PRESENCE_OUTCOME_DECLINED);
  EXPECT_EQ(obs.trials_size(), 0);
  EXPECT_EQ(describe_presence(v1::PRESENCE_ACTION_REACTION, obs, 120), "declined by the user");
}

TEST(PresenceObservation, WhichKeyWasPressed_ChangesNothing) {
  LaptopRoot a("keys-a"), b("keys-b");
  a.put("dev/input/event2", reactions({270, 290, 310, 285, 300}, 57));
  b.put("dev/input/event2", reactions({270, 290, 310, 285, 300}, 44));
  EXPECT_EQ(a.observe(reaction_task(kGreenBoxesMs)).SerializeAsString(),
            b.observe(reaction_task(kGreenBoxesMs)).SerializeAsString());
}

TEST(PresenceObservation, PressesFasterThanHumanReaction_AreNotCountedAsReactions) {
  LaptopRoot root("anticipate");
  root.put("dev/input/event11", reactions({20, 21, 19, 20, 22}));
  const auto obs = root.observe(reaction_task(kGreenBoxesMs));
  EXPECT_EQ(obs.device_class(), v1::PRESENCE_DEVICE_VIRTUAL);
  EXPECT_EQ(obs.median_reaction_ms(), 0u);
  for (const auto& t : obs.trials()) EXPECT_TRUE(t.missed());
}

TEST(PresenceObservation, LogindSessionFiles_GiveTypeAndRemoteness) {
  sensor_test::TempRoot root("presence-logind");
  root.put("run/systemd/sessions/2", "# This is private data. Do not parse.\nUID=1000\nUSER=ana\nACTIVE=1\nTYPE=x11\nREMOTE=0\n");
  root.put("run/systemd/sessions/7", "UID=1001\nTYPE=wayland\nREMOTE=1\nACTIVE=0\n");
  LinuxPresenceCapture capture(root.path);
  const auto sessions = capture.sessions();
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].type, "x11");
  EXPECT_EQ(sessions[0].uid, 1000u);
  EXPECT_TRUE(sessions[0].active);
  EXPECT_FALSE(sessions[0].remote);
  EXPECT_TRUE(sessions[1].remote);
}

}  // namespace
