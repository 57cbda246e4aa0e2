#include "agent/cli/agent_cli.h"

#include <iostream>
#include <set>

#include "agent/collect/snapshot_collector.h"
#include "agent/daemon/daemon.h"
#include "agent/enroll/enroller.h"
#include "agent/enroll/zero_touch.h"
#include "agent/scan/online_scan.h"
#include "agent/scan/scan_report.h"
#include "platform/common/file.h"
#include "platform/common/log.h"
#include "platform/common/stop_request.h"
#include "platform/common/tls_policy.h"
#include "platform/common/toml_config.h"
#include "platform/host_platform.h"

namespace po = boost::program_options;

namespace {

std::string usage(const std::filesystem::path& managed_config) {
  return R"(telltale-agent — reports whether someone sits at this laptop

Usage:
  telltale-agent enroll (--token T | --token-file F) [--state-dir DIR] [--force]
  telltale-agent run    [--state-dir DIR] [--root DIR] [--config FILE] [--once] [--service]
  telltale-agent scan   [--root DIR] [--offline] [--format text|json] [--scan-timeout S]

run enrolls by itself on first start when a token is given (--token, --token-file, or the
managed config )" + managed_config.string() + R"(, read when present and no --config is given), and
removes the token from disk once enrolled.

Exit codes: 0 ok (scan: compliant), 1 failed (scan: non-compliant), 2 usage or unknown.
)";
}

int fail(const std::string& why, int code = 1) {
  std::cerr << "telltale-agent: " << why << "\n";
  return code;
}

}  // namespace

namespace telltale::agent {

int agent_cli(std::vector<std::string> args, const CliHooks& hooks) {
  enforce_tls13_only();
  const auto host = platform::host::defaults();
  const std::string usage_text = usage(host.managed_config);
  po::options_description desc("Options");
  desc.add_options()
    ("help,h", "show this help")
    ("version", "print the version")
    ("config", po::value<std::string>(), "TOML file whose keys are these option names; flags win")
    ("state-dir", po::value<std::string>()->default_value(host.state_dir.string()), "keys, certificate, spool")
    ("root", po::value<std::string>()->default_value(host.root.string()), "read the machine below this directory (fixtures)")
    ("log-level", po::value<std::string>()->default_value("info"), "trace, debug, info, warn, error")
    ("token", po::value<std::string>(), "enroll: enrollment token")
    ("token-file", po::value<std::string>(), "enroll: file holding the token")
    ("force", "enroll: replace an existing identity")
    ("timeout", po::value<int>()->default_value(30), "enroll: seconds to wait for the collector")
    ("collect-interval", po::value<int>()->default_value(300), "run: seconds between collections")
    ("heartbeat-interval", po::value<int>()->default_value(30), "run: seconds between heartbeats")
    ("spool-max-bytes", po::value<uint64_t>()->default_value(64ull << 20), "run: spool byte cap")
    ("spool-max-age", po::value<int64_t>()->default_value(14 * 86400), "run: spool age cap, seconds")
    ("backoff-max-ms", po::value<int64_t>()->default_value(300000), "run: longest wait between reconnects")
    ("hotplug-rescan-ms", po::value<int64_t>()->default_value(5000), "run: USB/display rescan period")
    ("presence-socket", po::value<std::string>()->default_value(""),
     "run: Unix socket the per-user presence helper connects to, e.g. /run/telltale/presence.sock (empty: none, checks answer no_session)")
    ("rss-budget-mb", po::value<uint64_t>()->default_value(48), "run: RSS above which optional work is shed")
    ("cpu-budget-percent", po::value<double>()->default_value(2.0), "run: CPU (% of a core) above which optional work is shed")
    ("service", "run: as a Windows service under the Service Control Manager (the MSI installs it so)")
    ("once", "run: collect once, exit when the collector has acknowledged it (0) or after --once-timeout (1)")
    ("once-timeout", po::value<int>()->default_value(120), "run --once: seconds to wait for the acknowledgement")
    ("trim-after-seconds", po::value<int>()->default_value(5),
     "run: after each collection, return clean library pages and free heap to the kernel after this long; 0: never")
    ("anchor", po::value<std::vector<std::string>>()->default_value({}, ""), "run: HOST:PORT latency anchor (repeatable)")
    ("offline", "scan: print the snapshot, contact no one")
    ("scan-timeout", po::value<int>()->default_value(60), "scan: seconds to wait for the verdict")
    ("format", po::value<std::string>()->default_value("text"), "scan: text or json")
    ("command", po::value<std::string>(), "enroll, run or scan");
  po::positional_options_description positional;
  positional.add("command", 1);
  po::variables_map vm;
  bool explicit_config = false;
  for (const auto& a : args) explicit_config |= a == "--config" || a.rfind("--config=", 0) == 0;
  // MDMs drop the managed config at a fixed path; it applies unless told otherwise.
  if (!explicit_config && std::filesystem::exists(host.managed_config)) {
    args.push_back("--config");
    args.push_back(host.managed_config.string());
  }
  // A profile's settings (macOS) rank like flags, but a flag given here wins.
  try {
    std::set<std::string> given;
    for (const auto& a : args)
      if (a.rfind("--", 0) == 0) given.insert(a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2));
    for (const auto& s : platform::host::managed_settings())
      if (!given.count(s.key)) args.push_back(s.value ? "--" + s.key + "=" + *s.value : "--" + s.key);
  } catch (const std::exception& e) {
    return fail(std::string("managed settings: ") + e.what(), 2);
  }
  try {
    vm = parse_flags_and_config(args, desc, &positional);
  } catch (const std::exception& e) {
    return fail(std::string(e.what()) + "\n\n" + usage_text, 2);
  }
  if (vm.count("help")) {
    std::cout << usage_text << "\n" << desc << "\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "telltale-agent " << TELLTALE_VERSION << "\n";
    return 0;
  }
  if (!vm.count("command")) return fail(std::string("no command given\n\n") + usage_text, 2);
  try {
    log::init("telltale-agent", vm["log-level"].as<std::string>());
  } catch (const std::exception& e) {
    return fail(e.what(), 2);
  }
  const std::string command = vm["command"].as<std::string>();
  agent::StatePaths paths{vm["state-dir"].as<std::string>()};
  const std::filesystem::path root = vm["root"].as<std::string>();
  if (!std::filesystem::is_directory(root)) return fail("--root " + root.string() + " is not a directory", 2);

