// The collector's side of presence checks on a real sqlite store with real
// device keys: rate limits, and which answers are accepted as evidence.
#include <gtest/gtest.h>

#include "agent/enroll/device_key.h"
#include "agent/presence/presence_runner.h"
#include "platform/common/hash.h"
#include "server/ca/certificate_authority.h"
#include "server/presence/presence_checks.h"
#include "server/store/sqlite_store.h"
#include "server/verdicts/verdict_service.h"
#include "support/temp_dir.h"

namespace telltale::server {
namespace {

namespace v1 = telltale::v1;
constexpr int64_t kNow = 1'790'000'000'000;

struct Device {
  std::string id, key_pem, cert_pem;
};

struct Fleet {
  testing::TempDir dir;
  CertificateAuthority ca = CertificateAuthority::open_or_create(dir.path());
  SqliteStore store{dir.path() / "telltale.db"};

  Device enroll(const std::string& id) {
    TokenRecord token{id, sha256_hex("secret-" + id), kNow, kNow + 3600000, 1, 0, false, ""};
    store.add_token(token);
    auto kc = agent::make_key_and_csr(id);
    auto cert = ca.sign_device_csr(kc.csr_pem, id, 30);
    DeviceRecord d;
    d.device_id = id;
    d.hostname = id;
    d.certificate_fingerprint = cert.fingerprint;
    EXPECT_EQ(store.enroll(token.secret_hash, kNow, d).status, EnrollStatus::kOk);
    return {id, kc.key_pem, cert.certificate_pem};
  }

