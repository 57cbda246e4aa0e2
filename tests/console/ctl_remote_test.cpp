// telltale-ctl --url against a real ConsoleServer: the linked client (pinning,
// errors) and the built binary end to end.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "server/ca/certificate_authority.h"
#include "server/ctl/remote_commands.h"
#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

class CtlRemoteTest : public ConsoleTest {
 protected:
  void SetUp() override {
    ConsoleTest::SetUp();
    a_ = admin();
    auto r = post(a_, "/api/v1/api-tokens", R"({"username":"admin"})");
    ASSERT_EQ(r.status, 201);
    token_ = std::string(r.json().at("token").as_string());
    url_ = "https://127.0.0.1:" + std::to_string(server_->port());
  }

  struct Run {
    int code;
    std::string out, err;
  };
  Run run(const std::vector<std::string>& words, telltale::ctl::Format format = telltale::ctl::Format::kTable,
          telltale::ctl::ConsoleTarget target = {}, const std::string& export_format = "json") {
    if (target.url.empty()) target = {url_, token_, dir_ / "console.crt", false};
    std::ostringstream out, err;
    telltale::ctl::RemoteContext ctx{target, format, out, err};
    int code = telltale::ctl::remote_command(ctx, words, export_format);
    return {code, out.str(), err.str()};
  }

  // The built binary, as an investigator runs it.
  Run binary(const std::string& args) {
    const std::string out_file = (dir_ / "ctl.out").string(), err_file = (dir_ / "ctl.err").string();
    const std::string cmd = std::string(TELLTALE_BINARY_DIR) + "/server/telltale-ctl --url " + url_ + " --token " +
                            token_ + " --console-cert " + (dir_ / "console.crt").string() + " " + args + " >" +
                            out_file + " 2>" + err_file;
    int status = std::system(cmd.c_str());
    auto slurp = [](const std::string& f) {
      std::ifstream in(f);
      return std::string(std::istreambuf_iterator<char>(in), {});
    };
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out_file), slurp(err_file)};
  }

  Session a_;
  std::string token_, url_;
};

TEST_F(CtlRemoteTest, Devices_ThroughThePinnedCertificate_ListsTheFleet) {
  auto r = run({"devices"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("HOSTNAME"), std::string::npos);
  EXPECT_NE(r.out.find("laptop-17"), std::string::npos);
  EXPECT_NE(r.out.find("puppeteered"), std::string::npos);
  auto j = run({"devices"}, telltale::ctl::Format::kJson);
  ASSERT_EQ(j.code, 0);
  EXPECT_EQ(json::parse(j.out).as_array().at(0).at("device").as_string(), "dev-farm-1");
}

TEST_F(CtlRemoteTest, AnotherServersCertificate_IsRefusedBeforeTheTokenIsSent) {
  auto other = dir_ / "other";
  std::filesystem::create_directories(other);
  telltale::server::CertificateAuthority::open_or_create(other);
  telltale::ctl::ConsoleTarget target{url_, token_, other / "ca.crt", false};
  try {
    run({"devices"}, telltale::ctl::Format::kTable, target);
    FAIL() << "a foreign certificate was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not the pinned one"), std::string::npos) << e.what();
  }
  // A console no one pinned can still be read on purpose.
  telltale::ctl::ConsoleTarget insecure{url_, token_, {}, true};
  EXPECT_EQ(run({"clusters"}, telltale::ctl::Format::kTable, insecure).code, 0);
  // A missing certificate file says what to do.
  telltale::ctl::ConsoleTarget missing{url_, token_, dir_ / "nope.crt", false};
  EXPECT_THROW(run({"devices"}, telltale::ctl::Format::kTable, missing), std::runtime_error);
}

TEST_F(CtlRemoteTest, WrongTokenOrUnknownId_ExitOneWithTheConsolesReason) {
  auto r = run({"devices"}, telltale::ctl::Format::kTable, {url_, "ttc_wrong", dir_ / "console.crt", false});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("HTTP 401"), std::string::npos) << r.err;
  auto missing = run({"device", "ghost"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("no device has the id, hostname or serial \"ghost\""), std::string::npos) << missing.err;
  EXPECT_THROW(run({"device", "../users"}), std::invalid_argument);
  EXPECT_THROW(run({"device"}), std::invalid_argument);
}

