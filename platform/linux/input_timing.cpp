#include "platform/linux/input_timing.h"

#include <fcntl.h>
#include <linux/input.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "platform/common/file.h"
#include "platform/common/log.h"
#include "platform/decode/proc_input_devices.h"
#include "platform/linux/root_path.h"

namespace telltale::platform::linux_probe {
namespace {

namespace fs = std::filesystem;
constexpr size_t kMaxRecording = 256 * 1024 * 1024;  // ~11 M events: weeks of typing
constexpr size_t kMaxNodes = 256;

struct NodeInfo {
  std::string name;
  bool is_virtual = false;
  uint32_t bus = 0;
};

// event node → name and virtual flag, from proc/bus/input/devices ("H: Handlers=sysrq kbd event3 ").
std::map<std::string, NodeInfo> node_infos(const fs::path& root) {
  std::map<std::string, NodeInfo> infos;
  auto text = read_file(under(root, "proc/bus/input/devices"), 1024 * 1024);
  if (!text.data) return infos;
  for (const auto& dev : decode::parse_proc_input_devices(*text.data).devices)
    for (const auto& h : dev.handlers())
      if (h.starts_with("event")) infos[h] = {dev.name(), dev.virtual_device(), dev.bus()};
  return infos;
}

NodeInfo info_for(const fs::path& root, const std::map<std::string, NodeInfo>& infos, const std::string& node) {
  if (auto it = infos.find(node); it != infos.end()) return it->second;
  // Fallback: sys/class/input/eventN → ../../devices/virtual/input/input7/event7
  NodeInfo info;
  std::error_code ec;
  const auto link = under(root, "sys/class/input/" + node);
  auto target = fs::read_symlink(link, ec).string();
  info.is_virtual = !ec && target.find("devices/virtual/") != std::string::npos;
  info.name = read_attribute(link / "device/name").value_or("");
  return info;
}

// The lid's current state from proc/acpi/button/lid/*/state: what holds while
// no lid switch event was read. The displays probe reports malformed files.
std::optional<bool> lid_closed_now(const fs::path& root) {
  std::error_code ec;
  for (fs::directory_iterator it(under(root, "proc/acpi/button/lid"), ec), end; !ec && it != end; it.increment(ec)) {
    auto text = read_file(it->path() / "state", 4096);
    if (!text.data) continue;
    if (text.data->find("closed") != std::string::npos) return true;
    if (text.data->find("open") != std::string::npos) return false;
  }
  return std::nullopt;
}

bool reports_lid(const std::vector<decode::InputEvent>& events) {
  return std::any_of(events.begin(), events.end(), [](const auto& e) { return e.type == EV_SW && e.code == SW_LID; });
}

// A recording has no EVIOCGABS: the extent its positions cover stands in for the range.
void observed_ranges(const std::vector<decode::InputEvent>& events, decode::InputBehaviourCounters& counters) {
  for (uint16_t axis : {uint16_t{ABS_X}, uint16_t{ABS_Y}}) {
    int32_t lo = 0, hi = 0;
    bool any = false;
    for (const auto& e : events)
      if (e.type == EV_ABS && e.code == axis) {
        lo = any ? std::min(lo, e.value) : e.value;
        hi = any ? std::max(hi, e.value) : e.value;
        any = true;
      }
    if (any) counters.set_abs_range(axis, lo, hi);
  }
}

void device_ranges(int fd, decode::InputBehaviourCounters& counters) {
  for (uint16_t axis : {uint16_t{ABS_X}, uint16_t{ABS_Y}}) {
    input_absinfo info{};
    if (::ioctl(fd, EVIOCGABS(axis), &info) == 0) counters.set_abs_range(axis, info.minimum, info.maximum);
  }
}

std::vector<fs::path> event_nodes(const fs::path& dir) {
  std::vector<fs::path> nodes;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end && nodes.size() < kMaxNodes; it.increment(ec))
    if (it->path().filename().string().starts_with("event")) nodes.push_back(it->path());
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

}  // namespace

InputTimingProbe::InputTimingProbe() = default;

InputTimingProbe::~InputTimingProbe() { stop_reader(); }

void InputTimingProbe::set_shed(bool shed) {
  shed_ = shed;
  if (shed) stop_reader();
}

void InputTimingProbe::start_reader(const fs::path& input_dir) {
  if (reader_.joinable() || shed_) return;
  if (!wake_.open()) {
    spdlog::warn("event=input_timing_reader_failed reason={}", log::q(std::strerror(errno)));
    return;
  }
  live_dir_ = input_dir;
  stop_ = false;
  {
    std::lock_guard lock(mutex_);
    open_new_devices();
  }
  reader_ = std::thread([this] { reader_loop(); });
}

void InputTimingProbe::stop_reader() {
  if (!reader_.joinable()) return;
  stop_ = true;
  wake_.wake();
  reader_.join();
  wake_.close();
  std::lock_guard lock(mutex_);
  for (auto& [node, dev] : live_)
    if (dev.fd >= 0) ::close(dev.fd), dev.fd = -1;
}

void InputTimingProbe::open_new_devices() {
  for (const auto& path : event_nodes(live_dir_)) {
    const auto node = path.filename().string();
    auto it = live_.find(node);
    if (it != live_.end() && it->second.fd >= 0) continue;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) continue;
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      spdlog::debug("event=input_open_failed node={} reason={}", node, log::q(std::strerror(errno)));
      continue;
    }
    auto& dev = live_[node];
    dev.fd = fd;
    dev.behaviour.set_lid(&lid_);
    device_ranges(fd, dev.behaviour);
  }
}

