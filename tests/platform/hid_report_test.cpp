#include <gtest/gtest.h>

#include <vector>

#include "platform/common/hash.h"
#include "platform/decode/hid_report.h"
#include "support/fixture_bytes.h"

namespace {

using telltale::decode::summarize_hid_report;
using telltale::testing::fixture_bytes;
using Bytes = std::vector<uint8_t>;

std::vector<uint32_t> pages(const telltale::v1::HidSummary& s) { return {s.usage_pages().begin(), s.usage_pages().end()}; }
std::vector<uint32_t> ids(const telltale::v1::HidSummary& s) { return {s.report_ids().begin(), s.report_ids().end()}; }

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(HidReport, SpecBootKeyboard_IsKeyboardOnly) {
  const auto raw = fixture_bytes("hid/boot-keyboard.bin");
  const auto s = summarize_hid_report(raw);
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.keyboard());
  EXPECT_FALSE(s.relative_pointer());
  EXPECT_FALSE(s.absolute_pointer());
  EXPECT_FALSE(s.vendor_page());
  EXPECT_EQ(pages(s), (std::vector<uint32_t>{0x01, 0x07, 0x08}));
  EXPECT_TRUE(ids(s).empty());
  EXPECT_EQ(s.descriptor_length(), 63u);
  EXPECT_EQ(s.descriptor_sha256(), telltale::sha256_hex(raw));
}

TEST(HidReport, SpecBootMouse_IsRelativePointer) {
  const auto s = summarize_hid_report(fixture_bytes("hid/boot-mouse.bin"));
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.relative_pointer());
  EXPECT_FALSE(s.absolute_pointer());
  EXPECT_FALSE(s.keyboard());
  EXPECT_EQ(pages(s), (std::vector<uint32_t>{0x01, 0x09}));
}

TEST(HidReport, PiKvmGadget_KeyboardAndAbsolutePointerOverFullRange) {
  const auto kbd = summarize_hid_report(fixture_bytes("hid/pikvm-keyboard.bin"));
  EXPECT_EQ(kbd.parse_error(), "");
  EXPECT_TRUE(kbd.keyboard());
  const auto mouse = summarize_hid_report(fixture_bytes("hid/pikvm-mouse-absolute.bin"));
  EXPECT_EQ(mouse.parse_error(), "");
  EXPECT_TRUE(mouse.absolute_pointer());
  EXPECT_FALSE(mouse.relative_pointer());  // only the wheel is relative
  EXPECT_FALSE(mouse.keyboard());
  EXPECT_EQ(mouse.abs_x_min(), 0);
  EXPECT_EQ(mouse.abs_x_max(), 32767);
  EXPECT_EQ(mouse.abs_y_min(), 0);
  EXPECT_EQ(mouse.abs_y_max(), 32767);
}

TEST(HidReport, MultiTouchScreen_IsDigitizerWithFirstContactRange) {
  const auto s = summarize_hid_report(fixture_bytes("hid/touchscreen.bin"));
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.digitizer());
  EXPECT_FALSE(s.touchpad());
  EXPECT_TRUE(s.absolute_pointer());
  EXPECT_EQ(s.abs_x_max(), 4095);
  EXPECT_EQ(s.abs_y_max(), 2303);
  EXPECT_EQ(pages(s), (std::vector<uint32_t>{0x01, 0x0D}));
  EXPECT_EQ(ids(s), (std::vector<uint32_t>{1, 2}));
}

TEST(HidReport, LogitechReceiverVendorInterface_IsVendorPageOnly) {
  const auto s = summarize_hid_report(fixture_bytes("hid/logitech-receiver-vendor.bin"));
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.vendor_page());
  EXPECT_FALSE(s.keyboard());
  EXPECT_FALSE(s.relative_pointer());
  EXPECT_FALSE(s.absolute_pointer());
  EXPECT_EQ(pages(s), (std::vector<uint32_t>{0xFF00}));
  EXPECT_EQ(ids(s), (std::vector<uint32_t>{0x10, 0x11, 0x20, 0x21}));
}

