// Finding 1 and the agent half of finding 3 of the hardening issue, end to
// end through the agent's own pieces: probes on a fixture root in the
// kernel's and distribution's formats -> SnapshotCollector (its last pass
// sanitises every string) -> Spool -> the row the transport would send.
// Before the pass, one byte 0xff in a user's IME config made every snapshot
// unparseable and the device went silent.
#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "agent/collect/snapshot_collector.h"
#include "agent/spool/spool.h"
#include "platform/linux/keyboard.h"
#include "platform/linux/remote_access.h"
#include "platform/linux/usb.h"
#include "platform/usb_tree_helpers.h"
#include "support/temp_dir.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::agent {
namespace {

namespace fs = std::filesystem;
using telltale::testing::TempTree;

const std::string kFffd = "\xef\xbf\xbd";
const std::string kRlo = "\xe2\x80\xae";

// A laptop whose user and processes carry the hostile strings.
void plant(const TempTree& t) {
  // fcitx5 profile (user-writable) with a stray byte after the engine name.
  t.write("home/alice/.config/fcitx5/profile",
          "[Groups/0]\nName=Default\nDefaultIM=hangul\n\n[Groups/0/Items/0]\nName=hangul\xff\nLayout=\n");
  // IBus engines in a dconf keyfile, one with invalid UTF-8 and a bidi override.
  t.write("home/bob/.config/dconf/user.d/00-input",
          "[desktop/ibus/general]\npreload-engines=['pinyin\xfe', 'mozc" + kRlo + "gpj']\n");
  // A watched process whose comm and exe path carry invalid bytes (comm is
  // settable by any process with prctl, the path by whoever names the file).
  t.write("proc/4242/comm", "any\xff" "desk\n");
  fs::create_symlink("/opt/\xff\xfe" + kRlo + "/anydesk", t.root() / "proc/4242/exe");
  t.write("proc/4242/cmdline", std::string("anydesk\0", 8));
  t.write("proc/net/tcp", "");
  // USB devices: a product string reversed behind RIGHT-TO-LEFT OVERRIDE and a 900-character one.
  t.usb_device("1-1", "046d", "c52b", "Evil" + kRlo + "draobyeK");
  t.usb_device("1-2", "1d6b", "0104", std::string(900, 'P'));
}

platform::ProbeList probes() {
  platform::ProbeList p;
  p.push_back(std::make_unique<platform::linux_probe::KeyboardProbe>());
  p.push_back(std::make_unique<platform::linux_probe::RemoteAccessProbe>());
  p.push_back(std::make_unique<platform::linux_probe::UsbProbe>());
  return p;
}

const v1::UsbDevice* usb(const v1::Snapshot& s, const std::string& port) {
  for (const auto& d : s.usb_devices())
    if (d.port_path() == port) return &d;
  return nullptr;
}

TEST(HostileStrings, InvalidUtf8InImeConfigsAndProcessNames_SnapshotIsSpooledParsesAndShowsReplacementCharacters) {
  TempTree t;
  plant(t);

  // The hazard is real: the probes alone produce a report that does not parse.
  {
    v1::Report raw;
    platform::ProbeContext ctx;
    ctx.root = t.root();
    for (auto& p : probes()) p->collect(ctx, *raw.mutable_snapshot());
    v1::Report reparsed;
    google::protobuf::LogSilencer quiet;  // protobuf logs each invalid field; expected here
    ASSERT_FALSE(reparsed.ParseFromString(raw.SerializeAsString()));
  }

  SnapshotCollector collector(t.root(), probes());
  v1::Report report;
  *report.mutable_snapshot() = collector.collect({});
  const auto& health = report.snapshot().health();
  EXPECT_GE(health.strings_repaired(), 7u) << "fcitx5 name, two ibus names, comm, exe, two usb products";

  telltale::testing::TempDir dir;
  Spool spool(dir.path() / "spool.db", {});
  auto stored = spool.store(report);
  EXPECT_FALSE(stored.quarantined);
  auto pending = spool.pending(0, 10);
  ASSERT_EQ(pending.size(), 1u) << "the spooled row parses: the transport sends it";
  const auto& s = pending[0].snapshot();
  EXPECT_EQ(spool.stats().quarantined, 0u);

  ASSERT_EQ(s.keyboard().users_size(), 2);
  EXPECT_EQ(s.keyboard().users(0).user(), "alice");
  ASSERT_GE(s.keyboard().users(0).input_methods_size(), 1);
  EXPECT_EQ(s.keyboard().users(0).input_methods(0).name(), "hangul" + kFffd);
  const auto& bob = s.keyboard().users(1).input_methods();
  ASSERT_EQ(bob.size(), 2);
  EXPECT_EQ(bob[0].name(), "pinyin" + kFffd);
  EXPECT_EQ(bob[1].name(), "mozcgpj") << "the bidi override is removed";

  const v1::RemoteAccessTool* anydesk = nullptr;
  for (const auto& tool : s.remote_access())
    if (tool.tool_id() == "remote.anydesk") anydesk = &tool;
  ASSERT_NE(anydesk, nullptr) << "the process still matches the watchlist by its exe name";
  ASSERT_EQ(anydesk->processes_size(), 1);
  EXPECT_EQ(anydesk->processes(0).comm(), "any" + kFffd + "desk");
  EXPECT_EQ(anydesk->processes(0).exe(), "/opt/" + kFffd + kFffd + "/anydesk");
}

TEST(HostileStrings, BidiOverrideAndNineHundredCharacterUsbProduct_AreRemovedAndCapped) {
  TempTree t;
  plant(t);
  SnapshotCollector collector(t.root(), probes());
  auto s = collector.collect({});
  const auto* evil = usb(s, "1-1");
  const auto* long_one = usb(s, "1-2");
  ASSERT_NE(evil, nullptr);
  ASSERT_NE(long_one, nullptr);
  EXPECT_EQ(evil->product(), "EvildraobyeK");
  EXPECT_EQ(long_one->product(), std::string(255, 'P') + "\xe2\x80\xa6");
  EXPECT_EQ(s.SerializeAsString().find(kRlo), std::string::npos) << "no U+202E anywhere in the report";
}

}  // namespace
}  // namespace telltale::agent