void InputTimingProbe::reader_loop() {
  std::vector<pollfd> fds;
  std::vector<std::string> names;
  alignas(8) uint8_t buf[64 * decode::kInputEventSize];
  std::vector<decode::InputEvent> events;
  while (!stop_) {
    fds.assign(1, pollfd{wake_.read_fd(), POLLIN, 0});
    names.assign(1, "");
    {
      std::lock_guard lock(mutex_);
      if (rescan_.exchange(false)) open_new_devices();
      for (const auto& [node, dev] : live_)
        if (dev.fd >= 0) {
          fds.push_back({dev.fd, POLLIN, 0});
          names.push_back(node);
        }
    }
    int ready = ::poll(fds.data(), fds.size(), 1000);
    if (ready <= 0) continue;
    if (fds[0].revents) wake_.drain();
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      std::vector<uint8_t> bytes;
      bool gone = (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
      for (;;) {
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          bytes.insert(bytes.end(), buf, buf + n);
          if (bytes.size() < sizeof buf * 16) continue;
          break;  // keep the lock hold short under a flood; poll brings us back
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0 || errno != EAGAIN) gone = true;  // ENODEV: unplugged; EOF: not an input device
        break;
      }
      std::lock_guard lock(mutex_);
      auto& dev = live_[names[i]];
      dev.partial.insert(dev.partial.end(), bytes.begin(), bytes.end());
      events.clear();
      const size_t used = decode::decode_input_events(dev.partial, events);
      dev.partial.erase(dev.partial.begin(), dev.partial.begin() + static_cast<std::ptrdiff_t>(used));
      dev.acc.add(events);
      dev.behaviour.add(events);
      if (gone && dev.fd >= 0) {
        ::close(dev.fd);
        dev.fd = -1;
      }
    }
  }
}

void InputTimingProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  auto* activity = out.mutable_input_activity();
  activity->set_shed(shed_);
  if (shed_) return;
  const auto input_dir = under(ctx.root, "dev/input");
  const auto infos = node_infos(ctx.root);
  bool has_live = false;
  const auto lid_now = lid_closed_now(ctx.root);
  // Recordings are decoded first: the lid switch's stream must be known
  // before the other devices' input can be placed in lid-open or closed time.
  struct Recorded {
    std::string node;
    std::vector<decode::InputEvent> events;
  };
  std::vector<Recorded> recorded;
  for (const auto& path : event_nodes(input_dir)) {
    const auto node = path.filename().string();
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (fs::is_character_file(status)) {
      has_live = true;
      continue;
    }
    if (!fs::is_regular_file(status)) continue;
    // A recorded stream: the same bytes the device would have produced.
    auto data = read_file(path, kMaxRecording);
    if (!data.data) {
      record_error(out, name(), ctx.root, path, "unreadable: " + data.error);
      continue;
    }
    std::vector<decode::InputEvent> events;
    const auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data->data()), data.data->size());
    const size_t used = decode::decode_input_events(bytes, events);
    if (used != bytes.size())
      record_error(out, name(), ctx.root, path,
                   std::to_string(bytes.size()) + " bytes, " + std::to_string(bytes.size() - used) +
                       " left over: expected a multiple of 24 (struct input_event)");
    recorded.push_back({node, std::move(events)});
  }
  decode::LidTimeline lid;
  if (lid_now) lid.set_current(*lid_now);
  std::stable_partition(recorded.begin(), recorded.end(), [](const Recorded& r) { return reports_lid(r.events); });
  for (const auto& r : recorded) {
    decode::InputTimingAccumulator acc;
    decode::InputBehaviourCounters behaviour(&lid);
    observed_ranges(r.events, behaviour);
    acc.add(r.events);
    behaviour.add(r.events);
    auto* dev = activity->add_devices();
    const auto info = info_for(ctx.root, infos, r.node);
    dev->set_device(info.name);
    dev->set_event_node(r.node);
    dev->set_virtual_device(info.is_virtual);
    dev->set_bus(info.bus);
    acc.fill(*dev);
    behaviour.fill(*dev);
  }
  // Devices were filled in lid-first order; the report lists them by node.
  std::sort(activity->mutable_devices()->begin(), activity->mutable_devices()->end(),
            [](const auto& a, const auto& b) { return a.event_node() < b.event_node(); });
  if (lid.changes() > 0) lid.fill(*out.mutable_lid());
  if (!has_live) return;
  start_reader(input_dir);
  rescan_ = true;  // picks up devices plugged in since the last collection
  std::lock_guard lock(mutex_);
  if (lid_now) lid_.set_current(*lid_now);
  for (const auto& [node, live] : live_) {
    auto* dev = activity->add_devices();
    const auto info = info_for(ctx.root, infos, node);
    dev->set_device(info.name);
    dev->set_event_node(node);
    dev->set_virtual_device(info.is_virtual);
    dev->set_bus(info.bus);
    live.acc.fill(*dev);
    live.behaviour.fill(*dev);
  }
  if (lid_.changes() > 0) lid_.fill(*out.mutable_lid());
}

}  // namespace telltale::platform::linux_probe