TEST(HidReport, ReceiverMouseInterface_HasConsumerAndSystemControl) {
  // Unifying receiver interface 1, consumer (report 3) and system control (report 4).
  const Bytes raw{0x05, 0x0C, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x03, 0x75, 0x10, 0x95, 0x02, 0x15, 0x01, 0x26,
                  0xFF, 0x02, 0x19, 0x01, 0x2A, 0xFF, 0x02, 0x81, 0x00, 0xC0, 0x05, 0x01, 0x09, 0x80, 0xA1,
                  0x01, 0x85, 0x04, 0x75, 0x02, 0x95, 0x01, 0x15, 0x01, 0x25, 0x03, 0x09, 0x82, 0x09, 0x81,
                  0x09, 0x83, 0x81, 0x60, 0x75, 0x06, 0x81, 0x03, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.consumer_control());
  EXPECT_TRUE(s.system_control());
  EXPECT_FALSE(s.keyboard());
  EXPECT_EQ(ids(s), (std::vector<uint32_t>{3, 4}));
}

TEST(HidReport, PrecisionTouchpad_IsTouchpadAndDigitizer) {
  const Bytes raw{0x05, 0x0D, 0x09, 0x05, 0xA1, 0x01, 0x85, 0x04, 0x09, 0x22, 0xA1, 0x02, 0x09, 0x42, 0x15,
                  0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01, 0x81, 0x02, 0x95, 0x07, 0x81, 0x03, 0x05, 0x01,
                  0x26, 0xF0, 0x0B, 0x75, 0x10, 0x09, 0x30, 0x81, 0x02, 0x26, 0x20, 0x07, 0x09, 0x31, 0x81,
                  0x02, 0xC0, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.touchpad());
  EXPECT_TRUE(s.digitizer());
  EXPECT_EQ(s.abs_x_max(), 3056);
  EXPECT_EQ(s.abs_y_max(), 1824);
}

TEST(HidReport, Gamepad_IsRecognisedNotAKeyboard) {
  const Bytes raw{0x05, 0x01, 0x09, 0x05, 0xA1, 0x01, 0x05, 0x09, 0x19, 0x01, 0x29, 0x0E, 0x15, 0x00,
                  0x25, 0x01, 0x75, 0x01, 0x95, 0x0E, 0x81, 0x02, 0x95, 0x02, 0x81, 0x03, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_TRUE(s.gamepad());
  EXPECT_FALSE(s.keyboard());
}

TEST(HidReport, ExtendedUsages_CarryTheirOwnPage) {
  // Usage (0x0001_0006) as a 4-byte local item, keys as extended usage min/max
  // on page 7 while the global usage page is vendor 0xFF00.
  const Bytes raw{0x06, 0x00, 0xFF, 0x0B, 0x06, 0x00, 0x01, 0x00, 0xA1, 0x01, 0x1B, 0x00, 0x00,
                  0x07, 0x00, 0x2B, 0x65, 0x00, 0x07, 0x00, 0x75, 0x08, 0x95, 0x06, 0x81, 0x00, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.keyboard());
  EXPECT_TRUE(s.vendor_page());
  EXPECT_EQ(pages(s), (std::vector<uint32_t>{0x01, 0x07, 0xFF00}));
}

// Issue 17: a KVM's absolute pointer with a Usage Page item and another usage
// between Usage(X)/Usage(Y) and the Input item. hid-core pages X/Y when they
// are read and re-pages only the trailing usages that lack the last page, so
// Linux still sees absolute X/Y on Generic Desktop.
const Bytes kRearrangedKvmMouse{
    0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x01, 0xA1, 0x00,  // GD Mouse, Pointer
    0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x03, 0x81, 0x02,
    0x95, 0x05, 0x81, 0x03,                                      // buttons + padding
    0x05, 0x01, 0x09, 0x30, 0x09, 0x31,                          // Usage Page GD, X, Y
    0x05, 0x0C, 0x0A, 0x38, 0x02,                                // Usage Page Consumer, AC Pan
    0x15, 0x00, 0x26, 0xFF, 0x7F, 0x75, 0x10, 0x95, 0x03, 0x81, 0x02,  // Input (Data,Var,Abs)
    0xC0, 0xC0};

TEST(HidReport, UsagePageAndUsageBetweenXYAndInput_KeepXYOnGenericDesktop) {
  const auto s = summarize_hid_report(kRearrangedKvmMouse);
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.absolute_pointer());
  EXPECT_EQ(s.abs_x_max(), 32767);
  EXPECT_EQ(s.abs_y_max(), 32767);
}

