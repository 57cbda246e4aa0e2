// The device timeline as changes, not reports, and the diff between any two
// reports: stored states rebuilt through Store::snapshot_at and compared.
#include <map>

#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

constexpr int64_t kHour = 3600 * 1000;

class ConsoleTimelineTest : public ConsoleTest {
 protected:
  static telltale::v1::Snapshot desk(const std::string& zone) {
    telltale::v1::Snapshot s;
    s.mutable_time()->set_iana_zone(zone);
    auto* kb = s.add_usb_devices();
    kb->set_port_path("1-2");
    kb->set_vendor_id(0x046d);
    kb->set_product_id(0xc31c);
    kb->set_product("USB Keyboard");
    auto* l = s.mutable_keyboard()->add_system_layouts();
    l->set_layout("us");
    s.mutable_lid()->set_present(true);
    return s;
  }
  static void add_pikvm(telltale::v1::Snapshot& s) {
    auto* k = s.add_usb_devices();
    k->set_port_path("1-3");
    k->set_vendor_id(0x1d6b);
    k->set_product_id(0x0104);
    k->set_manufacturer("PiKVM");
    k->set_product("PiKVM Composite Device");
    k->set_serial("CAFEBABE");
    auto* d = s.add_displays();
    d->set_connector("card0-HDMI-A-1");
    d->set_status("connected");
    d->set_enabled(true);
    d->set_edid_raw(std::string(256, '\x5a'));
    d->mutable_edid()->set_pnp_id("LNX");
    d->mutable_edid()->set_monitor_name("PiKVM V3");
    s.mutable_lid()->set_closed(true);
  }
  void report(uint64_t seq, int64_t at, const telltale::v1::Snapshot& s) {
    telltale::v1::Report r;
    r.set_seq(seq);
    r.set_created_at_unix_ms(at);
    *r.mutable_snapshot() = s;
    ingest("dev-t", r, at);
  }
  void SetUp() override {
    ConsoleTest::SetUp();
    t0_ = now_ms() - 40 * kHour;
    enroll("dev-t", "lab-9", "SNT", t0_);
    report(1, t0_, desk("America/Chicago"));
    auto kvm = desk("America/Chicago");
    add_pikvm(kvm);
    report(2, t0_ + kHour, kvm);
    // seq 3 is a delta: only the zone moves.
    telltale::v1::Report delta;
    delta.set_seq(3);
    delta.set_created_at_unix_ms(t0_ + 2 * kHour);
    delta.mutable_delta()->set_base_seq(2);
    delta.mutable_delta()->add_changed_sections("time");
    delta.mutable_delta()->mutable_changed()->mutable_time()->set_iana_zone("Asia/Seoul");
    ingest("dev-t", delta, t0_ + 2 * kHour);
    // 28 h of silence, then AnyDesk connected.
    auto late = kvm;
    late.mutable_time()->set_iana_zone("Asia/Seoul");
    auto* tool = late.add_remote_access();
    tool->set_tool_id("remote.anydesk");
    tool->set_name("AnyDesk");
    tool->set_running(true);
    tool->set_connected(true);
    report(4, t0_ + 30 * kHour, late);
    store_->save_verdict({"dev-t", t0_, "clean", 0,
                          R"({"verdict":"clean","level":"clean","score":0,"indicators":[]})"});
    store_->save_verdict({"dev-t", t0_ + kHour, "puppeteered", 587.5,
                          R"({"verdict":"puppeteered","level":"puppeteered","score":587.5,"indicators":[)"
                          R"({"id":"usb.pikvm_otg","title":"PiKVM OTG composite gadget","severity":"critical","score":66.5,)"
                          R"("evidence":[{"key":"usb 1-3","value":"1d6b:0104 PiKVM"}]}]})"});
    a_ = admin();
  }
  int64_t t0_ = 0;
  Session a_;
};

