#include "server/reports/fleet_report.h"

#include <boost/json.hpp>

#include <ctime>
#include <map>
#include <sstream>

#include "platform/common/file.h"
#include "server/reports/csv_cell.h"
#include "server/reports/html_escape.h"

namespace telltale::server {
namespace {

std::string iso(int64_t ms) {
  if (ms <= 0) return "";
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

boost::json::object row_json(const FleetReportRow& r) {
  return {{"device_id", r.device_id},       {"hostname", r.hostname},
          {"serial", r.serial},             {"assignee", r.assignee},
          {"verdict", r.verdict},           {"score", r.score},
          {"compliant", r.compliant},       {"silent", r.silent},
          {"last_seen", iso(r.last_seen_unix_ms)}, {"verdict_since", iso(r.verdict_since_unix_ms)}};
}

}  // namespace

FleetReport build_fleet_report(Store& store, int64_t now_ms, int64_t since_ms, const FleetReportPolicy& policy) {
  FleetReport report;
  report.generated_unix_ms = now_ms;
  report.since_unix_ms = since_ms;
  std::map<std::string, StoredVerdict> latest;
  for (auto& v : store.latest_verdicts()) latest[v.device_id] = v;
  std::map<std::string, std::string> assignee;
  for (const auto& a : store.assignments()) assignee[a.device_key] = a.employee.empty() ? a.email : a.employee;
  for (const auto& d : store.devices()) {
    if (d.revoked) continue;
    FleetReportRow row;
    row.device_id = d.device_id;
    row.hostname = d.hostname;
    row.serial = d.serial;
    row.assignee = assignee.count(d.device_id) ? assignee[d.device_id] : assignee.count(d.serial) ? assignee[d.serial] : "";
    row.last_seen_unix_ms = d.last_seen_unix_ms;
    row.silent = d.last_seen_unix_ms == 0 || now_ms - d.last_seen_unix_ms > policy.silent_after_ms;
    if (auto it = latest.find(d.device_id); it != latest.end()) {
      row.verdict = it->second.level;
      row.score = it->second.score;
      row.verdict_since_unix_ms = it->second.evaluated_unix_ms;
    } else {
      row.verdict = "unknown";
    }
    // No verdict yet is not compliant: compliance is shown, not assumed.
    row.compliant = row.verdict != "unknown" && !policy.noncompliant_levels.count(row.verdict);
    (row.compliant ? report.compliant : report.noncompliant)++;
    if (row.silent) ++report.silent;
    if (row.verdict != "unknown" && row.verdict != "clean" && row.verdict_since_unix_ms > since_ms)
      report.new_findings.push_back(row);
    report.devices.push_back(std::move(row));
  }
  report.clusters = store.clusters();
  return report;
}

std::string report_json(const FleetReport& r) {
  boost::json::object o;
  o["generated"] = iso(r.generated_unix_ms);
  o["since"] = iso(r.since_unix_ms);
  o["summary"] = {{"devices", r.devices.size()}, {"compliant", r.compliant}, {"noncompliant", r.noncompliant},
                  {"silent", r.silent}, {"new_findings", r.new_findings.size()}, {"clusters", r.clusters.size()}};
  boost::json::array devices, findings, clusters;
  for (const auto& d : r.devices) devices.push_back(row_json(d));
  for (const auto& d : r.new_findings) findings.push_back(row_json(d));
  for (const auto& c : r.clusters) {
    boost::json::array members;
    for (const auto& m : c.members) members.emplace_back(m);
    clusters.push_back({{"id", c.cluster_id}, {"kind", c.kind}, {"key", c.key}, {"members", members},
                        {"first_seen", iso(c.first_seen_unix_ms)}, {"last_seen", iso(c.last_seen_unix_ms)}});
  }
  o["devices"] = std::move(devices);
  o["new_findings"] = std::move(findings);
  o["clusters"] = std::move(clusters);
  return boost::json::serialize(o) + "\n";
}

std::string report_csv(const FleetReport& r) {
  std::ostringstream out;
  out << "device_id,hostname,serial,assignee,verdict,score,compliant,silent,last_seen,verdict_since\n";
  for (const auto& d : r.devices) {
    std::ostringstream score;
    score << d.score;
    // Every cell through csv_line: hostname, serial and assignee come from
    // laptops and HR files, and one writer for all keeps the rule in one place.
    out << csv_line({d.device_id, d.hostname, d.serial, d.assignee, d.verdict, score.str(), d.compliant ? "yes" : "no",
                     d.silent ? "yes" : "no", iso(d.last_seen_unix_ms), iso(d.verdict_since_unix_ms)});
  }
  return out.str();
}

std::string report_html(const FleetReport& r) {
  std::ostringstream o;
  auto table = [&](const std::vector<FleetReportRow>& rows) {
    o << "<table><tr><th>Device</th><th>Host</th><th>Assignee</th><th>Verdict</th><th>Score</th><th>Compliant</th>"
         "<th>Last seen</th></tr>";
    for (const auto& d : rows)
      o << "<tr class=\"" << html_escape(d.verdict) << (d.silent ? " silent" : "") << "\"><td>" << html_escape(d.device_id)
        << "</td><td>" << html_escape(d.hostname) << "</td><td>" << html_escape(d.assignee) << "</td><td>"
        << html_escape(d.verdict) << "</td><td>" << static_cast<int>(d.score + 0.5) << "</td><td>"
        << (d.compliant ? "yes" : "<b>no</b>") << "</td><td>" << iso(d.last_seen_unix_ms) << (d.silent ? " (silent)" : "")
        << "</td></tr>";
    o << "</table>";
  };
  o << "<!doctype html><html><head><meta charset=\"utf-8\"><title>Telltale fleet report " << iso(r.generated_unix_ms)
    << "</title><style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
       "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.puppeteered td{background:#fdd}"
       ".suspicious td{background:#fed}.review td{background:#ffc}.silent td:last-child{color:#a00}</style></head><body>"
    << "<h1>Telltale fleet report</h1><p>Generated " << iso(r.generated_unix_ms) << "; new findings since "
    << iso(r.since_unix_ms) << ".</p><p>" << r.devices.size() << " devices: " << r.compliant << " compliant, "
    << r.noncompliant << " non-compliant, " << r.silent << " silent, " << r.clusters.size() << " farm clusters.</p>";
  o << "<h2>New findings</h2>";
  if (r.new_findings.empty()) o << "<p>None.</p>";
  else table(r.new_findings);
  o << "<h2>Farm clusters</h2>";
  if (r.clusters.empty()) o << "<p>None.</p>";
  for (const auto& c : r.clusters) {
    o << "<p><b>" << html_escape(c.kind) << "</b> " << html_escape(c.key) << ": ";
    for (const auto& m : c.members) o << html_escape(m) << " ";
    o << "</p>";
  }
  o << "<h2>All devices</h2>";
  table(r.devices);
  o << "</body></html>\n";
  return o.str();
}

std::filesystem::path write_fleet_report(const FleetReport& report, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  time_t t = static_cast<time_t>(report.generated_unix_ms / 1000);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "fleet-%Y%m%dT%H%M%SZ", &tm);
  auto base = dir / stamp;
  // HTML last: a listing shows a report once its last file exists.
  write_file_atomic(base.string() + ".json", report_json(report), 0640);
  write_file_atomic(base.string() + ".csv", report_csv(report), 0640);
  write_file_atomic(base.string() + ".html", report_html(report), 0640);
  return base;
}

}  // namespace telltale::server
