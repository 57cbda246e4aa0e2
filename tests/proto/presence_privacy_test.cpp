// A presence result records the action, the class of device that answered,
// timings and the session type: never which key, never text. The result
// travels as signed bytes (SignedPresenceResult.result), which the schema
// walk of privacy_test.cpp cannot see into, so it is walked here.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "telltale/v1/presence.pb.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

void walk(const Descriptor* d, std::set<const Descriptor*>& seen, std::vector<const FieldDescriptor*>& out) {
  if (!seen.insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    out.push_back(d->field(i));
    if (d->field(i)->message_type()) walk(d->field(i)->message_type(), seen, out);
  }
}

TEST(PresencePrivacy, ResultHoldsNoKeyIdentityAndOnlyNamedStrings) {
  std::set<const Descriptor*> seen;
  std::vector<const FieldDescriptor*> fields;
  walk(telltale::v1::PresenceResult::descriptor(), seen, fields);
  walk(telltale::v1::PresenceRequest::descriptor(), seen, fields);
  const std::set<std::string> strings = {"check_id", "device_id", "agent_version", "session_type", "detail",
                                         "company", "reason"};
  for (const auto* f : fields) {
    for (const char* word : {"keycode", "key_code", "scancode", "scan_code", "which_key", "typed", "text", "title"})
      EXPECT_EQ(f->name().find(word), std::string::npos) << f->full_name();
    if (f->type() == FieldDescriptor::TYPE_STRING || f->type() == FieldDescriptor::TYPE_BYTES)
      EXPECT_TRUE(strings.contains(f->name())) << f->full_name() << ": a new string field needs a privacy review";
  }
}

}  // namespace
