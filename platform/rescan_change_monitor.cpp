#include "platform/rescan_change_monitor.h"


#include <cstdio>
#include <stdexcept>

#include "platform/common/clock.h"
#include "platform/common/log.h"
#include "platform/common/hash.h"
#include "platform/decode/change_events.h"

namespace telltale::platform {
namespace {

std::string usb_key(const telltale::v1::UsbDevice& d) {
  char ids[16];
  std::snprintf(ids, sizeof ids, "%04x:%04x", d.vendor_id(), d.product_id());
  return d.port_path() + "|" + ids + "|" + d.serial();
}

struct DisplaySeen {
  std::string status, monitor_name, serial_string, edid_sha256;
  bool operator==(const DisplaySeen&) const = default;
};

std::map<std::string, DisplaySeen> displays_of(const telltale::v1::Snapshot& s) {
  std::map<std::string, DisplaySeen> out;
  for (const auto& d : s.displays())
    out[d.connector()] = {d.status(), d.edid().monitor_name(), d.edid().serial_string(),
                          d.edid_raw().empty() ? "" : sha256_hex(d.edid_raw())};
  return out;
}

telltale::v1::Event usb_event(const telltale::v1::UsbDevice& d, bool added, int64_t at) {
  return decode::usb_change_event(at, added, d.port_path(), d.vendor_id(), d.product_id(), d.product());
}

telltale::v1::Event display_event(const std::string& connector, const DisplaySeen& d, int64_t at) {
  return decode::display_change_event(at, connector, d.status, d.monitor_name, d.serial_string);
}

}  // namespace

std::vector<telltale::v1::Event> device_changes(const telltale::v1::Snapshot& before,
                                                const telltale::v1::Snapshot& after, int64_t at) {
  std::vector<telltale::v1::Event> events;
  std::map<std::string, const telltale::v1::UsbDevice*> was, now;
  for (const auto& d : before.usb_devices()) was[usb_key(d)] = &d;
  for (const auto& d : after.usb_devices()) now[usb_key(d)] = &d;
  for (const auto& [key, d] : was)
    if (!now.count(key)) events.push_back(usb_event(*d, false, at));
  for (const auto& [key, d] : now)
    if (!was.count(key)) events.push_back(usb_event(*d, true, at));
  auto shown_before = displays_of(before), shown_now = displays_of(after);
  for (const auto& [connector, d] : shown_now) {
    auto it = shown_before.find(connector);
    if (it == shown_before.end() || !(it->second == d)) events.push_back(display_event(connector, d, at));
  }
  for (const auto& [connector, d] : shown_before)
    if (!shown_now.count(connector)) {
      DisplaySeen gone{"disconnected", "", "", ""};
      events.push_back(display_event(connector, gone, at));
    }
  return events;
}

RescanChangeMonitor::RescanChangeMonitor(ProbeList probes, std::chrono::milliseconds interval)
    : probes_(std::move(probes)), interval_(interval) {}

RescanChangeMonitor::~RescanChangeMonitor() { stop(); }

telltale::v1::Snapshot RescanChangeMonitor::scan() {
  telltale::v1::Snapshot s;
  ProbeContext ctx;
  for (auto& p : probes_) {
    try {
      p->collect(ctx, s);
    } catch (const std::exception& e) {
      spdlog::warn("event=device_rescan_failed probe={} error={}", p->name(), log::q(e.what()));
    }
  }
  return s;
}

void RescanChangeMonitor::start(Sink sink) {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) throw std::logic_error("RescanChangeMonitor started twice");
  stopping_ = false;
  auto baseline = scan();
  thread_ = std::thread([this, sink = std::move(sink), previous = std::move(baseline)]() mutable {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      auto now = scan();
      for (auto& e : device_changes(previous, now, SystemClock::instance().now_unix_ms())) {
        if (e.has_usb())
          spdlog::info("event=usb_{} port={} vendor={:04x} product={:04x}", e.usb().added() ? "plugged" : "unplugged",
                       e.usb().port_path(), e.usb().vendor_id(), e.usb().product_id());
        else
          spdlog::info("event=display_change connector={} status={} monitor={}", e.display().connector(),
                       e.display().status(), log::q(e.display().monitor_name()));
        sink(std::move(e));
      }
      previous = std::move(now);
      lock.lock();
    }
  });
}

void RescanChangeMonitor::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace telltale::platform
