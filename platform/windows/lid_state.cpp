#include "platform/windows/lid_state.h"

#include <windows.h>

#include <condition_variable>
#include <cstring>
#include <utility>

#include "platform/windows/probe_error.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::windows_probe {
namespace {

// {BA3E0F4D-B817-4094-A2D1-D56379E6A0F3}; declared by MinGW only with newer _WIN32_WINNT.
constexpr GUID kLidSwitchStateChange = {0xba3e0f4d, 0xb817, 0x4094, {0xa2, 0xd1, 0xd5, 0x63, 0x79, 0xe6, 0xa0, 0xf3}};

int64_t now_us() {
  FILETIME ft;
  GetSystemTimePreciseAsFileTime(&ft);
  ULARGE_INTEGER u;
  u.LowPart = ft.dwLowDateTime;
  u.HighPart = ft.dwHighDateTime;
  return static_cast<int64_t>(u.QuadPart / 10) - 11644473600000000LL;
}

LRESULT CALLBACK lid_window_proc(HWND window, UINT message, WPARAM w, LPARAM l) {
  if (message == WM_POWERBROADCAST && w == PBT_POWERSETTINGCHANGE) {
    const auto* setting = reinterpret_cast<const POWERBROADCAST_SETTING*>(l);
    auto* pending = reinterpret_cast<std::vector<LidNotification>*>(GetWindowLongPtrW(window, GWLP_USERDATA));
    auto* mutex = reinterpret_cast<std::mutex*>(GetPropW(window, L"TelltaleLidMutex"));
    if (setting && pending && mutex && IsEqualGUID(setting->PowerSetting, kLidSwitchStateChange) &&
        setting->DataLength >= sizeof(DWORD)) {
      DWORD state = 0;
      memcpy(&state, setting->Data, sizeof state);
      std::lock_guard lock(*mutex);
      if (pending->size() < 4096) pending->push_back({now_us(), state});
    }
    return TRUE;
  }
  return DefWindowProcW(window, message, w, l);
}

}  // namespace

SystemLid::SystemLid() {
  std::condition_variable ready;
  std::mutex m;
  bool done = false;
  thread_ = std::thread([&] {
    {
      std::lock_guard lock(m);
      WNDCLASSW wc{};
      wc.lpfnWndProc = lid_window_proc;
      wc.hInstance = GetModuleHandleW(nullptr);
      wc.lpszClassName = L"TelltaleLidSwitch";
      RegisterClassW(&wc);
      // A hidden top-level window: power-setting notifications go to windows
      // (or service handles), and a message-only window gets no broadcasts.
      HWND window = CreateWindowExW(0, wc.lpszClassName, L"", 0, 0, 0, 0, 0, nullptr, nullptr, wc.hInstance, nullptr);
      if (!window) {
        error_ = "CreateWindow: " + telltale::win::error_message(GetLastError());
      } else {
        SetWindowLongPtrW(window, GWLP_USERDATA, reinterpret_cast<LONG_PTR>(&pending_));
        SetPropW(window, L"TelltaleLidMutex", &mutex_);
        if (!RegisterPowerSettingNotification(window, &kLidSwitchStateChange, DEVICE_NOTIFY_WINDOW_HANDLE))
          error_ = "RegisterPowerSettingNotification(GUID_LIDSWITCH_STATE_CHANGE): " +
                   telltale::win::error_message(GetLastError());
        window_ = window;
      }
      done = true;
    }
    ready.notify_one();
    if (window_) run();
  });
  std::unique_lock lock(m);
  ready.wait(lock, [&] { return done; });
  started_ = true;
}

void SystemLid::run() {
  MSG msg;
  while (GetMessageW(&msg, nullptr, 0, 0) > 0) DispatchMessageW(&msg);
  DestroyWindow(static_cast<HWND>(window_));
}

SystemLid::~SystemLid() {
  if (window_) PostMessageW(static_cast<HWND>(window_), WM_QUIT, 0, 0);
  if (thread_.joinable()) thread_.join();
}

std::vector<LidNotification> SystemLid::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(pending_, {});
}

std::string SystemLid::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

void LidProbe::collect(const ProbeContext&, telltale::v1::Snapshot& out) {
  for (const auto& n : source_.take()) {
    const bool closed = n.state == 0;
    if (!seen_) {
      // The state at registration is no change: before it the lid was as it is.
      seen_ = true;
      timeline_.set_current(closed);
    } else if (closed != closed_) {  // resume re-sends the state: not a change
      timeline_.record(n.t_us, closed);
    }
    closed_ = closed;
  }
  if (const auto e = source_.error(); !e.empty()) add_error(out, "lid", "GUID_LIDSWITCH_STATE_CHANGE", e);
  if (!seen_) return;  // no lid switch (a desktop) or no notification yet: say nothing
  auto* lid = out.mutable_lid();
  lid->set_present(true);
  lid->set_closed(closed_);
  timeline_.fill(*lid);
}

}  // namespace telltale::platform::windows_probe
