// The fleet and device pages' data: overview counts, the filtered device
// list, a device's timeline and cases, its RTT points and activity heatmap.
#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;

telltale::v1::Report snapshot_report(uint64_t seq, int64_t created, const std::string& zone) {
  telltale::v1::Report r;
  r.set_seq(seq);
  r.set_created_at_unix_ms(created);
  auto* s = r.mutable_snapshot();
  s->set_collected_at_unix_ms(created);
  s->mutable_time()->set_iana_zone(zone);
  auto* rtt = s->mutable_latency()->mutable_collector();
  rtt->set_samples(10);
  rtt->set_median_us(42000 + static_cast<uint32_t>(seq));
  rtt->set_p95_us(90000);
  return r;
}

TEST_F(ConsoleTest, Overview_CountsDevicesByVerdictFindingsSilentAndClusters) {
  const int64_t now = now_ms();
  // dev-farm-1 (fixture): puppeteered long ago, never seen -> silent, not a new finding.
  enroll("dev-b", "laptop-b", "SNB", now);
  ingest("dev-b", snapshot_report(1, now - kHour, "UTC"), now - kHour);
  store_->save_verdict({"dev-b", now - kHour, "suspicious", 0.6, "{}"});
  enroll("dev-c", "laptop-c", "SNC", now);
  ingest("dev-c", snapshot_report(1, now, "UTC"), now);
  enroll("dev-d", "laptop-d", "SND", now);
  ingest("dev-d", snapshot_report(1, now, "UTC"), now);
  store_->save_verdict({"dev-d", now, "clean", 0, "{}"});
  enroll("dev-gone", "laptop-gone", "SNG", now);
  store_->revoke_device("dev-gone");
  store_->replace_clusters({{"gateway_mac:aa", "gateway_mac", "aa:bb:cc:dd:ee:ff", {"dev-b", "dev-c"}, now, now, "{}"}});

  auto a = admin();
  auto r = get(a, "/api/v1/overview");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = r.json().as_object();
  EXPECT_EQ(o.at("devices_total").as_int64(), 4);
  auto& by = o.at("by_verdict").as_object();
  EXPECT_EQ(by.at("puppeteered").as_int64(), 1);
  EXPECT_EQ(by.at("suspicious").as_int64(), 1);
  EXPECT_EQ(by.at("clean").as_int64(), 1);
  EXPECT_EQ(by.at("review").as_int64(), 0);
  EXPECT_EQ(by.at("unevaluated").as_int64(), 1);
  auto& findings = o.at("new_findings_24h").as_array();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].at("device_id").as_string(), "dev-b");
  EXPECT_EQ(findings[0].at("hostname").as_string(), "laptop-b");
  EXPECT_EQ(findings[0].at("level").as_string(), "suspicious");
  auto& silent = o.at("silent_devices").as_array();
  ASSERT_EQ(silent.size(), 1u);
  EXPECT_EQ(silent[0].at("device_id").as_string(), "dev-farm-1");
  auto& clusters = o.at("clusters").as_array();
  ASSERT_EQ(clusters.size(), 1u);
  EXPECT_EQ(clusters[0].at("kind").as_string(), "gateway_mac");
  EXPECT_EQ(clusters[0].at("members").as_array().size(), 2u);
  // A shorter threshold for one look: nothing is silent for an hour here but dev-farm-1 and dev-b.
  auto tight = get(a, "/api/v1/overview?silent_hours=1").json();
  EXPECT_EQ(tight.at("silent_devices").as_array().size(), 2u);
}

