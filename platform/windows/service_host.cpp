#include "platform/windows/service_host.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "platform/common/log.h"
#include "platform/windows/win32_error.h"

namespace telltale::win {
namespace {

// The dispatcher calls service_main and the control handler without a context
// of ours, so the one service of this process lives here. Fields below the
// mutex are shared between the service thread, the handler (dispatcher
// thread) and the stop-pending ticker.
struct Host {
  std::wstring name;
  std::function<int(std::stop_token)> body;
  ServiceHostOptions options;
  SERVICE_STATUS_HANDLE handle = nullptr;
  std::stop_source stop;
  int exit_code = 0;
  bool registered = false;

  std::mutex mutex;
  std::condition_variable_any changed;
  SERVICE_STATUS status{};
};

Host* g_host = nullptr;

// Accepting PRESHUTDOWN gives the agent the preshutdown window (longer than
// SHUTDOWN's few seconds) to close its stream and flush the spool.
constexpr DWORD kAccepted = SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PRESHUTDOWN;

// Caller holds host.mutex.
void report_locked(Host& host, DWORD state, DWORD wait_hint) {
  host.status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  host.status.dwCurrentState = state;
  host.status.dwControlsAccepted = (state == SERVICE_RUNNING) ? kAccepted : 0;
  host.status.dwWaitHint = wait_hint;
  host.status.dwCheckPoint = (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : host.status.dwCheckPoint + 1;
  if (!SetServiceStatus(host.handle, &host.status))
    spdlog::error("event=service_status_failed service={} state={} error={}", log::q(utf8(host.name)), state,
                  log::q(error_message(GetLastError())));
  host.changed.notify_all();
}

void report(Host& host, DWORD state, DWORD wait_hint) {
  std::lock_guard lock(host.mutex);
  report_locked(host, state, wait_hint);
}

const char* control_name(DWORD control) {
  switch (control) {
    case SERVICE_CONTROL_STOP: return "stop";
    case SERVICE_CONTROL_SHUTDOWN: return "shutdown";
    case SERVICE_CONTROL_PRESHUTDOWN: return "preshutdown";
    default: return "other";
  }
}

DWORD WINAPI control_handler(DWORD control, DWORD, LPVOID, LPVOID context) {
  auto& host = *static_cast<Host*>(context);
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
    case SERVICE_CONTROL_PRESHUTDOWN: {
      {
        std::lock_guard lock(host.mutex);
        // A second stop control (shutdown after preshutdown) changes nothing.
        if (host.status.dwCurrentState == SERVICE_RUNNING) {
          spdlog::info("event=service_stop_requested service={} control={}", log::q(utf8(host.name)),
                       control_name(control));
          report_locked(host, SERVICE_STOP_PENDING, DWORD(host.options.stop_wait_hint.count()));
        }
      }
      host.stop.request_stop();
      return NO_ERROR;
    }
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

int run_body(Host& host) {
  try {
    return host.body(host.stop.get_token());
  } catch (const std::exception& e) {
    spdlog::error("event=service_body_failed service={} error={}", log::q(utf8(host.name)), log::q(e.what()));
  } catch (...) {
    spdlog::error("event=service_body_failed service={} error=\"unknown exception\"", log::q(utf8(host.name)));
  }
  return 1;
}

void WINAPI service_main(DWORD argc, LPWSTR* argv) {
  auto& host = *g_host;
  // The SCM passes the name it started us under; an own-process service
  // answers to that one, whatever name the program was built with.
  if (argc >= 1 && argv && argv[0] && *argv[0]) host.name = argv[0];
  host.handle = RegisterServiceCtrlHandlerExW(host.name.c_str(), control_handler, &host);
  if (!host.handle) {
    // Nothing to report the failure to: the SCM times the start out.
    spdlog::error("event=service_handler_failed service={} error={}", log::q(utf8(host.name)),
                  log::q(error_message(GetLastError())));
    host.exit_code = 1;
    return;
  }
  host.registered = true;
  report(host, SERVICE_START_PENDING, 5000);
  report(host, SERVICE_RUNNING, 0);
  spdlog::info("event=service_running service={}", log::q(utf8(host.name)));

  // While the body winds down after a stop control, keep telling the SCM it
  // is making progress; it gives up on a service whose checkpoint stalls
  // past the wait hint.
  std::jthread ticker([&host](std::stop_token done) {
    const auto step = std::max(host.options.stop_wait_hint / 2, std::chrono::milliseconds(100));
    std::unique_lock lock(host.mutex);
    while (!done.stop_requested()) {
      host.changed.wait_for(lock, done, step, [] { return false; });
      if (!done.stop_requested() && host.status.dwCurrentState == SERVICE_STOP_PENDING)
        report_locked(host, SERVICE_STOP_PENDING, DWORD(host.options.stop_wait_hint.count()));
    }
  });

  const int code = run_body(host);
  ticker.request_stop();
  ticker.join();
  host.exit_code = code;
  SERVICE_STATUS stopped;
  {
    std::lock_guard lock(host.mutex);
    // Stopping on its own (no control came) is reported the same way: the
    // exit code says whether it was a failure.
    stopped = host.status;
  }
  stopped.dwCurrentState = SERVICE_STOPPED;
  stopped.dwControlsAccepted = 0;
  stopped.dwWaitHint = 0;
  stopped.dwCheckPoint = 0;
  stopped.dwWin32ExitCode = code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  stopped.dwServiceSpecificExitCode = code == 0 ? 0 : DWORD(code);
  spdlog::info("event=service_stopped service={} exit={}", log::q(utf8(host.name)), code);
  // SERVICE_STOPPED lets StartServiceCtrlDispatcher return on the main
  // thread, which destroys the Host (and the process may end) while this
  // thread is still inside SetServiceStatus: nothing of the Host may be
  // touched from here on, not even to unlock its mutex or notify its
  // condition variable (Wine faulted on exactly that at every stop).
  const SERVICE_STATUS_HANDLE handle = host.handle;
  const std::string name = utf8(host.name);
  if (!SetServiceStatus(handle, &stopped))
    spdlog::error("event=service_status_failed service={} state={} error={}", log::q(name), SERVICE_STOPPED,
                  log::q(error_message(GetLastError())));
}

}  // namespace

ServiceRun run_as_service(const std::wstring& name, std::function<int(std::stop_token)> body,
                          ServiceHostOptions options) {
  ServiceRun result;
  if (g_host) {
    result.error = "run_as_service: a service already runs in this process";
    return result;
  }
  Host host;
  host.name = name;
  host.body = std::move(body);
  host.options = options;
  g_host = &host;
  std::vector<wchar_t> service_name(name.begin(), name.end());
  service_name.push_back(L'\0');
  SERVICE_TABLE_ENTRYW table[] = {{service_name.data(), service_main}, {nullptr, nullptr}};
  // Returns once service_main has reported STOPPED.
  if (!StartServiceCtrlDispatcherW(table)) {
    const DWORD error = GetLastError();
    result.error = "StartServiceCtrlDispatcher for service " + utf8(name) + ": " + error_message(error);
    if (error == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) result.error += "; not started by the Service Control Manager";
    spdlog::error("event=service_dispatcher_failed service={} error={}", log::q(utf8(name)), log::q(result.error));
  } else if (!host.registered) {
    result.error = "service " + utf8(name) + ": the control handler could not be registered";
  } else {
    result.dispatched = true;
    result.exit_code = host.exit_code;
  }
  g_host = nullptr;
  return result;
}

namespace {

struct ScHandle {
  SC_HANDLE h = nullptr;
  explicit ScHandle(SC_HANDLE handle) : h(handle) {}
  ScHandle(const ScHandle&) = delete;
  ScHandle& operator=(const ScHandle&) = delete;
  ~ScHandle() {
    if (h) CloseServiceHandle(h);
  }
};

}  // namespace

RecoveryResult configure_recovery(const std::wstring& name, const RecoveryPolicy& policy) {
  RecoveryResult result;
  const std::string where = "service " + utf8(name);
  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (!scm.h) {
    result.error = where + ": OpenSCManager: " + error_message(GetLastError());
    return result;
  }
  // SERVICE_START: the SCM refuses restart actions from a handle without it.
  ScHandle service(OpenServiceW(scm.h, name.c_str(), SERVICE_CHANGE_CONFIG | SERVICE_START | SERVICE_QUERY_CONFIG));
  if (!service.h) {
    result.error = where + ": OpenService: " + error_message(GetLastError());
    return result;
  }

  std::vector<SC_ACTION> actions(size_t(std::max(policy.restarts, 0)),
                                 SC_ACTION{SC_ACTION_RESTART, DWORD(std::chrono::milliseconds(policy.delay).count())});
  SERVICE_FAILURE_ACTIONSW failure{};
  failure.dwResetPeriod = DWORD(policy.reset_after.count());
  failure.cActions = DWORD(actions.size());
  failure.lpsaActions = actions.empty() ? nullptr : actions.data();
  if (!ChangeServiceConfig2W(service.h, SERVICE_CONFIG_FAILURE_ACTIONS, &failure)) {
    result.error = where + ": ChangeServiceConfig2(SERVICE_CONFIG_FAILURE_ACTIONS): " + error_message(GetLastError());
    return result;
  }

  SERVICE_FAILURE_ACTIONS_FLAG flag{policy.on_non_crash_failures ? TRUE : FALSE};
  if (!ChangeServiceConfig2W(service.h, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag))
    result.warnings.push_back(where + ": ChangeServiceConfig2(SERVICE_CONFIG_FAILURE_ACTIONS_FLAG): " +
                              error_message(GetLastError()));
  SERVICE_DELAYED_AUTO_START_INFO delayed{policy.delayed_auto_start ? TRUE : FALSE};
  if (!ChangeServiceConfig2W(service.h, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed))
    result.warnings.push_back(where + ": ChangeServiceConfig2(SERVICE_CONFIG_DELAYED_AUTO_START_INFO): " +
                              error_message(GetLastError()));
  return result;
}

}  // namespace telltale::win
