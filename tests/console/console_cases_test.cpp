// Cases from open to confirmed with an append-only note history, every step
// audited; evidence and case exports (JSON carries the indicator evidence,
// HTML escapes what laptops and people wrote); console.db migration.
#include <regex>

#include "platform/common/sqlite.h"
#include "server/console/console_db.h"
#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

TEST_F(ConsoleTest, CaseLifecycle_OpenNoteAcknowledgeConfirm_IsAuditedWithOldAndNew) {
  auto a = admin();
  auto inv = user_with_role(a, "ivan", "investigator");
  auto opened = post(inv, "/api/v1/cases", R"({"device_id":"dev-farm-1"})");
  ASSERT_EQ(opened.status, 201) << opened.body;
  auto k = opened.json().as_object();
  const std::string id = std::to_string(k.at("id").as_int64());
  EXPECT_EQ(k.at("title").as_string(), "Investigation of laptop-17");
  EXPECT_EQ(k.at("status").as_string(), "open");
  EXPECT_EQ(k.at("owner").as_string(), "ivan");
  EXPECT_EQ(k.at("created_by").as_string(), "ivan");
  EXPECT_EQ(k.at("hostname").as_string(), "laptop-17");
  EXPECT_TRUE(k.at("notes").as_array().empty());

  EXPECT_EQ(post(inv, "/api/v1/cases/" + id + "/notes", R"({"text":"PiKVM on the USB bus"})").status, 201);
  EXPECT_EQ(post(inv, "/api/v1/cases/" + id + "/notes", json::serialize(json::object{{"text", std::string(10001, 'x')}})).status,
            400);
  EXPECT_EQ(post(inv, "/api/v1/cases/" + id + "/notes", R"({"text":""})").status, 400);
  // The limit counts characters: 10,000 two-byte letters fit.
  std::string umlauts;
  for (int i = 0; i < 10000; ++i) umlauts += "\xc3\xa4";
  EXPECT_EQ(post(inv, "/api/v1/cases/" + id + "/notes", json::serialize(json::object{{"text", umlauts}})).status, 201);
  EXPECT_EQ(post(inv, "/api/v1/cases/" + id, R"({"status":"closed"})").status, 400);
  EXPECT_EQ(post(inv, "/api/v1/cases/" + id, R"({"owner":"mallory"})").status, 400);
  EXPECT_EQ(post(inv, "/api/v1/cases/" + id, R"({})").status, 400);
  auto ack = post(inv, "/api/v1/cases/" + id, R"({"status":"acknowledged","owner":"admin"})");
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(ack.json().at("status").as_string(), "acknowledged");
  EXPECT_EQ(ack.json().at("owner").as_string(), "admin");
  ASSERT_EQ(post(a, "/api/v1/cases/" + id, R"({"status":"confirmed"})").status, 200);

  auto open_list = get(inv, "/api/v1/cases?status=open").json().at("cases").as_array();
  EXPECT_TRUE(open_list.empty());
  auto confirmed = get(inv, "/api/v1/cases?status=confirmed").json().at("cases").as_array();
  ASSERT_EQ(confirmed.size(), 1u);
  EXPECT_EQ(confirmed[0].at("hostname").as_string(), "laptop-17");

  auto view = get(inv, "/api/v1/cases/" + id);
  ASSERT_EQ(view.status, 200);
  auto v = view.json().as_object();
  auto& notes = v.at("notes").as_array();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].at("author").as_string(), "ivan");
  EXPECT_EQ(notes[0].at("text").as_string(), "PiKVM on the USB bus");
  EXPECT_GT(notes[0].at("unix_ms").as_int64(), 0);
  EXPECT_EQ(v.at("device").at("verdict").as_string(), "puppeteered");
  EXPECT_GE(v.at("updated_unix_ms").as_int64(), v.at("created_unix_ms").as_int64());

  std::vector<std::string> details;
  std::vector<std::string> actions;
  for (auto& e : audit_entries(a)) {
    std::string action(e.at("action").as_string());
    actions.push_back(action);
    if (action == "case.update") details.emplace_back(e.at("detail").as_string());
  }
  for (auto want : {"case.open", "case.note", "case.update", "case.view"})
    EXPECT_NE(std::find(actions.begin(), actions.end(), want), actions.end()) << want;
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0], "status acknowledged->confirmed");  // newest first
  EXPECT_EQ(details[1], "status open->acknowledged; owner ivan->admin");

  auto metrics = call("GET", "/metrics");
  EXPECT_NE(metrics.body.find("telltale_console_cases{status=\"confirmed\"} 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("telltale_console_cases{status=\"open\"} 0"), std::string::npos);
  EXPECT_NE(metrics.body.find("telltale_store_bytes "), std::string::npos);

  // Notes are history: the database itself refuses to rewrite them.
  telltale::sqlite::Database db(dir_ / "console.db");
  EXPECT_THROW(db.exec("UPDATE case_notes SET text='nothing here'"), telltale::sqlite::SqliteError);
  EXPECT_THROW(db.exec("DELETE FROM case_notes"), telltale::sqlite::SqliteError);
}

