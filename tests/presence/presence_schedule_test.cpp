// Routine presence checks: working hours in each assignee's zone, and a
// week of dispatcher passes over a real sqlite store starting checks at
// random times inside them, at the configured rate.
#include <gtest/gtest.h>

#include <map>

#include "agent/enroll/device_key.h"
#include "platform/common/hash.h"
#include "server/detect/zones.h"
#include "server/ingest/device_directory.h"
#include "server/ingest/ingest_queue.h"
#include "server/ingest/telemetry_service.h"
#include "server/presence/presence_dispatcher.h"
#include "server/store/sqlite_store.h"
#include "support/temp_dir.h"

namespace telltale::server {
namespace {

constexpr int64_t kMonday = 1795392000000;  // 2026-11-23 00:00 UTC, a Monday
constexpr int64_t kHour = 3600000;

int offset(const std::string& zone, int64_t at) {
  return *detect::zone_offset_seconds(detect::Catalog::builtin(), zone, at);
}

TEST(PresenceSchedule, WorkingHours_AreTheAssigneesLocalHoursAndDays) {
  PresenceSchedule s;  // 9-17, Monday to Friday
  const int64_t wednesday = kMonday + 2 * 24 * kHour;
  // Chicago is UTC-6 in December: 09:00 local is 15:00 UTC.
  EXPECT_FALSE(within_working_hours(s, wednesday + 15 * kHour - 1000, offset("America/Chicago", wednesday)));
  EXPECT_TRUE(within_working_hours(s, wednesday + 15 * kHour, offset("America/Chicago", wednesday)));
  EXPECT_TRUE(within_working_hours(s, wednesday + 23 * kHour - 1000, offset("America/Chicago", wednesday)));
  EXPECT_FALSE(within_working_hours(s, wednesday + 23 * kHour, offset("America/Chicago", wednesday)));
  // Kolkata is UTC+5:30: 09:00 local is 03:30 UTC.
  EXPECT_FALSE(within_working_hours(s, wednesday + 3 * kHour, offset("Asia/Kolkata", wednesday)));
  EXPECT_TRUE(within_working_hours(s, wednesday + 3 * kHour + kHour / 2, offset("Asia/Kolkata", wednesday)));
  // Friday 16:00 in Chicago is Friday 22:00 UTC: still work. Saturday is not.
  // Monday 09:00 in Tokyo is Sunday 24:00 UTC: the local day decides.
  const int64_t friday = kMonday + 4 * 24 * kHour, saturday = kMonday + 5 * 24 * kHour;
  EXPECT_TRUE(within_working_hours(s, friday + 22 * kHour, offset("America/Chicago", friday)));
  EXPECT_FALSE(within_working_hours(s, saturday + 16 * kHour, offset("America/Chicago", saturday)));
  EXPECT_TRUE(within_working_hours(s, kMonday, offset("Asia/Tokyo", kMonday)));
  EXPECT_FALSE(within_working_hours(s, kMonday - 1000, offset("Asia/Tokyo", kMonday)));  // Monday 08:59:59 JST
  EXPECT_FALSE(within_working_hours(s, kMonday + 5 * 24 * kHour, offset("Asia/Tokyo", kMonday)));  // Saturday 09:00 JST
}

TEST(PresenceSchedule, BadHoursOrDays_AreRefusedNamingTheOption) {
  PresenceSchedule s;
  for (const char* bad : {"17-9", "9-25", "9-9", "nine-five", "9-17x", "-1-5"}) {
    auto error = parse_working_hours(bad, s);
    ASSERT_TRUE(error) << bad;
    EXPECT_NE(error->find("--presence-working-hours \"" + std::string(bad) + "\""), std::string::npos) << *error;
  }
  for (const char* bad : {"0-5", "1-8", "5-1"}) {
    auto error = parse_working_days(bad, s);
    ASSERT_TRUE(error) << bad;
    EXPECT_NE(error->find("--presence-working-days"), std::string::npos) << *error;
  }
  EXPECT_FALSE(parse_working_hours("0-24", s));
  EXPECT_FALSE(parse_working_days("6-6", s));
  EXPECT_EQ(s.first_weekday, 6);
  EXPECT_EQ(s.end_hour, 24);
}

struct Collector {
  testing::TempDir dir;
  SqliteStore store{dir.path() / "telltale.db"};
  IngestQueue queue{store};
  DeviceDirectory directory{store};
  TelemetryService telemetry{queue, directory, TelemetryOptions{}};

