#include "platform/linux/hotplug_monitor.h"

#include <linux/netlink.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "platform/common/clock.h"
#include "platform/common/file.h"
#include "platform/common/hash.h"
#include "platform/common/log.h"
#include "platform/decode/change_events.h"
#include "platform/decode/edid.h"
#include "platform/decode/text_sanitize.h"
#include "platform/decode/usb_sysfs.h"
#include "platform/linux/root_path.h"
#include "platform/linux/sysfs_link.h"
#include "platform/linux/usb.h"

namespace telltale::platform::linux_probe {

namespace fs = std::filesystem;

namespace {

// EDID is 128 bytes per block and at most 255 extension blocks.
constexpr size_t kMaxEdid = 256 * 128;
// Kernel uevents are at most UEVENT_BUFFER_SIZE (2048) plus the header.
constexpr size_t kMaxDatagram = 8192;
// The socket buffer absorbs a burst (a dock with a dozen devices) without ENOBUFS.
constexpr int kReceiveBuffer = 1 << 20;

std::string usb_key(const HotplugMonitor::UsbSeen& u) {
  // A different device on the same port between two rescans is an unplug plus a plug.
  char ids[16];
  std::snprintf(ids, sizeof ids, "%04x:%04x", u.vendor_id, u.product_id);
  return u.port_path + "|" + ids + "|" + u.serial;
}

HotplugMonitor::UsbSeen seen_of(const telltale::v1::UsbDevice& d) {
  return {d.port_path(), d.vendor_id(), d.product_id(), d.product(), d.serial()};
}

telltale::v1::Event usb_event(const HotplugMonitor::UsbSeen& u, bool added) {
  return decode::usb_change_event(SystemClock::instance().now_unix_ms(), added, u.port_path, u.vendor_id, u.product_id,
                                  u.product);
}

telltale::v1::Event display_event(const std::string& connector, const HotplugMonitor::DisplaySeen& d) {
  return decode::display_change_event(SystemClock::instance().now_unix_ms(), connector, d.status, d.monitor_name,
                                      d.serial_string);
}

void log_event(const telltale::v1::Event& e) {
  if (e.has_usb())
    spdlog::info("event=usb_{} port={} vendor={:04x} product={:04x}", e.usb().added() ? "plugged" : "unplugged",
                 e.usb().port_path(), e.usb().vendor_id(), e.usb().product_id());
  else if (e.has_display())
    spdlog::info("event=display_change connector={} status={} monitor={}", e.display().connector(),
                 e.display().status(), log::q(e.display().monitor_name()));
}

}  // namespace

HotplugMonitor::HotplugMonitor(fs::path root, std::chrono::milliseconds rescan_interval, Source source)
    : root_(std::move(root)), interval_(std::max(rescan_interval, std::chrono::milliseconds(10))), source_(source) {}

HotplugMonitor::~HotplugMonitor() { stop(); }

std::map<std::string, HotplugMonitor::UsbSeen> HotplugMonitor::read_usb() const {
  std::map<std::string, UsbSeen> out;
  // No USB at all (a VM, a container) is reported once by the probe, not on every rescan.
  std::error_code ec;
  if (!fs::is_directory(under(root_, "sys/bus/usb/devices"), ec)) return out;
  telltale::v1::Snapshot errors;  // a rescan's read problems are logged by record_error; the next snapshot reports them
  for (const auto& d : read_usb_devices(root_, UsbDetail::kIdentity, errors)) {
    auto u = seen_of(d);
    out.emplace(usb_key(u), std::move(u));
  }
  return out;
}

std::map<std::string, HotplugMonitor::DisplaySeen> HotplugMonitor::read_displays() const {
  std::map<std::string, DisplaySeen> out;
  auto drm = under(root_, "sys/class/drm");
  auto devices_dir = canonical_or_self(root_, "sys/devices");
  std::error_code ec;
  for (fs::directory_iterator it(drm, ec), end; !ec && it != end; it.increment(ec)) {
    auto name = it->path().filename().string();
    // Connectors are "cardN-TYPE-M"; "cardN" and "renderDN" are the devices themselves.
    if (!name.starts_with("card") || name.find('-') == std::string::npos) continue;
    auto resolved = resolve_sysfs_link(root_, it->path(), devices_dir);
    if (!resolved.dir) {
      spdlog::info("event=display_skip connector={} reason={}", log::q(decode::printable(name)),
                   log::q(resolved.error));
      continue;
    }
    DisplaySeen d;
    d.status = decode::sanitize_utf8(read_attribute(*resolved.dir / "status").value_or("unknown"));
    auto edid = read_file(*resolved.dir / "edid", kMaxEdid);
    if (d.status == "connected" && edid.data && !edid.data->empty()) {
      std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(edid.data->data()), edid.data->size());
      auto decoded = decode::decode_edid(bytes);
      d.monitor_name = decoded.monitor_name();
      d.serial_string = decoded.serial_string();
      d.edid_sha256 = sha256_hex(bytes);
    }
    out.emplace(std::move(name), std::move(d));
  }
  return out;
}

