#pragma once
// The service's end of the per-user input helper's pipe. Windows services
// cannot see input, so telltale-input-helper.exe (started at each logon)
// counts it and sends its cumulative counts here; this server keeps the
// latest report per logon session and InputHelperProbe merges them into the
// snapshot's input_activity.
//
// The pipe: created first by the service (FILE_FLAG_FIRST_PIPE_INSTANCE, so
// a pipe someone else squats makes start() fail loudly), local clients only,
// DACL: SYSTEM full control, interactive users read/write data only (not
// FILE_CREATE_PIPE_INSTANCE: no user can add an instance and impersonate the
// service), owner the creating account (SYSTEM for the service). Each client
// is identified (GetNamedPipeClientProcessId → session, image path) and only
// the helper's own image is accepted.
#include <windows.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/probe.h"

namespace telltale::platform::windows_probe {

constexpr wchar_t kInputHelperPipe[] = L"\\\\.\\pipe\\TelltaleInputHelper";
// SYSTEM: all; interactive users: FILE_READ_DATA | FILE_WRITE_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE.
constexpr wchar_t kInputHelperPipeSddl[] = L"D:P(A;;GA;;;SY)(A;;0x100083;;;IU)";

struct InputHelperPipeOptions {
  std::wstring pipe_name = kInputHelperPipe;
  // Full path of the only program accepted as a client (compared without
  // case); empty: telltale-input-helper.exe next to this program.
  std::wstring expected_image;
  DWORD read_timeout_ms = 5000;  // a client that stalls mid-frame is cut off
};

struct InputHelperReport {
  DWORD session_id = 0;
  DWORD pid = 0;
  telltale::v1::InputActivity activity;
};

class InputHelperPipeServer {
 public:
  explicit InputHelperPipeServer(InputHelperPipeOptions options = {});
  ~InputHelperPipeServer();
  InputHelperPipeServer(const InputHelperPipeServer&) = delete;
  InputHelperPipeServer& operator=(const InputHelperPipeServer&) = delete;

  // Creates the pipe and starts serving; false with the reason in error.
  bool start(std::string& error);
  bool started() const { return thread_.joinable(); }
  std::vector<InputHelperReport> reports() const;  // by session
  // Refused clients and damaged frames since the previous call, each with who and why.
  std::vector<std::string> take_errors();
  uint64_t frames_accepted() const { return accepted_.load(); }
  const std::wstring& pipe_name() const { return options_.pipe_name; }

 private:
  void serve();
  void handle_client();
  void record_error(std::string message);

  InputHelperPipeOptions options_;
  HANDLE pipe_ = INVALID_HANDLE_VALUE;
  HANDLE stop_ = nullptr;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<DWORD, InputHelperReport> reports_;
  std::vector<std::string> errors_;
  std::atomic<uint64_t> accepted_{0};
};

// Devices of every session's latest report, event_node prefixed with the
// session ("session 1: \\?\HID#…"); the pipe's errors as probe errors.
class InputHelperProbe final : public Probe {
 public:
  // server may be unstarted: collect starts it (and reports why it cannot).
  explicit InputHelperProbe(InputHelperPipeServer& server) : server_(server) {}
  std::string_view name() const override { return "input_helper"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
  void shed_optional_work(bool shed) override { shed_ = shed; }

 private:
  InputHelperPipeServer& server_;
  bool shed_ = false;
  bool start_failed_ = false;
};

}  // namespace telltale::platform::windows_probe
