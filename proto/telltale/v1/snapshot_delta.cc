#include "telltale/v1/snapshot_delta.h"

#include <google/protobuf/util/message_differencer.h>

namespace telltale::v1 {
namespace {
using google::protobuf::FieldDescriptor;
using google::protobuf::Reflection;

bool field_equal(const Snapshot& a, const Snapshot& b, const FieldDescriptor* f) {
  google::protobuf::util::MessageDifferencer diff;
  std::vector<const FieldDescriptor*> one{f};
  return diff.CompareWithFields(a, b, one, one);
}
}  // namespace

std::vector<std::string> changed_sections(const Snapshot& base, const Snapshot& next) {
  std::vector<std::string> out;
  const auto* d = Snapshot::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (!field_equal(base, next, f)) out.push_back(f->name());
  }
  return out;
}

SnapshotDelta make_delta(uint64_t base_seq, const Snapshot& base, const Snapshot& next) {
  SnapshotDelta delta;
  delta.set_base_seq(base_seq);
  const auto* d = Snapshot::descriptor();
  const Reflection* r = next.GetReflection();
  Snapshot* changed = delta.mutable_changed();
  changed->CopyFrom(next);
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (field_equal(base, next, f)) r->ClearField(changed, f);
    else delta.add_changed_sections(f->name());
  }
  return delta;
}

bool apply_delta(Snapshot& base, const SnapshotDelta& delta, std::string* error) {
  const auto* d = Snapshot::descriptor();
  std::vector<const FieldDescriptor*> fields;
  for (const auto& name : delta.changed_sections()) {
    const auto* f = d->FindFieldByName(name);
    if (!f) {
      if (error) *error = "delta names unknown Snapshot section \"" + name + "\"";
      return false;
    }
    fields.push_back(f);
  }
  const Reflection* r = base.GetReflection();
  Snapshot source = delta.changed();
  for (const auto* f : fields) {
    r->ClearField(&base, f);
  }
  // SwapFields moves exactly the named sections from source into base.
  r->SwapFields(&base, &source, fields);
  return true;
}

}  // namespace telltale::v1