std::vector<telltale::v1::Event> HotplugMonitor::diff_usb(std::map<std::string, UsbSeen> now) {
  std::vector<telltale::v1::Event> events;
  std::lock_guard lock(state_mu_);
  for (const auto& [key, u] : usb_)
    if (!now.contains(key)) events.push_back(usb_event(u, false));
  for (const auto& [key, u] : now)
    if (!usb_.contains(key)) events.push_back(usb_event(u, true));
  usb_ = std::move(now);
  return events;
}

std::vector<telltale::v1::Event> HotplugMonitor::diff_displays(std::map<std::string, DisplaySeen> now) {
  std::vector<telltale::v1::Event> events;
  std::lock_guard lock(state_mu_);
  for (const auto& [connector, d] : now) {
    auto it = displays_.find(connector);
    // A connector that appears (MST hub plugged) reports its status only when it
    // has something on it; one that changes status or monitor always does.
    bool appeared = it == displays_.end();
    if (appeared ? d.status == "connected"
                 : (it->second.status != d.status || it->second.edid_sha256 != d.edid_sha256))
      events.push_back(display_event(connector, d));
  }
  for (const auto& [connector, d] : displays_)
    if (!now.contains(connector) && d.status == "connected")
      events.push_back(display_event(connector, DisplaySeen{"disconnected", "", "", ""}));
  displays_ = std::move(now);
  return events;
}

std::vector<telltale::v1::Event> HotplugMonitor::rescan() {
  auto events = diff_usb(read_usb());
  auto displays = diff_displays(read_displays());
  events.insert(events.end(), displays.begin(), displays.end());
  return events;
}

std::vector<telltale::v1::Event> HotplugMonitor::handle_uevent(const decode::Uevent& u) {
  if (u.subsystem == "drm") return diff_displays(read_displays());
  if (u.subsystem != "usb" || u.devtype != "usb_device") return {};
  // DEVPATH names a directory below /sys; refuse anything that climbs out.
  if (u.devpath.find("/../") != std::string::npos || u.devpath.ends_with("/..")) return {};
  fs::path dir = under(root_, "sys" + u.devpath);
  auto port = dir.filename().string();
  auto kind = decode::parse_usb_name(port).kind;
  if (kind != decode::UsbNameKind::kDevice && kind != decode::UsbNameKind::kRootHub) return {};
  std::error_code ec;
  bool present = fs::is_directory(dir, ec);
  std::vector<telltale::v1::Event> events;
  if (u.action == "add" && present) {
    telltale::v1::Snapshot errors;
    auto d = read_usb_device(root_, dir, UsbDetail::kIdentity, errors);
    if (!d) return {};
    auto seen = seen_of(*d);
    std::lock_guard lock(state_mu_);
    // A device replaced on this port without us seeing its remove goes first.
    for (auto it = usb_.begin(); it != usb_.end();) {
      if (it->second.port_path == port && usb_key(it->second) != usb_key(seen)) {
        events.push_back(usb_event(it->second, false));
        it = usb_.erase(it);
      } else {
        ++it;
      }
    }
    if (usb_.emplace(usb_key(seen), seen).second) events.push_back(usb_event(seen, true));
  } else if (u.action == "remove" && !present) {
    std::lock_guard lock(state_mu_);
    for (auto it = usb_.begin(); it != usb_.end();) {
      // Devices behind an unplugged hub go with it; the kernel sends their
      // removes too, but the first one already tells the whole story.
      const auto& p = it->second.port_path;
      if (p == port || p.starts_with(port + ".")) {
        events.push_back(usb_event(it->second, false));
        it = usb_.erase(it);
      } else {
        ++it;
      }
    }
  }
  return events;
}

