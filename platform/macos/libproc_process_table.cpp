// The live process table. libproc exists only on macOS; on other systems the
// factory returns a table that reports it cannot read, so a misconfigured
// build fails loudly instead of reporting "no remote tools".
#include <stdexcept>

#include "platform/macos/process_table.h"

#if defined(__APPLE__)
#include <arpa/inet.h>
#include <libproc.h>
#include <netinet/in.h>
#include <sys/param.h>
#include <sys/proc_info.h>
#include <sys/socket.h>
#endif

namespace telltale::platform::macos_probe {
namespace {

#if defined(__APPLE__)
std::string address_text(int family, const in_sockinfo& in, bool local) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) {
    const auto& a = local ? in.insi_laddr.ina_46.i46a_addr4 : in.insi_faddr.ina_46.i46a_addr4;
    inet_ntop(AF_INET, &a, buf, sizeof buf);
  } else {
    const auto& a = local ? in.insi_laddr.ina_6 : in.insi_faddr.ina_6;
    inet_ntop(AF_INET6, &a, buf, sizeof buf);
  }
  return buf;
}

class LibprocTable final : public ProcessTable {
 public:
  std::vector<ProcessRecord> processes() override {
    int bytes = proc_listpids(PROC_ALL_PIDS, 0, nullptr, 0);
    if (bytes <= 0) throw std::runtime_error("proc_listpids: no answer");
    std::vector<pid_t> pids(static_cast<size_t>(bytes) / sizeof(pid_t) + 64);
    bytes = proc_listpids(PROC_ALL_PIDS, 0, pids.data(), static_cast<int>(pids.size() * sizeof(pid_t)));
    if (bytes <= 0) throw std::runtime_error("proc_listpids: no answer");
    pids.resize(static_cast<size_t>(bytes) / sizeof(pid_t));
    std::vector<ProcessRecord> out;
    for (pid_t pid : pids) {
      if (pid <= 0) continue;
      ProcessRecord r;
      r.pid = static_cast<uint32_t>(pid);
      char name[2 * MAXCOMLEN + 1] = {};
      if (proc_name(pid, name, sizeof name) <= 0) continue;  // exited, or not ours to see
      r.name = name;
      char path[PROC_PIDPATHINFO_MAXSIZE] = {};
      if (proc_pidpath(pid, path, sizeof path) > 0) r.path = path;
      int fd_bytes = proc_pidinfo(pid, PROC_PIDLISTFDS, 0, nullptr, 0);
      if (fd_bytes > 0) {
        std::vector<proc_fdinfo> fds(static_cast<size_t>(fd_bytes) / sizeof(proc_fdinfo));
        fd_bytes = proc_pidinfo(pid, PROC_PIDLISTFDS, 0, fds.data(), static_cast<int>(fds.size() * sizeof(proc_fdinfo)));
        fds.resize(fd_bytes > 0 ? static_cast<size_t>(fd_bytes) / sizeof(proc_fdinfo) : 0);
        for (const auto& fd : fds) {
          if (fd.proc_fdtype != PROX_FDTYPE_SOCKET) continue;
          socket_fdinfo info{};
          if (proc_pidfdinfo(pid, fd.proc_fd, PROC_PIDFDSOCKETINFO, &info, sizeof info) != sizeof info) continue;
          if (info.psi.soi_kind != SOCKINFO_TCP) continue;
          const auto& tcp = info.psi.soi_proto.pri_tcp;
          // An AF_INET6 socket may carry IPv4 (mapped) traffic: insi_vflag says which.
          int family = (tcp.tcpsi_ini.insi_vflag & INI_IPV4) ? AF_INET : AF_INET6;
          ProcessSocket s;
          s.state = tcp.tcpsi_state == TSI_S_LISTEN        ? ProcessSocket::State::kListen
                    : tcp.tcpsi_state == TSI_S_ESTABLISHED ? ProcessSocket::State::kEstablished
                                                            : ProcessSocket::State::kOther;
          s.local_ip = address_text(family, tcp.tcpsi_ini, true);
          s.remote_ip = address_text(family, tcp.tcpsi_ini, false);
          s.local_port = ntohs(static_cast<uint16_t>(tcp.tcpsi_ini.insi_lport));
          s.remote_port = ntohs(static_cast<uint16_t>(tcp.tcpsi_ini.insi_fport));
          r.sockets.push_back(std::move(s));
        }
      }
      out.push_back(std::move(r));
    }
    return out;
  }
};
#else
class UnavailableTable final : public ProcessTable {
 public:
  std::vector<ProcessRecord> processes() override {
    throw std::runtime_error("libproc process table is only available on macOS");
  }
};
#endif

}  // namespace

std::unique_ptr<ProcessTable> make_system_process_table() {
#if defined(__APPLE__)
  return std::make_unique<LibprocTable>();
#else
  return std::make_unique<UnavailableTable>();
#endif
}

}  // namespace telltale::platform::macos_probe
