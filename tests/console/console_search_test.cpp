// One search over everything an investigator may type for a laptop, done by
// the API, plus the name resolver telltale-ctl uses, on a real PiKVM snapshot
// scored by the real engine.
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <set>
#include <sstream>

#include "platform/common/hash.h"
#include "server/ctl/remote_commands.h"
#include "server/detect/engine.h"
#include "server/detect/why.h"
#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

telltale::v1::Snapshot pikvm_snapshot() {
  std::ifstream in(std::string(TELLTALE_SOURCE_DIR) + "/tests/scenarios/fixture-pikvm-laptop/snapshot.json");
  std::stringstream ss;
  ss << in.rdbuf();
  telltale::v1::Snapshot s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(ss.str(), &s).ok());
  // The capture has no route; a farm's gateway is what an investigator pastes.
  s.mutable_network()->set_default_gateway_ip("192.168.77.1");
  s.mutable_network()->set_default_gateway_mac("3c:7c:3f:aa:bb:cc");
  return s;
}

class ConsoleSearchTest : public ConsoleTest {
 protected:
  void SetUp() override {
    ConsoleTest::SetUp();
    const int64_t now = now_ms();
    enroll("dev-kvm", "lab-7", "5CG1234XYZ", now);
    telltale::v1::Report r;
    r.set_seq(1);
    r.set_created_at_unix_ms(now);
    *r.mutable_snapshot() = pikvm_snapshot();
    ingest("dev-kvm", r, now);
    telltale::detect::DeviceContext ctx;
    ctx.device_id = "dev-kvm";
    verdict_ = telltale::detect::Engine().evaluate(r.snapshot(), ctx);
    store_->save_verdict({"dev-kvm", now, verdict_.level(), verdict_.score(), telltale::detect::to_json(verdict_)});
    enroll("dev-clean", "desk-a", "SNA", now);
    store_->save_verdict({"dev-clean", now, "clean", 0, "{}"});
    store_->replace_assignments({{"dev-kvm", "Mallory Farm", "mallory@example.com", "America/Chicago", "US-IL"},
                                 {"SNA", "Dana Desk", "dana@example.com", "Europe/Berlin", "DE"}});
    a_ = admin();
  }