TEST(HidReport, UsagePageAfterTheLastUsage_MovesTheTrailingUsages) {
  // Usage(X) Usage(Y) read on the Button page, then Usage Page GD before the
  // Input: hid-core re-pages both to Generic Desktop (a real mouse layout).
  const Bytes raw{0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x05, 0x09, 0x09, 0x30, 0x09, 0x31, 0x05, 0x01,
                  0x15, 0x81, 0x25, 0x7F, 0x75, 0x08, 0x95, 0x02, 0x81, 0x06, 0xC0};
  EXPECT_TRUE(summarize_hid_report(raw).relative_pointer());
}

TEST(HidReport, UsageReadOnAnotherPage_StaysThereWhenALaterUsageHasTheLastPage) {
  // X on the Button page (0x09:0x30), then Usage Page GD and Y: the walk back
  // stops at Y, so X stays a button and there is no X axis.
  const Bytes raw{0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x05, 0x09, 0x09, 0x30, 0x05, 0x01, 0x09, 0x31,
                  0x15, 0x00, 0x26, 0xFF, 0x7F, 0x75, 0x10, 0x95, 0x02, 0x81, 0x02, 0xC0};
  EXPECT_FALSE(summarize_hid_report(raw).absolute_pointer());
}

TEST(HidReport, DelimiterAlternatives_OnlyTheFirstSetCounts) {
  // Delimiter(open) X Y Delimiter(close) Delimiter(open) Wheel Delimiter(close):
  // hid-core keeps the first set and ignores the alternative.
  const Bytes raw{0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0xA9, 0x01, 0x09, 0x30, 0x09, 0x31, 0xA9, 0x00, 0xA9, 0x01,
                  0x09, 0x38, 0xA9, 0x00, 0x15, 0x81, 0x25, 0x7F, 0x75, 0x08, 0x95, 0x02, 0x81, 0x06, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.relative_pointer());
  // After a second set, hid-core ignores every usage up to the next main item,
  // also those outside any delimiter: Y here is dropped, as Linux drops it.
  const Bytes late_y{0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0xA9, 0x01, 0x09, 0x30, 0xA9, 0x00, 0xA9, 0x01, 0x09, 0x38,
                     0xA9, 0x00, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7F, 0x75, 0x08, 0x95, 0x02, 0x81, 0x06, 0xC0};
  EXPECT_FALSE(summarize_hid_report(late_y).relative_pointer());
}

TEST(HidReport, ReservedItemsAreSkippedButUnknownGlobalTagsRefused_AsHidCoreDoes) {
  // A reserved-type item (prefix 0x0D) inside a keyboard: Linux ignores it and binds the keyboard.
  Bytes raw = fixture_bytes("hid/boot-keyboard.bin");
  raw.insert(raw.begin() + 6, {0x0D, 0x00});
  const auto s = summarize_hid_report(raw);
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.keyboard());
  // Global tag 0xC (prefix 0xC5) is unknown: hid-core refuses the descriptor.
  const Bytes unknown{0x05, 0x01, 0xC5, 0x01};
  EXPECT_NE(summarize_hid_report(unknown).parse_error().find("unknown global item tag"), std::string::npos);
}

