// Common passwords of 12 or more characters, refused by password_policy.cpp
// (compared in lower case). Written for Telltale, not copied: the entries are
// the long forms that public "most common passwords" lists are made of (digit
// runs, keyboard walks, "password"/"welcome"/"admin"/"iloveyou" with digits,
// sports teams, seasons and years, the famous passphrase), as seen in e.g.
// SecLists Passwords/Common-Credentials/xato-net-10-million-passwords-10000.txt
// (github.com/danielmiessler/SecLists, commit c205c36a, MIT). Debian has no
// package with a long-password list (john-data's password.lst has one entry of
// 12+ characters), hence a list of our own. One-character repeats are refused
// by a rule, not listed.
#include <algorithm>
#include <string_view>
#include <vector>

#include "server/console/password_policy.h"

namespace telltale::server::console {
namespace {

constexpr std::string_view kList = R"(
!qaz2wsx#edc
000000000000
0123456789012
098765432109
111111111111
11111111111111
121212121212
123123123123
123412341234
123451234512345
1234567890!@
1234567890-=
123456789012
1234567890123
12345678901234
1234567890abc
1234567890qwerty
1234567891011
123456789123
123456qwerty
1234abcd1234
1234qwer1234
123654789000
147258369147
147852369000
159753159753
1a2b3c4d5e6f
1q2w3e4r5t6y
1q2w3e4r5t6y7u
1q2w3e4r5t6y7u8i
1qa2ws3ed4rf
1qaz2wsx3edc
1qaz2wsx3edc4rfv
1qazxsw23edc
555555555555
696969696969
741852963000
789456123000
963852741123
987654321098
999999999999
a1b2c3d4e5f6
a1s2d3f4g5h6
aaaaaa111111
aaaaaaaaaaaa
abc123456789
abc123abc123
abcabcabcabc
abcd12345678
abcd1234abcd
abcdefg12345
abcdefgh1234
abcdefghijkl
abcdefghijklm
admin1234567
admin12345678
admin@123456
adminadminadmin
administrator
administrator1
administrator123
adminpassword
asd123asd123
asdfasdfasdf
asdfghjkl123
asdfghjklqwe
autumn123456
barcelona123
baseball1234
basketball12
basketball123
basketball1234
batman123456
blink1821234
changeme1234
changeme12345
changemenow!
changethispassword
charlie12345
chelsea12345
christmas123
company12345
companypassword
computer1234
computer12345
confidential1
console12345
consolepassword
correct horse battery staple
correcthorse123
correcthorsebatterystaple
december1234
default12345
defaultpassword
demo12345678
dragon123456
football1234
football12345
fortnite1234
guest1234567
happybirthday
helpdesk1234
i love you 1234
iloveyou1234
iloveyou12345
iloveyou2024
iloveyoubaby
iloveyouforever
iloveyouiloveyou
iloveyousomuch
internet1234
investigator
investigator1
investigator123
january12345
jennifer1234
jessica12345
laptopfarm123
let me in please
letmein12345
letmein123456
letmeinletmein
letmeinplease
linkinpark123
liverpool123
manchester12
manchesterunited
master123456
metallica1234
michael12345
minecraft123
minecraft1234
monkey123456
mypassword123
mypassword1234
mysecretpassword
newpassword123
newpassword1234
nopassword123
opensesame123
p@ssw0rd1234
p@ssword1234
passphrase123
passw0rd1234
password 1234
password!234
password123!
password1234
password12345
password123456
password1password
password2019
password2020
password2021
password2022
password2023
password2024
password2025
password2026
passwordpassword
pokemon12345
pokemon123456
princess1234
princess12345
q1w2e3r4t5y6
q1w2e3r4t5y6u7
qazwsxedc123
qazwsxedcrfv
qazwsxedcrfvtgb
qqqqqqqqqqqq
qwe123qwe123
qwer1234qwer
qwerty123456
qwerty12345678
qwerty123qwerty
qwertyqwerty
qwertyuiop12
qwertyuiop123
qwertyuiop[]
qwertyuiopas
qwertyuiopasdf
qwertyuiopasdfghjkl
realmadrid12
root12345678
rootpassword
secret123456
secretpassword
shadow123456
spiderman123
spiderman1234
spring123456
starwars1234
starwars12345
summer123456
summer2024!!
sunshine1234
sunshine12345
superman1234
superman12345
superuser123
support12345
telltale1234
telltale12345
telltalepassword
temp12345678
temporary123
test12345678
testing12345
testpassword
testtest1234
thisisapassword
thisismypassword
topsecret123
trustno1trustno1
user12345678
useruseruser
welcome12345
welcome123456
welcome2024!
welcome@12345
welcomehome1
welcometo123
whatever1234
winter123456
z1x2c3v4b5n6
zaq12wsxcde3
zaq1xsw2cde3
zaq1zaq1zaq1
zxcvbnm12345
zxcvbnmasdfg
)";

const std::vector<std::string_view>& sorted_list() {
  static const std::vector<std::string_view> list = [] {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos < kList.size()) {
      size_t end = kList.find('\n', pos);
      if (end == std::string_view::npos) end = kList.size();
      if (end > pos) out.push_back(kList.substr(pos, end - pos));
      pos = end + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
  }();
  return list;
}

}  // namespace

bool is_common_password(std::string_view lower_case) {
  const auto& list = sorted_list();
  return std::binary_search(list.begin(), list.end(), lower_case);
}

size_t common_password_count() { return sorted_list().size(); }

}  // namespace telltale::server::console
