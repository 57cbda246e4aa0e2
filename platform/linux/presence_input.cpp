#include "platform/linux/presence_input.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "platform/common/file.h"
#include "platform/common/log.h"
#include "platform/decode/lines.h"
#include "platform/decode/proc_input_devices.h"
#include "platform/linux/root_path.h"

namespace telltale::platform::linux_probe {
namespace {

namespace fs = std::filesystem;
constexpr size_t kMaxRecording = 16 * 1024 * 1024;
constexpr size_t kMaxLiveBytes = 16 * 1024 * 1024;  // per device: minutes of a flood; the rest is counted as lost
constexpr size_t kMaxNodes = 256;

std::vector<fs::path> event_nodes(const fs::path& dir) {
  std::vector<fs::path> nodes;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end && nodes.size() < kMaxNodes; it.increment(ec))
    if (it->path().filename().string().starts_with("event")) nodes.push_back(it->path());
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

std::map<std::string, telltale::v1::InputDevice> devices_by_node(const fs::path& root) {
  std::map<std::string, telltale::v1::InputDevice> out;
  auto text = read_file(under(root, "proc/bus/input/devices"), 1024 * 1024);
  if (!text.data) return out;
  for (const auto& dev : decode::parse_proc_input_devices(*text.data).devices)
    for (const auto& h : dev.handlers())
      if (h.starts_with("event")) out[h] = dev;
  return out;
}

}  // namespace

LinuxPresenceCapture::~LinuxPresenceCapture() { stop(); }

void LinuxPresenceCapture::start() {
  if (reader_.joinable()) return;
  std::lock_guard lock(mu_);
  for (const auto& path : event_nodes(under(root_, "dev/input"))) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) continue;
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      spdlog::warn("event=presence_input_open_failed node={} reason={}", path.filename().string(),
                   log::q(std::strerror(errno)));
      continue;
    }
    live_[path.filename().string()].fd = fd;
  }
  if (live_.empty()) return;
  if (!wake_.open()) return;
  stop_ = false;
  reader_ = std::thread([this] { reader_loop(); });
}

void LinuxPresenceCapture::reader_loop() {
  std::vector<pollfd> fds;
  std::vector<std::string> names;
  uint8_t buf[64 * decode::kInputEventSize];
  while (!stop_) {
    fds.assign(1, pollfd{wake_.read_fd(), POLLIN, 0});
    names.assign(1, "");
    {
      std::lock_guard lock(mu_);
      for (const auto& [node, dev] : live_)
        if (dev.fd >= 0) fds.push_back({dev.fd, POLLIN, 0}), names.push_back(node);
    }
    if (::poll(fds.data(), fds.size(), 500) <= 0) continue;
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      std::lock_guard lock(mu_);
      auto& dev = live_[names[i]];
      for (;;) {
        ssize_t n = ::read(dev.fd, buf, sizeof buf);
        if (n > 0) {
          if (dev.bytes.size() < kMaxLiveBytes) dev.bytes.insert(dev.bytes.end(), buf, buf + n);
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0 || errno != EAGAIN) ::close(dev.fd), dev.fd = -1;  // unplugged
        break;
      }
    }
  }
}

void LinuxPresenceCapture::stop() {
  if (!reader_.joinable()) return;
  stop_ = true;
  wake_.wake();
  reader_.join();
  wake_.close();
}

std::vector<decode::PresenceDeviceStream> LinuxPresenceCapture::finish(std::vector<std::string>& errors) {
  inhibitor_.reset();  // the lid may suspend the laptop again
  stop();
  const auto described = devices_by_node(root_);
  std::vector<decode::PresenceDeviceStream> out;
  auto add = [&](const std::string& node, std::span<const uint8_t> bytes) {
    decode::PresenceDeviceStream s;
    const size_t used = decode::decode_input_events(bytes, s.events);
    if (used != bytes.size())
      errors.push_back("dev/input/" + node + ": " + std::to_string(bytes.size() - used) +
                       " bytes left over: expected a multiple of 24 (struct input_event)");
    if (auto it = described.find(node); it != described.end()) s.device = it->second;
    else {
      // Not in proc/bus/input/devices: unknown provenance, never built-in.
      s.device.set_name(node);
      errors.push_back("dev/input/" + node + ": not listed in proc/bus/input/devices, class unknown");
    }
    out.push_back(std::move(s));
  };
  {
    std::lock_guard lock(mu_);
    for (auto& [node, dev] : live_) {
      if (dev.fd >= 0) ::close(dev.fd), dev.fd = -1;
      if (dev.bytes.size() >= kMaxLiveBytes)
        errors.push_back("dev/input/" + node + ": more than " + std::to_string(kMaxLiveBytes) +
                         " bytes of events during the check, the rest not read");
      add(node, dev.bytes);
    }
    live_.clear();
  }
  for (const auto& path : event_nodes(under(root_, "dev/input"))) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;
    auto data = read_file(path, kMaxRecording);
    if (!data.data) {
      errors.push_back("dev/input/" + path.filename().string() + ": unreadable: " + data.error);
      continue;
    }
    add(path.filename().string(),
        {reinterpret_cast<const uint8_t*>(data.data->data()), data.data->size()});
  }
  return out;
}

bool LinuxPresenceCapture::has_lid_switch() {
  auto text = read_file(under(root_, "proc/bus/input/devices"), 1024 * 1024);
  if (!text.data) return false;
  // "B: SW=1": bit SW_LID (0) of the switch bitmap.
  bool found = false;
  decode::for_each_line(*text.data, [&](std::string_view line) {
    if (!line.starts_with("B: SW=")) return;
    auto bits = decode::parse_input_bitmap(line.substr(6));
    found = found || (bits && bits->test(0));
  });
  return found;
}

std::string LinuxPresenceCapture::inhibit_lid_suspend(std::chrono::seconds max) {
  std::string error;
  inhibitor_ = LidSwitchInhibitor::hold(root_, "Telltale presence check: close and open the lid", max, error);
  return inhibitor_ ? "" : error;
}

std::vector<UserSession> LinuxPresenceCapture::sessions() {
  // logind's session state files (src/login/logind-session.c session_save):
  // KEY=value lines, UID, TYPE, REMOTE, ACTIVE among them.
  std::vector<UserSession> out;
  std::error_code ec;
  for (fs::directory_iterator it(under(root_, "run/systemd/sessions"), ec), end; !ec && it != end;
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.find('.') != std::string::npos) continue;  // *.ref FIFOs
    auto text = read_file(it->path(), 64 * 1024);
    if (!text.data) continue;
    UserSession s;
    s.id = name;
    decode::for_each_line(*text.data, [&](std::string_view line) {
      auto eq = line.find('=');
      if (eq == std::string_view::npos) return;
      auto key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "UID") s.uid = static_cast<uint32_t>(std::strtoul(std::string(value).c_str(), nullptr, 10));
      else if (key == "TYPE") s.type = value;
      else if (key == "REMOTE") s.remote = value == "1";
      else if (key == "ACTIVE") s.active = value == "1";
    });
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

}  // namespace telltale::platform::linux_probe
