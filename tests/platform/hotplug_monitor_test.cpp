// USB plug/unplug and display connect/disconnect events: the uevent parser,
// the rescan diff on a temp tree, and the netlink path inside a private
// network namespace (uevents sent there reach only that namespace).
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "platform/decode/uevent.h"
#include "platform/linux/hotplug_monitor.h"
#include "platform/usb_tree_helpers.h"

namespace telltale::platform::linux_probe {
namespace {

using namespace std::chrono_literals;
using telltale::testing::TempTree;

// Collects events from the monitor thread; waits with a deadline.
class EventQueue {
 public:
  void push(v1::Event e) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
    cv_.notify_all();
  }
  std::optional<v1::Event> pop(std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return std::nullopt;
    auto e = std::move(events_.front());
    events_.pop_front();
    return e;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<v1::Event> events_;
};

constexpr const char* kHc = "sys/devices/pci0000:00/0000:00:14.0";
constexpr const char* kConnector = "sys/devices/pci0000:00/0000:00:02.0/drm/card0/card0-HDMI-A-1";

// A laptop with a root hub, one device and a disconnected HDMI port.
void base_machine(const TempTree& t) {
  t.usb_device("usb1", "1d6b", "0002", "xHCI Host Controller");
  t.usb_device("1-2", "046d", "c52b", "USB Receiver", std::string(kHc) + "/usb1");
  t.attr(std::string(kConnector) + "/status", "disconnected");
  t.attr(std::string(kConnector) + "/enabled", "disabled");
  t.write(std::string(kConnector) + "/edid", "");
  t.link("sys/class/drm/card0-HDMI-A-1", kConnector);
  t.link("sys/class/drm/card0", "sys/devices/pci0000:00/0000:00:02.0/drm/card0");
}

void connect_pikvm_monitor(const TempTree& t) {
  t.write(std::string(kConnector) + "/edid", telltale::testing::edid_block("LNX", 0x7770, "PiKVM", "CAFEBABE"));
  t.attr(std::string(kConnector) + "/status", "connected");
}

std::string kvm_dir() { return std::string(kHc) + "/usb1/1-3"; }

TEST(HotplugMonitor, FixtureRoot_PikvmPluggedThenUnplugged_ReportsBothByRescan) {
  TempTree t;
  base_machine(t);
  HotplugMonitor monitor(t.root(), 20ms);
  EventQueue q;
  monitor.start([&](v1::Event e) { q.push(std::move(e)); });
  EXPECT_FALSE(monitor.listening_to_kernel());

  t.usb_device("1-3", "1d6b", "0104", "PiKVM Composite Device", std::string(kHc) + "/usb1");
  auto plugged = q.pop();
  ASSERT_TRUE(plugged.has_value());
  ASSERT_TRUE(plugged->has_usb());
  EXPECT_TRUE(plugged->usb().added());
  EXPECT_EQ(plugged->usb().port_path(), "1-3");
  EXPECT_EQ(plugged->usb().vendor_id(), 0x1d6bu);
  EXPECT_EQ(plugged->usb().product_id(), 0x0104u);
  EXPECT_EQ(plugged->usb().product(), "PiKVM Composite Device");
  EXPECT_GT(plugged->at_unix_ms(), 0);

  t.remove("sys/bus/usb/devices/1-3");
  t.remove(kvm_dir());
  auto unplugged = q.pop();
  ASSERT_TRUE(unplugged.has_value());
  ASSERT_TRUE(unplugged->has_usb());
  EXPECT_FALSE(unplugged->usb().added());
  EXPECT_EQ(unplugged->usb().port_path(), "1-3");
  EXPECT_EQ(unplugged->usb().product(), "PiKVM Composite Device");
  monitor.stop();
  EXPECT_FALSE(q.pop(50ms).has_value());  // nothing else happened
}

TEST(HotplugMonitor, FixtureRoot_HdmiConnectAndDisconnect_CarryTheMonitorIdentity) {
  TempTree t;
  base_machine(t);
  HotplugMonitor monitor(t.root(), 20ms);
  EventQueue q;
  monitor.start([&](v1::Event e) { q.push(std::move(e)); });

  connect_pikvm_monitor(t);
  auto on = q.pop();
  ASSERT_TRUE(on.has_value());
  ASSERT_TRUE(on->has_display());
  EXPECT_EQ(on->display().connector(), "card0-HDMI-A-1");
  EXPECT_EQ(on->display().status(), "connected");
  EXPECT_EQ(on->display().monitor_name(), "PiKVM");
  EXPECT_EQ(on->display().serial_string(), "CAFEBABE");

  t.attr(std::string(kConnector) + "/status", "disconnected");
  t.write(std::string(kConnector) + "/edid", "");
  auto off = q.pop();
  ASSERT_TRUE(off.has_value());
  ASSERT_TRUE(off->has_display());
  EXPECT_EQ(off->display().status(), "disconnected");
  EXPECT_EQ(off->display().monitor_name(), "");
}

TEST(HotplugMonitor, ExistingDevicesAtStart_AreTheBaselineNotEvents) {
  TempTree t;
  base_machine(t);
  connect_pikvm_monitor(t);
  HotplugMonitor monitor(t.root(), 10ms);
  EventQueue q;
  monitor.start([&](v1::Event e) { q.push(std::move(e)); });
  EXPECT_FALSE(q.pop(100ms).has_value());
  monitor.stop();
  monitor.stop();  // idempotent
}

TEST(HotplugMonitor, StartTwice_Throws) {
  TempTree t;
  base_machine(t);
  HotplugMonitor monitor(t.root(), 10ms);
  monitor.start([](v1::Event) {});
  EXPECT_THROW(monitor.start([](v1::Event) {}), std::logic_error);
}

TEST(HotplugMonitor, DeviceSwappedOnTheSamePortBetweenRescans_IsUnplugAndPlug) {
  TempTree t;
  base_machine(t);
  HotplugMonitor monitor(t.root(), 1h, HotplugMonitor::Source::kRescan);
  monitor.start([](v1::Event) {});
  t.attr(std::string(kHc) + "/usb1/1-2/idProduct", "c534");
  auto events = monitor.rescan();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_FALSE(events[0].usb().added());
  EXPECT_EQ(events[0].usb().product_id(), 0xc52bu);
  EXPECT_TRUE(events[1].usb().added());
  EXPECT_EQ(events[1].usb().product_id(), 0xc534u);
}

decode::Uevent usb_uevent(const std::string& action, const std::string& devpath) {
  decode::Uevent u;
  u.action = action;
  u.devpath = devpath;
  u.subsystem = "usb";
  u.devtype = "usb_device";
  return u;
}

TEST(HotplugMonitor, Uevent_AddRereadsTheDeviceFromSysfs) {
  TempTree t;
  base_machine(t);
  HotplugMonitor monitor(t.root(), 1h, HotplugMonitor::Source::kRescan);
  monitor.start([](v1::Event) {});
  t.usb_device("1-3", "1d6b", "0104", "Multifunction USB Device", std::string(kHc) + "/usb1");
  auto events = monitor.handle_uevent(usb_uevent("add", "/devices/pci0000:00/0000:00:14.0/usb1/1-3"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].usb().product(), "Multifunction USB Device");
  // The same add again (or a rescan) adds nothing new.
  EXPECT_TRUE(monitor.handle_uevent(usb_uevent("add", "/devices/pci0000:00/0000:00:14.0/usb1/1-3")).empty());
  EXPECT_TRUE(monitor.rescan().empty());
}

TEST(HotplugMonitor, Uevent_RemoveOfADeviceStillInSysfs_IsIgnored) {
  TempTree t;
  base_machine(t);
  HotplugMonitor monitor(t.root(), 1h, HotplugMonitor::Source::kRescan);
  monitor.start([](v1::Event) {});
  EXPECT_TRUE(monitor.handle_uevent(usb_uevent("remove", "/devices/pci0000:00/0000:00:14.0/usb1/1-2")).empty());
  t.remove("sys/bus/usb/devices/1-2");
  t.remove(std::string(kHc) + "/usb1/1-2");
  auto events = monitor.handle_uevent(usb_uevent("remove", "/devices/pci0000:00/0000:00:14.0/usb1/1-2"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].usb().added());
  EXPECT_EQ(events[0].usb().vendor_id(), 0x046du);
}

TEST(HotplugMonitor, Uevent_ClimbingOutOfSysOrNamingAnInterface_IsIgnored) {
  TempTree t;
  base_machine(t);
  HotplugMonitor monitor(t.root(), 1h, HotplugMonitor::Source::kRescan);
  monitor.start([](v1::Event) {});
  EXPECT_TRUE(monitor.handle_uevent(usb_uevent("add", "/devices/../../etc/1-3")).empty());
  auto itf = usb_uevent("add", "/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0");
  itf.devtype = "usb_interface";
  EXPECT_TRUE(monitor.handle_uevent(itf).empty());
}

// --- the uevent wire format -----------------------------------------------------------

std::string message(std::initializer_list<std::string> parts) {
  std::string m;
  for (const auto& p : parts) {
    m += p;
    m += '\0';
  }
  return m;
}

TEST(KernelUevent, UsbDeviceAddParsesHeaderAndEnvironment) {
  auto m = message({"add@/devices/pci0000:00/0000:00:14.0/usb1/1-3", "ACTION=add",
                    "DEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-3", "SUBSYSTEM=usb", "MAJOR=189", "MINOR=2",
                    "DEVNAME=bus/usb/001/003", "DEVTYPE=usb_device", "PRODUCT=1d6b/104/100", "TYPE=0/0/0",
                    "BUSNUM=001", "DEVNUM=003", "SEQNUM=4711"});
  std::string error;
  auto u = decode::parse_kernel_uevent(std::span<const char>(m.data(), m.size()), &error);
  ASSERT_TRUE(u.has_value()) << error;
  EXPECT_EQ(u->action, "add");
  EXPECT_EQ(u->devpath, "/devices/pci0000:00/0000:00:14.0/usb1/1-3");
  EXPECT_EQ(u->subsystem, "usb");
  EXPECT_EQ(u->devtype, "usb_device");
  EXPECT_EQ(u->env.at("PRODUCT"), "1d6b/104/100");
  EXPECT_EQ(u->env.at("SEQNUM"), "4711");
}

TEST(KernelUevent, UdevRelayAndMalformedHeadersAreRefused) {
  std::string error;
  auto udev = std::string("libudev\0\xfe\xed\xca\xfe", 12);
  EXPECT_FALSE(decode::parse_kernel_uevent(std::span<const char>(udev.data(), udev.size()), &error));
  EXPECT_NE(error.find("libudev"), std::string::npos);
  auto no_at = message({"add /devices/x", "SUBSYSTEM=usb"});
  EXPECT_FALSE(decode::parse_kernel_uevent(std::span<const char>(no_at.data(), no_at.size()), &error));
  auto no_subsystem = message({"add@/devices/x", "ACTION=add"});
  EXPECT_FALSE(decode::parse_kernel_uevent(std::span<const char>(no_subsystem.data(), no_subsystem.size()), &error));
  EXPECT_NE(error.find("SUBSYSTEM"), std::string::npos);
  EXPECT_FALSE(decode::parse_kernel_uevent(std::span<const char>(), &error));
}

TEST(KernelUevent, SysfsUeventFileIsKeyValueLines) {
  auto env = decode::parse_uevent_file("DRIVER=hid-generic\nHID_ID=0003:00001D6B:00000104\nHID_NAME=PiKVM x=y\n");
  EXPECT_EQ(env.at("DRIVER"), "hid-generic");
  EXPECT_EQ(env.at("HID_NAME"), "PiKVM x=y");
  EXPECT_EQ(env.size(), 3u);
}

// --- the netlink socket ----------------------------------------------------------------

TEST(HotplugMonitor, RealRoot_AutoListensToTheKernelAndStopsPromptly) {
  // Receive-only on the host's uevent group: nothing is sent anywhere.
  HotplugMonitor monitor("/", 1h);
  monitor.start([](v1::Event) {});
  for (int i = 0; i < 200 && !monitor.listening_to_kernel(); ++i) std::this_thread::sleep_for(5ms);
  if (!monitor.listening_to_kernel()) GTEST_SKIP() << "no NETLINK_KOBJECT_UEVENT socket in this sandbox";
  auto before = std::chrono::steady_clock::now();
  monitor.stop();  // the eventfd wakes poll(); the 1 h rescan timer must not hold it
  // Measured against the timer it must not wait for, not an absolute bound:
  // a hundredth of the hour still tells "woken" from "waited" on a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(1h) / 100);
  EXPECT_FALSE(monitor.listening_to_kernel());
}

// In a network namespace of our own, a test may send a kernel-style uevent.

TEST(HotplugMonitor, Netlink_KernelStyleUeventInPrivateNamespace_ProducesUsbChange) {
  TempTree t;
  base_machine(t);
  EventQueue q;
  bool skipped = false;
  std::string failure;
  // unshare() moves only this thread into the new namespace; the monitor's
  // thread, started from it, inherits it. Nothing reaches the host's udev.
  std::thread worker([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      skipped = true;
      return;
    }
    HotplugMonitor monitor(t.root(), 1h, HotplugMonitor::Source::kNetlink);
    monitor.start([&](v1::Event e) { q.push(std::move(e)); });
    for (int i = 0; i < 100 && !monitor.listening_to_kernel(); ++i) std::this_thread::sleep_for(5ms);
    if (!monitor.listening_to_kernel()) {
      failure = "monitor did not open the uevent socket";
      return;
    }
    t.usb_device("1-3", "3346", "1009", "NanoKVM", std::string(kHc) + "/usb1");
    int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
    sockaddr_nl to{};
    to.nl_family = AF_NETLINK;
    to.nl_groups = 1;
    auto m = message({"add@/devices/pci0000:00/0000:00:14.0/usb1/1-3", "ACTION=add",
                      "DEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-3", "SUBSYSTEM=usb", "DEVTYPE=usb_device",
                      "PRODUCT=3346/1009/510", "SEQNUM=1"});
    if (fd < 0 || ::sendto(fd, m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
      skipped = true;  // sending to a uevent group needs CAP_NET_ADMIN in the namespace
      if (fd >= 0) ::close(fd);
      return;
    }
    ::close(fd);
    auto e = q.pop();
    if (!e || !e->has_usb()) {
      failure = "no UsbChange from the netlink message";
      return;
    }
    q.push(std::move(*e));
  });
  worker.join();
  if (skipped) GTEST_SKIP() << "no permission for a private network namespace or uevent multicast";
  ASSERT_EQ(failure, "");
  auto e = q.pop(0ms);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->usb().added());
  EXPECT_EQ(e->usb().port_path(), "1-3");
  EXPECT_EQ(e->usb().vendor_id(), 0x3346u);
  EXPECT_EQ(e->usb().product(), "NanoKVM");
}

}  // namespace
}  // namespace telltale::platform::linux_probe
