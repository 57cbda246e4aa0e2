#pragma once
// Running a program as a Windows service (Service Control Manager) and the
// service settings an MSI cannot express. One service per process: the SCM's
// dispatcher calls back without a context pointer.
//
// Lifecycle as the SCM sees it:
//   START_PENDING (wait hint) -> RUNNING while body runs -> STOP_PENDING
//   (checkpoint advanced while body winds down) -> STOPPED with body's exit
//   code (0 = NO_ERROR, else ERROR_SERVICE_SPECIFIC_ERROR + the code).
// SERVICE_CONTROL_STOP, _SHUTDOWN and _PRESHUTDOWN all request a cooperative
// stop through the body's stop token; the body returns when it has finished
// (spool flushed, stream closed).
#include <windows.h>

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

namespace telltale::win {

struct ServiceRun {
  // false: StartServiceCtrlDispatcher failed; error says why. The usual cause
  // is that the program was started from a console, not by the SCM
  // (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT).
  bool dispatched = false;
  int exit_code = 0;  // the body's, when dispatched
  std::string error;
};

struct ServiceHostOptions {
  // Hint the SCM gets with STOP_PENDING; the checkpoint advances every half
  // of it while the body is still stopping, so a slow but live stop is not
  // taken for a hung service.
  std::chrono::milliseconds stop_wait_hint{10000};
};

// Blocks until the service has stopped. body runs on the SCM's service
// thread; an exception escaping it is logged and reported as exit code 1.
ServiceRun run_as_service(const std::wstring& name, std::function<int(std::stop_token)> body,
                          ServiceHostOptions options = {});

// What the SCM does when the service dies: restart `restarts` times, `delay`
// apart, forgetting earlier failures after `reset_after` without one. With
// on_non_crash_failures a stop reported with a non-zero exit code counts as
// a failure too (not only a process that vanished).
struct RecoveryPolicy {
  int restarts = 3;
  std::chrono::seconds delay{15};
  std::chrono::seconds reset_after{600};
  bool on_non_crash_failures = true;
  bool delayed_auto_start = true;  // start after the boot-critical services
};

struct RecoveryResult {
  // The restart actions could not be set (service missing, access denied):
  // the service would stay down after a crash.
  std::string error;
  // Refinements the SCM refused (the non-crash flag, delayed start), each
  // naming the setting; the restart actions still hold. Wine 8 refuses both
  // with ERROR_INVALID_LEVEL, Windows (Vista and later) takes them.
  std::vector<std::string> warnings;
};

// Applies policy to an installed service (ChangeServiceConfig2: failure
// actions, failure-actions flag, delayed auto-start). Needs
// SERVICE_CHANGE_CONFIG and SERVICE_START rights (an administrator, or the
// MSI's deferred custom action running as LocalSystem).
RecoveryResult configure_recovery(const std::wstring& name, const RecoveryPolicy& policy);

}  // namespace telltale::win
