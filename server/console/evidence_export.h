#pragma once
// The evidence bundle an investigator hands on (HR, legal, a second
// opinion): everything the console knows about one device in one JSON
// document, and the same rendered as a printable, self-contained HTML page
// (inline CSS, no scripts, every stored string escaped: hostnames, USB
// strings and notes come from the laptop or from people).
#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "server/console/console_db.h"
#include "server/console/console_api.h"
#include "server/reports/html_escape.h"
#include "server/store/store.h"

namespace telltale::server::console {

struct ExportMeta {
  std::string exported_by;
  int64_t exported_unix_ms = 0;
  std::string catalog_version;
  const ApiOptions* options = nullptr;  // silence threshold and zoneinfo for the timeline; defaults when null
};

// device, assignee, latest_verdict (every indicator with its evidence),
// verdict_history, snapshot, timeline, rtt (30 days), cases with notes, export.
boost::json::object evidence_bundle(ConsoleDb& db, Store& store, const DeviceRecord& device, const ExportMeta& meta);

// A bundle (or a case export wrapping one under "evidence") as HTML.
std::string bundle_html(const boost::json::object& bundle, const std::string& heading);

// Names an export for the browser: JSON downloads as
// "telltale-<kind>-<name>-<YYYYMMDD>.json"; HTML opens in place (it is meant
// to be read and printed) and keeps the same name when saved. The name is
// reduced to [A-Za-z0-9._-]: hostnames and device ids come from laptops.
void name_export(HttpResponse& response, std::string_view kind, std::string_view name, int64_t exported_unix_ms);

using server::html_escape;  // the one the fleet reports use
std::string iso_time_ms(int64_t unix_ms);  // "2026-11-28T15:04:05Z", "" for 0

}  // namespace telltale::server::console
