#include "agent/daemon/daemon.h"

#include <signal.h>

#include <boost/asio.hpp>

#include <thread>

#include "agent/collect/snapshot_collector.h"
#include "agent/presence/helper_socket.h"
#include "agent/presence/presence_service.h"
#include "agent/transport/transport.h"
#include "platform/common/file.h"
#include "platform/common/log.h"
#include "platform/common/process_stats.h"
#include "platform/common/stop_request.h"
#include "platform/common/working_set.h"
#include "platform/decode/text_sanitize_message.h"
#include "platform/host_platform.h"

namespace telltale::agent {
namespace asio = boost::asio;
namespace v1 = telltale::v1;

namespace {

class Agent {
 public:
  Agent(const DaemonOptions& options, const AgentIdentity& identity)
      : options_(options),
        spool_(options.paths.spool(), options.spool),
        collector_(options.root, options.make_probes ? options.make_probes() : platform::host::make_probes()),
        collect_timer_(io_),
        trim_timer_(io_),
        drain_timer_(io_),
        signals_(io_, SIGTERM, SIGINT),
        hotplug_(platform::host::make_change_monitor(options.root, options.hotplug_rescan)),
        watchdog_(options.budget),
        collect_interval_(options.collect_interval) {
    load_pushed_config();
    TransportOptions t;
    t.address = identity.collector;
    t.ca_pem = identity.ca_pem;
    t.key_pem = identity.key_pem;
    t.cert_pem = identity.cert_pem;
    t.heartbeat_interval = options.heartbeat_interval;
    t.backoff_base = options.backoff_base;
    t.backoff_cap = options.backoff_cap;
    t.started_at_unix_ms = SystemClock::instance().now_unix_ms();
    TransportCallbacks callbacks;
    callbacks.on_config = [this](const v1::ConfigUpdate& update) {
      asio::post(io_, [this, update] { apply_config(update, true); });
    };
    callbacks.on_presence_request = [this](const v1::PresenceRequest& request) {
      if (presence_) presence_->submit(request);
    };
    transport_ = std::make_unique<Transport>(t, spool_, callbacks);
    if (!options.presence_socket.empty()) {
      // The helper socket is optional: an agent that cannot bind it still
      // collects, and its checks answer "no session".
      try {
        auto socket = std::make_unique<HelperSocket>(options.presence_socket, [root = options.root] {
          auto capture = platform::host::make_presence_capture(root);
          return capture ? capture->sessions() : std::vector<platform::UserSession>{};
        });
        socket->start();
        prompter_ = std::move(socket);
      } catch (const std::exception& e) {
        spdlog::warn("event=presence_socket_unavailable reason={}", log::q(e.what()));
      }
    }
    presence_ = std::make_unique<PresenceService>(
        PresenceIdentity{identity.device_id, identity.key_pem, identity.cert_pem},
        [root = options.root] { return platform::host::make_presence_capture(root); }, *prompter_,
        [this](v1::SignedPresenceResult result) {
          v1::AgentMessage m;
          *m.mutable_presence_result() = std::move(result);
          transport_->send(std::move(m));
        });
  }

  int run(std::stop_token stop) {
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      spdlog::info("event=signal signal={} action=stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      shutdown();
    });
    // The caller may have held these back (zero-touch enrollment waits for
    // them itself); with the handler installed, a pending one is delivered now.
    release_stop_requests();
    // A service stop (the service host's token) ends the loop like a signal.
    std::stop_callback on_stop(stop, [this] {
      asio::post(io_, [this] {
        spdlog::info("event=stop_requested source=service action=stopping");
        shutdown();
      });
    });
    hotplug_->start([this](v1::Event event) {
      asio::post(io_, [this, event = std::move(event)] { spool_events({event}); });
    });
    std::thread transport_thread([this] { transport_->run(); });
    last_wall_ms_ = SystemClock::instance().now_unix_ms();
    last_mono_us_ = SystemClock::instance().monotonic_us();
    collect_now();
    if (options_.once) {
      once_deadline_ = std::chrono::steady_clock::now() + options_.once_timeout;
      wait_for_drain();
    }
    io_.run();
    transport_->stop();
    transport_thread.join();
    hotplug_->stop();
    auto stats = spool_.stats();
    spdlog::info("event=agent_stopped spool_depth={} last_seq={}", stats.depth, stats.last_seq);
    if (options_.once && stats.depth > 0) {
      spdlog::error("event=once_not_delivered spool_depth={} timeout_s={}", stats.depth,
                    options_.once_timeout.count());
      return 1;
    }
    return 0;
  }