  std::string enroll(int i) {
    const std::string id = "dev-" + std::to_string(i);
    TokenRecord token{id, sha256_hex("secret-" + id), kMonday - kHour, kMonday + kHour, 1, 0, false, ""};
    store.add_token(token);
    DeviceRecord d;
    d.device_id = id;
    d.hostname = id;
    d.certificate_fingerprint = sha256_hex(id);
    EXPECT_EQ(store.enroll(token.secret_hash, kMonday - kHour, d).status, EnrollStatus::kOk);
    return id;
  }
};

// 120 laptops (40 in Chicago, 40 in Berlin, 40 without an assignment), 3
// checks a week each, one pass a minute over a whole week; each check is
// settled before the next pass, as an answered one would be.
TEST(PresenceSchedule, AWeekOfPasses_StartsChecksAtTheRate_OnlyInsideEachAssigneesHours) {
  Collector c;
  std::vector<std::string> ids;
  std::vector<Assignment> assignments;
  std::map<std::string, std::string> zone_of;
  for (int i = 0; i < 120; ++i) {
    ids.push_back(c.enroll(i));
    if (i < 80) {
      zone_of[ids.back()] = i < 40 ? "America/Chicago" : "Europe/Berlin";
      assignments.push_back({ids.back(), "employee" + std::to_string(i), "", zone_of[ids.back()], ""});
    }
  }
  c.store.replace_assignments(assignments);
  PresenceSchedule schedule;
  schedule.per_week = 3;
  const auto catalog = detect::Catalog::builtin();
  // The thread's own passes (an hour apart, on the real clock) see no
  // connected laptop; the test drives the passes.
  PresenceDispatcher dispatcher(c.store, c.telemetry, PresenceLimits{}, std::chrono::minutes(1), schedule,
                                [&](const std::string& zone, int64_t at) {
                                  return detect::zone_offset_seconds(catalog, zone, at);
                                });
  size_t started = 0;
  for (int64_t now = kMonday; now < kMonday + 7 * 24 * kHour; now += 60000) {
    started += dispatcher.schedule_checks(now, ids);
    for (auto check : c.store.presence_checks_in("queued", 256)) {
      check.status = "answered";
      check.outcome = "answered";
      check.answered_unix_ms = now;
      c.store.update_presence_check(check);
    }
  }
  std::map<std::string, int> per_device;
  int morning = 0, afternoon = 0;
  for (const auto& id : ids)
    for (const auto& check : c.store.presence_checks(id, 200)) {
      ++per_device[id];
      EXPECT_EQ(check.requested_by, "schedule");
      EXPECT_EQ(check.action, "key");
      ASSERT_TRUE(zone_of.count(id)) << id << " has no assignment and got a routine check";
      const int off = offset(zone_of[id], check.requested_unix_ms);
      EXPECT_TRUE(within_working_hours(schedule, check.requested_unix_ms, off))
          << id << " checked outside working hours at " << check.requested_unix_ms;
      const int64_t local_hour = ((check.requested_unix_ms / 1000 + off) % 86400) / 3600;
      (local_hour < 13 ? morning : afternoon) += 1;
    }
  // 80 assigned laptops x 3: 240 expected (Poisson, sd 15.5); 5 sd each way.
  std::printf("routine checks started in a week: %zu (expected 240), morning %d, afternoon %d\n", started, morning,
              afternoon);
  EXPECT_GE(started, 163u);
  EXPECT_LE(started, 317u);
  EXPECT_EQ(static_cast<int>(started), morning + afternoon);
  // Random times: both halves of the day are used (each ~half; 5 sd).
  EXPECT_GT(morning, 60);
  EXPECT_GT(afternoon, 60);
}

TEST(PresenceSchedule, NoRate_StartsNothing) {
  Collector c;
  const auto id = c.enroll(1);
  c.store.replace_assignments({{id, "e", "", "America/Chicago", ""}});
  PresenceDispatcher dispatcher(c.store, c.telemetry, PresenceLimits{}, std::chrono::minutes(1), PresenceSchedule{},
                                [](const std::string&, int64_t) { return std::optional<int>(0); });
  for (int64_t now = kMonday; now < kMonday + 24 * kHour; now += 60000) EXPECT_EQ(dispatcher.schedule_checks(now, {id}), 0u);
  EXPECT_TRUE(c.store.presence_checks(id, 10).empty());
}

}  // namespace
}  // namespace telltale::server
