// Real HID report descriptors (tests/fixtures/hid-real, sources in its
// SOURCES.md) through the decoder and through a transcription of the Linux
// kernel's hid-core parser (hid_kernel_model.h): every descriptor parses
// without a crash, and the summary agrees with what Linux registers, field
// for field. Prints the agreement figures.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "platform/decode/hid_report.h"
#include "platform/hid_kernel_model.h"
#include "support/hid_real_corpus.h"

namespace {

using telltale::decode::summarize_hid_report;
using telltale::testing::kernel_view;
using telltale::testing::load_real_hid;

// Every field the summary shares with the kernel's view; a disagreement names it.
std::vector<std::string> differences(const telltale::v1::HidSummary& s, const telltale::testing::KernelHidView& k) {
  std::vector<std::string> d;
  auto cmp = [&](const char* name, bool ours, bool theirs) {
    if (ours != theirs) d.push_back(std::string(name) + " ours=" + (ours ? "1" : "0") + " kernel=" + (theirs ? "1" : "0"));
  };
  cmp("keyboard", s.keyboard(), k.keyboard);
  cmp("relative_pointer", s.relative_pointer(), k.relative_pointer);
  cmp("absolute_pointer", s.absolute_pointer(), k.absolute_pointer);
  cmp("touch_screen_contact", s.touch_screen_contact(), k.touch_screen_contact);
  cmp("pen_pressure", s.pen_pressure(), k.pen_pressure);
  cmp("gamepad", s.gamepad(), k.gamepad);
  cmp("digitizer", s.digitizer(), k.digitizer);
  cmp("touchpad", s.touchpad(), k.touchpad);
  cmp("consumer_control", s.consumer_control(), k.consumer_control);
  cmp("system_control", s.system_control(), k.system_control);
  cmp("parsed", s.parse_error().empty(), k.parsed);
  if (k.abs_x && (s.abs_x_min() != k.abs_x->first || s.abs_x_max() != k.abs_x->second))
    d.push_back("abs_x ours=" + std::to_string(s.abs_x_min()) + ".." + std::to_string(s.abs_x_max()) +
                " kernel=" + std::to_string(k.abs_x->first) + ".." + std::to_string(k.abs_x->second));
  if (k.abs_y && (s.abs_y_min() != k.abs_y->first || s.abs_y_max() != k.abs_y->second))
    d.push_back("abs_y ours=" + std::to_string(s.abs_y_min()) + ".." + std::to_string(s.abs_y_max()) +
                " kernel=" + std::to_string(k.abs_y->first) + ".." + std::to_string(k.abs_y->second));
  return d;
}

TEST(HidDifferential, RealDescriptors_AgreeWithLinuxHidCoreFieldForField) {
  const auto corpus = load_real_hid();
  ASSERT_GE(corpus.size(), 130u);
  size_t agree = 0, devices = 0, kvms = 0, keyboards = 0, absolute = 0, touch = 0;
  for (const auto& h : corpus) {
    SCOPED_TRACE(h.source + " " + h.name);
    const auto s = summarize_hid_report(h.bytes);
    const auto k = kernel_view(h.bytes);
    const auto d = differences(s, k);
    for (const auto& line : d) ADD_FAILURE() << line;
    if (d.empty()) ++agree;
    devices += h.kind == "device";
    kvms += h.kind == "kvm";
    keyboards += s.keyboard();
    absolute += s.absolute_pointer();
    touch += s.touch_screen_contact();
  }
  std::printf("hid-real: %zu descriptors (%zu real devices, %zu KVM gadgets), %zu agree with hid-core on every field; "
              "%zu keyboards, %zu absolute pointers, %zu touch-screen contacts\n",
              corpus.size(), devices, kvms, agree, keyboards, absolute, touch);
  EXPECT_EQ(agree, corpus.size());
}

TEST(HidDifferential, EveryRealDescriptorParsesCleanly) {
  // The corpus holds no malformed descriptor: a parse error here is a parser bug.
  for (const auto& h : load_real_hid()) {
    const auto s = summarize_hid_report(h.bytes);
    EXPECT_EQ(s.parse_error(), "") << h.source << " " << h.name;
  }
}

TEST(HidDifferential, KvmGadgetPointers_AreAbsoluteOrRelativeAsTheirSourcesSay) {
  // What the KVM projects' gadget sources declare, read back through the decoder.
  for (const auto& h : load_real_hid()) {
    if (h.kind != "kvm") continue;
    SCOPED_TRACE(h.name);
    const auto s = summarize_hid_report(h.bytes);
    const bool absolute_name = h.name.find("absolute=True") != std::string::npos ||
                               h.name.find("absolute") != std::string::npos && h.name.find("absolute=False") == std::string::npos;
    if (h.name.find("keyboard") != std::string::npos) EXPECT_TRUE(s.keyboard());
    else if (absolute_name) {
      EXPECT_TRUE(s.absolute_pointer());
      EXPECT_EQ(s.abs_x_max(), 32767);
    } else EXPECT_TRUE(s.relative_pointer());
  }
}

}  // namespace
