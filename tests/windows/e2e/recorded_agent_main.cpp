// telltale-agent-recorded.exe: telltale-agent.exe (the same agent library
// and command line) for the end-to-end test under Wine, built only in the
// test tree. It takes one extra option, --recorded-sources FILE (TOML,
// tests/fixtures/windows/recorded/), naming what Wine cannot answer about
// a fixture machine: the SMBIOS table, HID preparsed data of registry-only
// devices, the display topology. Every other answer (SetupAPI devices, EDIDs,
// keyboard layouts, services, processes, TCP table, time zone) comes from the
// real Win32 APIs over the imported registry fixture (the network tables are
// the build machine's, as Wine reports them). docs/WINDOWS.md lists
// the gap this closes.
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "agent/cli/agent_cli.h"
#include "platform/host_platform.h"
#include "platform/windows/probes.h"
#include "recorded_sources.h"

namespace {

using namespace telltale;

std::vector<uint8_t> bytes_of(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("recorded source " + path.string() + " missing");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The recordings one fixture machine needs, loaded once; the live OS for
// everything the file does not name.
struct Recorded {
  std::unique_ptr<platform::windows_probe::FirmwareSource> firmware;
  testing::RecordedHid hid;
  testing::RecordedTopology topology;
  platform::windows_probe::SystemTimeZone timezone;
  platform::windows_probe::SystemTcpTable tcp;
  platform::windows_probe::SystemNetwork network;
  platform::windows_probe::SystemSessions sessions;
};

std::unique_ptr<Recorded> load(const std::filesystem::path& file) {
  auto table = toml::parse_file(file.string());
  const auto data = std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/data";
  auto r = std::make_unique<Recorded>();
  if (auto fw = table["firmware"].value<std::string>())
    r->firmware = std::make_unique<testing::RecordedFirmware>(bytes_of(data / *fw));
  else
    r->firmware = std::make_unique<platform::windows_probe::SystemFirmware>();
  if (auto* hid = table["hid"].as_table())
    for (const auto& [id, path] : *hid)
      r->hid.by_instance[std::string(id.str())] = bytes_of(data / path.value_or(std::string()));
  if (auto* displays = table["display"].as_array())
    for (const auto& d : *displays) {
      const auto& t = *d.as_table();
      r->topology.list.push_back({t["instance_id"].value_or(std::string()), t["connector_type"].value_or(std::string()),
                                  t["internal"].value_or(false), t["active"].value_or(false)});
    }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = platform::host::command_line(argc, argv);
  std::optional<std::filesystem::path> file;
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i] == "--recorded-sources") {
      if (i + 1 == args.size()) {
        std::cerr << "telltale-agent-recorded: --recorded-sources needs a file\n";
        return 2;
      }
      file = args[i + 1];
      args.erase(args.begin() + i, args.begin() + i + 2);
      break;
    }
  if (!file) {
    std::cerr << "telltale-agent-recorded: --recorded-sources FILE is required (this is the test build; the agent is telltale-agent.exe)\n";
    return 2;
  }
  std::unique_ptr<Recorded> recorded;
  try {
    recorded = load(*file);
  } catch (const std::exception& e) {
    std::cerr << "telltale-agent-recorded: " << file->string() << ": " << e.what() << "\n";
    return 2;
  }
  agent::CliHooks hooks;
  hooks.make_probes = [&recorded] {
    return platform::windows_probe::make_all(
        {*recorded->firmware, recorded->hid, recorded->topology, recorded->timezone, recorded->tcp,
         recorded->network, recorded->sessions});
  };
  return agent::agent_cli(args, hooks);
}