 private:
  void shutdown() {
    collect_timer_.cancel();
    trim_timer_.cancel();
    drain_timer_.cancel();
    signals_.cancel();
    io_.stop();
  }

  // --once: stop as soon as the collector has acknowledged everything the
  // spool held (the snapshot just taken included), or at the deadline.
  void wait_for_drain() {
    if (spool_.stats().depth == 0) {
      spdlog::info("event=once_delivered");
      shutdown();
      return;
    }
    if (std::chrono::steady_clock::now() >= once_deadline_) {
      shutdown();
      return;
    }
    drain_timer_.expires_after(std::chrono::milliseconds(100));
    drain_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) wait_for_drain();
    });
  }

  void schedule_collection() {
    collect_timer_.expires_after(collect_interval_);
    collect_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) collect_now();
    });
  }

  void collect_now() {
    platform::ProbeContext ctx;
    ctx.watchlist = watchlist_.tools_size() > 0 ? &watchlist_ : &platform::host::default_watchlist();
    ctx.latency_anchors = anchors_;
    v1::Report report;
    *report.mutable_snapshot() = collector_.collect(ctx);
    auto* snap = report.mutable_snapshot();
    *snap->mutable_latency()->mutable_collector() = transport_->collector_rtt();
    auto stats = spool_.stats();
    snap->mutable_health()->set_spool_depth(stats.depth);
    snap->mutable_health()->set_spool_bytes(stats.bytes);
    snap->mutable_health()->set_gaps_recorded(stats.gaps_recorded);
    snap->mutable_health()->set_reports_quarantined(stats.quarantined);
    const double cpu = cpu_percent();
    snap->mutable_health()->set_cpu_percent(cpu);
    // Shedding takes effect for the next collection; this one reports what it cost.
    collector_.shed_input_timing(watchdog_.update(snap->health().rss_bytes(), cpu));
    for (const auto& w : watchdog_.shed_work()) snap->mutable_health()->add_shed_work(w);
    for (auto& e : collector_.take_events()) *report.add_events() = std::move(e);
    if (auto jump = clock_jump()) *report.add_events() = *jump;
    sanitize_events(report);
    // Read before the append: the report moves into the spool, and snap with it.
    const int usb = snap->usb_devices_size(), displays = snap->displays_size(), errors = snap->errors_size();
    const uint64_t repaired = snap->health().strings_repaired();
    try {
      auto stored = spool_.store(std::move(report));
      // Says what happened to this snapshot: stored for sending, or set aside.
      if (stored.quarantined)
        spdlog::error("event=collected seq={} stored=false quarantined=true usb={} displays={} errors={}", stored.seq,
                      usb, displays, errors);
      else
        spdlog::info("event=collected seq={} stored=true usb={} displays={} errors={} strings_repaired={}", stored.seq,
                     usb, displays, errors, repaired);
      transport_->notify();
    } catch (const std::exception& e) {
      // A full disk must not kill the agent: skip this snapshot, keep running.
      spdlog::error("event=spool_append_failed stored=false error={}", log::q(e.what()));
    }
    if (options_.once) return;
    schedule_collection();
    schedule_trim();
  }

  // Once the report has most likely been sent and acknowledged, the pages
  // this cycle touched are handed back until the next one.
  void schedule_trim() {
    if (options_.trim_after.count() <= 0) return;
    trim_timer_.expires_after(options_.trim_after);
    trim_timer_.async_wait([](const boost::system::error_code& ec) {
      if (ec) return;
      auto t = trim_working_set();
      if (!t.error.empty()) spdlog::debug("event=trim_failed error={}", log::q(t.error));
      else spdlog::debug("event=working_set_trimmed regions={} bytes={}", t.regions, t.bytes);
    });
  }

  // Events carry device strings too (a hotplugged USB product name): the
  // same pass as the snapshot's, before they reach the spool.
  static void sanitize_events(v1::Report& report) {
    uint64_t repaired = 0;
    for (auto& e : *report.mutable_events()) repaired += decode::sanitize_strings(e).fields_repaired;
    if (repaired > 0) spdlog::warn("event=strings_repaired where=events count={}", repaired);
  }

  void spool_events(std::vector<v1::Event> events) {
    v1::Report report;
    for (auto& e : events) *report.add_events() = std::move(e);
    sanitize_events(report);
    try {
      auto stored = spool_.store(std::move(report));
      if (stored.quarantined) spdlog::error("event=events_not_stored seq={} quarantined=true", stored.seq);
      transport_->notify();
    } catch (const std::exception& e) {
      spdlog::error("event=spool_append_failed error={}", log::q(e.what()));
    }
  }

  // Wall clock moved against the monotonic clock beyond the tolerance
  // (manual change, NTP step, long suspend).
  std::optional<v1::Event> clock_jump() {
    const int64_t wall = SystemClock::instance().now_unix_ms();
    const uint64_t mono = SystemClock::instance().monotonic_us();
    const int64_t delta = (wall - last_wall_ms_) - static_cast<int64_t>((mono - last_mono_us_) / 1000);
    last_wall_ms_ = wall;
    last_mono_us_ = mono;
    if (std::llabs(delta) <= options_.clock_jump_tolerance.count() * 1000) return std::nullopt;
    v1::Event e;
    e.set_at_unix_ms(wall);
    e.mutable_clock_jump()->set_delta_ms(delta);
    spdlog::warn("event=clock_jump delta_ms={}", delta);
    return e;
  }

  double cpu_percent() {
    const double cpu = self_cpu_seconds();
    const uint64_t mono = SystemClock::instance().monotonic_us();
    double pct = 0;
    if (last_cpu_mono_us_ != 0 && mono > last_cpu_mono_us_)
      pct = 100.0 * (cpu - last_cpu_s_) / ((mono - last_cpu_mono_us_) / 1e6);
    last_cpu_s_ = cpu;
    last_cpu_mono_us_ = mono;
    return pct;
  }

  void load_pushed_config() {
    anchors_ = options_.latency_anchors;
    auto r = read_file(options_.paths.pushed_config(), 4 * 1024 * 1024);
    if (!r.data) return;
    v1::ConfigUpdate update;
    if (!update.ParseFromString(*r.data)) {
      spdlog::warn("event=pushed_config_unreadable path={}", log::q(options_.paths.pushed_config().string()));
      return;
    }
    apply_config(update, false);
  }

  void apply_config(const v1::ConfigUpdate& update, bool persist) {
    if (update.has_watchlist() && update.watchlist().tools_size() > 0) watchlist_ = update.watchlist();
    if (update.latency_anchors_size() > 0) anchors_.assign(update.latency_anchors().begin(), update.latency_anchors().end());
    if (update.collect_interval_seconds() > 0 &&
        std::chrono::seconds(update.collect_interval_seconds()) != collect_interval_) {
      collect_interval_ = std::chrono::seconds(update.collect_interval_seconds());
      if (persist && !options_.once) schedule_collection();  // re-arm with the new interval
    }
    if (persist) {
      try {
        write_file_atomic(options_.paths.pushed_config(), update.SerializeAsString(), 0600);
      } catch (const std::exception& e) {
        spdlog::warn("event=pushed_config_not_saved error={}", log::q(e.what()));
      }
      spdlog::info("event=config_update collect_interval={} watchlist_tools={} catalog={}",
                   collect_interval_.count(), watchlist_.tools_size(), log::q(update.catalog_version()));
    }
  }

  const DaemonOptions& options_;
  asio::io_context io_;
  Spool spool_;
  SnapshotCollector collector_;
  asio::steady_timer collect_timer_;
  asio::steady_timer trim_timer_;
  asio::steady_timer drain_timer_;
  asio::signal_set signals_;
  std::unique_ptr<platform::ChangeMonitor> hotplug_;
  std::chrono::steady_clock::time_point once_deadline_;
  Watchdog watchdog_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<PresencePrompter> prompter_ = std::make_unique<NoHelperPrompter>();
  std::unique_ptr<PresenceService> presence_;  // after transport_: stops before it
  std::chrono::seconds collect_interval_;
  v1::Watchlist watchlist_;
  std::vector<std::string> anchors_;
  int64_t last_wall_ms_ = 0;
  uint64_t last_mono_us_ = 0;
  double last_cpu_s_ = 0;
  uint64_t last_cpu_mono_us_ = 0;
};

}  // namespace

int run_daemon(const DaemonOptions& options, std::stop_token stop) {
  auto identity = load_identity(options.paths);
  spdlog::info("event=agent_starting device={} collector={} root={}", identity.device_id, identity.collector,
               log::q(options.root.string()));
  Agent agent(options, identity);
  return agent.run(stop);
}

}  // namespace telltale::agent
