#pragma once
// The verdict told to a person: one line saying why (the strongest evidence
// in plain words), the indicators grouped by the physical thing they are
// about (one USB device, one display, one tool), and the one way a score is
// written. The console's lists, device page, exports and telltale-ctl all use
// these, so a verdict reads the same everywhere.
#include <optional>
#include <string>
#include <vector>

#include "telltale/v1/verdict.pb.h"

namespace telltale::detect {

// At most one decimal, never an exponent: 539.5, 62, 0.3 (JSON printers
// write 5.395E2 or 539.500000; nobody should read those).
std::string format_score(double score);

// Indicators about one thing. A PiKVM on USB 1-3 trips eight rules; an
// investigator sees one card "USB 1-3" holding all eight.
struct EvidenceGroup {
  std::string thing;     // stable key: "usb 1-3", "display card0-HDMI-A-1", "tool AnyDesk", or an indicator id
  std::string kind;      // usb, display, tool, input, cluster, other
  std::string label;     // "USB 1-3: 1d6b:0104 PiKVM PiKVM Composite Device (serial CAFEBABE)"
  std::string severity;  // the strongest of its indicators
  double score = 0;      // sum of its indicators' scores
  std::vector<int> indicators;  // indexes into Verdict.indicators, in the verdict's (strongest first) order
};
// Strongest group first (score, then severity).
std::vector<EvidenceGroup> group_evidence(const telltale::v1::Verdict& v);

// "PiKVM OTG composite gadget on USB 1-3 and PiKVM v3 HDMI capture EDID on
// HDMI-A-1 (+1 more)"; "No indicator matched" for a verdict without any.
std::string why(const telltale::v1::Verdict& v);

// 0 info … 4 critical; unknown names rank as info.
int severity_rank(const std::string& severity);

// A stored verdict (render.cpp's to_json) back into the message; nullopt
// when the text is not one (hand-written test rows, older stores).
std::optional<telltale::v1::Verdict> verdict_from_json(const std::string& json);

}  // namespace telltale::detect