void HotplugMonitor::start(Sink sink) {
  std::lock_guard lock(run_mu_);
  if (thread_.joinable()) throw std::logic_error("HotplugMonitor::start called while running");
  {
    auto usb = read_usb();
    auto displays = read_displays();
    std::lock_guard state(state_mu_);
    usb_ = std::move(usb);
    displays_ = std::move(displays);
  }
  stopping_ = false;
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this, sink = std::move(sink)] { run(sink); });
}

void HotplugMonitor::stop() {
  std::thread t;
  {
    std::lock_guard lock(run_mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    if (wake_fd_ >= 0) {
      uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
    }
    t = std::move(thread_);
  }
  wake_.notify_all();
  t.join();
  std::lock_guard lock(run_mu_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
}

void HotplugMonitor::run(Sink sink) {
  bool netlink = source_ == Source::kNetlink || (source_ == Source::kAuto && root_ == fs::path("/"));
  if (netlink && run_netlink(sink)) return;
  run_rescan(sink);
}

void HotplugMonitor::run_rescan(const Sink& sink) {
  spdlog::info("event=hotplug_monitor_started source=rescan root={} interval_ms={}", log::q(root_.string()),
               interval_.count());
  std::unique_lock lock(run_mu_);
  while (!stopping_) {
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) break;
    lock.unlock();
    for (auto& e : rescan()) {
      log_event(e);
      sink(std::move(e));
    }
    lock.lock();
  }
}

bool HotplugMonitor::run_netlink(const Sink& sink) {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
  if (fd < 0) {
    spdlog::warn("event=hotplug_netlink_unavailable error={}", log::q(std::strerror(errno)));
    return false;
  }
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = 1;  // the kernel's own uevents; udev relays on group 2
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    spdlog::warn("event=hotplug_netlink_unavailable error={}", log::q(std::strerror(errno)));
    ::close(fd);
    return false;
  }
  int size = kReceiveBuffer;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  netlink_active_ = true;
  spdlog::info("event=hotplug_monitor_started source=netlink root={} rescan_interval_ms={}", log::q(root_.string()),
               interval_.count());
  int wake_fd;
  {
    std::lock_guard lock(run_mu_);
    wake_fd = wake_fd_;
  }
  auto emit = [&](std::vector<telltale::v1::Event> events) {
    for (auto& e : events) {
      log_event(e);
      sink(std::move(e));
    }
  };
  std::array<char, kMaxDatagram> buf;
  auto next_rescan = std::chrono::steady_clock::now() + interval_;
  for (;;) {
    {
      std::lock_guard lock(run_mu_);
      if (stopping_) break;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_rescan - std::chrono::steady_clock::now());
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int n = ::poll(fds, wake_fd >= 0 ? 2 : 1, static_cast<int>(std::max<int64_t>(wait.count(), 0)));
    if (n < 0 && errno != EINTR) {
      spdlog::warn("event=hotplug_poll_failed error={}", log::q(std::strerror(errno)));
      break;
    }
    if (n > 0 && (fds[0].revents & POLLIN)) {
      for (;;) {
        sockaddr_nl from{};
        iovec iov{buf.data(), buf.size()};
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        ssize_t got = ::recvmsg(fd, &msg, 0);
        if (got < 0) {
          if (errno == ENOBUFS) {
            // Messages were lost: only a full rescan knows what changed.
            spdlog::warn("event=hotplug_uevents_lost action=rescan");
            emit(rescan());
            continue;
          }
          break;  // EAGAIN: drained
        }
        if (msg.msg_flags & MSG_TRUNC) continue;
        std::string error;
        auto uevent = decode::parse_kernel_uevent(std::span<const char>(buf.data(), static_cast<size_t>(got)), &error);
        if (!uevent) {
          spdlog::debug("event=uevent_ignored reason={}", log::q(error));
          continue;
        }
        emit(handle_uevent(*uevent));
      }
    }
    if (std::chrono::steady_clock::now() >= next_rescan) {
      emit(rescan());
      next_rescan = std::chrono::steady_clock::now() + interval_;
    }
  }
  netlink_active_ = false;
  ::close(fd);
  return true;
}

}  // namespace telltale::platform::linux_probe
