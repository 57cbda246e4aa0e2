// telltale-input-helper.exe: the per-user half of Windows input timing.
// A service runs in session 0 and sees no input, so this small program runs
// in each logon session (the MSI's HKLM Run entry starts it at every logon,
// Remote Desktop sessions included) and counts, per physical device, the
// same timing histograms, 15-minute buckets and behaviour counters as the
// Linux agent (decode/raw_input.h over decode/evdev_*), plus input carrying
// the injected flag seen by low-level hooks. Every interval it sends its
// cumulative counts to the service over the local pipe
// (windows/input_helper_pipe.h). It never records which key: scan codes and
// virtual keys pair a press with its release inside the counters and go no
// further.
//
//   telltale-input-helper.exe [--pipe \\.\pipe\NAME] [--interval-ms N]
#include <windows.h>

#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "platform/decode/input_helper_frame.h"
#include "platform/decode/raw_input.h"
#include "platform/windows/win32_error.h"

namespace {

using namespace telltale::decode;

struct Options {
  std::wstring pipe = L"\\\\.\\pipe\\TelltaleInputHelper";
  UINT interval_ms = 60000;
};

struct Device {
  RawInputDeviceIdentity identity;
  std::string path;
  RawInputDeviceCounters counters;
};

// Owned by the window's thread (the hooks run on it too).
std::map<HANDLE, Device> g_devices;
InjectedInputCounter g_injected;
HHOOK g_keyboard_hook = nullptr, g_mouse_hook = nullptr;
std::vector<uint8_t> g_raw;

// Frames go out on their own thread: a low-level hook's thread must never
// block (Windows drops hooks that stall input).
class Sender {
 public:
  explicit Sender(std::wstring pipe) : pipe_(std::move(pipe)), thread_([this] { run(); }) {}
  ~Sender() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void post(std::string frame) {
    {
      std::lock_guard lock(mutex_);
      pending_ = std::move(frame);  // counts are cumulative: only the newest matters
    }
    cv_.notify_one();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      if (pending_.empty()) return;
      std::string frame = std::exchange(pending_, {});
      lock.unlock();
      send(frame);
      lock.lock();
      if (stop_ && pending_.empty()) return;
    }
  }
  void send(const std::string& frame) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      // Write data only (what the pipe's DACL grants users), identification
      // level only: the service may learn who we are, not act as us.
      HANDLE p = CreateFileW(pipe_.c_str(), FILE_WRITE_DATA | SYNCHRONIZE, 0, nullptr, OPEN_EXISTING,
                             SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr);
      if (p == INVALID_HANDLE_VALUE) {
        if (GetLastError() == ERROR_PIPE_BUSY && WaitNamedPipeW(pipe_.c_str(), 2000)) continue;
        OutputDebugStringW(L"telltale-input-helper: service pipe not available; the next interval retries\n");
        return;
      }
      DWORD written = 0;
      const BOOL ok = WriteFile(p, frame.data(), static_cast<DWORD>(frame.size()), &written, nullptr);
      if (ok) FlushFileBuffers(p);  // returns once the service has read the frame
      CloseHandle(p);
      return;
    }
  }

  std::wstring pipe_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::string pending_;
  bool stop_ = false;
  std::thread thread_;
};
Sender* g_sender = nullptr;

int64_t now_us() {
  FILETIME ft;
  GetSystemTimePreciseAsFileTime(&ft);
  ULARGE_INTEGER u;
  u.LowPart = ft.dwLowDateTime;
  u.HighPart = ft.dwHighDateTime;
  return static_cast<int64_t>(u.QuadPart / 10) - 11644473600000000LL;
}

std::string device_path(HANDLE device) {
  UINT chars = 0;
  GetRawInputDeviceInfoW(device, RIDI_DEVICENAME, nullptr, &chars);
  if (chars == 0) return {};
  std::wstring name(chars, L'\0');
  if (GetRawInputDeviceInfoW(device, RIDI_DEVICENAME, name.data(), &chars) == static_cast<UINT>(-1)) return {};
  name.resize(wcsnlen(name.c_str(), name.size()));
  return telltale::win::utf8(name);
}

void on_raw_input(HRAWINPUT handle) {
  UINT size = 0;
  if (GetRawInputData(handle, RID_INPUT, nullptr, &size, sizeof(RAWINPUTHEADER)) != 0 || size == 0) return;
  g_raw.resize(size);
  if (GetRawInputData(handle, RID_INPUT, g_raw.data(), &size, sizeof(RAWINPUTHEADER)) == static_cast<UINT>(-1)) return;
  const auto* ri = reinterpret_cast<const RAWINPUT*>(g_raw.data());
  RawInputRecord r;
  r.t_us = now_us();
  if (ri->header.dwType == RIM_TYPEKEYBOARD) {
    r.kind = RawInputRecord::Kind::keyboard;
    r.make_code = ri->data.keyboard.MakeCode;
    r.key_flags = ri->data.keyboard.Flags;
  } else if (ri->header.dwType == RIM_TYPEMOUSE) {
    r.kind = RawInputRecord::Kind::mouse;
    r.mouse_flags = ri->data.mouse.usFlags;
    r.button_flags = ri->data.mouse.usButtonFlags;
    r.x = ri->data.mouse.lLastX;
    r.y = ri->data.mouse.lLastY;
  } else {
    return;
  }
  auto it = g_devices.find(ri->header.hDevice);
  if (it == g_devices.end()) {
    Device d;
    if (ri->header.hDevice) {
      d.path = device_path(ri->header.hDevice);
      d.identity = identify_raw_input_device(d.path);
    } else {
      // Windows delivers SendInput without a device.
      d.identity.name = "no device (SendInput)";
      d.identity.virtual_device = true;
    }
    it = g_devices.emplace(ri->header.hDevice, std::move(d)).first;
  } else if (ri->header.hDevice && it->second.path.empty()) {
    // The name lookup can fail while the device is still being set up
    // (seen under Wine on a loaded machine); ask again rather than keep
    // counting it as an unknown device for the helper's whole life.
    if (auto path = device_path(ri->header.hDevice); !path.empty()) {
      it->second.path = std::move(path);
      it->second.identity = identify_raw_input_device(it->second.path);
    }
  }
  it->second.counters.add(r);
}

