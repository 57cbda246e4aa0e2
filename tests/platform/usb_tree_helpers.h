#pragma once
// Builds small sysfs trees in a temporary directory for tests that need a
// situation no fixture machine has (bad files, loops, a device appearing).
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "platform/probe.h"

namespace telltale::testing {

inline std::filesystem::path fixture_root(const std::string& name) {
  return std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures" / name;
}

// One probe's view of `root`: its sections and its errors.
template <typename ProbeType>
telltale::v1::Snapshot collect_probe(const std::filesystem::path& root) {
  telltale::platform::ProbeContext ctx;
  ctx.root = root;
  telltale::v1::Snapshot out;
  ProbeType().collect(ctx, out);
  return out;
}

class TempTree {
 public:
  TempTree() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "telltale-usb-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::filesystem::path& root() const { return root_; }

  // Written beside and renamed into place: a sysfs attribute changes at once
  // for a reader (the kernel renders it on read), and a rescanning monitor
  // must never see a truncated half-written file that sysfs cannot show.
  void write(const std::string& rel, const std::string& content) const {
    auto p = root_ / rel;
    std::filesystem::create_directories(p.parent_path());
    auto tmp = p;
    tmp += ".writing";
    std::ofstream(tmp, std::ios::binary) << content;
    std::filesystem::rename(tmp, p);
  }
  void attr(const std::string& rel, const std::string& value) const { write(rel, value + "\n"); }
  // A relative symlink at `rel` pointing to `target_rel`, as sysfs makes them.
  void link(const std::string& rel, const std::string& target_rel) const {
    auto p = root_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink((root_ / target_rel).lexically_relative(p.parent_path()), p);
  }
  void link_raw(const std::string& rel, const std::string& target) const {
    auto p = root_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink(target, p);
  }
  void remove(const std::string& rel) const { std::filesystem::remove_all(root_ / rel); }

  // A USB device below the xHCI at 0000:00:14.0 with the attributes the kernel
  // writes, linked from sys/bus/usb/devices. `port` like "1-4" or "usb1".
  std::string usb_device(const std::string& port, const std::string& vid, const std::string& pid,
                         const std::string& product = "", const std::string& parent_dir = "") const {
    std::string dir = (parent_dir.empty() ? "sys/devices/pci0000:00/0000:00:14.0" : parent_dir) + "/" + port;
    attr(dir + "/idVendor", vid);
    attr(dir + "/idProduct", pid);
    attr(dir + "/bDeviceClass", "00");
    attr(dir + "/bDeviceSubClass", "00");
    attr(dir + "/bDeviceProtocol", "00");
    attr(dir + "/bcdDevice", "0100");
    attr(dir + "/version", " 2.00");
    attr(dir + "/speed", "480");
    attr(dir + "/bMaxPower", "100mA");
    attr(dir + "/bmAttributes", "80");
    attr(dir + "/busnum", "1");
    attr(dir + "/devnum", "5");
    attr(dir + "/removable", "removable");
    if (!product.empty()) attr(dir + "/product", product);
    link("sys/bus/usb/devices/" + port, dir);
    return dir;
  }

  std::string usb_interface(const std::string& device_dir, const std::string& name, const std::string& cls,
                            const std::string& sub, const std::string& proto) const {
    std::string dir = device_dir + "/" + name;
    attr(dir + "/bInterfaceNumber", "00");
    attr(dir + "/bAlternateSetting", " 0");
    attr(dir + "/bNumEndpoints", "01");
    attr(dir + "/bInterfaceClass", cls);
    attr(dir + "/bInterfaceSubClass", sub);
    attr(dir + "/bInterfaceProtocol", proto);
    link("sys/bus/usb/devices/" + name, dir);
    return dir;
  }

 private:
  std::filesystem::path root_;
};

// HID 1.11 appendix E.6 boot keyboard report descriptor (shared with the decoder tests).
inline std::string boot_keyboard_descriptor() {
  std::ifstream in(std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/data/hid/boot-keyboard.bin",
                   std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A valid 128-byte EDID 1.4 block: PNP id, product code, a monitor name
// (0xFC) and serial string (0xFF) descriptor, correct checksum.
inline std::string edid_block(const std::string& pnp, uint16_t product, const std::string& name,
                              const std::string& serial) {
  std::string e(128, '\0');
  const uint8_t header[] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
  for (int i = 0; i < 8; ++i) e[i] = static_cast<char>(header[i]);
  uint16_t id = static_cast<uint16_t>(((pnp[0] - '@') << 10) | ((pnp[1] - '@') << 5) | (pnp[2] - '@'));
  e[8] = static_cast<char>(id >> 8);
  e[9] = static_cast<char>(id & 0xff);
  e[10] = static_cast<char>(product & 0xff);
  e[11] = static_cast<char>(product >> 8);
  e[16] = 10;
  e[17] = 30;  // 2020
  e[18] = 1;
  e[19] = 4;
  e[20] = static_cast<char>(0xa5);  // digital, 8 bits per colour, DisplayPort
  auto text_descriptor = [&](int at, uint8_t tag, const std::string& text) {
    e[at + 3] = static_cast<char>(tag);
    std::string t = text.substr(0, 13);
    if (t.size() < 13) t += '\n';
    t.resize(13, ' ');
    for (int i = 0; i < 13; ++i) e[at + 5 + i] = t[i];
  };
  text_descriptor(72, 0xfc, name);
  text_descriptor(90, 0xff, serial);
  text_descriptor(108, 0x10, "");  // dummy descriptor
  for (int i = 108 + 5; i < 126; ++i) e[i] = 0;
  unsigned sum = 0;
  for (int i = 0; i < 127; ++i) sum += static_cast<uint8_t>(e[i]);
  e[127] = static_cast<char>((256 - sum % 256) % 256);
  return e;
}

}  // namespace telltale::testing
