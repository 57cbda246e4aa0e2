#include "server/console/console_internal.h"

#include "server/detect/why.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <mutex>

namespace telltale::server::console::internal {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

size_t neutralize_bidi(std::string& s) {
  size_t replaced = 0;
  std::string out;
  size_t copied = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(s[i]), b1 = static_cast<unsigned char>(s[i + 1]);
    size_t len = 0;
    if (b0 == 0xd8 && b1 == 0x9c) len = 2;  // U+061C ARABIC LETTER MARK
    else if (b0 == 0xe2 && i + 2 < s.size()) {
      const auto b2 = static_cast<unsigned char>(s[i + 2]);
      if (b1 == 0x80 && (b2 == 0x8e || b2 == 0x8f || (b2 >= 0xaa && b2 <= 0xae))) len = 3;  // U+200E/F, U+202A-E
      if (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9) len = 3;                                  // U+2066-9
    }
    if (!len) continue;
    out.append(s, copied, i - copied);
    out += "\xEF\xBF\xBD";
    copied = i + len;
    i += len - 1;
    ++replaced;
  }
  if (replaced) {
    out.append(s, copied, std::string::npos);
    s = std::move(out);
  }
  return replaced;
}

HttpResponse reply(int status, const json::value& v) {
  // boost::json writes non-ASCII as raw UTF-8, so the controls are found as
  // bytes in the serialized text, keys and values alike.
  std::string body = json::serialize(v);
  neutralize_bidi(body);
  return {status, "application/json", std::move(body), {}};
}
HttpResponse error(int status, const std::string& message) { return reply(status, json::object{{"error", message}}); }

HttpResponse forbidden(Role needed) { return error(403, std::string(to_string(needed)) + " role required"); }

json::value parse_json_or_null(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return nullptr;
  return v;
}

json::value embed_json(const std::string& text) {
  auto v = parse_json_or_null(text);
  return v.is_null() ? json::value(text) : v;
}

json::value proto_value(const google::protobuf::Message& m) {
  std::string text;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &text, opts);
  return embed_json(text);
}

namespace {
// "firstSeenUnixMs" → "first_seen_unix_ms", recursively over object keys.
// Renaming keys keeps every value, even fields a newer engine added.
json::value snake_keys(const json::value& v) {
  if (v.is_array()) {
    json::array out;
    for (auto& x : v.as_array()) out.push_back(snake_keys(x));
    return out;
  }
  if (!v.is_object()) return v;
  json::object out;
  for (auto& [k, x] : v.as_object()) {
    std::string name;
    for (char ch : k) {
      if (ch >= 'A' && ch <= 'Z') name += std::string("_") + static_cast<char>(ch - 'A' + 'a');
      else name += ch;
    }
    out[name] = snake_keys(x);
  }
  return out;
}
}  // namespace

json::value verdict_value(const std::string& stored) { return snake_keys(embed_json(stored)); }