  PresenceCheckRecord start(const Device& d, const std::string& action = "key", int64_t now = kNow) {
    auto r = start_presence_check(store, {d.id, action, "ctl:tester", "test"}, PresenceLimits{}, now);
    EXPECT_TRUE(std::holds_alternative<PresenceCheckRecord>(r)) << std::get<std::string>(r);
    return std::get<PresenceCheckRecord>(r);
  }
};

// A reaction task answered: the first green box `first_response_ms` after
// the prompt.
v1::SignedPresenceResult reaction_answer(const Device& d, const std::string& check_id, uint32_t first_response_ms) {
  v1::PresenceResult r;
  r.set_check_id(check_id);
  r.set_device_id(d.id);
  r.set_action(v1::PRESENCE_ACTION_REACTION);
  auto* o = r.mutable_observation();
  o->set_outcome(v1::PRESENCE_OUTCOME_ANSWERED);
  o->set_device_class(v1::PRESENCE_DEVICE_BUILT_IN);
  o->set_first_response_ms(first_response_ms);
  o->set_median_reaction_ms(300);
  for (int i = 0; i < 5; ++i) o->add_trials()->set_reaction_ms(300);
  return agent::sign_presence_result(r, {d.id, d.key_pem, d.cert_pem});
}

v1::SignedPresenceResult answer(const Device& signer, const std::string& named_device, const std::string& check_id,
                                v1::PresenceDeviceClass cls) {
  v1::PresenceResult r;
  r.set_check_id(check_id);
  r.set_device_id(named_device);
  r.set_action(v1::PRESENCE_ACTION_KEY);
  r.mutable_observation()->set_outcome(v1::PRESENCE_OUTCOME_ANSWERED);
  r.mutable_observation()->set_device_class(cls);
  r.mutable_observation()->set_first_response_ms(1800);
  return agent::sign_presence_result(r, {signer.id, signer.key_pem, signer.cert_pem});
}

TEST(PresenceChecks, SecondCheckWhilePendingOrWithinTenMinutes_IsRefusedWithTheReason) {
  Fleet fleet;
  auto laptop = fleet.enroll("dev-a");
  auto first = fleet.start(laptop);
  auto pending = start_presence_check(fleet.store, {laptop.id, "lid", "ctl:tester", ""}, PresenceLimits{}, kNow + 1000);
  ASSERT_TRUE(std::holds_alternative<std::string>(pending));
  EXPECT_NE(std::get<std::string>(pending).find("is still queued"), std::string::npos);
  ASSERT_EQ(accept_presence_result(fleet.store, laptop.id, laptop.cert_pem,
                                   answer(laptop, laptop.id, first.check_id, v1::PRESENCE_DEVICE_BUILT_IN), kNow + 5000),
            "");
  auto soon = start_presence_check(fleet.store, {laptop.id, "lid", "ctl:tester", ""}, PresenceLimits{}, kNow + 60000);
  ASSERT_TRUE(std::holds_alternative<std::string>(soon));
  EXPECT_NE(std::get<std::string>(soon).find("rate limit"), std::string::npos) << std::get<std::string>(soon);
  auto bad_action = start_presence_check(fleet.store, {laptop.id, "dance", "ctl:tester", ""}, PresenceLimits{}, kNow + 3600000);
  EXPECT_NE(std::get<std::string>(bad_action).find("not one of lid, key, reaction"), std::string::npos);
}

TEST(PresenceChecks, SignedAnswer_IsStoredWithItsSummaryAndVerifiesLater) {
  Fleet fleet;
  auto laptop = fleet.enroll("dev-a");
  auto check = fleet.start(laptop);
  ASSERT_EQ(accept_presence_result(fleet.store, laptop.id, laptop.cert_pem,
                                   answer(laptop, laptop.id, check.check_id, v1::PRESENCE_DEVICE_EXTERNAL_USB), kNow + 5000),
            "");
  auto stored = fleet.store.presence_check(check.check_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, "answered");
  EXPECT_EQ(stored->device_class, "external_usb");
  EXPECT_EQ(stored->summary, "answered through an external USB keyboard (0000:0000) 1.8 s after the prompt");
  v1::SignedPresenceResult s;
  ASSERT_TRUE(s.ParseFromString(stored->signed_result));
  EXPECT_TRUE(presence_signature_valid(stored->signed_result, s.certificate_pem()));
  // One flipped byte in the stored result and the evidence no longer holds.
  s.mutable_result()->back() ^= 1;
  EXPECT_FALSE(presence_signature_valid(s.SerializeAsString(), s.certificate_pem()));
  EXPECT_EQ(accept_presence_result(fleet.store, laptop.id, laptop.cert_pem,
                                   answer(laptop, laptop.id, check.check_id, v1::PRESENCE_DEVICE_BUILT_IN), kNow + 6000),
            "check " + check.check_id + " already answered");
}

TEST(PresenceChecks, AnswerSignedByAnotherLaptopOrNamingAnother_IsRefused) {
  Fleet fleet;
  auto a = fleet.enroll("dev-a");
  auto b = fleet.enroll("dev-b");
  auto check = fleet.start(a);
  // b's key on a's stream: the signature does not match a's certificate.
  EXPECT_EQ(accept_presence_result(fleet.store, a.id, a.cert_pem, answer(b, a.id, check.check_id, v1::PRESENCE_DEVICE_BUILT_IN), kNow),
            "signature does not verify against the device certificate");
  // b answering a's check on its own stream: the check is not b's.
  EXPECT_EQ(accept_presence_result(fleet.store, b.id, b.cert_pem, answer(b, b.id, check.check_id, v1::PRESENCE_DEVICE_BUILT_IN), kNow),
            "check " + check.check_id + " belongs to dev-a");
  EXPECT_EQ(accept_presence_result(fleet.store, b.id, b.cert_pem, answer(b, a.id, check.check_id, v1::PRESENCE_DEVICE_BUILT_IN), kNow),
            "result names device dev-a, stream is dev-b");
  EXPECT_EQ(fleet.store.presence_check(check.check_id)->status, "queued");
}

// Four laptops asked together, answered one after another as one person
// would: the signed results stored by the collector become a fleet cluster
// at the next correlation; the same answers arriving all at once do not.
TEST(PresenceChecks, FourLaptopsAnsweredInTurn_AreAClusterAtTheNextCorrelation) {
  for (const bool in_turn : {true, false}) {
    Fleet fleet;
    std::vector<Device> laptops;
    std::vector<Assignment> assignments;
    for (int i = 0; i < 4; ++i) {
      laptops.push_back(fleet.enroll("dev-" + std::to_string(i)));
      assignments.push_back({laptops.back().id, "employee" + std::to_string(i), "", "America/Chicago", "US-IL"});
      v1::Report report;
      report.set_seq(1);
      report.mutable_snapshot()->set_collected_at_unix_ms(kNow - 60000);
      std::vector<IncomingReport> batch = {{laptops.back().id, "ipv4:198.51.100.7:40000", kNow - 60000, &report}};
      ASSERT_EQ(fleet.store.ingest(batch).at(0).outcome, IngestOutcome::kStored);
    }
    fleet.store.replace_assignments(assignments);
    for (int i = 0; i < 4; ++i) {
      auto check = fleet.start(laptops[i], "reaction");
      check.status = "delivered";
      check.delivered_unix_ms = kNow;
      ASSERT_TRUE(fleet.store.update_presence_check(check));
      // In turn: busy 4-16 s, 25-37 s, 45-57 s, 65-77 s; otherwise all at 5-17 s.
      const uint32_t first = in_turn ? 4000 + 20500 * i : 5000;
      ASSERT_EQ(accept_presence_result(fleet.store, laptops[i].id, laptops[i].cert_pem,
                                       reaction_answer(laptops[i], check.check_id, first), kNow + first + 12000),
                "");
    }
    VerdictServiceOptions options;
    options.clock = [] { return kNow + 120000; };
    VerdictService verdicts(fleet.store, detect::Engine(), options);
    verdicts.correlate_fleet();
    std::vector<StoredCluster> found;
    for (auto& c : fleet.store.clusters())
      if (c.kind == "answered_in_sequence") found.push_back(c);
    if (!in_turn) {
      EXPECT_TRUE(found.empty());
      continue;
    }
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].members, (std::vector<std::string>{"dev-0", "dev-1", "dev-2", "dev-3"}));
    EXPECT_NE(found[0].json.find("4 laptops of 4 assignees"), std::string::npos) << found[0].json;
  }
}

}  // namespace
}  // namespace telltale::server