  try {
    if (command == "enroll") {
      agent::EnrollOptions opts;
      opts.paths = paths;
      opts.root = root;
      opts.force = vm.count("force") > 0;
      opts.timeout = std::chrono::seconds(vm["timeout"].as<int>());
      if (vm.count("token")) {
        opts.token = vm["token"].as<std::string>();
      } else if (vm.count("token-file")) {
        auto r = read_file(vm["token-file"].as<std::string>(), 4096);
        if (!r.data) return fail("token file " + vm["token-file"].as<std::string>() + ": " + r.error);
        opts.token = *r.data;
      } else {
        return fail("enroll needs --token or --token-file", 2);
      }
      auto outcome = agent::enroll(opts);
      std::cout << "enrolled as " << outcome.identity.device_id << " with " << outcome.identity.collector << "\n";
      if (!outcome.previous_device_ids.empty()) {
        std::cout << "note: this hardware was enrolled before as";
        for (const auto& p : outcome.previous_device_ids) std::cout << " " << p;
        std::cout << "\n";
      }
      return 0;
    }
    if (command == "run") {
      // Zero-touch enrollment, then the daemon loop, until the OS asks the
      // process to stop or `stop` is requested. The Windows service host
      // (run --service, branch win-msi) runs this same function with the
      // service's stop token.
      auto run_agent = [&](std::stop_token stop) -> int {
        agent::ZeroTouchOptions zt;
        zt.enroll.paths = paths;
        zt.enroll.root = root;
        zt.enroll.timeout = std::chrono::seconds(vm["timeout"].as<int>());
        if (vm.count("token")) zt.enroll.token = vm["token"].as<std::string>();
        if (vm.count("token-file")) zt.token_file = std::filesystem::path(vm["token-file"].as<std::string>());
        if (vm.count("config")) zt.config_file = std::filesystem::path(vm["config"].as<std::string>());
        zt.backoff_cap = std::chrono::milliseconds(vm["backoff-max-ms"].as<int64_t>());
        zt.backoff_base = std::min(zt.backoff_base, zt.backoff_cap);
        zt.stop = stop;
        switch (agent::enroll_until_done(zt)) {
          case agent::ZeroTouchResult::kStopped: return 0;
          case agent::ZeroTouchResult::kNoToken:
            return fail("not enrolled and no token given (--token, --token-file or the managed config " +
                        host.managed_config.string() + ")");
          default: break;
        }
        agent::DaemonOptions opts;
        opts.paths = paths;
        opts.root = root;
        opts.collect_interval = std::chrono::seconds(vm["collect-interval"].as<int>());
        opts.heartbeat_interval = std::chrono::seconds(vm["heartbeat-interval"].as<int>());
        opts.spool.max_bytes = vm["spool-max-bytes"].as<uint64_t>();
        opts.spool.max_age_ms = vm["spool-max-age"].as<int64_t>() * 1000;
        opts.backoff_cap = std::chrono::milliseconds(vm["backoff-max-ms"].as<int64_t>());
        opts.backoff_base = std::min(opts.backoff_base, opts.backoff_cap);
        opts.hotplug_rescan = std::chrono::milliseconds(vm["hotplug-rescan-ms"].as<int64_t>());
        opts.presence_socket = vm["presence-socket"].as<std::string>();
        opts.latency_anchors = vm["anchor"].as<std::vector<std::string>>();
        opts.budget.rss_bytes = vm["rss-budget-mb"].as<uint64_t>() << 20;
        opts.budget.cpu_percent = vm["cpu-budget-percent"].as<double>();
        opts.trim_after = std::chrono::seconds(std::max(0, vm["trim-after-seconds"].as<int>()));
        opts.once = vm.count("once") > 0;
        opts.make_probes = hooks.make_probes;
        opts.once_timeout = std::chrono::seconds(std::max(1, vm["once-timeout"].as<int>()));
        if (opts.collect_interval.count() < 1 || opts.heartbeat_interval.count() < 1)
          return fail("--collect-interval and --heartbeat-interval must be at least 1 second", 2);
        return agent::run_daemon(opts, stop);
      };
      // Stop requests are held while enrolling (taken by its waits) and
      // until the daemon's Asio signal_set exists; it releases them then, so
      // a SIGTERM in between stays pending instead of killing the process.
      hold_stop_requests();
      if (vm.count("service")) return platform::host::run_as_service(run_agent);
      return run_agent({});
    }
    if (command == "scan") {
      const auto format = vm["format"].as<std::string>();
      if (format != "text" && format != "json") return fail("--format must be text or json", 2);
      agent::SnapshotCollector collector(root, hooks.make_probes ? hooks.make_probes() : platform::host::make_probes());
      platform::ProbeContext ctx;
      ctx.watchlist = &platform::host::default_watchlist();
      if (vm.count("offline")) {
        auto snapshot = collector.collect(ctx);
        std::cout << (format == "json" ? agent::snapshot_json(snapshot) : agent::snapshot_text(snapshot));
        return 0;
      }
      agent::AgentIdentity identity;
      try {
        identity = agent::load_identity(paths);
      } catch (const std::exception& e) {
        std::cerr << "telltale-agent: scan: " << e.what() << "\n";
        return 2;  // unknown: cannot ask the collector
      }
      auto outcome = agent::submit_scan(paths, identity, collector.collect(ctx),
                                        std::chrono::seconds(vm["scan-timeout"].as<int>()));
      std::cout << agent::scan_outcome_text(outcome, identity.device_id, format == "json");
      spdlog::info("event=scan_done device={} verdict={} exit={}", identity.device_id,
                   outcome.result ? outcome.result->verdict() : "unknown", agent::scan_exit_code(outcome));
      return agent::scan_exit_code(outcome);
    }
    return fail("unknown command \"" + command + "\"\n\n" + usage_text, 2);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace telltale::agent
