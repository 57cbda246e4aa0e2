// Capture devices and KVMs recognised by the shape of their EDID rather than by
// one catalogued identity: a device that grabs the laptop's picture presents
// the EDID of its bridge chip or its maker's template, and those differ from
// monitors in ways a renamed preset rarely removes.
//
// Measured on linuxhw/EDID (tests/detect/edid_real_capture_test.cpp): the
// clues below fire on none of the 141,884 EDIDs there except capture devices
// and KVMs, and weakly (below review) on the ASUS ScreenPad Plus, a TC358743
// behind a second laptop screen; see docs/ARCHITECTURE.md.
#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "server/detect/rules.h"

namespace telltale::detect {
namespace {

// A name pattern: a token (or token prefix) of the normalised monitor name,
// and what it says in plain words.
struct NamePattern {
  std::string_view token;   // matched at a word start, e.g. " kvm"
  bool whole_word;          // the token must end at a word end too
  std::string_view reason;
};

// Capture names as a family, not single strings: the words capture dongles,
// grabbers, IP-KVMs and capture cards put in their monitor name. Checked
// against every 0xFC name in linuxhw/EDID; none is a monitor's.
constexpr std::array<NamePattern, 17> kCaptureNames{{
    {"capture", false, "names itself a capture device"},
    {"grabber", true, "names itself a frame grabber"},
    {"kvm", false, "names itself a KVM"},
    {"pikvm", false, "names itself a PiKVM"},
    {"tinypilot", true, "names itself a TinyPilot KVM"},
    {"to usb", true, "names itself an HDMI-to-USB capture dongle"},
    {"via ip", true, "names itself a KVM over IP"},
    {"h2c", true, "carries the Toshiba HDMI-to-CSI bridge's default name"},
    {"macrosilicon", true, "carries the MacroSilicon capture chip's default name"},
    {"ezcap", false, "names itself an ezcap capture device"},
    {"cam link", true, "names itself an Elgato Cam Link capture device"},
    {"hd60", true, "names itself an Elgato HD60 capture device"},
    {"4k60 s", true, "names itself an Elgato 4K60 capture device"},
    {"elgato", true, "names itself an Elgato capture device"},
    {"avermedia", false, "names itself an AVerMedia capture device"},
    {"usb capture", true, "names itself a USB capture device"},
    {"grab", true, "names itself a frame grabber"},
}};

// Lower case, every run of non-alphanumerics one space, padded with spaces so
// tokens can be matched at word boundaries ("PI-KVM Video" → " pi kvm video ").
std::string normalise(std::string_view name) {
  std::string out = " ";
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum) out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    else if (out.back() != ' ') out.push_back(' ');
  }
  if (out.back() != ' ') out.push_back(' ');
  return out;
}

bool token_in(const std::string& text, const NamePattern& p) {
  const std::string needle = " " + std::string(p.token) + (p.whole_word ? " " : "");
  return text.find(needle) != std::string::npos;
}

// AVerMedia names its capture cards "AVT " and a model code (GC513, ER130).
bool avermedia_model(const std::string& text) {
  const auto at = text.find(" avt ");
  if (at == std::string::npos || at + 8 > text.size()) return false;
  auto letter = [](char c) { return c >= 'a' && c <= 'z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return letter(text[at + 5]) && letter(text[at + 6]) && digit(text[at + 7]);
}

// Bridge chips' default identity: the TC358743 HDMI-to-CSI bridge's example
// EDID (product 0x8888, serial bytes 0x88) that PiKVM, TinyPilot forks and
// Raspberry Pi capture boards ship unchanged, under TSB or LNX.
bool bridge_default_identity(const telltale::v1::Edid& e) {
  if (e.product_code() != 0x8888 || e.serial_number() == 0) return false;
  for (int shift = 0; shift < 32; shift += 8) {
    const uint32_t byte = (e.serial_number() >> shift) & 0xFF;
    if (byte != 0x88 && byte != 0x00) return false;
  }
  return true;
}

std::vector<std::string> names_of(const telltale::v1::Edid& e) {
  std::vector<std::string> names(e.monitor_names().begin(), e.monitor_names().end());
  if (names.empty() && !e.monitor_name().empty()) names.push_back(e.monitor_name());  // agents before v2
  return names;
}

}  // namespace

void display_capture_rules(const RuleInput& in, Findings& out) {
  for (const auto& disp : in.snap.displays()) {
    if (disp.internal() || disp.status() != "connected" || !disp.has_edid()) continue;
    const auto& e = disp.edid();
    std::vector<std::string> clues;
    double confidence = 0;
    if (bridge_default_identity(e)) {
      // A capture bridge has no screen, so its EDID declares no size; the same
      // chip behind a real panel (the ASUS ScreenPad Plus in ZenBook Duo
      // laptops, 6x13 cm) declares the panel's. There the defaults alone stay
      // below review.
      const bool has_panel = e.width_cm() != 0 || e.height_cm() != 0;
      char ids[96];
      std::snprintf(ids, sizeof ids, "%s product 0x8888 serial 0x%08X", e.pnp_id().c_str(), e.serial_number());
      clues.push_back(std::string(ids) + " is an HDMI bridge chip's default identity" +
                      (has_panel ? ", but it declares a " + std::to_string(e.width_cm()) + "x" +
                                       std::to_string(e.height_cm()) + " cm panel as bridges inside laptops do"
                                 : std::string(" with no screen size, as capture bridges have")));
      confidence = has_panel ? 0.4 : 0.95;
    }
    for (const auto& name : names_of(e)) {
      const auto text = normalise(name);
      for (const auto& p : kCaptureNames) {
        if (!token_in(text, p)) continue;
        clues.push_back("monitor name \"" + name + "\" " + std::string(p.reason));
        confidence = std::max(confidence, 0.8);
        break;
      }
      if (avermedia_model(text)) {
        clues.push_back("monitor name \"" + name + "\" is an AVerMedia capture model code");
        confidence = std::max(confidence, 0.8);
      }
    }
    if (clues.empty()) continue;
    // Two independent clues (chip defaults and a capture name) are surer than either.
    if (clues.size() >= 2) confidence = std::min(1.0, confidence + 0.05);
    auto& ind = out.add("display.capture_device",
                        "The external \"display\" is a video capture device or KVM, not a monitor", "high", confidence,
                        "structure");
    for (const auto& c : clues) Findings::fact(ind, "display " + disp.connector(), c);
  }
}

}  // namespace telltale::detect
