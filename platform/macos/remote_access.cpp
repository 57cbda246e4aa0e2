// Remote-access tools on a Mac: installed apps (Info.plist bundle ids under
// /Applications), launchd jobs named after them, running processes and their
// TCP sockets (ProcessTable), and Screen Sharing / Remote Management
// switched on (`launchctl print system/com.apple.screensharing`). Only
// matched processes leave the laptop, and of those only pid, name and path.
#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "platform/common/file.h"
#include "platform/common/log.h"
#include "platform/decode/macos/launchctl.h"
#include "platform/decode/macos/plist_value.h"
#include "platform/decode/text_sanitize.h"
#include "platform/macos/probes.h"
#include "platform/macos/tool_output.h"
#include "platform/macos/watchlist.h"

namespace telltale::platform::macos_probe {
namespace {

namespace fs = std::filesystem;
namespace dm = telltale::decode::macos;

constexpr size_t kMaxApps = 5000;
constexpr size_t kMaxInfoPlist = 1024 * 1024;
constexpr int kLaunchctlNoSuchService = 113;

struct InstalledApp {
  std::string bundle_path;  // "/Applications/AnyDesk.app"
  std::string bundle_id;
  std::string executable;   // CFBundleExecutable
};

std::vector<InstalledApp> installed_apps(const fs::path& root, telltale::v1::Snapshot& out, std::string_view probe) {
  std::vector<InstalledApp> apps;
  // PrivilegedHelperTools holds hosts installed as helpers (Chrome Remote Desktop).
  for (const char* dir : {"Applications", "Applications/Utilities", "Library/PrivilegedHelperTools"}) {
    std::error_code ec;
    for (fs::directory_iterator it(root / dir, ec), end; !ec && it != end && apps.size() < kMaxApps; it.increment(ec)) {
      if (it->path().extension() != ".app") continue;
      const std::string rel = std::string("/") + dir + "/" + it->path().filename().string();
      auto info = read_file(it->path() / "Contents/Info.plist", kMaxInfoPlist);
      if (!info.data) {
        if (!info.missing) record_error(out, probe, rel + "/Contents/Info.plist", "unreadable: " + info.error);
        continue;
      }
      auto plist = dm::parse_plist(*info.data);
      if (!plist.value) {
        record_error(out, probe, rel + "/Contents/Info.plist", plist.error);
        continue;
      }
      apps.push_back({rel, plist.value->string_at("CFBundleIdentifier").value_or(""),
                      plist.value->string_at("CFBundleExecutable").value_or("")});
    }
  }
  return apps;
}

std::vector<std::string> launchd_jobs(const fs::path& root) {
  std::vector<std::string> names;
  for (const char* dir : {"Library/LaunchDaemons", "Library/LaunchAgents"}) {
    std::error_code ec;
    for (fs::directory_iterator it(root / dir, ec), end; !ec && it != end && names.size() < kMaxApps; it.increment(ec))
      if (it->path().extension() == ".plist") names.push_back(it->path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string basename_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string endpoint(const std::string& ip, uint32_t port) {
  return (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

class RemoteAccessProbe final : public Probe {
 public:
  explicit RemoteAccessProbe(MacSystem s) : s_(std::move(s)) {}
  std::string_view name() const override { return "remote_access"; }

  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override {
    const auto tools = mac_watchlist(ctx.watchlist);
    std::vector<telltale::v1::RemoteAccessTool> found(tools.size());
    // Bundle paths of each tool's installed apps: a process running from inside one is that tool.
    std::vector<std::vector<std::string>> bundle_paths(tools.size());
    for (size_t t = 0; t < tools.size(); ++t) {
      found[t].set_tool_id(tools[t].id);
      found[t].set_name(tools[t].name);
    }

    for (const auto& app : installed_apps(ctx.root, out, name())) {
      for (size_t t = 0; t < tools.size(); ++t) {
        const auto& ids = tools[t].bundle_ids;
        if (app.bundle_id.empty() || std::find(ids.begin(), ids.end(), app.bundle_id) == ids.end()) continue;
        found[t].set_installed(true);
        found[t].add_installed_paths(decode::sanitize_utf8(app.bundle_path));
        bundle_paths[t].push_back(app.bundle_path + "/");
      }
    }
    for (const auto& job : launchd_jobs(ctx.root))
      for (size_t t = 0; t < tools.size(); ++t)
        for (const auto& id : tools[t].bundle_ids)
          if (job == id || job.starts_with(id + ".")) {
            found[t].set_installed(true);
            found[t].add_services(decode::sanitize_utf8(job));
          }

    screen_sharing(tools, found, out);

    std::vector<ProcessRecord> processes;
    try {
      processes = s_.processes->processes();
    } catch (const std::exception& e) {
      record_error(out, name(), "proc_listpids", e.what());
    }
    for (const auto& p : processes) {
      for (size_t t = 0; t < tools.size(); ++t) {
        const auto& exes = tools[t].executables;
        bool by_name = std::find(exes.begin(), exes.end(), p.name) != exes.end() ||
                       (!p.path.empty() && std::find(exes.begin(), exes.end(), basename_of(p.path)) != exes.end());
        bool by_bundle = std::any_of(bundle_paths[t].begin(), bundle_paths[t].end(),
                                     [&](const std::string& b) { return p.path.starts_with(b); });
        if (!by_name && !by_bundle) continue;
        auto& tool = found[t];
        tool.set_running(true);
        auto* rp = tool.add_processes();
        rp->set_pid(p.pid);
        rp->set_comm(decode::sanitize_utf8(p.name));
        rp->set_exe(decode::sanitize_utf8(p.path));
        for (const auto& s : p.sockets) {
          if (s.state == ProcessSocket::State::kListen) {
            tool.set_listening(true);
            if (std::find(tool.listening_ports().begin(), tool.listening_ports().end(), s.local_port) ==
                tool.listening_ports().end())
              tool.add_listening_ports(s.local_port);
          } else if (s.state == ProcessSocket::State::kEstablished) {
            tool.set_connected(true);
            auto* peer = tool.add_peers();
            peer->set_local_address(endpoint(s.local_ip, s.local_port));
            peer->set_remote_address(endpoint(s.remote_ip, s.remote_port));
            peer->set_pid(p.pid);
            // RTT: tcp_connection_info via TCP_CONNECTION_INFO needs the
            // socket itself; not measured on macOS (rtt_measured stays false).
          }
        }
      }
    }

    for (auto& tool : found) {
      if (!tool.installed() && !tool.running() && !tool.listening() && !tool.connected()) continue;
      std::sort(tool.mutable_processes()->begin(), tool.mutable_processes()->end(),
                [](const auto& a, const auto& b) { return a.pid() < b.pid(); });
      spdlog::info("event=remote_tool id={} running={} listening={} connected={}", tool.tool_id(), tool.running(),
                   tool.listening(), tool.connected());
      *out.add_remote_access() = std::move(tool);
    }
  }

 private:
  // Screen Sharing and Remote Management both run through this launchd job;
  // it is loaded only while one of them is switched on in System Settings.
  void screen_sharing(const std::vector<MacWatchedTool>& tools, std::vector<telltale::v1::RemoteAccessTool>& found,
                      telltale::v1::Snapshot& out) {
    auto it = std::find_if(tools.begin(), tools.end(), [](const auto& t) { return t.id == "remote.apple_screen_sharing"; });
    if (it == tools.end()) return;
    auto& tool = found[static_cast<size_t>(it - tools.begin())];
    const std::vector<std::string> argv = {"launchctl", "print", "system/com.apple.screensharing"};
    CommandResult r;
    try {
      r = s_.runner->run(argv);
    } catch (const CommandError& e) {
      record_error(out, name(), command_line(argv), e.what());
      return;
    }
    if (r.exit_code != 0 && r.exit_code != kLaunchctlNoSuchService) {
      record_error(out, name(), command_line(argv), "exit status " + std::to_string(r.exit_code));
      return;
    }
    auto service = decode::macos::parse_launchctl_print(r.output, r.exit_code);
    if (!service.loaded) return;
    tool.set_installed(true);
    tool.add_services("com.apple.screensharing");
    if (service.running) tool.set_running(true);
  }

  MacSystem s_;
};

}  // namespace

std::unique_ptr<Probe> make_remote_access_probe(const MacSystem& s) { return std::make_unique<RemoteAccessProbe>(s); }

}  // namespace telltale::platform::macos_probe
