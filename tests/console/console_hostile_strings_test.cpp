// Hostile device strings in the console (hardening finding 3, console half):
// the API never serves a bidi control, and in headless Chromium a
// 900-character hostname cannot widen the page (hostile_strings.mjs).
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

const std::string kRlo = "\xe2\x80\xae";  // U+202E RIGHT-TO-LEFT OVERRIDE

class HostileStringsTest : public ConsoleTest {
 protected:
  void SetUp() override {
    ConsoleTest::SetUp();
    // What a compromised or spoofing agent reports: a name that reads
    // "exe.txt" backwards and goes on for 900 characters without a space.
    hostname_ = "farm-laptop-" + kRlo + "txt.exe-" + std::string(900, 'W');
    enroll("dev-hostile", hostname_, "SN-" + kRlo + "-9", 1000);
    telltale::v1::Report report;
    report.set_seq(1);
    report.set_created_at_unix_ms(now_ms());
    auto* usb = report.mutable_snapshot()->add_usb_devices();
    usb->set_vendor_id(0x1d6b);
    usb->set_product_id(0x0104);
    usb->set_manufacturer("Evil" + kRlo + "Corp\xe2\x81\xa6");
    usb->set_product(std::string(900, 'K') + kRlo + "dracyek");
    ingest("dev-hostile", report, now_ms());
  }
  std::string hostname_;
};

TEST_F(HostileStringsTest, BidiControlsInDeviceStrings_NeverReachAnApiAnswer) {
  auto a = admin();
  int cases = 0;
  for (const std::string path : {"/api/v1/devices", "/api/v1/devices/dev-hostile", "/api/v1/devices/dev-hostile/export",
                                 "/api/v1/devices/dev-hostile/export?format=html", "/api/v1/overview"}) {
    auto r = get(a, path);
    ASSERT_EQ(r.status, 200) << path << ": " << r.body.substr(0, 300);
    EXPECT_EQ(r.body.find(kRlo), std::string::npos) << path;
    EXPECT_EQ(r.body.find("\xe2\x81\xa6"), std::string::npos) << path;
    ++cases;
  }
  // Shown, not dropped: the rest of the string is there, the control marked.
  auto devices = get(a, "/api/v1/devices").body;
  EXPECT_NE(devices.find("farm-laptop-\xef\xbf\xbdtxt.exe-WWWW"), std::string::npos);
  EXPECT_EQ(cases, 5);
}

TEST_F(HostileStringsTest, NineHundredCharacterHostname_StaysInsideTheViewportInChromium) {
  const auto browser_dir = std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/console/browser";
  std::string node;
  for (const char* p : {"/usr/bin/node", "/usr/bin/nodejs"})
    if (std::filesystem::exists(p)) node = p;
  if (node.empty()) GTEST_SKIP() << "node is not installed (.ci/deps installs it)";
  if (!std::filesystem::exists("/usr/lib/chromium/chromium")) GTEST_SKIP() << "chromium is not installed";
  if (!std::filesystem::exists(browser_dir / "node_modules/playwright-core"))
    GTEST_SKIP() << "playwright-core is not installed: npm ci --prefix tests/console/browser (.ci/test does)";
  admin();
  const auto out = dir_ / "hostile.out";
  const std::string cmd = node + " " + (browser_dir / "hostile_strings.mjs").string() + " --url https://127.0.0.1:" +
                          std::to_string(server_->port()) + " --user admin --password '" + admin_password_ +
                          "' --device dev-hostile --expect farm-laptop- >" + out.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream in(out);
  const std::string text(std::istreambuf_iterator<char>(in), {});
  std::cout << text;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
}

}  // namespace