TEST_F(ConsoleTest, DeviceList_CarriesAssigneeZoneLocationAndFiltersAndSorts) {
  const int64_t now = now_ms();
  enroll("dev-seoul", "build-box", "SNS", now);
  ingest("dev-seoul", snapshot_report(1, now, "Asia/Seoul"), now);
  store_->save_verdict({"dev-seoul", now, "review", 0.3, "{}"});
  store_->replace_assignments({{"SN17", "Alice Example", "alice@example.com", "America/Chicago", "US-TX"}});
  auto a = admin();
  auto r = get(a, "/api/v1/devices?sort=score&order=desc");
  ASSERT_EQ(r.status, 200) << r.body;
  auto devices = r.json().at("devices").as_array();
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0].at("device_id").as_string(), "dev-farm-1");  // 0.97 before 0.3
  EXPECT_EQ(devices[0].at("assignee").at("employee").as_string(), "Alice Example");  // matched by serial
  EXPECT_EQ(devices[0].at("assignee").at("timezone").as_string(), "America/Chicago");
  EXPECT_TRUE(devices[1].at("assignee").is_null());
  EXPECT_EQ(devices[1].at("timezone").as_string(), "Asia/Seoul");
  EXPECT_EQ(devices[1].at("verdict").as_string(), "review");
  const std::string hint(devices[1].at("location_hint").as_string());
  EXPECT_NE(hint.find("KR"), std::string::npos) << hint;
  EXPECT_NE(hint.find("203.0.113.9"), std::string::npos) << hint;
  for (auto key : {"device_id", "hostname", "verdict", "score", "assignee", "last_seen_unix_ms", "timezone", "location_hint"})
    EXPECT_TRUE(devices[0].as_object().contains(key)) << key;

  auto asc = get(a, "/api/v1/devices?sort=score&order=asc").json().at("devices").as_array();
  EXPECT_EQ(asc[0].at("device_id").as_string(), "dev-seoul");
  auto filtered = get(a, "/api/v1/devices?verdict=puppeteered").json().at("devices").as_array();
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].at("device_id").as_string(), "dev-farm-1");
  auto searched = get(a, "/api/v1/devices?q=ALICE").json().at("devices").as_array();  // assignee, any case
  ASSERT_EQ(searched.size(), 1u);
  EXPECT_EQ(searched[0].at("hostname").as_string(), "laptop-17");
  EXPECT_EQ(get(a, "/api/v1/devices?q=build%2Dbox").json().at("devices").as_array().size(), 1u);
  EXPECT_EQ(get(a, "/api/v1/devices?verdict=unevaluated").json().at("devices").as_array().size(), 0u);
}

TEST_F(ConsoleTest, DeviceDetail_HasAssigneeMergedTimelineNewestFirstAndCases) {
  const int64_t now = now_ms();
  auto report = snapshot_report(1, now - 2 * kHour, "America/New_York");
  auto* usb = report.add_events();
  usb->set_at_unix_ms(now - kHour);
  usb->mutable_usb()->set_added(true);
  usb->mutable_usb()->set_vendor_id(0x1d6b);
  usb->mutable_usb()->set_product_id(0x0104);
  usb->mutable_usb()->set_product("PiKVM Composite Device");
  usb->mutable_usb()->set_port_path("1-2");
  auto* tz = report.add_events();
  tz->set_at_unix_ms(now - 30 * 60 * 1000);
  tz->mutable_timezone()->set_from_zone("America/New_York");
  tz->mutable_timezone()->set_to_zone("Asia/Pyongyang");
  ingest("dev-farm-1", report, now - 2 * kHour);
  store_->replace_assignments({{"dev-farm-1", "Bob", "bob@example.com", "America/New_York", "US-NY"}});
  auto a = admin();
  ASSERT_EQ(post(a, "/api/v1/cases", R"({"device_id":"dev-farm-1","title":"KVM seen"})").status, 201);
  auto r = get(a, "/api/v1/devices/dev-farm-1");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = r.json().as_object();
  EXPECT_EQ(o.at("assignee").at("email").as_string(), "bob@example.com");
  auto& timeline = o.at("timeline").as_array();
  ASSERT_EQ(timeline.size(), 4u);  // two agent events, the first report, the fixture's first verdict
  EXPECT_EQ(timeline[0].at("type").as_string(), "timezone.changed");
  EXPECT_NE(std::string(timeline[0].at("summary").as_string()).find("Asia/Pyongyang"), std::string::npos);
  EXPECT_EQ(timeline[1].at("kind").as_string(), "event");
  EXPECT_EQ(timeline[1].at("type").as_string(), "usb.plugged");
  EXPECT_NE(std::string(timeline[1].at("summary").as_string()).find("1d6b:0104"), std::string::npos);
  EXPECT_EQ(timeline[2].at("kind").as_string(), "report");
  EXPECT_EQ(timeline[2].at("type").as_string(), "first_report");
  EXPECT_EQ(timeline[2].at("seq").as_int64(), 1);
  EXPECT_EQ(timeline[3].at("kind").as_string(), "verdict");
  for (size_t i = 1; i < timeline.size(); ++i)
    EXPECT_GE(timeline[i - 1].at("unix_ms").as_int64(), timeline[i].at("unix_ms").as_int64());
  auto& cases = o.at("cases").as_array();
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].at("title").as_string(), "KVM seen");
  EXPECT_EQ(cases[0].at("status").as_string(), "open");
  EXPECT_EQ(cases[0].at("owner").as_string(), "admin");
}

