#include "server/console/evidence_export.h"

#include <algorithm>
#include <cctype>

#include "server/console/console_internal.h"
#include "server/ctl/output.h"
#include "server/detect/why.h"
#include "server/console/snapshot_changes.h"
#include "platform/common/hash.h"

namespace telltale::server::console {
namespace json = boost::json;
using namespace internal;

// The ctl's formatter (same library), without its "-" for unknown times.
std::string iso_time_ms(int64_t unix_ms) { return unix_ms <= 0 ? "" : ctl::format_time_ms(unix_ms); }

void name_export(HttpResponse& response, std::string_view kind, std::string_view name, int64_t exported_unix_ms) {
  std::string safe;
  for (char ch : name.substr(0, 64)) {
    const auto c = static_cast<unsigned char>(ch);
    safe += (std::isalnum(c) || ch == '.' || ch == '-' || ch == '_') ? ch : '_';
  }
  std::string day = iso_time_ms(exported_unix_ms).substr(0, 10);  // "2026-11-28"
  day.erase(std::remove(day.begin(), day.end(), '-'), day.end());
  const bool html = response.content_type.rfind("text/html", 0) == 0;
  const std::string file = "telltale-" + std::string(kind) + "-" + safe + "-" + day + (html ? ".html" : ".json");
  // The exact bytes served, so a recipient can check a saved copy.
  response.headers.emplace_back("X-Content-SHA256", sha256_hex(response.body));
  response.headers.emplace_back("Content-Disposition", std::string(html ? "inline" : "attachment") + "; filename=\"" + file + "\"");
}

json::object evidence_bundle(ConsoleDb& db, Store& store, const DeviceRecord& device, const ExportMeta& meta) {
  json::object b;
  b["export"] = json::object{{"exported_by", meta.exported_by},
                             {"exported_unix_ms", meta.exported_unix_ms},
                             {"exported_at", iso_time_ms(meta.exported_unix_ms)},
                             {"catalog_version", meta.catalog_version},
                             {"format", "telltale.evidence.v1"}};
  b["device"] = device_json(device);
  b["assignee"] = assignee_json(assignment_for(store.assignments(), device));
  json::array history;
  std::optional<telltale::v1::Verdict> latest;
  for (auto& v : store.verdict_history(device.device_id, 200)) {
    auto parsed = detect::verdict_from_json(v.json);
    if (history.empty()) latest = parsed;
    history.push_back(json::object{{"evaluated_unix_ms", v.evaluated_unix_ms}, {"level", v.level}, {"score", v.score},
                                   {"score_text", detect::format_score(v.score)},
                                   {"why", parsed ? detect::why(*parsed) : ""}, {"verdict", verdict_value(v.json)}});
  }
  b["why"] = latest ? detect::why(*latest) : "";
  b["evidence_groups"] = latest ? evidence_groups_json(*latest) : json::array{};
  b["latest_verdict"] = history.empty() ? json::value(nullptr) : history.front();
  b["verdict_history"] = std::move(history);
  auto snap = store.latest_snapshot(device.device_id);
  b["snapshot"] = snap ? proto_value(*snap) : json::value(nullptr);
  b["timeline"] = device_timeline(store, device.device_id, meta.options ? *meta.options : ApiOptions{}, 1000);
  json::array rtt;
  for (auto& p : store.rtt_history(device.device_id, meta.exported_unix_ms - 30LL * 86400 * 1000, 5000))
    rtt.push_back(json::object{{"unix_ms", p.unix_ms}, {"samples", p.samples}, {"median_us", p.median_us},
                               {"p95_us", p.p95_us}});
  b["rtt"] = std::move(rtt);
  json::array cases;
  for (auto& c : db.cases({}, device.device_id))
    if (auto full = db.get_case(c.id)) cases.push_back(case_json(*full, device.hostname, true));
  b["cases"] = std::move(cases);
  return b;
}

namespace {

std::string text_of(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "";
  return json::serialize(v);
}

std::string str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? "" : text_of(it->value());
}

// A number through the one score format (never 4.995E2).
std::string score_text(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_number()) return "";
  return detect::format_score(it->value().to_number<double>());
}

const json::object* obj(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().as_object() : nullptr;
}

const json::array* arr(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_array() ? &it->value().as_array() : nullptr;
}

int64_t ms(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_int64() ? it->value().as_int64() : 0;
}

