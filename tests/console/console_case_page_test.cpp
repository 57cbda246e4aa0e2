// The case page's record: the device's grouped evidence pinned into the case
// as it was, owners chosen among the users who may work cases, the status and
// owner history (who, when, from → to); one case for a whole cluster naming
// every member; several devices assigned in one action, audited per device.
#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

std::vector<std::string> strings(const json::array& a, const char* key) {
  std::vector<std::string> out;
  for (auto& v : a) out.emplace_back(v.at(key).as_string());
  return out;
}

TEST_F(ConsoleTest, OpenedCase_PinsTheGroupedEvidenceAsItWasAndKeepsItWhenTheVerdictMovesOn) {
  auto a = admin();
  auto inv = user_with_role(a, "ivan", "investigator");
  store_->save_verdict({"dev-farm-1", now_ms() - 1000, "puppeteered", 100,
                        R"({"level":"puppeteered","score":100,"indicators":[{"id":"usb.pikvm_otg",)"
                        R"("title":"PiKVM OTG composite gadget","severity":"critical","score":100,)"
                        R"("evidence":[{"key":"usb 1-3","value":"1d6b:0104 PiKVM Composite"}]}]})"});
  auto opened = post(inv, "/api/v1/cases", R"({"device_id":"dev-farm-1"})");
  ASSERT_EQ(opened.status, 201) << opened.body;
  const std::string id = std::to_string(opened.json().at("id").as_int64());
  // The laptop is later judged clean: the case still shows what was pinned.
  store_->save_verdict({"dev-farm-1", now_ms(), "clean", 0, R"({"verdict":"VERDICT_LEVEL_CLEAN","score":0})"});
  auto v = get(inv, "/api/v1/cases/" + id).json().as_object();
  auto& evidence = v.at("evidence").as_array();
  ASSERT_EQ(evidence.size(), 1u) << json::serialize(v);
  EXPECT_EQ(evidence[0].at("verdict").as_string(), "puppeteered");
  EXPECT_EQ(evidence[0].at("pinned_by").as_string(), "ivan");
  EXPECT_EQ(evidence[0].at("hostname").as_string(), "laptop-17");
  auto& groups = evidence[0].at("groups").as_array();
  ASSERT_FALSE(groups.empty());
  EXPECT_EQ(groups[0].at("label").as_string(), "USB 1-3: 1d6b:0104 PiKVM Composite");
  const auto& indicator = groups[0].at("indicators").as_array()[0];
  EXPECT_EQ(indicator.at("id").as_string(), "usb.pikvm_otg");
  EXPECT_EQ(indicator.at("title").as_string(), "PiKVM OTG composite gadget");
  EXPECT_EQ(indicator.at("facts").as_array()[0].at("value").as_string(), "1d6b:0104 PiKVM Composite");
  EXPECT_NE(evidence[0].at("why").as_string().find("PiKVM"), std::string::npos);
  EXPECT_EQ(v.at("device").at("verdict").as_string(), "clean");  // the live device, for comparison
  // Pinning again adds the current state beside the old one.
  auto repinned = post(inv, "/api/v1/cases/" + id + "/evidence", "");
  ASSERT_EQ(repinned.status, 200) << repinned.body;
  auto both = repinned.json().at("evidence").as_array();
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[1].at("verdict").as_string(), "clean");
  auto actions = audit_actions(a);
  EXPECT_NE(std::find(actions.begin(), actions.end(), "case.pin"), actions.end());
}

TEST_F(ConsoleTest, CaseHistory_SaysWhoChangedStatusAndOwnerFromWhatToWhat) {
  auto a = admin();
  auto inv = user_with_role(a, "ivan", "investigator");
  user_with_role(a, "vera", "viewer");
  const std::string id = std::to_string(post(inv, "/api/v1/cases", R"({"device_id":"dev-farm-1"})").json().at("id").as_int64());
  auto page = get(inv, "/api/v1/cases/" + id).json().as_object();
  // Owners are users who may work cases: not the viewer.
  auto owners = page.at("owners").as_array();
  std::vector<std::string> names;
  for (auto& o : owners) names.emplace_back(o.as_string());
  EXPECT_EQ(names, (std::vector<std::string>{"admin", "ivan"}));
  EXPECT_EQ(post(inv, "/api/v1/cases/" + id, R"({"owner":"vera"})").status, 400);
  ASSERT_EQ(post(inv, "/api/v1/cases/" + id, R"({"status":"acknowledged","owner":"admin"})").status, 200);
  ASSERT_EQ(post(a, "/api/v1/cases/" + id, R"({"status":"confirmed"})").status, 200);
  auto history = get(inv, "/api/v1/cases/" + id).json().at("history").as_array();
  ASSERT_EQ(history.size(), 4u) << json::serialize(history);
  EXPECT_EQ(strings(history, "field"), (std::vector<std::string>{"opened", "status", "owner", "status"}));
  EXPECT_EQ(strings(history, "actor"), (std::vector<std::string>{"ivan", "ivan", "ivan", "admin"}));
  EXPECT_EQ(strings(history, "before"), (std::vector<std::string>{"", "open", "ivan", "acknowledged"}));
  EXPECT_EQ(strings(history, "after"), (std::vector<std::string>{"open", "acknowledged", "admin", "confirmed"}));
  EXPECT_LE(history[0].at("unix_ms").as_int64(), history[3].at("unix_ms").as_int64());
}