namespace {
std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

std::map<std::string, std::string> query_params(const std::string& target) {
  std::map<std::string, std::string> out;
  auto q = target.find('?');
  if (q == std::string::npos) return out;
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto part = rest.substr(0, amp);
    auto eq = part.find('=');
    if (!part.empty())
      out[url_decode(part.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

int64_t int_param(const std::map<std::string, std::string>& q, const std::string& name, int64_t fallback, int64_t lo,
                  int64_t hi) {
  auto it = q.find(name);
  if (it == q.end()) return fallback;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc{} || end != it->second.data() + it->second.size() || v < lo || v > hi)
    throw BadRequest("query parameter " + name + "=\"" + it->second + "\": expected a whole number from " +
                     std::to_string(lo) + " to " + std::to_string(hi));
  return v;
}

json::object Context::body_object(const std::string& expected) const {
  auto v = parse_json_or_null(req.body);
  if (!v.is_object()) throw BadRequest("body must be a JSON object " + expected);
  return v.as_object();
}

json::object device_json(const DeviceRecord& d) {
  json::array prev;
  for (auto& p : d.previous_device_ids) prev.emplace_back(p);
  return {{"device_id", d.device_id}, {"hostname", d.hostname}, {"platform", d.platform},
          {"agent_version", d.agent_version}, {"serial", d.serial}, {"enrolled_unix_ms", d.enrolled_unix_ms},
          {"last_seen_unix_ms", d.last_seen_unix_ms}, {"reports", d.reports}, {"revoked", d.revoked},
          {"last_peer", d.last_peer}, {"conflicting_reports", d.conflicting_reports}, {"previous_device_ids", prev}};
}

std::optional<Assignment> assignment_for(const std::vector<Assignment>& all, const DeviceRecord& d) {
  for (auto& a : all)
    if (a.device_key == d.device_id) return a;
  if (!d.serial.empty())
    for (auto& a : all)
      if (a.device_key == d.serial) return a;
  return std::nullopt;
}

json::value assignee_json(const std::optional<Assignment>& a) {
  if (!a) return nullptr;
  return json::object{{"employee", a->employee}, {"email", a->email}, {"timezone", a->timezone}, {"region", a->region}};
}

std::shared_ptr<const detect::Catalog> catalog(const ApiOptions& options) {
  static std::mutex mu;
  static std::map<std::filesystem::path, std::shared_ptr<const detect::Catalog>> loaded;
  if (options.catalog_path.empty())
    return std::shared_ptr<const detect::Catalog>(&detect::Catalog::builtin(), [](const detect::Catalog*) {});
  std::lock_guard lock(mu);
  auto& slot = loaded[options.catalog_path];
  if (!slot) slot = std::make_shared<detect::Catalog>(detect::Catalog::load_file(options.catalog_path));
  return slot;
}

SnapshotFacts SnapshotFactsCache::get(Store& store, const DeviceRecord& d) {
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(d.device_id);
    if (it != entries_.end() && it->second.last_seq == d.last_seq && it->second.reports == d.reports)
      return it->second.facts;
  }
  SnapshotFacts f;
  if (auto snap = store.latest_snapshot(d.device_id)) {
    f.has_snapshot = true;
    f.zone = snap->time().iana_zone();
    f.egress = snap->network().egress_ip();
    f.has_health = snap->has_health();
    f.health = snap->health();
    f.search = snapshot_search_fields(*snap);
  }
  std::lock_guard lock(mu_);
  entries_[d.device_id] = {d.last_seq, d.reports, f};
  return f;
}

std::string SnapshotFactsCache::why(const StoredVerdict& v) {
  {
    std::lock_guard lock(mu_);
    if (auto it = whys_.find(v.device_id); it != whys_.end() && it->second.first == v.evaluated_unix_ms)
      return it->second.second;
  }
  auto parsed = detect::verdict_from_json(v.json);
  std::string text = parsed ? detect::why(*parsed) : "";
  std::lock_guard lock(mu_);
  whys_[v.device_id] = {v.evaluated_unix_ms, text};  // lists only ask for the latest evaluation
  return text;
}

std::string location_hint(const SnapshotFacts& facts, const DeviceRecord& d, const detect::Catalog& catalog) {
  std::string hint;
  if (!facts.zone.empty()) {
    const auto& zone = facts.zone;
    const auto* info = catalog.find_zone(zone);
    hint = (info && !info->country.empty() ? info->country + " (timezone " + zone + ")" : "timezone " + zone);
  }
  std::string egress = facts.egress;
  if (egress.empty()) {
    // last_peer is "ipv4:1.2.3.4:5678" / "ipv6:[::1]:5678": keep the address.
    egress = d.last_peer;
    if (auto colon = egress.find(':'); colon != std::string::npos && egress.compare(0, 3, "ipv") == 0)
      egress = egress.substr(colon + 1);
    if (auto port = egress.rfind(':'); port != std::string::npos && egress.find(':') == port) egress.resize(port);
    if (egress.size() > 2 && egress.front() == '[' && egress.find("]:") != std::string::npos)
      egress = egress.substr(1, egress.find("]:") - 1);
  }
  if (!egress.empty()) hint += (hint.empty() ? "" : ", ") + std::string("egress ") + egress;
  return hint;
}

json::array evidence_groups_json(const telltale::v1::Verdict& v) {
  json::array out;
  for (auto& g : detect::group_evidence(v)) {
    json::array idx;
    for (int i : g.indicators) idx.emplace_back(i);
    out.push_back(json::object{{"thing", g.thing}, {"kind", g.kind}, {"label", g.label}, {"severity", g.severity},
                               {"score", g.score}, {"score_text", detect::format_score(g.score)},
                               {"indicators", std::move(idx)}});
  }
  return out;
}

json::object case_json(const CaseRecord& c, const std::string& hostname, bool with_notes) {
  json::object o{{"id", c.id},
                 {"device_id", c.device_id},
                 {"hostname", hostname},
                 {"title", c.title},
                 {"status", c.status},
                 {"owner", c.owner},
                 {"created_by", c.created_by},
                 {"created_unix_ms", c.created_unix_ms},
                 {"updated_unix_ms", c.updated_unix_ms}};
  if (with_notes) {
    json::array notes;
    for (auto& n : c.notes) notes.push_back(json::object{{"author", n.author}, {"unix_ms", n.unix_ms}, {"text", n.text}});
    o["notes"] = std::move(notes);
  }
  return o;
}

}  // namespace telltale::server::console::internal