  std::vector<std::string> ids(const std::string& query) {
    auto r = get(a_, "/api/v1/devices?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    std::vector<std::string> out;
    auto body = r.json();
    for (auto& d : body.at("devices").as_array()) out.emplace_back(d.at("device_id").as_string());
    return out;
  }

  telltale::v1::Verdict verdict_;
  Session a_;
};

TEST_F(ConsoleSearchTest, PiKvmLaptop_IsFoundByEveryIdentifierAnInvestigatorPastes) {
  for (std::string q : {"5CG1234XYZ", "5cg1234", "mallory%40example.com", "Mallory", "dev-kvm", "lab-7", "1d6b:0104",
                        "CAFEBABE", "PiKVM", "192.168.77.1", "3c:7c:3f", "2a:91:5d:07:c4:e3"}) {
    EXPECT_EQ(ids("q=" + q), std::vector<std::string>{"dev-kvm"}) << "q=" << q;
  }
}

TEST_F(ConsoleSearchTest, EachHit_SaysWhichFieldMatched) {
  auto r = get(a_, "/api/v1/devices?q=1d6b%3A0104");
  auto rows = r.json().at("devices").as_array();
  ASSERT_EQ(rows.size(), 1u);
  auto& m = rows[0].at("matches").as_array();
  ASSERT_FALSE(m.empty());
  EXPECT_EQ(std::string(m[0].as_string()).rfind("usb 1-3: 1d6b:0104", 0), 0u) << m[0];
}

TEST_F(ConsoleSearchTest, TypingADigit_MatchesOnlyRowsThatShowIt) {
  // dev-farm-1 (score 0.97, verdict rank 4) and desk-a hold no "4" anywhere a
  // person can see: the hidden score and rank must not match.
  EXPECT_EQ(ids("q=4"), std::vector<std::string>{"dev-kvm"});
  EXPECT_EQ(ids("q=97"), std::vector<std::string>{});
}

TEST_F(ConsoleSearchTest, SeveralTerms_MustAllMatch) {
  EXPECT_EQ(ids("q=PiKVM+Mallory"), std::vector<std::string>{"dev-kvm"});
  EXPECT_EQ(ids("q=PiKVM+Dana"), std::vector<std::string>{});
}

TEST_F(ConsoleSearchTest, VerdictFilterAndSort_AreAppliedAndEchoed) {
  EXPECT_EQ(ids("verdict=clean"), std::vector<std::string>{"dev-clean"});
  // laptop-17 after lab-7 by name.
  EXPECT_EQ(ids("verdict=puppeteered&sort=hostname&order=desc"), (std::vector<std::string>{"dev-farm-1", "dev-kvm"}));
  EXPECT_EQ(ids("verdict=puppeteered&sort=hostname&order=asc"), (std::vector<std::string>{"dev-kvm", "dev-farm-1"}));
  auto r = get(a_, "/api/v1/devices?verdict=puppeteered&q=lab&sort=verdict&order=desc").json();
  EXPECT_EQ(r.at("query").at("verdict").as_string(), "puppeteered");
  EXPECT_EQ(r.at("query").at("q").as_string(), "lab");
  EXPECT_EQ(r.at("query").at("sort").as_string(), "verdict");
  EXPECT_EQ(ids("sort=verdict&order=desc").back(), "dev-clean");
  EXPECT_EQ(get(a_, "/api/v1/devices?sort=rank").status, 400);
  EXPECT_EQ(get(a_, "/api/v1/devices?q=" + std::string(201, 'x')).status, 400);
}

TEST_F(ConsoleSearchTest, ListsAndOverview_CarryTheWhyAndOneScoreFormat) {
  auto rows = get(a_, "/api/v1/devices?q=lab-7").json().at("devices").as_array();
  ASSERT_EQ(rows.size(), 1u);
  const std::string why(rows[0].at("why").as_string());
  EXPECT_EQ(why, telltale::detect::why(verdict_));
  EXPECT_NE(why.find("on USB 1-3"), std::string::npos) << why;
  EXPECT_EQ(rows[0].at("score_text").as_string(), telltale::detect::format_score(verdict_.score()));
  EXPECT_EQ(std::string(rows[0].at("score_text").as_string()).find('E'), std::string::npos);
  auto findings = get(a_, "/api/v1/overview").json().at("new_findings_24h").as_array();
  bool seen = false;
  for (auto& f : findings)
    if (f.at("device_id") == "dev-kvm") {
      seen = true;
      EXPECT_EQ(f.at("why").as_string(), why);
    }
  EXPECT_TRUE(seen);
}

TEST_F(ConsoleSearchTest, Resolve_TakesIdHostnameOrSerialAndListsCandidatesWhenAmbiguous) {
  for (std::string ref : {"dev-kvm", "lab-7", "LAB-7", "5cg1234xyz"}) {
    auto r = get(a_, "/api/v1/resolve?device=" + ref);
    ASSERT_EQ(r.status, 200) << ref << ": " << r.body;
    EXPECT_EQ(r.json().at("device_id").as_string(), "dev-kvm");
  }
  auto none = get(a_, "/api/v1/resolve?device=nobody");
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("hostname or serial"), std::string::npos) << none.body;
  enroll("dev-kvm-2", "lab-7", "SN-OTHER", now_ms());
  auto two = get(a_, "/api/v1/resolve?device=lab-7");
  ASSERT_EQ(two.status, 409) << two.body;
  EXPECT_EQ(two.json().at("candidates").as_array().size(), 2u);
  EXPECT_NE(two.body.find("dev-kvm-2"), std::string::npos);
  // An exact id never turns ambiguous.
  EXPECT_EQ(get(a_, "/api/v1/resolve?device=dev-kvm").status, 200);
  EXPECT_EQ(get(a_, "/api/v1/resolve").status, 400);
}

TEST_F(ConsoleSearchTest, CtlRemote_AcceptsHostnamesAndSerialsAndNamesTheCandidates) {
  auto t = post(a_, "/api/v1/api-tokens", R"({"username":"admin"})");
  ASSERT_EQ(t.status, 201);
  telltale::ctl::ConsoleTarget target{"https://127.0.0.1:" + std::to_string(server_->port()),
                                      std::string(t.json().at("token").as_string()), dir_ / "console.crt", false};
  auto run = [&](std::vector<std::string> words) {
    std::ostringstream out, err;
    telltale::ctl::RemoteContext ctx{target, telltale::ctl::Format::kTable, out, err};
    int code = telltale::ctl::remote_command(ctx, words, "json");
    return std::tuple{code, out.str(), err.str()};
  };
  auto [code, out, err] = run({"device", "lab-7"});
  ASSERT_EQ(code, 0) << err;
  EXPECT_NE(out.find("dev-kvm"), std::string::npos);
  EXPECT_NE(out.find("on USB 1-3"), std::string::npos) << out;  // the why line
  auto [c2, o2, e2] = run({"export", "5CG1234XYZ"});
  ASSERT_EQ(c2, 0) << e2;
  EXPECT_NE(o2.find("\"dev-kvm\""), std::string::npos);
  enroll("dev-kvm-2", "lab-7", "SN-OTHER", now_ms());
  auto [c3, o3, e3] = run({"device", "lab-7"});
  EXPECT_EQ(c3, 1);
  EXPECT_NE(e3.find("matches 2 devices"), std::string::npos) << e3;
  EXPECT_NE(e3.find("dev-kvm (host lab-7"), std::string::npos) << e3;
  EXPECT_NE(e3.find("dev-kvm-2"), std::string::npos) << e3;
}

}  // namespace

