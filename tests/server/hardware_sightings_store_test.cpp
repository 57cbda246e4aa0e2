// Fleet correlation's hardware history as the store keeps it, on every
// backend: what one collector recorded another (or the same one restarted)
// reads back, bounded per device, and gone with the device's revocation.
#include "support/store_backends.h"

namespace telltale::server {
namespace {

class HardwareSightingsStoreTest : public StoreBackendTest {
 protected:
  void enroll(Store& store, const std::string& id) {
    enroll_device(store, id);
  }
};

HardwareSightingRecord sighting(const std::string& kind, const std::string& serial, int64_t last_seen,
                                int64_t snapshots = 3) {
  return {kind, serial, "sha256-of-" + serial, last_seen - 1000, last_seen, snapshots, last_seen};
}

TEST_P(HardwareSightingsStoreTest, RecordedSightingsAreReadBackByASecondCollector_MostRecentFirst) {
  auto a = open();
  enroll(*a, "d1");
  const std::vector<HardwareSightingRecord> recorded = {sighting("monitor", "DEL:a0b1:8KZ3R83", 5000, 7),
                                                        sighting("kvm", "1d6b:0104:CAFEBABE", 9000, 2)};
  a->record_hardware_sightings("d1", recorded);
  auto b = open();
  const auto read = b->hardware_sightings("d1");
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0], recorded[1]) << "most recently seen first";
  EXPECT_EQ(read[1], recorded[0]);
  EXPECT_TRUE(b->hardware_sightings("d2").empty());

  // A later run replaces the device's rows: what it dropped is gone.
  b->record_hardware_sightings("d1", {sighting("monitor", "DEL:a0b1:8KZ3R83", 12000, 8)});
  const auto replaced = a->hardware_sightings("d1");
  ASSERT_EQ(replaced.size(), 1u);
  EXPECT_EQ(replaced[0].snapshots, 8);
  EXPECT_EQ(replaced[0].last_seen_unix_ms, 12000);
}

TEST_P(HardwareSightingsStoreTest, ADeviceKeepsOnlyItsSixtyFourMostRecentlySeenSightings) {
  auto store = open();
  enroll(*store, "d1");
  enroll(*store, "d2");
  store->record_hardware_sightings("d2", {sighting("monitor", "other-device", 1)});
  std::vector<HardwareSightingRecord> many;
  for (int i = 0; i < 70; ++i) many.push_back(sighting("monitor", "serial-" + std::to_string(i), 1000 + i));
  store->record_hardware_sightings("d1", many);
  const auto kept = store->hardware_sightings("d1");
  ASSERT_EQ(kept.size(), kHardwareSightingsPerDevice);
  EXPECT_EQ(kept.front().serial, "serial-69");
  EXPECT_EQ(kept.back().serial, "serial-6") << "the six least recently seen were evicted";
  EXPECT_EQ(store->hardware_sightings("d2").size(), 1u) << "the bound is per device";
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM hardware_sightings"), 65);
}

TEST_P(HardwareSightingsStoreTest, RevokingADeviceRemovesItsSightings_AndALateRecordWritesNothing) {
  auto store = open();
  enroll(*store, "d1");
  enroll(*store, "d2");
  store->record_hardware_sightings("d1", {sighting("monitor", "DEL:a0b1:8KZ3R83", 5000)});
  store->record_hardware_sightings("d2", {sighting("monitor", "DEL:a0b1:8KZ3R83", 5000)});
  ASSERT_TRUE(store->revoke_device("d1"));
  EXPECT_TRUE(store->hardware_sightings("d1").empty());
  EXPECT_EQ(store->hardware_sightings("d2").size(), 1u) << "only the revoked device's rows go";
  // A correlation run that read the device list before the revocation.
  store->record_hardware_sightings("d1", {sighting("monitor", "DEL:a0b1:8KZ3R83", 6000)});
  EXPECT_TRUE(store->hardware_sightings("d1").empty());
  store->record_hardware_sightings("never-enrolled", {sighting("monitor", "x", 1)});
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM hardware_sightings"), 1);
}

INSTANTIATE_STORE_BACKENDS(HardwareSightingsStoreTest);

}  // namespace
}  // namespace telltale::server