TEST_F(ConsoleTimelineTest, KvmPluggedZoneMovedSilenceAndRemoteSession_AreEventsNotReportRows) {
  auto r = get(a_, "/api/v1/devices/dev-t");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = r.json();
  std::vector<std::string> types;
  std::map<std::string, json::object> by_type;
  for (auto& e : body.at("timeline").as_array()) {
    types.emplace_back(e.at("type").as_string());
    by_type.emplace(std::string(e.at("type").as_string()), e.as_object());
    EXPECT_EQ(std::string(e.at("summary").as_string()).find("Full snapshot"), std::string::npos);
    EXPECT_EQ(std::string(e.at("time_utc").as_string()).substr(19), " UTC") << e;
  }
  for (auto t : {"usb.plugged", "display.changed", "lid.closed", "timezone.changed", "silence", "remote.session",
                 "verdict.changed", "first_report"})
    EXPECT_TRUE(by_type.count(t)) << "missing " << t;
  EXPECT_NE(std::string(by_type["usb.plugged"].at("summary").as_string()).find("USB plugged into 1-3: 1d6b:0104 PiKVM"),
            std::string::npos);
  EXPECT_EQ(by_type["usb.plugged"].at("unix_ms").as_int64(), t0_ + kHour);  // seen in report 2
  EXPECT_EQ(by_type["timezone.changed"].at("summary").as_string(), "Time zone America/Chicago → Asia/Seoul");
  // Each row in the zone the laptop reported then: Seoul after the move, Chicago before.
  EXPECT_NE(std::string(by_type["timezone.changed"].at("local_time").as_string()).find("KST"), std::string::npos);
  EXPECT_NE(std::string(by_type["usb.plugged"].at("local_time").as_string()).find("C"), std::string::npos);  // CST/CDT
  EXPECT_NE(std::string(by_type["silence"].at("summary").as_string()).find("28.0 h"), std::string::npos);
  EXPECT_NE(std::string(by_type["remote.session"].at("summary").as_string()).find("AnyDesk connected"), std::string::npos);
  auto& verdict = by_type["verdict.changed"];
  EXPECT_NE(std::string(verdict.at("summary").as_string()).find("clean → puppeteered (score 0 → 587.5)"),
            std::string::npos) << verdict;
  EXPECT_EQ(verdict.at("indicators_added").as_array().at(0).as_string(), "usb.pikvm_otg");
  // Newest first.
  auto& tl = body.at("timeline").as_array();
  for (size_t i = 1; i < tl.size(); ++i) EXPECT_GE(tl[i - 1].at("unix_ms").as_int64(), tl[i].at("unix_ms").as_int64());
}

TEST_F(ConsoleTimelineTest, DiffBetweenTwoReports_ListsChangesAndFieldsWithBinaryAsItsHash) {
  auto r = get(a_, "/api/v1/devices/dev-t/diff?from=1&to=2");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = r.json();
  EXPECT_EQ(d.at("from").at("seq").as_int64(), 1);
  EXPECT_EQ(d.at("to").at("seq").as_int64(), 2);
  bool plugged = false;
  for (auto& c : d.at("changes").as_array()) plugged |= c.at("type") == "usb.plugged";
  EXPECT_TRUE(plugged);
  std::map<std::string, json::object> fields;
  for (auto& f : d.at("fields").as_array()) fields.emplace(std::string(f.at("path").as_string()), f.as_object());
  ASSERT_TRUE(fields.count("usb_devices[1-3].product")) << r.body;
  EXPECT_EQ(fields["usb_devices[1-3].product"].at("change").as_string(), "added");
  EXPECT_EQ(fields["usb_devices[1-3].product"].at("after").as_string(), "PiKVM Composite Device");
  ASSERT_TRUE(fields.count("displays[card0-HDMI-A-1].edid_raw"));
  const std::string edid(fields["displays[card0-HDMI-A-1].edid_raw"].at("after").as_string());
  EXPECT_EQ(edid.rfind("sha256 ", 0), 0u) << edid;
  EXPECT_NE(edid.find(", 256 bytes"), std::string::npos) << edid;
  EXPECT_FALSE(fields.count("usb_devices[1-2].product"));  // the keyboard did not move
  // Default: the newest report against the one before; 3 is a delta, rebuilt from 2.
  auto last = get(a_, "/api/v1/devices/dev-t/diff").json();
  EXPECT_EQ(last.at("from").at("seq").as_int64(), 3);
  EXPECT_EQ(last.at("to").at("seq").as_int64(), 4);
  auto zone = get(a_, "/api/v1/devices/dev-t/diff?from=2&to=3").json();
  ASSERT_EQ(zone.at("fields").as_array().size(), 1u) << zone;
  EXPECT_EQ(zone.at("fields").as_array()[0].at("path").as_string(), "time.iana_zone");
}

TEST_F(ConsoleTimelineTest, DiffOfAnUnknownReportOrBadNumber_SaysWhatExists) {
  auto missing = get(a_, "/api/v1/devices/dev-t/diff?from=9&to=4");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("no report 9 (its reports run from 1 to 4)"), std::string::npos) << missing.body;
  EXPECT_EQ(get(a_, "/api/v1/devices/dev-t/diff?from=abc").status, 400);
  auto none = get(a_, "/api/v1/devices/dev-farm-1/diff");  // no reports yet: nothing to compare, not an error
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(none.json().at("note").as_string(), "fewer than two reports: nothing to compare yet");
  EXPECT_EQ(get(a_, "/api/v1/devices/dev-farm-1/diff?from=1&to=2").status, 404);
}

}  // namespace
