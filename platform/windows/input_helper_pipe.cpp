#include "platform/windows/input_helper_pipe.h"

#include <sddl.h>

#include <cwctype>
#include <utility>

#include "platform/common/log.h"
#include "platform/decode/input_helper_frame.h"
#include "platform/windows/probe_error.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::windows_probe {
namespace {

using telltale::win::error_message;
using telltale::win::utf8;

std::wstring helper_next_to_this_program() {
  std::wstring path(32768, L'\0');
  const DWORD n = GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
  path.resize(n);
  const auto slash = path.find_last_of(L"\\/");
  return (slash == std::wstring::npos ? std::wstring() : path.substr(0, slash + 1)) + L"telltale-input-helper.exe";
}

bool same_path(const std::wstring& a, const std::wstring& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    wchar_t x = std::towlower(a[i]), y = std::towlower(b[i]);
    if (x == L'/') x = L'\\';
    if (y == L'/') y = L'\\';
    if (x != y) return false;
  }
  return true;
}

std::wstring process_image(DWORD pid, std::string& error) {
  HANDLE p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (!p) {
    error = "OpenProcess: " + error_message(GetLastError());
    return {};
  }
  std::wstring image(32768, L'\0');
  DWORD size = static_cast<DWORD>(image.size());
  const BOOL ok = QueryFullProcessImageNameW(p, 0, image.data(), &size);
  const DWORD err = GetLastError();
  CloseHandle(p);
  if (!ok) {
    error = "QueryFullProcessImageName: " + error_message(err);
    return {};
  }
  image.resize(size);
  return image;
}

// Waits for an overlapped operation, the stop event or the timeout.
enum class Wait { done, stopped, timed_out, failed };
Wait wait_overlapped(HANDLE pipe, OVERLAPPED& ov, HANDLE stop, DWORD timeout_ms, DWORD& bytes) {
  HANDLE events[2] = {stop, ov.hEvent};
  const DWORD w = WaitForMultipleObjects(2, events, FALSE, timeout_ms);
  if (w == WAIT_OBJECT_0 + 1) return GetOverlappedResult(pipe, &ov, &bytes, FALSE) ? Wait::done : Wait::failed;
  CancelIo(pipe);
  GetOverlappedResult(pipe, &ov, &bytes, TRUE);
  return w == WAIT_OBJECT_0 ? Wait::stopped : Wait::timed_out;
}

}  // namespace

InputHelperPipeServer::InputHelperPipeServer(InputHelperPipeOptions options) : options_(std::move(options)) {
  if (options_.expected_image.empty()) options_.expected_image = helper_next_to_this_program();
}

InputHelperPipeServer::~InputHelperPipeServer() {
  if (stop_) SetEvent(stop_);
  if (thread_.joinable()) thread_.join();
  if (pipe_ != INVALID_HANDLE_VALUE) CloseHandle(pipe_);
  if (stop_) CloseHandle(stop_);
}

bool InputHelperPipeServer::start(std::string& error) {
  if (started()) return true;
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(kInputHelperPipeSddl, SDDL_REVISION_1, &sd, nullptr)) {
    error = "input helper pipe: security descriptor " + utf8(kInputHelperPipeSddl) + ": " + error_message(GetLastError());
    return false;
  }
  SECURITY_ATTRIBUTES sa{sizeof sa, sd, FALSE};
  pipe_ = CreateNamedPipeW(options_.pipe_name.c_str(), PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                           PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, 0,
                           decode::kInputHelperMaxPayload, 0, &sa);
  const DWORD err = GetLastError();
  LocalFree(sd);
  if (pipe_ == INVALID_HANDLE_VALUE) {
    error = "input helper pipe " + utf8(options_.pipe_name) + ": " + error_message(err) +
            (err == ERROR_ACCESS_DENIED || err == ERROR_PIPE_BUSY ? " (another process already holds the pipe name)" : "");
    return false;
  }
  stop_ = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  thread_ = std::thread([this] { serve(); });
  return true;
}

void InputHelperPipeServer::record_error(std::string message) {
  spdlog::warn("event=input_helper_refused reason={}", telltale::log::q(message));
  std::lock_guard lock(mutex_);
  if (errors_.size() < 64) errors_.push_back(std::move(message));  // a flood is summarised by its first 64
}

std::vector<InputHelperReport> InputHelperPipeServer::reports() const {
  std::lock_guard lock(mutex_);
  std::vector<InputHelperReport> r;
  for (const auto& [session, report] : reports_) r.push_back(report);
  return r;
}

std::vector<std::string> InputHelperPipeServer::take_errors() {
  std::lock_guard lock(mutex_);
  return std::exchange(errors_, {});
}

