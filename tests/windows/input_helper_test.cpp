// The per-user input helper and the service's pipe under Wine: the real
// telltale-input-helper.exe in its own process counts input this test
// injects with SendInput (Wine 8 delivers it as WM_INPUT from its virtual
// keyboard and mouse, and to low-level hooks with the injected flag), and
// its counts reach the server and the probe; other programs and damaged
// frames are refused with who and why.
#include <gtest/gtest.h>
#include <windows.h>

#include <chrono>
#include <functional>
#include <thread>

#include "platform/decode/input_helper_frame.h"
#include "platform/windows/input_helper_pipe.h"
#include "platform/windows/win32_error.h"

namespace {

using telltale::platform::windows_probe::InputHelperPipeOptions;
using telltale::platform::windows_probe::InputHelperPipeServer;
using telltale::platform::windows_probe::InputHelperProbe;

std::wstring pipe_for(const char* test) {
  return L"\\\\.\\pipe\\telltale-input-test-" + std::to_wstring(GetCurrentProcessId()) + L"-" + telltale::win::wide(test);
}

std::wstring this_program() {
  wchar_t self[MAX_PATH];
  GetModuleFileNameW(nullptr, self, MAX_PATH);
  return self;
}

// Polls until cond holds; the generous limit only ends a broken run.
bool eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 600; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return cond();
}

class HelperProcess {
 public:
  explicit HelperProcess(const std::wstring& pipe) {
    const std::wstring exe = telltale::win::wide(TELLTALE_INPUT_HELPER_EXE);
    std::wstring cmd = L"\"" + exe + L"\" --pipe " + pipe + L" --interval-ms 200";
    STARTUPINFOW si{};
    si.cb = sizeof si;
    if (!CreateProcessW(exe.c_str(), cmd.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi_))
      throw std::runtime_error("cannot start " + std::string(TELLTALE_INPUT_HELPER_EXE) + ": " +
                               telltale::win::error_message(GetLastError()));
  }
  ~HelperProcess() {
    TerminateProcess(pi_.hProcess, 0);
    WaitForSingleObject(pi_.hProcess, 10000);
    CloseHandle(pi_.hThread);
    CloseHandle(pi_.hProcess);
  }
  DWORD pid() const { return pi_.dwProcessId; }
  bool running() const { return WaitForSingleObject(pi_.hProcess, 0) == WAIT_TIMEOUT; }

 private:
  PROCESS_INFORMATION pi_{};
};

const telltale::v1::DeviceActivity* find_device(const telltale::v1::InputActivity& a, const std::string& name_part) {
  for (const auto& d : a.devices())
    if (d.device().find(name_part) != std::string::npos) return &d;
  return nullptr;
}

uint64_t injected_keys(const InputHelperPipeServer& server) {
  for (const auto& r : server.reports())
    if (const auto* d = find_device(r.activity, "injected input")) return d->injected_key_presses();
  return 0;
}

