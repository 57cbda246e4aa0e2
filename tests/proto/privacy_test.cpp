// Guards "privacy by construction": no message reachable from Snapshot or the
// telemetry stream may carry key codes, typed text, window titles, screen
// content or a process list beyond watchlist matches.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "telltale/v1/snapshot.pb.h"
#include "telltale/v1/telemetry.pb.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

void collect_fields(const Descriptor* d, std::set<const Descriptor*>& seen, std::vector<const FieldDescriptor*>& out) {
  if (!seen.insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    out.push_back(f);
    if (f->message_type()) collect_fields(f->message_type(), seen, out);
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

TEST(PrivacyByConstruction, NoFieldCanCarryKeystrokesWindowsScreensOrProcessLists) {
  // Words that would name a field carrying content rather than counts.
  const std::vector<std::string> forbidden = {"keycode", "key_code", "scancode", "scan_code", "keystroke_text",
                                              "typed", "text_input", "clipboard", "window_title", "title",
                                              "screenshot", "screen_content", "pixels", "video_frame", "frame_data", "process_list",
                                              "all_processes", "command_line", "cmdline", "argv", "url", "password"};
  std::set<const Descriptor*> seen;
  std::vector<const FieldDescriptor*> fields;
  collect_fields(telltale::v1::AgentMessage::descriptor(), seen, fields);
  ASSERT_GT(fields.size(), 100u) << "the walk should reach the whole Snapshot";
  for (const auto* f : fields) {
    const std::string name = lower(f->name());
    for (const auto& word : forbidden)
      EXPECT_EQ(name.find(word), std::string::npos) << f->full_name() << " looks like it could carry " << word;
  }
}

TEST(PrivacyByConstruction, InputActivityCarriesOnlyCountsAndHistograms) {
  std::set<const Descriptor*> seen;
  std::vector<const FieldDescriptor*> fields;
  collect_fields(telltale::v1::InputActivity::descriptor(), seen, fields);
  for (const auto* f : fields) {
    // Strings are allowed only for naming the device, never per event.
    if (f->type() == FieldDescriptor::TYPE_STRING || f->type() == FieldDescriptor::TYPE_BYTES) {
      EXPECT_TRUE(f->name() == "device" || f->name() == "event_node") << f->full_name();
      EXPECT_FALSE(f->is_repeated()) << f->full_name();
    }
    // The behaviour counters (issue 17) say how far a pointer jumped, never where it was.
    const std::string name = lower(f->name());
    for (const char* word : {"position", "coordinate", "abs_x", "abs_y", "location"})
      EXPECT_EQ(name.find(word), std::string::npos) << f->full_name() << " looks like it could carry a pointer position";
  }
}

TEST(PrivacyByConstruction, RemoteAccessCarriesOnlyMatchedProcesses) {
  // Processes appear only inside RemoteAccessTool (a watchlist match), never at top level.
  const auto* snap = telltale::v1::Snapshot::descriptor();
  for (int i = 0; i < snap->field_count(); ++i) {
    const auto* f = snap->field(i);
    if (f->message_type()) {
      EXPECT_NE(f->message_type()->name(), "RemoteProcess") << f->full_name();
    }
  }
}

}  // namespace
