#pragma once
// What an alert looks like on each channel: the webhook's JSON body and its
// HMAC-SHA256 signature, the RFC 5424 syslog message, and the e-mail. Pure
// functions, so the receivers in the tests check exactly these bytes.
#include <cstdint>
#include <string>

#include "server/console/alert_db.h"

namespace telltale::server::console {

// Enterprise number in the syslog structured-data id: 32473 is the one
// RFC 5612 reserves for documentation and examples; an operator wanting
// their own registers one (the id is "telltale@32473").
inline constexpr const char* kSyslogSdId = "telltale@32473";

// {"type":"telltale.alert","test":…,"alert_id",…,"device_id","hostname",
//  "raised_unix_ms","raised_at","level","previous_level","score",
//  "score_text","severity","why","indicators_added","indicators_removed","state"}
std::string webhook_body(const AlertRecord& a, bool test);
// hex(HMAC-SHA256(secret, timestamp + "." + body)), sent as
// "X-Telltale-Signature: sha256=<hex>" beside "X-Telltale-Timestamp: <timestamp>".
std::string webhook_signature(const std::string& secret, const std::string& timestamp, const std::string& body);

// "<PRI>1 TIMESTAMP HOST telltale PID MSGID [telltale@32473 …] BOM why":
// facility local0, severity from the level (puppeteered crit, suspicious err,
// review warning, clean notice), MSGID "verdict" (or "test").
std::string syslog_message(const AlertRecord& a, bool test, const std::string& hostname, int64_t now_ms);
// RFC 6587 octet counting: "<length> <message>".
std::string octet_counted(const std::string& message);

// A whole RFC 5322 message (headers, blank line, text body, CRLF line ends).
std::string email_message(const AlertRecord& a, bool test, const std::string& from, const std::string& to,
                          int64_t now_ms);

// The alert a "send test" delivers: marked as a test, about no device.
AlertRecord test_alert(int64_t now_ms);

}  // namespace telltale::server::console