namespace {
using namespace telltale::console_test;

TEST_F(ConsoleSearchTest, Exports_CarryTheWhyAndTheOneScoreFormat) {
  const std::string why = telltale::detect::why(verdict_);
  auto j = get(a_, "/api/v1/devices/dev-kvm/export?format=json");
  ASSERT_EQ(j.status, 200);
  auto b = j.json();
  EXPECT_EQ(b.at("why").as_string(), why);
  EXPECT_EQ(b.at("latest_verdict").at("score_text").as_string(), telltale::detect::format_score(verdict_.score()));
  EXPECT_EQ(b.at("evidence_groups").as_array().at(0).at("thing").as_string(), "usb 1-3");
  auto html = get(a_, "/api/v1/devices/dev-kvm/export?format=html").body;
  EXPECT_NE(html.find("Why: " + why), std::string::npos);
  EXPECT_NE(html.find("score " + telltale::detect::format_score(verdict_.score()) + " "), std::string::npos);
  EXPECT_EQ(html.find("E2<"), std::string::npos);  // no exponent anywhere a score is printed
}

// Every key at any depth: snake_case only (the stored verdict is protobuf's lowerCamel).
void expect_snake_case(const json::value& v, const std::string& where) {
  if (v.is_array())
    for (auto& x : v.as_array()) expect_snake_case(x, where);
  if (!v.is_object()) return;
  for (auto& [k, x] : v.as_object()) {
    for (char ch : k) EXPECT_FALSE(ch >= 'A' && ch <= 'Z') << where << ": key " << k;
    expect_snake_case(x, where + "." + std::string(k));
  }
}

TEST_F(ConsoleSearchTest, JsonExportAndDeviceDetail_UseSnakeCaseKeysOnly) {
  expect_snake_case(get(a_, "/api/v1/devices/dev-kvm/export?format=json").json(), "export");
  expect_snake_case(get(a_, "/api/v1/devices/dev-kvm").json(), "device");
  auto v = get(a_, "/api/v1/devices/dev-kvm").json().at("verdicts").as_array().at(0).at("verdict");
  EXPECT_TRUE(v.as_object().contains("catalog_version"));
  EXPECT_TRUE(v.at("indicators").as_array().at(0).as_object().contains("first_seen_unix_ms"));
}

TEST_F(ConsoleSearchTest, DeviceListAsCsv_IsTheSameFilteredListWithTheWhy) {
  auto r = get(a_, "/api/v1/devices?verdict=puppeteered&q=lab&format=csv");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type.rfind("text/csv", 0), 0u);
  EXPECT_NE(r.content_disposition.find("telltale-devices.csv"), std::string::npos);
  std::vector<std::string> lines;
  std::istringstream in(r.body);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 2u) << r.body;  // header + lab-7 only
  EXPECT_EQ(lines[0].rfind("device_id,hostname,serial,verdict,score,why,", 0), 0u);
  EXPECT_EQ(lines[1].rfind("dev-kvm,lab-7,5CG1234XYZ,puppeteered," + telltale::detect::format_score(verdict_.score()), 0), 0u);
  EXPECT_NE(lines[1].find("on USB 1-3"), std::string::npos);
  EXPECT_NE(lines[1].find("mallory@example.com"), std::string::npos);
  EXPECT_EQ(get(a_, "/api/v1/devices?format=xlsx").status, 400);
}

TEST_F(ConsoleSearchTest, PrintableExport_HasASummaryNoWideBinaryLinesAndAVerifiableHash) {
  auto r = get(a_, "/api/v1/devices/dev-kvm/export?format=html");
  ASSERT_EQ(r.status, 200);
  const std::string& html = r.body;
  EXPECT_EQ(r.content_sha256, telltale::sha256_hex(html));
  EXPECT_LT(html.find("<h2>Summary</h2>"), html.find("<h2>Device</h2>"));
  EXPECT_NE(html.find("Appendix: raw facts"), std::string::npos);
  // The EDID is its hash, not 350 characters of base64.
  auto edid = html.find("edid_raw");
  ASSERT_NE(edid, std::string::npos);
  const std::string edid_line = html.substr(edid, html.find('\n', edid) - edid);
  EXPECT_NE(edid_line.find("sha256 "), std::string::npos) << edid_line;
  EXPECT_NE(edid_line.find(" bytes"), std::string::npos) << edid_line;
  size_t longest = 0, start = 0;
  for (size_t nl; (nl = html.find('\n', start)) != std::string::npos; start = nl + 1) longest = std::max(longest, nl - start);
  EXPECT_LT(longest, 1200u);
  // The page states the SHA-256 of its own bytes before the rule.
  const std::string marker = "<hr>\n<p class=\"integrity\">";
  auto at = html.find(marker);
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(html.find(telltale::sha256_hex(html.substr(0, at)), at), std::string::npos);
  auto j = get(a_, "/api/v1/devices/dev-kvm/export?format=json");
  EXPECT_EQ(j.content_sha256, telltale::sha256_hex(j.body));
}

}  // namespace
