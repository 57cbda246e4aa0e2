#include "platform/linux/remote_access.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <system_error>
#include <unordered_map>

#include "platform/common/file.h"
#include "platform/common/log.h"
#include "platform/decode/proc_net_tcp.h"
#include "platform/linux/default_watchlist.h"
#include "platform/linux/root_path.h"
#include "platform/linux/sock_diag.h"

namespace telltale::platform::linux_probe {
namespace {

namespace fs = std::filesystem;
using telltale::v1::WatchedTool;

constexpr size_t kMaxProcesses = 100000;
constexpr size_t kMaxFdsPerProcess = 65536;
constexpr size_t kMaxUnitFiles = 20000;
constexpr size_t kCommLength = 15;  // TASK_COMM_LEN - 1: longer names are cut

std::string basename_of(std::string_view path) {
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

struct ProcessFacts {
  uint32_t pid = 0;
  std::string comm;
  std::string exe;        // link target as the kernel shows it
  std::string exe_name;   // its basename, " (deleted)" removed
  std::string argv0_name;
};

bool matches(const WatchedTool& tool, const ProcessFacts& p) {
  for (const auto& name : tool.process_names()) {
    if (name.empty()) continue;
    const std::string cut = name.substr(0, kCommLength);
    if (p.comm == name || p.comm == cut || p.exe_name == name || p.argv0_name == name) return true;
  }
  return false;
}

std::optional<ProcessFacts> read_process(const fs::path& dir, uint32_t pid) {
  ProcessFacts p;
  p.pid = pid;
  auto comm = read_attribute(dir / "comm", 64);
  if (!comm) return std::nullopt;  // the process exited while we looked
  p.comm = *comm;
  std::error_code ec;
  auto exe = fs::read_symlink(dir / "exe", ec);  // absolute on the laptop: use the name only, never follow it
  if (!ec) {
    p.exe = exe.string();
    std::string name = p.exe;
    if (name.ends_with(" (deleted)")) name.resize(name.size() - 10);
    p.exe_name = basename_of(name);
  }
  // cmdline is read only to match scripts and renamed binaries; it never leaves this function.
  if (auto cmd = read_file(dir / "cmdline", 4096); cmd.data && !cmd.data->empty()) {
    std::string_view argv0(cmd.data->c_str());
    auto space = argv0.find(' ');  // processes that rewrite their title join argv with spaces
    p.argv0_name = basename_of(argv0.substr(0, space));
  }
  return p;
}

std::vector<uint64_t> socket_inodes(const fs::path& fd_dir) {
  std::vector<uint64_t> inodes;
  std::error_code ec;
  size_t seen = 0;
  for (fs::directory_iterator it(fd_dir, ec), end; !ec && it != end && seen < kMaxFdsPerProcess; it.increment(ec), ++seen) {
    std::error_code lec;
    auto target = fs::read_symlink(it->path(), lec).string();
    if (lec || !target.starts_with("socket:[") || !target.ends_with("]")) continue;
    try {
      inodes.push_back(std::stoull(target.substr(8, target.size() - 9)));
    } catch (const std::exception&) {
    }
  }
  return inodes;
}

std::vector<std::string> unit_files(const fs::path& root) {
  std::vector<std::string> names;
  for (const char* dir : {"etc/systemd/system", "usr/lib/systemd/system", "lib/systemd/system", "etc/systemd/user",
                          "usr/lib/systemd/user", "usr/local/lib/systemd/system"}) {
    std::error_code ec;
    // Depth 1 covers *.wants/ and *.d/ directories that hold links to enabled units.
    fs::recursive_directory_iterator it(under(root, dir), fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end && names.size() < kMaxUnitFiles; it.increment(ec)) {
      if (it.depth() >= 1) it.disable_recursion_pending();
      std::error_code tec;
      if (it->is_directory(tec) && !it->is_symlink(tec)) continue;
      names.push_back(it->path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool unit_matches(const std::string& watched, const std::string& unit) {
  if (watched.empty()) return false;
  if (watched.back() == '@') return unit.starts_with(watched);  // template: chrome-remote-desktop@alice.service
  if (watched.find('.') == std::string::npos) return unit == watched + ".service";
  return unit == watched;
}

bool live_root(const fs::path& root) {
  std::error_code ec;
  return fs::weakly_canonical(root, ec) == "/" && !ec;
}

struct Owner {
  size_t tool;
  uint32_t pid;
};

}  // namespace

void RemoteAccessProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  const auto& watchlist = ctx.watchlist ? *ctx.watchlist : default_watchlist();
  const auto& tools = watchlist.tools();
  std::vector<telltale::v1::RemoteAccessTool> found(static_cast<size_t>(tools.size()));
  for (int i = 0; i < tools.size(); ++i) {
    found[i].set_tool_id(tools[i].id());
    found[i].set_name(tools[i].name());
  }

  // Processes: everything is read, only matches are kept.
  std::unordered_map<uint64_t, Owner> socket_owner;
  const auto proc = under(ctx.root, "proc");
  std::error_code ec;
  size_t scanned = 0;
  for (fs::directory_iterator it(proc, ec), end; !ec && it != end && scanned < kMaxProcesses; it.increment(ec)) {
    const auto pid_text = it->path().filename().string();
    if (pid_text.empty() || !std::all_of(pid_text.begin(), pid_text.end(), ::isdigit) || pid_text.size() > 9) continue;
    ++scanned;
    const auto pid = static_cast<uint32_t>(std::stoul(pid_text));
    auto facts = read_process(it->path(), pid);
    if (!facts) continue;
    std::vector<uint64_t> inodes;
    bool fds_read = false;
    for (size_t t = 0; t < found.size(); ++t) {
      if (!matches(tools[static_cast<int>(t)], *facts)) continue;
      auto* p = found[t].add_processes();
      p->set_pid(pid);
      p->set_comm(facts->comm);
      p->set_exe(facts->exe);
      found[t].set_running(true);
      if (!fds_read) {
        inodes = socket_inodes(it->path() / "fd");
        fds_read = true;
      }
      for (auto inode : inodes) socket_owner.emplace(inode, Owner{t, pid});
    }
  }
  if (ec) record_error(out, name(), ctx.root, proc, "process list unreadable: " + ec.message());

  // Installed files and unit files.
  const auto units = unit_files(ctx.root);
  for (size_t t = 0; t < found.size(); ++t) {
    const auto& tool = tools[static_cast<int>(t)];
    for (const auto& path : tool.paths()) {
      std::error_code pec;
      if (!path.empty() && fs::exists(fs::symlink_status(under(ctx.root, path), pec))) found[t].add_installed_paths(path);
    }
    for (const auto& service : tool.services())
      for (const auto& unit : units)
        if (unit_matches(service, unit) &&
            std::find(found[t].services().begin(), found[t].services().end(), unit) == found[t].services().end())
          found[t].add_services(unit);
    if (found[t].installed_paths_size() > 0 || found[t].services_size() > 0) found[t].set_installed(true);
  }

  // Sockets. A listener whose owner we could not see (fd links unreadable)
  // counts for a tool only on one of its own ports and when the tool is present.
  struct PeerRef {
    size_t tool;
    int index;
    uint64_t inode;
  };
  std::vector<PeerRef> peers;
  std::map<size_t, std::set<uint32_t>> unowned_listen_ports;
  for (bool v6 : {false, true}) {
    const auto path = under(ctx.root, v6 ? "proc/net/tcp6" : "proc/net/tcp");
    auto text = read_file(path, 16 * 1024 * 1024);
    if (!text.data) {
      if (!text.missing) record_error(out, name(), ctx.root, path, "unreadable: " + text.error);
      continue;
    }
    auto table = decode::parse_proc_net_tcp(*text.data, v6);
    if (!table.errors.empty())
      record_error(out, name(), ctx.root, path,
                   std::to_string(table.errors.size()) + " malformed line(s), first: " + table.errors.front());
    for (const auto& s : table.sockets) {
      auto owner = socket_owner.find(s.inode);
      if (owner != socket_owner.end()) {
        auto& tool = found[owner->second.tool];
        if (s.state == decode::kTcpListen) {
          tool.set_listening(true);
          if (std::find(tool.listening_ports().begin(), tool.listening_ports().end(), s.local_port) ==
              tool.listening_ports().end())
            tool.add_listening_ports(s.local_port);
        } else if (s.state == decode::kTcpEstablished) {
          tool.set_connected(true);
          auto* peer = tool.add_peers();
          peer->set_local_address(decode::format_endpoint(s.local_ip, s.local_port, s.ipv6));
          peer->set_remote_address(decode::format_endpoint(s.remote_ip, s.remote_port, s.ipv6));
          peer->set_pid(owner->second.pid);
          peers.push_back({owner->second.tool, tool.peers_size() - 1, s.inode});
        }
        continue;
      }
      if (s.state != decode::kTcpListen) continue;
      for (size_t t = 0; t < found.size(); ++t) {
        if (!found[t].installed() && !found[t].running()) continue;
        const auto& ports = tools[static_cast<int>(t)].ports();
        if (std::find(ports.begin(), ports.end(), s.local_port) != ports.end()) unowned_listen_ports[t].insert(s.local_port);
      }
    }
  }
  for (const auto& [t, ports] : unowned_listen_ports) {
    found[t].set_listening(true);
    for (auto port : ports)
      if (std::find(found[t].listening_ports().begin(), found[t].listening_ports().end(), port) ==
          found[t].listening_ports().end())
        found[t].add_listening_ports(port);
  }

  // RTT from the live kernel only: a fixture's sockets do not exist here.
  if (!peers.empty() && live_root(ctx.root)) {
    auto rtts = established_tcp_rtts();
    if (!rtts.error.empty()) record_error(out, name(), ctx.root, "/proc/net", "NETLINK_SOCK_DIAG: " + rtts.error);
    for (const auto& ref : peers) {
      auto it = rtts.by_inode.find(ref.inode);
      if (it == rtts.by_inode.end()) continue;
      auto* peer = found[ref.tool].mutable_peers(ref.index);
      peer->set_rtt_us(it->second.rtt_us);
      peer->set_rttvar_us(it->second.rttvar_us);
      peer->set_rtt_measured(true);
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

}  // namespace telltale::platform::linux_probe