TEST_F(CtlRemoteTest, EveryRead_Works) {
  ASSERT_EQ(post(a_, "/api/v1/cases", R"({"device_id":"dev-farm-1","title":"KVM"})").status, 201);
  ASSERT_EQ(post(a_, "/api/v1/cases/1/notes", R"({"text":"seen on site"})").status, 201);
  for (auto words : std::vector<std::vector<std::string>>{{"overview"}, {"devices"}, {"device", "dev-farm-1"}, {"clusters"},
                                                          {"cases"}, {"case", "1"}, {"audit"}, {"agent-health"}}) {
    for (auto format : {telltale::ctl::Format::kTable, telltale::ctl::Format::kJson, telltale::ctl::Format::kCsv}) {
      auto r = run(words, format);
      EXPECT_EQ(r.code, 0) << words[0] << ": " << r.err;
      EXPECT_FALSE(r.out.empty()) << words[0];
    }
  }
  auto c = run({"case", "1"});
  EXPECT_NE(c.out.find("seen on site"), std::string::npos) << c.out;
  auto d = run({"device", "dev-farm-1"});
  EXPECT_NE(d.out.find("kvm.pikvm"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("fact=usb 1d6b:0104"), std::string::npos) << d.out;
  auto o = run({"overview"});
  EXPECT_NE(o.out.find("puppeteered"), std::string::npos) << o.out;
  auto e = run({"export", "dev-farm-1"}, telltale::ctl::Format::kTable, {}, "html");
  EXPECT_EQ(e.out.rfind("<!DOCTYPE html>", 0), 0u);
}

TEST_F(CtlRemoteTest, Binary_OverviewCaseAndExport) {
  auto o = binary("overview");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("puppeteered"), std::string::npos) << o.out;
  auto j = binary("--format json export dev-farm-1");
  ASSERT_EQ(j.code, 0) << j.err;
  EXPECT_EQ(json::parse(j.out).at("device").at("device_id").as_string(), "dev-farm-1");
  auto h = binary("export dev-farm-1 --format html");
  ASSERT_EQ(h.code, 0) << h.err;
  EXPECT_NE(h.out.find("<!DOCTYPE html>"), std::string::npos);
  auto usage = binary("token list");  // local-only command
  EXPECT_EQ(usage.code, 2);
  EXPECT_NE(usage.err.find("not available with --url"), std::string::npos) << usage.err;
  auto health = binary("agent-health --format csv");
  ASSERT_EQ(health.code, 0) << health.err;
  EXPECT_EQ(health.out.rfind("device,hostname,version", 0), 0u) << health.out;
}

}  // namespace

namespace {
using namespace telltale::console_test;

TEST_F(CtlRemoteTest, ApiTokens_ListCreateAndRevokeFromTheTerminal_TheRevokedOneStops) {
  auto created = run({"api-token", "create", "admin"}, telltale::ctl::Format::kJson, {}, "json");
  ASSERT_EQ(created.code, 0) << created.err;
  auto j = json::parse(created.out);
  const std::string id(j.at("id").as_string()), secret(j.at("token").as_string());
  EXPECT_EQ(call("GET", "/api/v1/devices", {}, {}, {}, secret).status, 200);

  auto listed = binary("api-tokens");
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_NE(listed.out.find(id), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find(secret), std::string::npos);
  EXPECT_NE(listed.out.find("valid"), std::string::npos);

  auto revoked = binary("api-token revoke " + id);
  ASSERT_EQ(revoked.code, 0) << revoked.err;
  EXPECT_EQ(call("GET", "/api/v1/devices", {}, {}, {}, secret).status, 401);
  auto again = binary("api-token revoke " + id);
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("already revoked"), std::string::npos) << again.err;
  EXPECT_NE(binary("api-tokens").out.find("revoked"), std::string::npos);

  // A user disabled from the terminal; the ctl's own token keeps working (admin's).
  user_with_role(a_, "zed", "viewer");
  auto disabled = binary("user disable zed");
  ASSERT_EQ(disabled.code, 0) << disabled.err;
  EXPECT_EQ(call("POST", "/api/v1/login", R"({"username":"zed","password":"zed-password-long"})").status, 403);
  EXPECT_EQ(binary("user enable zed").code, 0);
  EXPECT_EQ(binary("api-token frobnicate x").code, 2);
}

}  // namespace
