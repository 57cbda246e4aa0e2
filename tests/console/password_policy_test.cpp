// Console password rules (hardening finding 9): length in characters, not
// bytes; not the one-time password; not one character repeated; not a
// common password, whatever its case.
#include "server/console/password_policy.h"

#include <gtest/gtest.h>

#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::server::console;
using namespace telltale::console_test;

TEST(PasswordPolicy, WeakPasswordsThatUsedToPass_AreRefusedWithTheReason) {
  struct Case {
    std::string password, reason;
  };
  const std::vector<Case> refused = {
      {"aaaaaaaaaaaa", "repeated"},
      {std::string(12, ' '), "repeated"},
      {std::string(40, ' '), "repeated"},
      {"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", "at least 12 characters, got 4"},  // €€€€ is 12 bytes
      {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89\xe3\x81\xa7\xe3\x81\x99", "got 11"},
      {"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", "repeated"},
      {"Password1234", "common"},
      {"PASSWORD1234", "common"},
      {"qwertyuiop12", "common"},
      {"1q2w3e4r5t6y", "common"},
      {"CorrectHorseBatteryStaple", "common"},
      {"administrator", "common"},
      {"elevenchars", "at least 12"},
      {"abc\xff\xfe" "defghijklmn", "UTF-8"},
      {"abc\xc0\xaf" "defghijklmn", "UTF-8"},   // overlong '/'
      {"abc\xed\xa0\x80" "defghijklm", "UTF-8"},  // a surrogate
      {std::string(1025, 'k') + "x", "at most"},
  };
  for (auto& c : refused) {
    auto problem = password_problem(c.password, "old-password-x", "someone");
    ASSERT_TRUE(problem) << c.password;
    EXPECT_NE(problem->find(c.reason), std::string::npos) << c.password << ": " << *problem;
  }
  EXPECT_TRUE(password_problem("the-one-time-pw", "the-one-time-pw", "someone"));
  EXPECT_TRUE(password_problem("SomeoneSomeone", "x", "someonesomeone"));
  for (const std::string ok : {"correct horse battery", "r8#Vq!m2Lz0p", "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4xyzxyzxyzw",
                               "lange Passphrase mit Umlauten \xc3\xa4\xc3\xb6\xc3\xbc"})
    EXPECT_FALSE(password_problem(ok, "old-password-x", "someone")) << ok << ": " << *password_problem(ok, "o", "s");
  EXPECT_EQ(utf8_length("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"), 4u);
  EXPECT_GE(common_password_count(), 200u);
}

TEST_F(ConsoleTest, PasswordChange_RefusesTheOneTimePasswordRepeatsAndCommonOnes) {
  auto s = login("admin", admin_password_);
  auto change = [&](const std::string& next) {
    return call("POST", "/api/v1/password",
                json::serialize(json::object{{"old_password", admin_password_}, {"new_password", next}}), s.cookie, s.csrf);
  };
  for (const std::string& bad : {admin_password_, std::string("aaaaaaaaaaaa"), std::string(12, ' '),
                                std::string("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"), std::string("Password1234")}) {
    auto r = change(bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
  }
  // Still on the one-time password: nothing but the change is allowed.
  EXPECT_EQ(get(s, "/api/v1/devices").status, 403);
  EXPECT_EQ(change("a sound passphrase").status, 200);
  EXPECT_EQ(get(s, "/api/v1/devices").status, 200);
}

}  // namespace