// Pretty JSON for the snapshot appendix (escaped by the caller).
// Binary fields (*_raw, base64 in proto JSON) become their SHA-256 and
// length: a 256-byte EDID is a 350-character unbreakable line that makes a
// printed page 2,000 px wide, and the hash identifies it as well.
void pretty(std::string& out, const json::value& v, int depth, std::string_view key = {}) {
  if (v.is_string() && key.size() > 4 && key.substr(key.size() - 4) == "_raw") {
    out += json::serialize(json::value(describe_base64(std::string(v.as_string()))));
    return;
  }
  std::string pad(static_cast<size_t>(depth) * 2, ' ');
  if (v.is_object()) {
    if (v.as_object().empty()) { out += "{}"; return; }
    out += "{\n";
    bool first = true;
    for (auto& [k, x] : v.as_object()) {
      if (!first) out += ",\n";
      first = false;
      out += pad + "  " + json::serialize(json::value(k)) + ": ";
      pretty(out, x, depth + 1, k);
    }
    out += "\n" + pad + "}";
  } else if (v.is_array()) {
    if (v.as_array().empty()) { out += "[]"; return; }
    out += "[\n";
    bool first = true;
    for (auto& x : v.as_array()) {
      if (!first) out += ",\n";
      first = false;
      out += pad + "  ";
      pretty(out, x, depth + 1);
    }
    out += "\n" + pad + "]";
  } else {
    out += json::serialize(v);
  }
}

struct Html {
  std::string out;
  void raw(std::string_view s) { out += s; }
  void text(std::string_view s) { out += html_escape(s); }
  void row(std::initializer_list<std::string> cells, bool head = false) {
    out += "<tr>";
    for (auto& c : cells) {
      out += head ? "<th>" : "<td>";
      text(c);
      out += head ? "</th>" : "</td>";
    }
    out += "</tr>\n";
  }
};

void device_section(Html& h, const json::object& b) {
  h.raw("<h2>Device</h2>\n<table>\n");
  if (auto d = obj(b, "device"))
    for (auto key : {"device_id", "hostname", "serial", "platform", "agent_version", "last_peer"})
      h.row({key, str(*d, key)});
  if (auto d = obj(b, "device")) {
    h.row({"enrolled", iso_time_ms(ms(*d, "enrolled_unix_ms"))});
    h.row({"last seen", iso_time_ms(ms(*d, "last_seen_unix_ms"))});
  }
  h.raw("</table>\n<h2>Assignee</h2>\n");
  if (auto a = obj(b, "assignee")) {
    h.raw("<table>\n");
    for (auto key : {"employee", "email", "timezone", "region"}) h.row({key, str(*a, key)});
    h.raw("</table>\n");
  } else {
    h.raw("<p>No assignment matches this device.</p>\n");
  }
}

void verdict_section(Html& h, const json::object& b) {
  h.raw("<h2>Latest verdict</h2>\n");
  auto latest = obj(b, "latest_verdict");
  if (!latest) {
    h.raw("<p>Not evaluated yet.</p>\n");
    return;
  }
  h.raw("<p class=\"level\">");
  h.text(str(*latest, "level") + " — score " + str(*latest, "score_text") + " — evaluated " +
         iso_time_ms(ms(*latest, "evaluated_unix_ms")));
  h.raw("</p>\n<p class=\"why\">");
  h.text("Why: " + str(b, "why"));
  h.raw("</p>\n<table>\n");
  h.row({"indicator", "title", "severity", "score", "evidence"}, true);
  if (auto v = obj(*latest, "verdict"))
    if (auto inds = arr(*v, "indicators"))
      for (auto& iv : *inds) {
        if (!iv.is_object()) continue;
        auto& ind = iv.as_object();
        h.raw("<tr><td>");
        h.text(str(ind, "id"));
        h.raw("</td><td>");
        h.text(str(ind, "title"));
        h.raw("</td><td>");
        h.text(str(ind, "severity"));
        h.raw("</td><td>");
        h.text(score_text(ind, "score"));
        h.raw("</td><td><ul>");
        if (auto ev = arr(ind, "evidence"))
          for (auto& f : *ev) {
            h.raw("<li>");
            if (f.is_object()) {
              // Facts are {key, value}; older verdicts used other names, so show whatever is there.
              std::string line;
              for (auto& [k, x] : f.as_object()) line += (line.empty() ? "" : "; ") + std::string(k) + ": " + text_of(x);
              h.text(line);
            } else {
              h.text(text_of(f));
            }
            h.raw("</li>");
          }
        h.raw("</ul></td></tr>\n");
      }
  h.raw("</table>\n<h2>Verdict history</h2>\n<table>\n");
  h.row({"evaluated", "level", "score"}, true);
  if (auto hist = arr(b, "verdict_history"))
    for (auto& v : *hist)
      if (v.is_object())
        h.row({iso_time_ms(ms(v.as_object(), "evaluated_unix_ms")), str(v.as_object(), "level"),
               str(v.as_object(), "score_text")});
  h.raw("</table>\n");
}

