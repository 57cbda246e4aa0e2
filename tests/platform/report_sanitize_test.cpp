// sanitize_strings(): the agent's last pass over a whole report, proven on
// the schema itself. Every string field reachable from Report (snapshot,
// delta, events…) is found here by reflection, not listed, so a field added
// to the schema tomorrow is attacked by this test without anyone editing it.
#include "platform/decode/text_sanitize_message.h"

#include <gtest/gtest.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/stubs/logging.h>

#include <set>
#include <string>
#include <vector>

#include "platform/decode/text_sanitize.h"
#include "telltale/v1/telemetry.pb.h"

namespace {

namespace pb = google::protobuf;
using telltale::decode::kMaxFieldChars;
using telltale::decode::kMaxLongFieldChars;
using telltale::decode::max_chars_of;
using telltale::decode::sanitize_strings;

// What a device, a user's config file or a process name can carry.
const std::vector<std::string> kHostile = {
    std::string("hangul\xff", 7),                                  // the finding: invalid UTF-8
    std::string("\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x80", 11),  // overlong, surrogate, >U+10FFFF, truncated
    "Evil\xe2\x80\xae" "draobyeK",                                 // RIGHT-TO-LEFT OVERRIDE
    "a\xe2\x81\xa6isolate\xe2\x81\xa9\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c\xe2\x80\x8b\xef\xbb\xbf",  // isolates, marks, ZWSP, BOM
    std::string("ctl\0\x1b[2J\x7f\xc2\x9b\n\r\t", 13),             // C0, ANSI escape, DEL, C1, line breaks
    std::string(1500, 'A'),                                        // over even the long cap (1024)
    std::string(1500, '\xff'),                                     // long and invalid: 1500 U+FFFD before the cut
};

struct Filler {
  size_t variant;       // which member of each oneof to set
  size_t next = 0;      // rotates through kHostile
  size_t strings = 0;   // string values written
  std::set<std::string> fields;  // full names of string fields written

  void fill(pb::Message& m, int depth) {
    if (depth > 8) return;  // the schema is not recursive today; stay finite if it becomes so
    const auto* d = m.GetDescriptor();
    const auto* r = m.GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const auto* f = d->field(i);
      if (const auto* o = f->real_containing_oneof()) {
        if (o->field(static_cast<int>(variant % static_cast<size_t>(o->field_count()))) != f) continue;
      }
      const int copies = f->is_repeated() ? 2 : 1;
      for (int k = 0; k < copies; ++k) {
        switch (f->cpp_type()) {
          case pb::FieldDescriptor::CPPTYPE_STRING: {
            std::string v = f->type() == pb::FieldDescriptor::TYPE_BYTES ? std::string("\xff\x00\xfe", 3)
                                                                          : kHostile[next++ % kHostile.size()];
            if (f->type() == pb::FieldDescriptor::TYPE_STRING) {
              ++strings;
              fields.insert(f->full_name());
            }
            if (f->is_repeated()) r->AddString(&m, f, v);
            else r->SetString(&m, f, v);
            break;
          }
          case pb::FieldDescriptor::CPPTYPE_MESSAGE:
            fill(f->is_repeated() ? *r->AddMessage(&m, f) : *r->MutableMessage(&m, f), depth + 1);
            break;
          default:
            break;  // numbers and bools cannot hurt serialisation
        }
      }
    }
  }
};

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

// Every string in m, with its cap; bytes fields separately.
void visit(const pb::Message& m, std::vector<std::pair<std::string, size_t>>& strings, std::vector<std::string>& bytes) {
  const auto* r = m.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const auto* f : fields) {
    const int n = f->is_repeated() ? r->FieldSize(m, f) : 1;
    for (int i = 0; i < n; ++i) {
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
        std::string v = f->is_repeated() ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
        if (f->type() == pb::FieldDescriptor::TYPE_BYTES) bytes.push_back(v);
        else strings.emplace_back(v, max_chars_of(*f));
      } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        visit(f->is_repeated() ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f), strings, bytes);
      }
    }
  }
}