std::string current_frame() {
  telltale::v1::InputActivity activity;
  for (const auto& [handle, d] : g_devices) {
    auto* out = activity.add_devices();
    d.counters.fill(*out);
    out->set_device(d.identity.name);
    out->set_event_node(d.path);
    out->set_virtual_device(d.identity.virtual_device);
    out->set_bus(d.identity.bus);
  }
  g_injected.fill(*activity.add_devices());
  return encode_input_helper_frame(activity);
}

LRESULT CALLBACK keyboard_hook(int code, WPARAM message, LPARAM data) {
  if (code == HC_ACTION) {
    const auto* k = reinterpret_cast<const KBDLLHOOKSTRUCT*>(data);
    const bool down = message == WM_KEYDOWN || message == WM_SYSKEYDOWN;
    g_injected.key(k->flags & LLKHF_INJECTED, down, k->vkCode);
  }
  return CallNextHookEx(g_keyboard_hook, code, message, data);
}

LRESULT CALLBACK mouse_hook(int code, WPARAM message, LPARAM data) {
  if (code == HC_ACTION) g_injected.pointer(reinterpret_cast<const MSLLHOOKSTRUCT*>(data)->flags & LLMHF_INJECTED);
  return CallNextHookEx(g_mouse_hook, code, message, data);
}

constexpr UINT_PTR kReportTimer = 1;

LRESULT CALLBACK window_proc(HWND window, UINT message, WPARAM w, LPARAM l) {
  switch (message) {
    case WM_INPUT:
      on_raw_input(reinterpret_cast<HRAWINPUT>(l));
      break;  // DefWindowProc frees the input
    case WM_TIMER:
      if (w == kReportTimer) g_sender->post(current_frame());
      return 0;
    case WM_ENDSESSION:
      if (w) g_sender->post(current_frame());
      return 0;
    default:
      break;
  }
  return DefWindowProcW(window, message, w, l);
}

Options parse(int argc, wchar_t** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::wstring key = argv[i];
    if (key == L"--pipe") o.pipe = argv[i + 1];
    if (key == L"--interval-ms") o.interval_ms = static_cast<UINT>(std::wcstoul(argv[i + 1], nullptr, 10));
  }
  if (o.interval_ms < 100) o.interval_ms = 100;
  return o;
}

}  // namespace

int WINAPI WinMain(HINSTANCE instance, HINSTANCE, LPSTR, int) {
  int argc = 0;
  wchar_t** argv = CommandLineToArgvW(GetCommandLineW(), &argc);
  const Options options = parse(argc, argv);
  LocalFree(argv);
  // One helper per session and pipe.
  std::wstring mutex_name = L"Local\\TelltaleInputHelper-";
  for (wchar_t c : options.pipe) mutex_name += (c == L'\\' ? L'_' : c);
  HANDLE single = CreateMutexW(nullptr, TRUE, mutex_name.c_str());
  if (!single || GetLastError() == ERROR_ALREADY_EXISTS) return 0;

  WNDCLASSW wc{};
  wc.lpfnWndProc = window_proc;
  wc.hInstance = instance;
  wc.lpszClassName = L"TelltaleInputHelper";
  RegisterClassW(&wc);
  HWND window = CreateWindowExW(0, wc.lpszClassName, L"", 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr, instance, nullptr);
  if (!window) return 2;
  // Generic desktop keyboard (1/6) and mouse (1/2), also while another
  // window has the focus (INPUTSINK: which is always, for a hidden window).
  RAWINPUTDEVICE devices[2] = {{0x01, 0x06, RIDEV_INPUTSINK, window}, {0x01, 0x02, RIDEV_INPUTSINK, window}};
  if (!RegisterRawInputDevices(devices, 2, sizeof devices[0])) return 3;
  g_keyboard_hook = SetWindowsHookExW(WH_KEYBOARD_LL, keyboard_hook, instance, 0);
  g_mouse_hook = SetWindowsHookExW(WH_MOUSE_LL, mouse_hook, instance, 0);
  Sender sender(options.pipe);
  g_sender = &sender;
  SetTimer(window, kReportTimer, options.interval_ms, nullptr);
  MSG msg;
  while (GetMessageW(&msg, nullptr, 0, 0) > 0) DispatchMessageW(&msg);
  if (g_keyboard_hook) UnhookWindowsHookEx(g_keyboard_hook);
  if (g_mouse_hook) UnhookWindowsHookEx(g_mouse_hook);
  g_sender = nullptr;
  return 0;
}