TEST_F(ConsoleTest, Rtt_ReturnsThePointsOfTheAskedWindow) {
  const int64_t now = now_ms();
  ingest("dev-farm-1", snapshot_report(1, now - 10 * kDay, "UTC"), now - 10 * kDay);
  ingest("dev-farm-1", snapshot_report(2, now - kDay, "UTC"), now - kDay);
  auto a = admin();
  auto week = get(a, "/api/v1/devices/dev-farm-1/rtt?days=7").json().at("points").as_array();
  ASSERT_EQ(week.size(), 1u);
  EXPECT_EQ(week[0].at("median_us").as_int64(), 42002);
  EXPECT_EQ(week[0].at("samples").as_int64(), 10);
  EXPECT_EQ(week[0].at("p95_us").as_int64(), 90000);
  EXPECT_EQ(get(a, "/api/v1/devices/dev-farm-1/rtt?days=30").json().at("points").as_array().size(), 2u);
}

// Reports at 09:00 New York time from Thursday 2026-03-05 to Wednesday
// 2026-03-11: DST starts on Sunday the 8th, so UTC moves from 14:00 to 13:00.
TEST_F(ConsoleTest, Heatmap_InAssigneeZoneAcrossDstChange_KeepsTheNineOClockRow) {
  const int64_t thu_0900_est = 1772719200LL * 1000;
  for (int day = 0; day < 7; ++day) {
    int64_t at = thu_0900_est + day * kDay - (day >= 3 ? kHour : 0);
    ingest("dev-farm-1", snapshot_report(static_cast<uint64_t>(day + 1), at, "Asia/Seoul"), at);
  }
  store_->replace_assignments({{"SN17", "Alice", "alice@example.com", "America/New_York", "US-NY"}});
  auto a = admin();
  auto r = get(a, "/api/v1/devices/dev-farm-1/heatmap?days=366");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = r.json().as_object();
  EXPECT_EQ(o.at("timezone").as_string(), "America/New_York");
  EXPECT_EQ(o.at("timezone_source").as_string(), "assignee");
  EXPECT_EQ(o.at("activity_source").as_string(), "reports");
  EXPECT_EQ(o.at("total").as_int64(), 7);
  ASSERT_EQ(o.at("weekdays").as_array().size(), 7u);
  EXPECT_EQ(o.at("weekdays").as_array()[0].as_string(), "Mon");
  auto& cells = o.at("cells").as_array();
  ASSERT_EQ(cells.size(), 7u);
  for (auto& day : cells) {
    ASSERT_EQ(day.as_array().size(), 24u);
    EXPECT_EQ(day.as_array()[9].as_int64(), 1);
    EXPECT_EQ(day.as_array()[8].as_int64(), 0);
  }

  // Without an assignment the laptop's own zone is used (Seoul: 09:00 EST is 23:00 KST).
  store_->replace_assignments({});
  auto dev = get(a, "/api/v1/devices/dev-farm-1/heatmap?days=366").json();
  EXPECT_EQ(dev.at("timezone_source").as_string(), "device");
  EXPECT_EQ(dev.at("timezone").as_string(), "Asia/Seoul");
  EXPECT_EQ(dev.at("cells").as_array()[3].as_array()[23].as_int64(), 1);  // Thursday 23:00 KST

  // A typo in the assignment falls back and says why.
  store_->replace_assignments({{"SN17", "Alice", "alice@example.com", "America/New_Yrok", "US-NY"}});
  auto typo = get(a, "/api/v1/devices/dev-farm-1/heatmap?days=366").json();
  EXPECT_EQ(typo.at("timezone_source").as_string(), "device");
  EXPECT_NE(json::serialize(typo.at("zone_errors")).find("America/New_Yrok"), std::string::npos);
}

TEST_F(ConsoleTest, Heatmap_WithoutAnyZone_IsUtcAndPrefersInputActivity) {
  const int64_t now = now_ms();
  auto report = snapshot_report(1, now, "");
  auto* dev = report.mutable_snapshot()->mutable_input_activity()->add_devices();
  const int64_t quarter = (now / 1000 - 3600) / 900 * 900;
  for (int i = 0; i < 3; ++i) {
    auto* b = dev->add_buckets();
    b->set_start_unix(quarter + i * 900);
    b->set_key_events(i == 1 ? 0 : 12);  // an idle quarter hour is not activity
  }
  ingest("dev-farm-1", report, now);
  auto a = admin();
  auto o = get(a, "/api/v1/devices/dev-farm-1/heatmap").json();
  EXPECT_EQ(o.at("timezone").as_string(), "UTC");
  EXPECT_EQ(o.at("timezone_source").as_string(), "utc");
  EXPECT_EQ(o.at("activity_source").as_string(), "input_activity");
  EXPECT_EQ(o.at("total").as_int64(), 2);
}

}  // namespace