TEST(HidReport, UsageMaximumBelowMinimum_WrapsAndIsCutLikeHidCore) {
  // Usage Minimum 0x31, Usage Maximum 0x30 on Generic Desktop: the kernel's
  // unsigned count wraps, the range is cut to the 12288 usages left, so it
  // runs 0x31..0x3030 and holds Y but not X.
  const Bytes raw{0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x19, 0x31, 0x29, 0x30, 0x15, 0x00, 0x26, 0xFF, 0x7F,
                  0x75, 0x10, 0x95, 0x02, 0x81, 0x02, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_FALSE(s.absolute_pointer());
}

TEST(HidReport, TouchScreenFinger_IsATouchContactWithoutPenPressure) {
  // Digitizer / Touch Screen, Finger: Tip Switch, absolute X/Y 0..32767.
  const Bytes raw{0x05, 0x0D, 0x09, 0x04, 0xA1, 0x01, 0x09, 0x22, 0xA1, 0x02, 0x09, 0x42, 0x15, 0x00, 0x25, 0x01,
                  0x75, 0x01, 0x95, 0x01, 0x81, 0x02, 0x95, 0x07, 0x81, 0x03, 0x05, 0x01, 0x09, 0x30, 0x09, 0x31,
                  0x26, 0xFF, 0x7F, 0x75, 0x10, 0x95, 0x02, 0x81, 0x02, 0xC0, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_TRUE(s.touch_screen_contact());
  EXPECT_FALSE(s.pen_pressure());
  EXPECT_TRUE(s.digitizer());
}

TEST(HidReport, PenWithTipPressure_HasPenPressure) {
  const Bytes raw{0x05, 0x0D, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x20, 0xA1, 0x00, 0x09, 0x42, 0x15, 0x00, 0x25, 0x01,
                  0x75, 0x01, 0x95, 0x01, 0x81, 0x02, 0x95, 0x07, 0x81, 0x03, 0x09, 0x30, 0x26, 0xFF, 0x1F,
                  0x75, 0x10, 0x95, 0x01, 0x81, 0x02, 0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x26, 0xFF, 0x7F,
                  0x95, 0x02, 0x81, 0x02, 0xC0, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_TRUE(s.pen_pressure());
  EXPECT_FALSE(s.touch_screen_contact());
  EXPECT_TRUE(s.absolute_pointer());
}

TEST(HidReport, GamepadSticks_AreNoAbsolutePointer) {
  const Bytes raw{0x05, 0x01, 0x09, 0x05, 0xA1, 0x01, 0x09, 0x01, 0xA1, 0x00, 0x09, 0x30, 0x09, 0x31,
                  0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08, 0x95, 0x02, 0x81, 0x02, 0xC0, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_TRUE(s.gamepad());
  EXPECT_FALSE(s.absolute_pointer());
}

TEST(HidReport, KeyboardCollectionWithoutKeys_IsNotAKeyboard) {
  const Bytes raw{0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x06, 0x00, 0xFF, 0x09, 0x01,
                  0x75, 0x08, 0x95, 0x08, 0x81, 0x02, 0xC0};
  EXPECT_FALSE(summarize_hid_report(raw).keyboard());
}

TEST(HidReport, PushPop_RestoresUsagePageAndRange) {
  // Push (page GD, 0..32767), switch to buttons with 0..1, pop, then X/Y absolute.
  const Bytes raw{0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x15, 0x00, 0x26, 0xFF, 0x7F, 0xA4, 0x05, 0x09,
                  0x25, 0x01, 0x19, 0x01, 0x29, 0x03, 0x75, 0x01, 0x95, 0x03, 0x81, 0x02, 0xB4, 0x09,
                  0x30, 0x09, 0x31, 0x75, 0x10, 0x95, 0x02, 0x81, 0x02, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.absolute_pointer());
  EXPECT_EQ(s.abs_x_max(), 32767);
}

TEST(HidReport, SignedLogicalRangeAndUnsignedMaximum) {
  // min -2047 (16 01 f8), max 2047: a 12-bit relative mouse; then min 0, max FF FF read as 65535.
  const Bytes raw{0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x16, 0x01, 0xF8, 0x26, 0xFF, 0x07, 0x75, 0x0C,
                  0x95, 0x02, 0x09, 0x30, 0x09, 0x31, 0x81, 0x06, 0x15, 0x00, 0x26, 0xFF, 0xFF, 0x75,
                  0x10, 0x95, 0x02, 0x09, 0x30, 0x09, 0x31, 0x81, 0x02, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_TRUE(s.relative_pointer());
  EXPECT_TRUE(s.absolute_pointer());
  EXPECT_EQ(s.abs_x_min(), 0);
  EXPECT_EQ(s.abs_x_max(), 65535);
}

TEST(HidReport, ConstantAndArrayXY_AreNotAxes) {
  const Bytes raw{0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x30, 0x09, 0x31, 0x75, 0x08, 0x95, 0x02,
                  0x81, 0x03, 0x09, 0x30, 0x09, 0x31, 0x81, 0x00, 0xC0};
  const auto s = summarize_hid_report(raw);
  EXPECT_FALSE(s.absolute_pointer());
  EXPECT_FALSE(s.relative_pointer());
}

TEST(HidReport, LongItem_IsSkipped) {
  const auto s = summarize_hid_report(cat({0xFE, 0x02, 0x10, 0xAA, 0xBB}, fixture_bytes("hid/boot-mouse.bin")));
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_TRUE(s.relative_pointer());
}

TEST(HidReport, ItemClaimsMoreBytesThanRemain_KeepsWhatParsed) {
  auto raw = fixture_bytes("hid/boot-keyboard.bin");
  raw.pop_back();  // the final End Collection
  const auto s = summarize_hid_report(cat(raw, {0x27, 0xFF, 0xFF}));
  EXPECT_EQ(s.parse_error(), "byte 62: item claims 4 data bytes, 2 remain");
  EXPECT_TRUE(s.keyboard());  // the open keyboard collection still counts
}

TEST(HidReport, MalformedStructures_NameTheByteOffset) {
  EXPECT_EQ(summarize_hid_report(Bytes{0xC0}).parse_error(), "byte 0: end collection without an open collection");
  EXPECT_EQ(summarize_hid_report(Bytes{0x05, 0x01, 0xB4}).parse_error(), "byte 2: pop with an empty global stack");
  EXPECT_EQ(summarize_hid_report(Bytes{0xA4, 0xA4, 0xA4, 0xA4, 0xA4}).parse_error(), "byte 4: push deeper than 4");
  EXPECT_EQ(summarize_hid_report(Bytes{0x85, 0x00}).parse_error(), "byte 0: report id 0, expected 1-255");
  EXPECT_EQ(summarize_hid_report(Bytes{0xF4}).parse_error(), "byte 0: unknown global item tag 0x0f");
  EXPECT_EQ(summarize_hid_report(Bytes{0x76, 0x01, 0x01}).parse_error(), "byte 0: report size 257, at most 256");
  EXPECT_EQ(summarize_hid_report(Bytes{0x96, 0x01, 0x30}).parse_error(), "byte 0: report count 12289, at most 12288");
  EXPECT_EQ(summarize_hid_report(Bytes{0xA9, 0x01}).parse_error(), "byte 2: delimiter not closed at end of descriptor");
  EXPECT_EQ(summarize_hid_report(Bytes{0xFE, 0x05, 0x10, 0xAA}).parse_error(), "byte 0: long item claims 5 data bytes, 1 remain");
  EXPECT_EQ(summarize_hid_report(Bytes{0xFE}).parse_error(), "byte 0: long item header needs 2 bytes, 0 remain");
  EXPECT_EQ(summarize_hid_report(Bytes{0x05, 0x01, 0xA1, 0x01}).parse_error(), "byte 4: 1 collection(s) not closed at end of descriptor");
  Bytes deep;
  for (int i = 0; i < 33; ++i) deep.insert(deep.end(), {0xA1, 0x00});
  EXPECT_EQ(summarize_hid_report(deep).parse_error(), "byte 64: collections nested deeper than 32");
}

TEST(HidReport, EmptyDescriptor_IsEmptySummary) {
  const auto s = summarize_hid_report({});
  EXPECT_EQ(s.parse_error(), "");
  EXPECT_EQ(s.descriptor_length(), 0u);
  EXPECT_FALSE(s.descriptor_sha256().empty());
}

}  // namespace