// Raw bytes to the pipe as any local program could send them.
void write_to_pipe(const std::wstring& pipe, const std::string& bytes) {
  HANDLE p = INVALID_HANDLE_VALUE;
  ASSERT_TRUE(eventually([&] {
    p = CreateFileW(pipe.c_str(), FILE_WRITE_DATA | SYNCHRONIZE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
    return p != INVALID_HANDLE_VALUE;
  }));
  DWORD written = 0;
  WriteFile(p, bytes.data(), static_cast<DWORD>(bytes.size()), &written, nullptr);
  FlushFileBuffers(p);
  CloseHandle(p);
}

// Both of Wine's virtual input devices, keyboard and mouse, listed with a
// readable name.
bool wine_virtual_devices_listed() {
  UINT count = 0;
  if (GetRawInputDeviceList(nullptr, &count, sizeof(RAWINPUTDEVICELIST)) != 0 || count == 0) return false;
  std::vector<RAWINPUTDEVICELIST> list(count);
  if (GetRawInputDeviceList(list.data(), &count, sizeof(RAWINPUTDEVICELIST)) == static_cast<UINT>(-1)) return false;
  bool keyboard = false, mouse = false;
  for (UINT i = 0; i < count; ++i) {
    UINT chars = 0;
    GetRawInputDeviceInfoW(list[i].hDevice, RIDI_DEVICENAME, nullptr, &chars);
    std::wstring name(chars, L'\0');
    if (chars == 0 || GetRawInputDeviceInfoW(list[i].hDevice, RIDI_DEVICENAME, name.data(), &chars) == static_cast<UINT>(-1))
      continue;
    if (name.find(L"VID_845E") == std::wstring::npos) continue;
    keyboard |= list[i].dwType == RIM_TYPEKEYBOARD;
    mouse |= list[i].dwType == RIM_TYPEMOUSE;
  }
  return keyboard && mouse;
}

TEST(WindowsInputHelper, SendInputInTheUsersSession_IsCountedAsInjectedAndReachesTheService) {
  const std::wstring pipe = pipe_for("sendinput");
  InputHelperPipeServer server({pipe, telltale::win::wide(TELLTALE_INPUT_HELPER_EXE)});
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  HelperProcess helper(pipe);
  ASSERT_TRUE(eventually([&] { return server.frames_accepted() > 0; })) << "the helper never reported; running=" << helper.running();
  ASSERT_EQ(injected_keys(server), 0u);
  // Wine's virtual keyboard and mouse come up with the prefix's device
  // services; on a loaded machine they may still be arriving (CI saw the
  // mouse's name unreadable once), so wait until both are listed by name.
  ASSERT_TRUE(eventually([] { return wine_virtual_devices_listed(); }))
      << "Wine's virtual HID keyboard and mouse (VID_845E) never appeared in GetRawInputDeviceList";

  // Five different keys typed, three moves and a click, as remote-control software would.
  std::vector<INPUT> in;
  for (WORD vk : {'T', 'E', 'L', 'S', 'Z'}) {
    INPUT down{};
    down.type = INPUT_KEYBOARD;
    down.ki.wVk = vk;
    INPUT up = down;
    up.ki.dwFlags = KEYEVENTF_KEYUP;
    in.push_back(down);
    in.push_back(up);
  }
  for (int i = 0; i < 3; ++i) {
    INPUT move{};
    move.type = INPUT_MOUSE;
    move.mi.dx = 7;
    move.mi.dy = 3;
    move.mi.dwFlags = MOUSEEVENTF_MOVE;
    in.push_back(move);
  }
  INPUT click{};
  click.type = INPUT_MOUSE;
  click.mi.dwFlags = MOUSEEVENTF_LEFTDOWN;
  in.push_back(click);
  click.mi.dwFlags = MOUSEEVENTF_LEFTUP;
  in.push_back(click);
  for (auto& i : in) {  // one at a time, spaced, like a remote typist
    ASSERT_EQ(SendInput(1, &i, sizeof i), 1u) << telltale::win::error_message(GetLastError());
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
  }
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : server.reports()) {
      const auto* inj = find_device(r.activity, "injected input");
      if (inj && inj->injected_key_presses() == 5 && inj->injected_pointer_reports() == 5) return true;
    }
    return false;
  })) << (server.reports().empty() ? std::string("no report") : server.reports()[0].activity.DebugString());

  const auto report = server.reports().at(0);
  EXPECT_EQ(report.pid, helper.pid());
  // Wine's virtual keyboard and mouse (HID VID_845E) carried the Raw Input.
  uint64_t keys = 0, pointer = 0, bucket_keys = 0;
  for (const auto& d : report.activity.devices()) {
    keys += d.key_presses();
    pointer += d.pointer_reports();
    for (const auto& b : d.buckets()) bucket_keys += b.key_events();
    if (!d.virtual_device()) {
      EXPECT_NE(d.event_node().find("VID_845E"), std::string::npos) << d.DebugString();
    }
  }
  EXPECT_EQ(keys, 5u);
  EXPECT_EQ(bucket_keys, 5u);
  EXPECT_EQ(pointer, 5u);  // three moves, press, release
  const auto* kb = find_device(report.activity, "845e:0002");
  ASSERT_NE(kb, nullptr) << report.activity.DebugString();
  EXPECT_EQ(kb->bus(), 3u);
  EXPECT_EQ(kb->key_intervals(), 4u);

  // The probe puts them in the snapshot, per session, with no error.
  InputHelperProbe probe(server);
  telltale::v1::Snapshot s;
  probe.collect({}, s);
  EXPECT_EQ(s.errors_size(), 0) << s.DebugString();
  ASSERT_EQ(s.input_activity().devices_size(), report.activity.devices_size());
  const std::string session = "session " + std::to_string(report.session_id) + ": ";
  for (const auto& d : s.input_activity().devices()) EXPECT_EQ(d.event_node().rfind(session, 0), 0u) << d.event_node();
}

