// The keyboard probe reads per-user IME configs as root from homes their
// users own. These trees plant what a user could plant (symlinks, hard links,
// a FIFO) aimed at a root-only file holding a marker, and prove the probe
// refuses with a ProbeError and that the marker appears nowhere in the
// snapshot. Trees are made at test time because ownership matters: the
// home and its files belong to uid 1000, the target to root (mode 0600).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "platform/linux/keyboard.h"
#include "sensor_test_support.h"

namespace {

namespace fs = std::filesystem;
using telltale::platform::linux_probe::KeyboardProbe;

constexpr uid_t kUser = 1000;
constexpr const char* kMarker = "ROOTONLY-MARKER-7f3a";

const std::string kFcitxProfile = "[Groups/0]\nName=Default\nDefaultIM=hangul\n\n[Groups/0/Items/0]\nName=hangul\n";
const std::string kSecretProfile = std::string("[Groups/0/Items/0]\nName=") + kMarker + "\n";
const std::string kSecretKeyfile = std::string("[desktop/ibus/general]\npreload-engines=['") + kMarker + "']\n";

// ROOT/root holds root-only copies of configs with the marker; alice's home
// is hers. `plant` then adds the attack inside her home before ownership is
// handed over, the way she would have made it.
class PlantedHome : public ::testing::Test {
 protected:
  sensor_test::TempRoot root{"kbsec"};
  fs::path home() const { return root.path / "home/alice"; }
  fs::path secret(const std::string& rel) const { return root.path / "root" / rel; }

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "ownership fixtures need root (CI runs as root)";
    root.put("root/.config/fcitx5/profile", kSecretProfile);
    root.put("root/.config/dconf/user.d/00-input", kSecretKeyfile);
    for (const auto& p : fs::recursive_directory_iterator(root.path / "root")) ::chmod(p.path().c_str(), 0600);
    ::chmod((root.path / "root").c_str(), 0700);
    fs::create_directories(home());
  }

  void hand_to_user() const {
    ::lchown(home().c_str(), kUser, kUser);
    for (const auto& p : fs::recursive_directory_iterator(home())) ::lchown(p.path().c_str(), kUser, kUser);
  }

  telltale::v1::Snapshot collect() const {
    KeyboardProbe probe;
    return sensor_test::collect_from(probe, root.path);
  }

  static void expect_refused(const telltale::v1::Snapshot& s, const std::string& path, const std::string& reason) {
    bool found = false;
    for (const auto& e : s.errors())
      if (e.probe() == "keyboard" && e.path() == path && e.message().find(reason) != std::string::npos) found = true;
    std::string all;
    for (const auto& e : s.errors()) all += e.path() + ": " + e.message() + "\n";
    EXPECT_TRUE(found) << "expected a ProbeError for " << path << " saying \"" << reason << "\", got:\n" << all;
    EXPECT_EQ(s.SerializeAsString().find(kMarker), std::string::npos) << "the root-only content leaked";
  }
};

TEST_F(PlantedHome, ProfilesOwnedByTheUser_AreStillRead) {
  root.put("home/alice/.config/fcitx5/profile", kFcitxProfile);
  root.put("home/alice/.config/dconf/user.d/00-input", "[desktop/ibus/general]\npreload-engines=['pinyin']\n");
  hand_to_user();
  auto s = collect();
  EXPECT_EQ(s.errors_size(), 0) << s.errors(0).message();
  ASSERT_EQ(s.keyboard().users_size(), 1);
  ASSERT_EQ(s.keyboard().users(0).input_methods_size(), 2);
  EXPECT_EQ(s.keyboard().users(0).input_methods(0).name(), "hangul");
  EXPECT_EQ(s.keyboard().users(0).input_methods(1).name(), "pinyin");
}

TEST_F(PlantedHome, Fcitx5ProfileSymlinkedToARootOnlyFile_IsRefused) {
  fs::create_directories(home() / ".config/fcitx5");
  fs::create_symlink(secret(".config/fcitx5/profile"), home() / ".config/fcitx5/profile");
  hand_to_user();
  expect_refused(collect(), "home/alice/.config/fcitx5/profile", "is a symbolic link");
}

TEST_F(PlantedHome, ConfigDirectorySymlinkedToRootsConfig_IsRefusedForEveryFileBelowIt) {
  fs::create_symlink(root.path / "root/.config", home() / ".config");
  hand_to_user();
  auto s = collect();
  expect_refused(s, "home/alice/.config/fcitx5/profile", ".config is a symbolic link");
  expect_refused(s, "home/alice/.config/dconf/user.d", ".config is a symbolic link");
}

TEST_F(PlantedHome, Fcitx5DirectorySymlinked_IsRefused) {
  fs::create_directories(home() / ".config");
  fs::create_symlink(root.path / "root/.config/fcitx5", home() / ".config/fcitx5");
  hand_to_user();
  expect_refused(collect(), "home/alice/.config/fcitx5/profile", ".config/fcitx5 is a symbolic link");
}

TEST_F(PlantedHome, ProfileHardLinkedToARootOnlyFile_IsRefusedByItsOwner) {
  fs::create_directories(home() / ".config/fcitx5");
  fs::create_hard_link(secret(".config/fcitx5/profile"), home() / ".config/fcitx5/profile");
  hand_to_user();
  // lchown above would have given the shared inode to alice: give it back to
  // root, as a real hard link to root's file keeps root as its owner.
  ::chown(secret(".config/fcitx5/profile").c_str(), 0, 0);
  expect_refused(collect(), "home/alice/.config/fcitx5/profile", "owned by uid 0, not by the home directory's owner uid 1000");
}

TEST_F(PlantedHome, DconfKeyfileSymlinkedToARootOnlyFile_IsRefused) {
  fs::create_directories(home() / ".config/dconf/user.d");
  fs::create_symlink(secret(".config/dconf/user.d/00-input"), home() / ".config/dconf/user.d/00-input");
  hand_to_user();
  expect_refused(collect(), "home/alice/.config/dconf/user.d/00-input", "is a symbolic link");
}

TEST_F(PlantedHome, DconfKeyfileDirectorySymlinked_IsRefused) {
  fs::create_directories(home() / ".config/dconf");
  fs::create_symlink(root.path / "root/.config/dconf/user.d", home() / ".config/dconf/user.d");
  hand_to_user();
  expect_refused(collect(), "home/alice/.config/dconf/user.d", "user.d is a symbolic link");
}

TEST_F(PlantedHome, FifoInPlaceOfTheProfile_IsRefusedWithoutBlocking) {
  fs::create_directories(home() / ".config/fcitx5");
  ASSERT_EQ(::mkfifo((home() / ".config/fcitx5/profile").c_str(), 0644), 0);
  hand_to_user();
  expect_refused(collect(), "home/alice/.config/fcitx5/profile", "is not a regular file");
}

TEST_F(PlantedHome, HomeDirectoryItselfASymlinkToRoot_IsRefused) {
  fs::create_symlink(root.path / "root", root.path / "home/mallory");
  hand_to_user();
  expect_refused(collect(), "home/mallory", "home directory is a symbolic link");
}

}  // namespace
