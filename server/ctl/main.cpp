// telltale-ctl: the admin's and investigator's terminal.
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "platform/common/toml_config.h"
#include "server/ctl/local_commands.h"
#include "server/ctl/store_commands.h"
#include "server/ctl/remote_commands.h"

namespace po = boost::program_options;

namespace {

const char* kUsage = R"(telltale-ctl — administer a Telltale collector

Usage: telltale-ctl [--data-dir DIR | --store postgresql://...] [--ca-dir DIR] [--format table|json|csv] COMMAND ...
       telltale-ctl --url https://HOST:PORT --token ttc_... [--console-cert FILE | --insecure]
                    [--format table|json|csv] REMOTE-COMMAND ...

Commands:
  token create [--uses N] [--ttl DURATION] [--address HOST:PORT] [--note TEXT]
                          print a new enrollment token (default: 1 use, 24h)
  token list              list tokens (never their secrets)
  token revoke ID         refuse a token from now on
  devices                 list enrolled devices
  show DEVICE             latest snapshot of a device (protobuf JSON)
  revoke DEVICE           revoke a device; its streams close within seconds
  verdicts DEVICE         verdict history of a device (changes only)
  clusters                farm clusters from fleet correlation
  reports                 scheduled fleet reports in DATA_DIR/reports (JSON, CSV, HTML)
  assignments import FILE.csv   who each laptop belongs to (device,employee,email,timezone,region)
  assignments list
  evaluate SNAPSHOT.json [--assignment FILE.csv] [--device ID] [--catalog FILE]
                          verdict for a snapshot, offline, with the collector's engine
                          (--format json prints a top-level "verdict" field)
  presence start DEVICE… [--cluster ID] --action lid|key|reaction [--reason TEXT]
                          ask laptops for one physical action (queued until each connects);
                          several at once are one round (use reaction to see one person
                          answering them in turn)
  presence list [DEVICE]  presence checks, newest first
  presence show CHECK     one check: outcome, answering device class, timings, signature
  backup FILE             online copy of the sqlite store (the collector keeps running)
  restore FILE            put a backup in place of the sqlite store (collector stopped;
                          the replaced database is kept beside it)

Remote commands (the investigator console's API; --token or TELLTALE_CONSOLE_TOKEN;
the console's certificate is pinned: --console-cert, default DATA_DIR/console.crt):
  overview                devices by verdict, new findings, silent devices, clusters
  devices                 devices with verdict, score, assignee, timezone, location hint
  device ID               one device: verdict, indicators with evidence, timeline, cases
  clusters                farm clusters and their members
  cases                   investigation cases
  case ID                 one case with its notes
  audit                   the console's audit log (admin)
  agent-health            agent versions, memory, CPU, spool depth (admin)
  export ID --format json|html   evidence bundle of a device (default json)
  api-tokens              console API tokens: id, user, state, expiry (admin; never secrets)
  api-token create USER [--ttl-days N]   a new API token, printed once (default: the console's, 90 days)
  api-token revoke ID     an API token stops working at once (admin)
  user disable NAME       a console user can no longer log in; its sessions and tokens end (admin)
  user enable NAME
)";

int usage_error(const std::string& why) {
  std::cerr << "telltale-ctl: " << why << "\n\n" << kUsage;
  return 2;
}

// --url: every read goes through the console's API with an API token, so an
// investigator needs no access to the collector's data dir.
int run_remote(const po::variables_map& vm, const std::vector<std::string>& words) {
  std::string token = vm["token"].as<std::string>();
  if (token.empty())
    if (const char* env = std::getenv("TELLTALE_CONSOLE_TOKEN")) token = env;
  if (token.empty()) return usage_error("--url needs --token ttc_… (or TELLTALE_CONSOLE_TOKEN)");
  std::string cert = vm["console-cert"].as<std::string>();
  if (cert.empty()) cert = (std::filesystem::path(vm["data-dir"].as<std::string>()) / "console.crt").string();
  const bool insecure = vm["insecure"].as<bool>();
  if (insecure && !vm["console-cert"].as<std::string>().empty())
    return usage_error("--insecure and --console-cert contradict each other");
  if (!telltale::ctl::is_remote_command(words[0]))
    return usage_error("\"" + words[0] + "\" is not available with --url");
  const std::string format = vm["format"].as<std::string>();
  telltale::ctl::RemoteContext ctx{{vm["url"].as<std::string>(), token, cert, insecure}, telltale::ctl::Format::kTable,
                                   std::cout, std::cerr};
  try {
    // export's --format names the document (json|html), not the table style.
    if (words[0] != "export") ctx.format = telltale::ctl::parse_format(format);
    return telltale::ctl::remote_command(ctx, words, format == "table" ? "json" : format, vm["ttl-days"].as<int64_t>());
  } catch (const std::invalid_argument& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    std::cerr << "telltale-ctl: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description desc("Options");
  desc.add_options()
    ("help,h", "show this help")
    ("version", "print the version")
    ("config", po::value<std::string>(), "TOML file with these option names as keys")
    ("data-dir", po::value<std::string>()->default_value("/var/lib/telltale-collector"), "collector data dir")
    ("store", po::value<std::string>()->default_value(""), "postgresql:// URL of the collectors' shared database")
    ("ca-dir", po::value<std::string>()->default_value(""), "the collectors' CA directory (default: the data dir)")
    ("format", po::value<std::string>()->default_value("table"), "table, json or csv")
    ("uses", po::value<int64_t>()->default_value(1), "token create: enrollments allowed")
    ("ttl", po::value<std::string>()->default_value("24h"), "token create: lifetime (90s, 30m, 24h, 7d)")
    ("address", po::value<std::string>()->default_value(""), "token create: collector address agents dial")
    ("note", po::value<std::string>()->default_value(""), "token create: free text shown in token list")
    ("action", po::value<std::string>()->default_value("key"), "presence start: lid, key or reaction")
    ("reason", po::value<std::string>()->default_value(""), "presence start: the reason shown in the prompt")
    ("cluster", po::value<std::string>()->default_value(""), "presence start: ask every member of this cluster")
    ("assignment", po::value<std::string>()->default_value(""), "evaluate: assignments CSV")
    ("device", po::value<std::string>()->default_value("offline"), "evaluate: device id or serial to match")
    ("catalog", po::value<std::string>()->default_value(""), "evaluate: catalog file (default: built in)")
    ("url", po::value<std::string>(), "remote mode: the console, https://HOST:PORT")
    ("token", po::value<std::string>()->default_value(""), "remote mode: API token ttc_… (or TELLTALE_CONSOLE_TOKEN)")
    ("console-cert", po::value<std::string>()->default_value(""),
     "remote mode: the console's certificate to pin (default DATA_DIR/console.crt)")
    ("insecure", po::bool_switch(), "remote mode: do not check the console's certificate")
    ("ttl-days", po::value<int64_t>()->default_value(0), "remote api-token create: lifetime in days (0: the console's default)")
    ("words", po::value<std::vector<std::string>>()->default_value({}, ""), "command words");
  po::positional_options_description positional;
  positional.add("words", -1);
  po::variables_map vm;
  try {
    vm = telltale::parse_flags_and_config({argv + 1, argv + argc}, desc, &positional);
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << desc << "\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "telltale-ctl " << TELLTALE_VERSION << "\n";
    return 0;
  }
  const auto words = vm["words"].as<std::vector<std::string>>();
  if (words.empty()) return usage_error("no command given");

  if (vm.count("url")) return run_remote(vm, words);

  telltale::ctl::LocalContext ctx{vm["data-dir"].as<std::string>(), telltale::ctl::Format::kTable, std::cout,
                                  std::cerr, vm["store"].as<std::string>(), vm["ca-dir"].as<std::string>()};
  try {
    ctx.format = telltale::ctl::parse_format(vm["format"].as<std::string>());
    auto want = [&](size_t n) {
      if (words.size() != n) throw std::invalid_argument("\"" + words[0] + "\" takes " + std::to_string(n - 1) +
                                                         " argument(s), got " + std::to_string(words.size() - 1));
    };
    const std::string& cmd = words[0];
    if (cmd == "token") {
      if (words.size() < 2) return usage_error("token needs create, list or revoke");
      if (words[1] == "create") {
        want(2);
        return telltale::ctl::token_create(ctx, vm["uses"].as<int64_t>(),
                                           telltale::ctl::parse_duration_seconds(vm["ttl"].as<std::string>()),
                                           vm["address"].as<std::string>(), vm["note"].as<std::string>());
      }
      if (words[1] == "list") return want(2), telltale::ctl::token_list(ctx);
      if (words[1] == "revoke") return want(3), telltale::ctl::token_revoke(ctx, words[2]);
      return usage_error("unknown token command \"" + words[1] + "\"");
    }
    if (cmd == "devices") return want(1), telltale::ctl::devices_list(ctx);
    if (cmd == "show") return want(2), telltale::ctl::device_show(ctx, words[1]);
    if (cmd == "revoke") return want(2), telltale::ctl::device_revoke(ctx, words[1]);
    if (cmd == "verdicts") return want(2), telltale::ctl::verdict_history(ctx, words[1]);
    if (cmd == "clusters") return want(1), telltale::ctl::clusters_list(ctx);
    if (cmd == "reports") return want(1), telltale::ctl::reports_list(ctx);
    if (cmd == "assignments") {
      if (words.size() == 3 && words[1] == "import") return telltale::ctl::assignments_import(ctx, words[2]);
      if (words.size() == 2 && words[1] == "list") return telltale::ctl::assignments_list(ctx);
      return usage_error("assignments needs \"import FILE.csv\" or \"list\"");
    }
    if (cmd == "presence") {
      const auto& cluster = vm["cluster"].as<std::string>();
      if (words.size() >= 2 && words[1] == "start" && (words.size() >= 3 || !cluster.empty()))
        return telltale::ctl::presence_start(ctx, std::vector<std::string>(words.begin() + 2, words.end()), cluster,
                                             vm["action"].as<std::string>(), vm["reason"].as<std::string>());
      if ((words.size() == 2 || words.size() == 3) && words[1] == "list")
        return telltale::ctl::presence_list(ctx, words.size() == 3 ? words[2] : "");
      if (words.size() == 3 && words[1] == "show") return telltale::ctl::presence_show(ctx, words[2]);
      return usage_error("presence needs \"start DEVICE… | --cluster ID --action lid|key|reaction\", \"list [DEVICE]\" or \"show CHECK\"");
    }
    if (cmd == "backup") return want(2), telltale::ctl::store_backup(ctx, words[1]);
    if (cmd == "restore") return want(2), telltale::ctl::store_restore(ctx, words[1]);
    if (cmd == "evaluate")
      return want(2), telltale::ctl::evaluate_file(ctx, words[1], vm["assignment"].as<std::string>(),
                                                   vm["device"].as<std::string>(), vm["catalog"].as<std::string>());
    return usage_error("unknown command \"" + cmd + "\"");
  } catch (const std::invalid_argument& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    std::cerr << "telltale-ctl: " << e.what() << "\n";
    return 1;
  }
}
