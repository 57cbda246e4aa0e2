// platform/host_platform.h for Windows: Win32 probes over the live OS, the
// device change monitor rescans SetupAPI, state lives under
// %ProgramData%\Telltale (private: platform/common/private_dir.h).
#include "platform/host_platform.h"

#include <windows.h>
#include <shellapi.h>
#include <shlobj.h>

#include <cstdio>

#include "platform/windows/default_watchlist.h"
#include "platform/windows/device_change_monitor.h"
#include "platform/windows/displays.h"
#include "platform/windows/hardware.h"
#include "platform/windows/probes.h"
#include "platform/windows/service_host.h"
#include "platform/windows/usb.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::host {
namespace {

// %ProgramData% (C:\ProgramData): the known folder, else the environment.
std::filesystem::path program_data() {
  PWSTR path = nullptr;
  if (SUCCEEDED(SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &path))) {
    std::filesystem::path p(path);
    CoTaskMemFree(path);
    return p;
  }
  CoTaskMemFree(path);
  if (const wchar_t* env = _wgetenv(L"ProgramData"); env && *env) return env;
  return L"C:\\ProgramData";
}

}  // namespace

std::string_view name() { return "windows"; }

ProbeList make_probes() { return windows_probe::make_all(); }

const telltale::v1::Watchlist& default_watchlist() { return windows_probe::default_watchlist(); }

void read_hardware_identity(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  static windows_probe::SystemFirmware firmware;
  windows_probe::HardwareProbe(firmware).collect(ctx, out);
}

std::unique_ptr<ChangeMonitor> make_change_monitor(const std::filesystem::path& /*root*/,
                                                   std::chrono::milliseconds rescan) {
  static windows_probe::SystemHidPreparsed hid;
  static windows_probe::SystemDisplayTopology topology;
  ProbeList probes;
  probes.push_back(std::make_unique<windows_probe::UsbProbe>(hid));
  probes.push_back(std::make_unique<windows_probe::DisplaysProbe>(topology));
  return std::make_unique<windows_probe::DeviceChangeMonitor>(std::move(probes), rescan);
}

// Raw Input (device handles tell the built-in keyboard from USB ones) and
// LLKHF_INJECTED will fill this; until then checks answer "unsupported".
std::unique_ptr<PresenceInputCapture> make_presence_capture(const std::filesystem::path&) { return nullptr; }

Defaults defaults() {
  const auto dir = program_data() / "Telltale";
  wchar_t drive[MAX_PATH] = L"C:";
  GetEnvironmentVariableW(L"SystemDrive", drive, MAX_PATH);
  // The Windows probes ask the OS, not files below a root: the system
  // drive is only what --root is checked against.
  return {dir, dir / "agent.toml", std::filesystem::path(std::wstring(drive) + L"\\")};
}

std::vector<std::string> command_line(int /*argc*/, char** /*argv*/) {
  // main()'s argv is in the ANSI code page: a token or path outside it would
  // arrive mangled. The UTF-16 command line is the original.
  int n = 0;
  LPWSTR* wide = CommandLineToArgvW(GetCommandLineW(), &n);
  std::vector<std::string> args;
  for (int i = 1; i < n; ++i) args.push_back(win::utf8(wide[i]));
  LocalFree(wide);
  return args;
}

void tune_process() {}

int run_as_service(std::function<int(std::stop_token)> body) {
  // The name must be the one the MSI installs (installer/windows/telltale-agent.wxs).
  auto run = win::run_as_service(L"TelltaleAgent", std::move(body));
  if (!run.dispatched) {
    std::fprintf(stderr, "telltale-agent: --service: %s\n", run.error.c_str());
    return 2;
  }
  return run.exit_code;
}

}  // namespace telltale::platform::host
