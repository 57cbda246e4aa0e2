#include "server/detect/why.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace telltale::detect {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// "card0-HDMI-A-1" → "HDMI-A-1": the card number means nothing to a reader.
std::string short_connector(const std::string& c) {
  if (starts_with(c, "card")) {
    auto dash = c.find('-');
    if (dash != std::string::npos) return c.substr(dash + 1);
  }
  return c;
}

// "PiKVM OTG composite gadget (keyboard/mouse/storage of a PiKVM)" → without
// the parenthesis: the why line names things, the card explains them.
std::string short_title(std::string t) {
  if (!t.empty() && t.back() == ')') {
    auto open = t.rfind(" (");
    if (open != std::string::npos && open > 0) t.resize(open);
  }
  return t;
}

struct Thing {
  std::string key, kind, label, where;
};

// What one indicator is about: the first fact that is not the catalog's source.
Thing thing_of(const telltale::v1::Indicator& ind) {
  for (const auto& f : ind.evidence()) {
    const std::string& k = f.key();
    if (k == "catalog") continue;
    if (starts_with(k, "usb ")) {
      std::string path = k.substr(4);
      path = path.substr(0, path.find(':'));  // "1-3:1.0" is interface 0 of the device on 1-3
      std::string value = f.value().substr(0, f.value().find(": "));
      return {"usb " + path, "usb", "USB " + path + ": " + value, "USB " + path};
    }
    if (starts_with(k, "display ")) {
      std::string conn = k.substr(8);
      return {"display " + conn, "display", "Display " + short_connector(conn) + ": " + f.value(),
              short_connector(conn)};
    }
    if (starts_with(k, "input ")) return {k, "input", "Input device " + k.substr(6), ""};
    if (starts_with(k, "cluster ")) return {k, "cluster", "Cluster " + k.substr(8), ""};
    if (starts_with(ind.id(), "remote.") && ind.category() == "signature") return {"tool " + k, "tool", k, ""};
    break;
  }
  return {ind.id(), "other", short_title(ind.title()), ""};
}

}  // namespace

std::string format_score(double score) {
  if (!std::isfinite(score)) return "-";
  double r = std::round(score * 10) / 10;
  if (r == 0) r = 0;  // no "-0"
  char buf[64];
  if (r == std::round(r)) std::snprintf(buf, sizeof buf, "%.0f", r);
  else std::snprintf(buf, sizeof buf, "%.1f", r);
  return buf;
}

int severity_rank(const std::string& s) {
  static const std::map<std::string, int> rank{{"info", 0}, {"low", 1}, {"medium", 2}, {"high", 3}, {"critical", 4}};
  auto it = rank.find(s);
  return it == rank.end() ? 0 : it->second;
}

std::vector<EvidenceGroup> group_evidence(const telltale::v1::Verdict& v) {
  std::vector<EvidenceGroup> groups;
  std::map<std::string, size_t> index;
  for (int i = 0; i < v.indicators_size(); ++i) {
    const auto& ind = v.indicators(i);
    Thing t = thing_of(ind);
    auto [it, fresh] = index.emplace(t.key, groups.size());
    if (fresh) {
      groups.push_back({t.key, t.kind, t.label, ind.severity(), 0, {}});
    }
    auto& g = groups[it->second];
    g.indicators.push_back(i);
    g.score += ind.score();
    if (severity_rank(ind.severity()) > severity_rank(g.severity)) g.severity = ind.severity();
  }
  std::stable_sort(groups.begin(), groups.end(), [](const EvidenceGroup& a, const EvidenceGroup& b) {
    if (a.score != b.score) return a.score > b.score;
    return severity_rank(a.severity) > severity_rank(b.severity);
  });
  return groups;
}

std::string why(const telltale::v1::Verdict& v) {
  auto groups = group_evidence(v);
  if (groups.empty()) return "No indicator matched";
  std::string out;
  const size_t shown = std::min<size_t>(2, groups.size());
  for (size_t i = 0; i < shown; ++i) {
    const auto& g = groups[i];
    // The strongest indicator of the group names it, the thing says where.
    const auto& ind = v.indicators(g.indicators.front());
    std::string part = short_title(ind.title());
    Thing t = thing_of(ind);
    if (!t.where.empty()) part += " on " + t.where;
    out += (i ? " and " : "") + part;
  }
  if (groups.size() > shown) out += " (+" + std::to_string(groups.size() - shown) + " more)";
  return out;
}

std::optional<telltale::v1::Verdict> verdict_from_json(const std::string& json) {
  telltale::v1::Verdict v;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;  // to_json puts "verdict" first
  if (!google::protobuf::util::JsonStringToMessage(json, &v, opts).ok()) return std::nullopt;
  return v;
}

}  // namespace telltale::detect
