// telltale-agent: enroll, run (daemon) and scan (one-shot).
#include "agent/cli/agent_cli.h"
#include "platform/host_platform.h"

int main(int argc, char** argv) {
  telltale::platform::host::tune_process();
  return telltale::agent::agent_cli(telltale::platform::host::command_line(argc, argv));
}
