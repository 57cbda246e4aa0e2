// A configuration profile's settings payload as the Mac agent reads it from
// /Library/Managed Preferences: the shipped profile's own payload, and the
// values no option can take.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "platform/decode/macos/managed_preferences.h"

namespace telltale::decode::macos {
namespace {

PlistValue parse(const std::string& xml) {
  auto r = parse_plist(xml);
  EXPECT_TRUE(r.value) << r.error;
  return r.value ? *r.value : PlistValue{};
}

std::string dict(const std::string& members) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict>" + members + "</dict></plist>";
}

TEST(ManagedPreferences, ShippedProfilesSettingsPayload_BecomesTheAgentsOptions) {
  std::ifstream in(std::string(TELLTALE_SOURCE_DIR) + "/installer/mdm/macos/telltale-agent.mobileconfig");
  std::stringstream text;
  text << in.rdbuf();
  auto profile = parse(text.str());
  const PlistValue* settings = nullptr;
  for (const auto& p : profile.get("PayloadContent")->array)
    if (p.string_at("PayloadType") == "com.telltale.agent") settings = &p;
  ASSERT_NE(settings, nullptr);
  // macOS writes the payload's keys to the managed preferences file; the Payload* ones are its envelope.
  auto r = managed_settings(*settings);
  ASSERT_EQ(r.error, "");
  std::vector<std::string> got;
  for (const auto& s : r.settings) got.push_back(s.key + "=" + s.value.value_or("<on>"));
  EXPECT_EQ(got, (std::vector<std::string>{"token=TOKEN", "collect-interval=300", "heartbeat-interval=30",
                                           "backoff-max-ms=300000", "scan-timeout=60", "log-level=info"}));
}

TEST(ManagedPreferences, ArraysRepeatTheKey_TrueSwitchesOn_FalseLeavesOff) {
  auto r = managed_settings(parse(dict("<key>anchor</key><array><string>10.0.0.1:443</string><string>10.0.0.2:443</string></array>"
                                       "<key>force</key><true/><key>once</key><false/>")));
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.settings.size(), 3u);
  EXPECT_EQ(r.settings[0].value, "10.0.0.1:443");
  EXPECT_EQ(r.settings[1].key, "anchor");
  EXPECT_EQ(r.settings[2].key, "force");
  EXPECT_FALSE(r.settings[2].value.has_value());
}

TEST(ManagedPreferences, ARealOrADictionary_IsRefusedNamingTheKey_NotDropped) {
  auto real = managed_settings(parse(dict("<key>token</key><string>t</string><key>collect-interval</key><real>1.5</real>")));
  EXPECT_TRUE(real.settings.empty());
  EXPECT_NE(real.error.find("\"collect-interval\""), std::string::npos) << real.error;
  EXPECT_NE(real.error.find("real"), std::string::npos) << real.error;
  auto nested = managed_settings(parse(dict("<key>anchor</key><array><dict/></array>")));
  EXPECT_NE(nested.error.find("\"anchor\""), std::string::npos) << nested.error;
  auto not_dict = managed_settings(parse("<?xml version=\"1.0\"?><plist version=\"1.0\"><array/></plist>"));
  EXPECT_NE(not_dict.error, "");
}

}  // namespace
}  // namespace telltale::decode::macos