TEST_F(ConsoleTest, ClusterCase_NamesAndCoversEveryMemberLaptopAndBlocksADuplicateOnAnyOfThem) {
  enroll("dev-farm-2", "laptop-18", "SN18", 1000);
  enroll("dev-farm-3", "laptop-19", "SN19", 1000);
  store_->replace_clusters({{"kvm:ABC123", "shared_kvm_serial", "ABC123", {"dev-farm-1", "dev-farm-2", "dev-farm-3"},
                             1000, 2000, "{}"}});
  auto a = admin();
  auto inv = user_with_role(a, "ivan", "investigator");
  EXPECT_EQ(post(inv, "/api/v1/cases", R"({"cluster_id":"kvm:nope"})").status, 404);
  auto opened = post(inv, "/api/v1/cases", R"({"cluster_id":"kvm:ABC123"})");
  ASSERT_EQ(opened.status, 201) << opened.body;
  EXPECT_EQ(opened.json().at("title").as_string(),
            "3 laptops sharing one KVM (USB serial) ABC123: laptop-17, laptop-18, laptop-19");
  const std::string id = std::to_string(opened.json().at("id").as_int64());
  auto page = get(inv, "/api/v1/cases/" + id).json().as_object();
  EXPECT_EQ(strings(page.at("devices").as_array(), "hostname"),
            (std::vector<std::string>{"laptop-17", "laptop-18", "laptop-19"}));
  EXPECT_EQ(page.at("cluster_id").as_string(), "kvm:ABC123");
  EXPECT_EQ(page.at("evidence").as_array().size(), 3u);  // one pinned copy per laptop
  // A member laptop is being worked now: a case of its own is a duplicate.
  auto dup = post(inv, "/api/v1/cases", R"({"device_id":"dev-farm-3"})");
  EXPECT_EQ(dup.status, 409) << dup.body;
  EXPECT_EQ(std::to_string(dup.json().at("existing_case").as_int64()), id);
}

TEST_F(ConsoleTest, BulkAssign_OpensOrAssignsACasePerDeviceAndAuditsEachDevice) {
  enroll("dev-farm-2", "laptop-18", "SN18", 1000);
  enroll("dev-farm-3", "laptop-19", "SN19", 1000);
  auto a = admin();
  auto inv = user_with_role(a, "ivan", "investigator");
  user_with_role(a, "olga", "investigator");
  // laptop-17 already has ivan's case; the other two have none.
  const auto first = post(inv, "/api/v1/cases", R"({"device_id":"dev-farm-1"})").json().at("id").as_int64();
  auto r = post(inv, "/api/v1/cases/bulk", R"({"device_ids":["dev-farm-1","dev-farm-2","dev-farm-3","dev-gone"],"owner":"olga"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto results = r.json().at("results").as_array();
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(strings(json::array(results.begin(), results.begin() + 3), "action"),
            (std::vector<std::string>{"assigned", "opened", "opened"}));
  EXPECT_EQ(results[0].at("case_id").as_int64(), first);
  EXPECT_EQ(results[3].at("error").as_string(), "no such device");
  EXPECT_EQ(r.json().at("opened").as_int64(), 2);
  EXPECT_EQ(r.json().at("assigned").as_int64(), 1);
  const json::value listed = get(inv, "/api/v1/cases").json();
  for (auto& c : listed.at("cases").as_array()) EXPECT_EQ(c.at("owner").as_string(), "olga");
  size_t per_device = 0;
  for (auto& e : audit_entries(a))
    if (std::string(e.at("detail").as_string()).find("(bulk)") != std::string::npos) ++per_device;
  EXPECT_EQ(per_device, 3u);
  EXPECT_EQ(post(inv, "/api/v1/cases/bulk", R"({"device_ids":[],"owner":"olga"})").status, 400);
  EXPECT_EQ(post(inv, "/api/v1/cases/bulk", R"({"device_ids":["dev-farm-2"],"owner":"nobody"})").status, 400);
}

}  // namespace