TEST(WindowsInputHelper, AnotherProgramOnThePipe_IsRefusedWithItsImage) {
  const std::wstring pipe = pipe_for("impostor");
  InputHelperPipeServer server({pipe, telltale::win::wide(TELLTALE_INPUT_HELPER_EXE)});
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  telltale::v1::InputActivity forged;
  forged.add_devices()->set_injected_key_presses(0);
  write_to_pipe(pipe, telltale::decode::encode_input_helper_frame(forged));
  std::vector<std::string> errors;
  ASSERT_TRUE(eventually([&] {
    for (auto& e : server.take_errors()) errors.push_back(e);
    return !errors.empty();
  }));
  EXPECT_NE(errors[0].find("client pid " + std::to_string(GetCurrentProcessId())), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("is not " + std::string(TELLTALE_INPUT_HELPER_EXE)), std::string::npos) << errors[0];
  EXPECT_TRUE(server.reports().empty());
}

TEST(WindowsInputHelper, DamagedFrames_AreRefusedAndTheNextGoodOneCounts) {
  const std::wstring pipe = pipe_for("damaged");
  InputHelperPipeServer server({pipe, this_program(), 1000});
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  telltale::v1::InputActivity a;
  a.add_devices()->set_key_presses(12);
  const std::string good = telltale::decode::encode_input_helper_frame(a);
  write_to_pipe(pipe, "GET / HTTP/1.1\r\n\r\n");
  write_to_pipe(pipe, good.substr(0, good.size() - 2));
  write_to_pipe(pipe, good);
  ASSERT_TRUE(eventually([&] { return server.frames_accepted() == 1; }));
  const auto errors = server.take_errors();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("magic 'GET ', expected 'TTIH'"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find(std::to_string(good.size() - 2) + " of " + std::to_string(good.size()) + " bytes"), std::string::npos)
      << errors[1];
  ASSERT_EQ(server.reports().size(), 1u);
  EXPECT_EQ(server.reports()[0].activity.devices(0).key_presses(), 12u);
  // The probe reports the refusals once, then only what is new.
  InputHelperProbe probe(server);
  telltale::v1::Snapshot s;
  probe.collect({}, s);
  EXPECT_EQ(s.errors_size(), 0);  // take_errors above already handed them over
  EXPECT_EQ(s.input_activity().devices_size(), 1);
}

// Wine 8 ignores FILE_FLAG_FIRST_PIPE_INSTANCE (measured: a second server
// on a squatted name starts), so the refusal path is driven by a name
// CreateNamedPipe rejects; the squatting case itself is Windows-only.
TEST(WindowsInputHelper, PipeThatCannotBeCreated_IsReportedOnceWithItsName) {
  const std::wstring bad = L"\\\\.\\not-a-pipe-namespace\\telltale";
  InputHelperPipeServer server({bad, this_program()});
  std::string error;
  EXPECT_FALSE(server.start(error));
  EXPECT_NE(error.find("input helper pipe " + telltale::win::utf8(bad) + ": "), std::string::npos) << error;
  InputHelperProbe probe(server);
  telltale::v1::Snapshot s1, s2;
  probe.collect({}, s1);
  probe.collect({}, s2);
  ASSERT_EQ(s1.errors_size(), 1);
  EXPECT_EQ(s1.errors(0).probe(), "input_helper");
  EXPECT_EQ(s2.errors_size(), 0);
}

}  // namespace
