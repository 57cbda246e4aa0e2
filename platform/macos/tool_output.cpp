#include "platform/macos/tool_output.h"

#include "platform/common/log.h"
#include "platform/decode/text_sanitize.h"

namespace telltale::platform::macos_probe {

void record_error(telltale::v1::Snapshot& out, std::string_view probe, std::string path, std::string message) {
  spdlog::warn("event=probe_error probe={} path={} message={}", probe, log::q(path), log::q(message));
  auto* e = out.add_errors();
  e->set_probe(std::string(probe));
  e->set_path(std::move(path));
  e->set_message(std::move(message));
}

std::optional<CommandResult> run_tool(CommandRunner& runner, const std::vector<std::string>& argv,
                                      std::string_view probe, telltale::v1::Snapshot& out) {
  try {
    auto r = runner.run(argv);
    if (r.exit_code != 0) {
      std::string why = decode::sanitize_utf8(r.error_output.substr(0, 200));
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      record_error(out, probe, command_line(argv),
                   "exit status " + std::to_string(r.exit_code) + (why.empty() ? "" : ": " + why));
      return std::nullopt;
    }
    return r;
  } catch (const CommandError& e) {
    record_error(out, probe, command_line(argv), e.what());
    return std::nullopt;
  }
}

std::optional<decode::macos::PlistValue> run_plist(CommandRunner& runner, const std::vector<std::string>& argv,
                                                   std::string_view probe, telltale::v1::Snapshot& out) {
  auto r = run_tool(runner, argv, probe, out);
  if (!r) return std::nullopt;
  if (r->output.find_first_not_of(" \t\r\n") == std::string::npos) {
    decode::macos::PlistValue empty;
    empty.kind = decode::macos::PlistValue::Kind::kArray;
    return empty;
  }
  auto parsed = decode::macos::parse_plist(r->output);
  if (!parsed.value) {
    record_error(out, probe, command_line(argv), parsed.error);
    return std::nullopt;
  }
  return std::move(parsed.value);
}

}  // namespace telltale::platform::macos_probe