class ExportTest : public ConsoleTest {
 protected:
  void SetUp() override {
    ConsoleTest::SetUp();
    enroll("dev-evil", "<script>alert(1)</script>", "SNE", 1000);
    store_->save_verdict({"dev-evil", 3000, "puppeteered", 0.9,
                          R"({"level":"puppeteered","score":0.9,"catalog_version":"2026.11.28-1","indicators":[)"
                          R"({"id":"usb.pikvm_otg","title":"PiKVM USB gadget","severity":"critical","score":0.9,)"
                          R"("evidence":[{"key":"usb 1-2","value":"1d6b:0104 <img src=x onerror=alert(2)>"}]}]})"});
    a_ = admin();
  }
  Session a_;
};

TEST_F(ExportTest, EvidenceJson_ParsesAndCarriesIndicatorEvidenceAndMetadata) {
  auto r = get(a_, "/api/v1/devices/dev-evil/export?format=json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  auto b = r.json().as_object();
  auto& ind = b.at("latest_verdict").at("verdict").at("indicators").as_array().at(0);
  EXPECT_EQ(ind.at("id").as_string(), "usb.pikvm_otg");
  EXPECT_EQ(ind.at("evidence").as_array().at(0).at("value").as_string(), "1d6b:0104 <img src=x onerror=alert(2)>");
  EXPECT_EQ(b.at("device").at("hostname").as_string(), "<script>alert(1)</script>");
  EXPECT_EQ(b.at("export").at("exported_by").as_string(), "admin");
  EXPECT_FALSE(b.at("export").at("catalog_version").as_string().empty());
  for (auto key : {"assignee", "verdict_history", "snapshot", "timeline", "rtt", "cases"})
    EXPECT_TRUE(b.contains(key)) << key;
  EXPECT_EQ(audit_actions(a_)[0], "evidence.export");
  // Saved under the hostname, reduced to characters safe in a file name.
  EXPECT_TRUE(std::regex_match(r.content_disposition,
                               std::regex(R"(attachment; filename="telltale-evidence-_script_alert_1___script_-20\d{6}\.json")")))
      << r.content_disposition;
}

TEST_F(ExportTest, EvidenceHtml_EscapesHostileHostnameAndEvidenceAndHasNoScript) {
  auto r = get(a_, "/api/v1/devices/dev-evil/export?format=html");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type.rfind("text/html", 0), 0u) << r.content_type;
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
  EXPECT_EQ(r.body.find("<img"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(r.body.find("usb.pikvm_otg"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
}

TEST_F(ExportTest, CaseExport_CarriesCaseNotesAndEvidenceAndIsAudited) {
  auto k = post(a_, "/api/v1/cases", R"({"device_id":"dev-evil","title":"</title><script>x()</script>"})");
  ASSERT_EQ(k.status, 201);
  const std::string id = std::to_string(k.json().at("id").as_int64());
  ASSERT_EQ(post(a_, "/api/v1/cases/" + id + "/notes", R"({"text":"<b>bold</b> claim"})").status, 201);
  auto j = get(a_, "/api/v1/cases/" + id + "/export?format=json");
  ASSERT_EQ(j.status, 200) << j.body;
  auto o = j.json().as_object();
  EXPECT_EQ(o.at("case").at("notes").as_array().at(0).at("text").as_string(), "<b>bold</b> claim");
  EXPECT_EQ(o.at("evidence").at("latest_verdict").at("verdict").at("indicators").as_array().at(0).at("id").as_string(),
            "usb.pikvm_otg");
  EXPECT_EQ(audit_actions(a_)[0], "case.export");
  auto h = get(a_, "/api/v1/cases/" + id + "/export?format=html");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(h.body.find("<script"), std::string::npos);
  EXPECT_EQ(h.body.find("<b>"), std::string::npos);
  EXPECT_NE(h.body.find("&lt;b&gt;bold&lt;/b&gt; claim"), std::string::npos);
  // HTML opens in the browser to be printed, and keeps its name when saved.
  EXPECT_TRUE(std::regex_match(h.content_disposition,
                               std::regex("inline; filename=\"telltale-case-" + id + R"(-20\d{6}\.html")")))
      << h.content_disposition;
}

// A console.db written before cases existed keeps its users and audit log.
TEST(ConsoleDbMigration, DatabaseWithoutCases_GainsThemAndKeepsUsersAndAudit) {
  auto dir = std::filesystem::temp_directory_path() / ("console-migrate-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    telltale::sqlite::Database old(dir / "console.db");
    old.exec(R"(
      CREATE TABLE users(username TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT NOT NULL,
        must_change INTEGER NOT NULL, created_unix_ms INTEGER NOT NULL);
      CREATE TABLE audit(id INTEGER PRIMARY KEY AUTOINCREMENT, unix_ms INTEGER NOT NULL,
        actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, peer TEXT NOT NULL, detail TEXT NOT NULL);
      INSERT INTO users VALUES('olga','investigator','pbkdf2-sha256$1$00$00',0,1);
      INSERT INTO audit(unix_ms, actor, action, target, peer, detail) VALUES(1,'olga','login','olga','127.0.0.1','');
    )");
  }
  {
    telltale::server::console::ConsoleDb db(dir / "console.db");
    ASSERT_EQ(db.users().size(), 1u);
    EXPECT_EQ(db.users()[0].username, "olga");
    EXPECT_EQ(db.audit_log(10).size(), 1u);
    auto k = db.create_case("dev-1", "t", "olga", 5);
    EXPECT_TRUE(db.add_case_note(k.id, "olga", "n", 6));
    EXPECT_EQ(db.get_case(k.id)->notes.size(), 1u);
  }
  telltale::server::console::ConsoleDb again(dir / "console.db");  // a second open is a no-op
  EXPECT_EQ(again.cases().size(), 1u);
  auto v = again.raw().prepare("PRAGMA user_version");
  v.step();
  EXPECT_EQ(v.int64(0), 2);  // the current schema (step 2: credential lifecycle)
  std::filesystem::remove_all(dir);
}

}  // namespace

namespace {
using namespace telltale::console_test;

TEST_F(ConsoleTest, SecondCaseOnALaptopBeingWorked_IsRefusedWithTheExistingCaseUnlessMeant) {
  auto a = admin();
  auto first = post(a, "/api/v1/cases", R"({"device_id":"dev-farm-1","title":"KVM seen"})");
  ASSERT_EQ(first.status, 201);
  const int64_t id = first.json().at("id").as_int64();
  auto again = post(a, "/api/v1/cases", R"({"device_id":"dev-farm-1"})");
  ASSERT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.json().at("existing_case").as_int64(), id);
  const std::string why(again.json().at("error").as_string());
  EXPECT_NE(why.find("laptop-17 already has open case " + std::to_string(id) + " (\"KVM seen\", owner admin)"),
            std::string::npos) << why;
  EXPECT_EQ(post(a, "/api/v1/cases", R"({"device_id":"dev-farm-1","duplicate_ok":true})").status, 201);
  // A case closed as a false positive no longer blocks a new one.
  enroll("dev-b", "laptop-b", "SNB", now_ms());
  auto b = post(a, "/api/v1/cases", R"({"device_id":"dev-b"})");
  ASSERT_EQ(b.status, 201);
  ASSERT_EQ(post(a, "/api/v1/cases/" + std::to_string(b.json().at("id").as_int64()), R"({"status":"false_positive"})").status, 200);
  EXPECT_EQ(post(a, "/api/v1/cases", R"({"device_id":"dev-b"})").status, 201);
}

}  // namespace

namespace {
using namespace telltale::console_test;

TEST_F(ConsoleTest, ConfirmedLaptop_LeavesNewFindingsUntilItsVerdictChangesAgain) {
  const int64_t now = now_ms();
  enroll("dev-n", "laptop-n", "SNN", now);
  store_->save_verdict({"dev-n", now - 1000, "puppeteered", 500, "{}"});
  auto a = admin();
  auto ids = [&] {
    std::vector<std::string> out;
    auto o = get(a, "/api/v1/overview").json();
    for (auto& f : o.at("new_findings_24h").as_array()) out.emplace_back(f.at("device_id").as_string());
    return out;
  };
  EXPECT_EQ(ids(), std::vector<std::string>{"dev-n"});
  auto k = post(a, "/api/v1/cases", R"({"device_id":"dev-n"})");
  ASSERT_EQ(k.status, 201);
  const std::string path = "/api/v1/cases/" + std::to_string(k.json().at("id").as_int64());
  ASSERT_EQ(post(a, path, R"({"status":"acknowledged"})").status, 200);
  EXPECT_EQ(ids(), std::vector<std::string>{"dev-n"});  // still being worked: still a finding
  ASSERT_EQ(post(a, path, R"({"status":"confirmed"})").status, 200);
  EXPECT_TRUE(ids().empty());
  EXPECT_EQ(get(a, "/api/v1/overview").json().at("settled_findings_24h").as_int64(), 1);
  // A new verdict after the confirmation is news again.
  store_->save_verdict({"dev-n", now_ms() + 1000, "suspicious", 90, "{}"});
  EXPECT_EQ(ids(), std::vector<std::string>{"dev-n"});
}

}  // namespace