TEST(ReportSanitiser, EveryStringFieldOfAReportFilledWithHostileBytes_SerialisesParsesAndStaysUnderTheCap) {
  std::set<std::string> covered;
  size_t total_strings = 0;
  // Enough variants that every member of every oneof is filled once.
  for (size_t variant = 0; variant < 8; ++variant) {
    telltale::v1::Report report;
    Filler filler{variant};
    filler.fill(report, 0);
    covered.insert(filler.fields.begin(), filler.fields.end());
    total_strings += filler.strings;

    telltale::v1::Report unsanitised;
    google::protobuf::LogSilencer quiet;  // protobuf logs each invalid field; expected here
    ASSERT_FALSE(unsanitised.ParseFromString(report.SerializeAsString()))
        << "the hostile values must break the report before the pass, or this test proves nothing";

    const auto result = sanitize_strings(report);
    EXPECT_EQ(result.fields_repaired, filler.strings) << "every hostile value needed a repair and is counted";
    EXPECT_FALSE(result.examples.empty());

    std::string wire;
    ASSERT_TRUE(report.SerializeToString(&wire));
    telltale::v1::Report parsed;
    ASSERT_TRUE(parsed.ParseFromString(wire)) << "variant " << variant;
    EXPECT_EQ(sanitize_strings(parsed).fields_repaired, 0u) << "a second pass finds nothing: the first was complete";

    std::vector<std::pair<std::string, size_t>> strings;
    std::vector<std::string> bytes;
    visit(parsed, strings, bytes);
    EXPECT_EQ(strings.size(), filler.strings);
    for (const auto& [s, cap] : strings) {
      EXPECT_LE(code_points(s), cap);
      EXPECT_LE(s.size(), cap * 4);
      EXPECT_EQ(s.find("\xe2\x80\xae"), std::string::npos);
      EXPECT_EQ(s.find("\xef\xbb\xbf"), std::string::npos);
      for (unsigned char c : s) EXPECT_GE(c, 0x20) << "no control byte survives";
    }
    for (const auto& b : bytes) EXPECT_EQ(b, std::string("\xff\x00\xfe", 3)) << "bytes fields are data: untouched";
  }
  // The figure for docs/PROOF.md: how many distinct string fields and values were attacked.
  std::cout << "[ report_sanitiser ] string fields attacked: " << covered.size()
            << ", hostile values: " << total_strings << "\n";
  EXPECT_GT(covered.size(), 100u);
  EXPECT_TRUE(covered.count("telltale.v1.InputMethod.name"));
  EXPECT_TRUE(covered.count("telltale.v1.RemoteProcess.comm"));
  EXPECT_TRUE(covered.count("telltale.v1.RemoteProcess.exe"));
  EXPECT_TRUE(covered.count("telltale.v1.UsbDevice.product"));
  EXPECT_TRUE(covered.count("telltale.v1.UsbChange.product")) << "events are covered too";
}

TEST(ReportSanitiser, PathsAndMessagesGetTheLongCapAndEverythingElseTheNameCap) {
  const auto* pe = telltale::v1::ProbeError::descriptor();
  EXPECT_EQ(max_chars_of(*pe->FindFieldByName("message")), kMaxLongFieldChars);
  EXPECT_EQ(max_chars_of(*pe->FindFieldByName("path")), kMaxLongFieldChars);
  EXPECT_EQ(max_chars_of(*pe->FindFieldByName("probe")), kMaxFieldChars);
  EXPECT_EQ(max_chars_of(*telltale::v1::UsbDevice::descriptor()->FindFieldByName("product")), kMaxFieldChars);
  EXPECT_EQ(max_chars_of(*telltale::v1::InputMethod::descriptor()->FindFieldByName("source")), kMaxLongFieldChars);
}

TEST(ReportSanitiser, EveryLongCapFieldName_StillNamesAStringFieldOfTheSchema) {
  // A renamed field would silently fall back to the 256 cap; this says so.
  for (auto name : telltale::decode::long_field_names()) {
    const auto* f = pb::DescriptorPool::generated_pool()->FindFieldByName(std::string(name));
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->type(), pb::FieldDescriptor::TYPE_STRING) << name;
  }
}

TEST(ReportSanitiser, CleanSnapshot_IsLeftExactlyAsItWas) {
  telltale::v1::Snapshot s;
  s.mutable_hardware()->set_product_name("ThinkPad X1 Carbon Gen 11");
  auto* u = s.add_usb_devices();
  u->set_product("Logitech USB Receiver");
  u->set_manufacturer("");  // present but empty (optional field): stays present
  auto* im = s.mutable_keyboard()->add_users();
  im->set_user("jiwoo");
  im->add_input_methods()->set_name("hangul");
  s.add_displays()->set_edid_raw(std::string("\x00\xff\xff\xff\xff\xff\xff\x00", 8));
  const auto before = s.SerializeAsString();
  EXPECT_EQ(sanitize_strings(s).fields_repaired, 0u);
  EXPECT_EQ(s.SerializeAsString(), before);
  EXPECT_TRUE(s.usb_devices(0).has_manufacturer());
}

}  // namespace