void InputHelperPipeServer::serve() {
  OVERLAPPED ov{};
  ov.hEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  while (WaitForSingleObject(stop_, 0) != WAIT_OBJECT_0) {
    ResetEvent(ov.hEvent);
    bool connected = ConnectNamedPipe(pipe_, &ov);
    if (!connected) {
      const DWORD err = GetLastError();
      if (err == ERROR_PIPE_CONNECTED) {
        connected = true;
      } else if (err == ERROR_IO_PENDING) {
        DWORD bytes = 0;
        const Wait w = wait_overlapped(pipe_, ov, stop_, INFINITE, bytes);
        if (w == Wait::stopped) break;
        connected = w == Wait::done;
      } else {
        record_error("input helper pipe: ConnectNamedPipe: " + error_message(err));
        if (WaitForSingleObject(stop_, 1000) == WAIT_OBJECT_0) break;  // do not spin on a broken pipe
      }
    }
    if (connected) handle_client();
    DisconnectNamedPipe(pipe_);
  }
  CloseHandle(ov.hEvent);
}

void InputHelperPipeServer::handle_client() {
  ULONG pid = 0;
  if (!GetNamedPipeClientProcessId(pipe_, &pid) || pid == 0) {
    record_error("input helper pipe: client process unknown: " + error_message(GetLastError()));
    return;
  }
  DWORD session = 0;
  if (!ProcessIdToSessionId(pid, &session)) {
    record_error("input helper pipe: client pid " + std::to_string(pid) + ": no session: " + error_message(GetLastError()));
    return;
  }
  std::string why;
  const std::wstring image = process_image(pid, why);
  const std::string who = "input helper pipe: client pid " + std::to_string(pid) + " session " + std::to_string(session);
  if (image.empty()) {
    record_error(who + ": image unknown: " + why);
    return;
  }
  if (!same_path(image, options_.expected_image)) {
    record_error(who + ": image " + utf8(image) + " is not " + utf8(options_.expected_image));
    return;
  }
  OVERLAPPED ov{};
  ov.hEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  std::vector<uint8_t> frame(decode::kInputHelperHeaderSize);
  size_t have = 0;
  auto read_to = [&](size_t want) -> std::string {
    while (have < want) {
      ResetEvent(ov.hEvent);
      DWORD bytes = 0;
      if (!ReadFile(pipe_, frame.data() + have, static_cast<DWORD>(want - have), &bytes, &ov)) {
        const DWORD err = GetLastError();
        if (err == ERROR_BROKEN_PIPE) return "closed after " + std::to_string(have) + " of " + std::to_string(want) + " bytes";
        if (err != ERROR_IO_PENDING) return "read after " + std::to_string(have) + " bytes: " + error_message(err);
        const Wait w = wait_overlapped(pipe_, ov, stop_, options_.read_timeout_ms, bytes);
        if (w == Wait::stopped) return "service stopping";
        if (w == Wait::timed_out)
          return "no complete frame within " + std::to_string(options_.read_timeout_ms) + " ms (" + std::to_string(have) + " of " +
                 std::to_string(want) + " bytes)";
        if (w == Wait::failed) {
          const DWORD failed = GetLastError();
          if (failed == ERROR_BROKEN_PIPE) return "closed after " + std::to_string(have) + " of " + std::to_string(want) + " bytes";
          return "read after " + std::to_string(have) + " bytes: " + error_message(failed);
        }
      }
      if (bytes == 0) return "closed after " + std::to_string(have) + " of " + std::to_string(want) + " bytes";
      have += bytes;
    }
    return {};
  };
  std::string err = read_to(decode::kInputHelperHeaderSize);
  if (err.empty()) {
    const auto header = decode::decode_input_helper_header(frame);
    err = header.error;
    if (err.empty()) {
      frame.resize(decode::kInputHelperHeaderSize + header.payload_size);
      err = read_to(frame.size());
    }
  }
  CloseHandle(ov.hEvent);
  if (!err.empty()) {
    record_error(who + ": " + err);
    return;
  }
  auto decoded = decode::decode_input_helper_frame(frame);
  if (!decoded.activity) {
    record_error(who + ": " + decoded.error);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    auto& r = reports_[session];
    r.session_id = session;
    r.pid = pid;
    r.activity = std::move(*decoded.activity);
  }
  ++accepted_;
}

void InputHelperProbe::collect(const ProbeContext&, telltale::v1::Snapshot& out) {
  auto* activity = out.mutable_input_activity();
  if (shed_) {
    activity->set_shed(true);
    return;
  }
  if (!server_.started() && !start_failed_) {
    std::string error;
    if (!server_.start(error)) {
      start_failed_ = true;  // said once; a pipe held by another process stays held
      add_error(out, "input_helper", utf8(server_.pipe_name()), error);
    }
  }
  for (const auto& report : server_.reports()) {
    for (const auto& d : report.activity.devices()) {
      auto* device = activity->add_devices();
      *device = d;
      device->set_event_node("session " + std::to_string(report.session_id) + ": " + d.event_node());
    }
  }
  for (auto& e : server_.take_errors()) add_error(out, "input_helper", utf8(server_.pipe_name()), std::move(e));
}

}  // namespace telltale::platform::windows_probe
