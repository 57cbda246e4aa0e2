#pragma once
// Running processes and their TCP sockets. On a Mac this is libproc
// (proc_listpids, proc_pidpath, proc_pidinfo PROC_PIDLISTFDS and
// proc_pidfdinfo PROC_PIDFDSOCKETINFO, libproc_process_table.cpp); anywhere
// else a recording of those answers (RecordedProcessTable) stands in, so the
// matching logic runs in CI on the same values a Mac returns.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace telltale::platform::macos_probe {

struct ProcessSocket {
  enum class State { kListen, kEstablished, kOther };
  State state = State::kOther;
  std::string local_ip, remote_ip;  // textual, IPv6 without brackets
  uint32_t local_port = 0, remote_port = 0;
};

struct ProcessRecord {
  uint32_t pid = 0;
  std::string name;  // p_comm (MAXCOMLEN 16, cut)
  std::string path;  // proc_pidpath, "" when not readable
  std::vector<ProcessSocket> sockets;
};

class ProcessTable {
 public:
  virtual ~ProcessTable() = default;
  // Throws std::runtime_error when the list itself cannot be read.
  virtual std::vector<ProcessRecord> processes() = 0;
};

// Reads a JSON recording: {"processes":[{"pid":1,"name":"AnyDesk","path":"/Applications/…",
// "sockets":[{"state":"listen","local":"0.0.0.0:7070"},{"state":"established",
// "local":"192.168.1.20:50112","remote":"52.1.2.3:443"}]}]}.
class RecordedProcessTable final : public ProcessTable {
 public:
  explicit RecordedProcessTable(std::filesystem::path recording);
  std::vector<ProcessRecord> processes() override;

 private:
  std::filesystem::path recording_;
};

// The live table: libproc on macOS; elsewhere a table that says it cannot read.
std::unique_ptr<ProcessTable> make_system_process_table();

}  // namespace telltale::platform::macos_probe