// What a reader of the printout needs first: who, what verdict, why.
void summary_section(Html& h, const json::object& b) {
  h.raw("<h2>Summary</h2>\n<table>\n");
  if (auto d = obj(b, "device")) h.row({"device", str(*d, "hostname") + " (" + str(*d, "device_id") + ", serial " + str(*d, "serial") + ")"});
  if (auto a = obj(b, "assignee")) h.row({"assigned to", str(*a, "employee") + " <" + str(*a, "email") + ">"});
  if (auto v = obj(b, "latest_verdict")) {
    h.row({"verdict", str(*v, "level") + ", score " + str(*v, "score_text") + ", evaluated " +
                          iso_time_ms(ms(*v, "evaluated_unix_ms"))});
    h.row({"why", str(b, "why")});
  } else {
    h.row({"verdict", "not evaluated yet"});
  }
  if (auto groups = arr(b, "evidence_groups"))
    for (auto& g : *groups)
      if (g.is_object())
        h.row({"evidence about", str(g.as_object(), "label") + " — " + str(g.as_object(), "severity") + ", score " +
                                     str(g.as_object(), "score_text")});
  h.raw("</table>\n");
}

void evidence_sections(Html& h, const json::object& b) {
  summary_section(h, b);
  device_section(h, b);
  verdict_section(h, b);
  h.raw("<h2>Timeline</h2>\n<table>\n");
  h.row({"time", "kind", "type", "summary", "seq"}, true);
  if (auto t = arr(b, "timeline"))
    for (auto& e : *t)
      if (e.is_object()) {
        auto& o = e.as_object();
        h.row({iso_time_ms(ms(o, "unix_ms")), str(o, "kind"), str(o, "type"), str(o, "summary"), str(o, "seq")});
      }
  h.raw("</table>\n<h2>Round trips to the collector</h2>\n<table>\n");
  h.row({"time", "samples", "median µs", "p95 µs"}, true);
  if (auto r = arr(b, "rtt"))
    for (auto& p : *r)
      if (p.is_object()) {
        auto& o = p.as_object();
        h.row({iso_time_ms(ms(o, "unix_ms")), str(o, "samples"), str(o, "median_us"), str(o, "p95_us")});
      }
  h.raw("</table>\n<h2>Cases</h2>\n");
  if (auto cs = arr(b, "cases"))
    for (auto& cv : *cs) {
      if (!cv.is_object()) continue;
      auto& c = cv.as_object();
      h.raw("<h3>");
      h.text("Case " + str(c, "id") + ": " + str(c, "title") + " (" + str(c, "status") + ", owner " + str(c, "owner") + ")");
      h.raw("</h3>\n<table>\n");
      h.row({"time", "author", "note"}, true);
      if (auto notes = arr(c, "notes"))
        for (auto& n : *notes)
          if (n.is_object())
            h.row({iso_time_ms(ms(n.as_object(), "unix_ms")), str(n.as_object(), "author"), str(n.as_object(), "text")});
      h.raw("</table>\n");
    }
  h.raw("<h2>Appendix: raw facts of the latest snapshot</h2>\n<p>Binary fields are shown as their SHA-256 and length.</p>\n<pre>");
  std::string snap;
  auto it = b.find("snapshot");
  pretty(snap, it == b.end() ? json::value(nullptr) : it->value(), 0);
  h.text(snap);
  h.raw("</pre>\n");
}

}  // namespace

std::string bundle_html(const json::object& bundle, const std::string& heading) {
  Html h;
  h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
  h.text(heading);
  h.raw("</title>\n<style>\nbody{font-family:sans-serif;margin:2em;color:#111}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}"
        "th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}"
        "th{background:#eee}pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8em}td{overflow-wrap:anywhere}.level{font-size:1.3em;font-weight:bold}"
        "@media print{h2{page-break-after:avoid}tr{page-break-inside:avoid}}\n</style></head><body>\n<h1>");
  h.text(heading);
  h.raw("</h1>\n");
  const json::object* meta = obj(bundle, "export");
  if (meta) {
    h.raw("<p>");
    h.text("Exported by " + str(*meta, "exported_by") + " at " + str(*meta, "exported_at") + "; detection catalog " +
           str(*meta, "catalog_version") + ".");
    h.raw("</p>\n");
  }
  if (auto c = obj(bundle, "case")) {
    h.raw("<h2>Case</h2>\n<table>\n");
    for (auto key : {"id", "title", "status", "owner", "created_by"}) h.row({key, str(*c, key)});
    h.row({"opened", iso_time_ms(ms(*c, "created_unix_ms"))});
    h.row({"updated", iso_time_ms(ms(*c, "updated_unix_ms"))});
    h.raw("</table>\n");
  }
  if (auto ev = obj(bundle, "evidence")) evidence_sections(h, *ev);
  else evidence_sections(h, bundle);
  // The reader can check the printout was not edited: hash everything before
  // the marker line and compare.
  neutralize_bidi(h.out);  // before hashing, so the hash covers the bytes served
  const std::string digest = sha256_hex(h.out);
  h.raw("<hr>\n<p class=\"integrity\">");
  h.text("SHA-256 of this page's bytes before the horizontal rule above: " + digest);
  h.raw("</p>\n</body></html>\n");
  return std::move(h.out);
}

}  // namespace telltale::server::console
