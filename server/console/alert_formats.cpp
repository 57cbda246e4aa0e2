#include "server/console/alert_formats.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <ctime>
#include <cstdio>

#include "server/detect/why.h"

namespace telltale::server::console {
namespace json = boost::json;
namespace {

std::string iso_utc(int64_t unix_ms, bool millis) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (millis) {
    char ms[8];
    std::snprintf(ms, sizeof ms, ".%03d", static_cast<int>(unix_ms % 1000));
    out += ms;
  }
  return out + "Z";
}

json::array ids(const std::vector<std::string>& v) {
  json::array out;
  for (auto& s : v) out.emplace_back(s);
  return out;
}

// RFC 5424 PARAM-VALUE: '"', '\' and ']' are escaped with a backslash.
std::string sd_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\' || ch == ']') out += '\\';
    out += ch;
  }
  return out;
}

// RFC 5424 header fields are PRINTUSASCII without spaces; "-" when empty.
std::string header_field(const std::string& s, size_t max) {
  std::string out;
  for (unsigned char ch : s)
    if (ch >= 33 && ch <= 126 && out.size() < max) out += static_cast<char>(ch);
  return out.empty() ? "-" : out;
}

int syslog_severity(const std::string& level) {
  if (level == "puppeteered") return 2;  // critical
  if (level == "suspicious") return 3;   // error
  if (level == "review") return 4;       // warning
  return 5;                              // notice
}

// A header value must stay on one line.
std::string one_line(const std::string& s) {
  std::string out;
  for (char ch : s) out += (ch == '\r' || ch == '\n') ? ' ' : ch;
  return out;
}

std::string subject(const AlertRecord& a, bool test) {
  if (test) return "[Telltale] Test alert";
  if (a.previous_level == a.level) return "[Telltale] " + a.hostname + " is still " + a.level + " (evidence changed)";
  return "[Telltale] " + a.hostname + " is " + a.level + (a.previous_level.empty() ? "" : " (was " + a.previous_level + ")");
}

}  // namespace

AlertRecord test_alert(int64_t now_ms) {
  AlertRecord a;
  a.device_id = "test";
  a.hostname = "test";
  a.raised_unix_ms = now_ms;
  a.kind = "test";
  a.level = "review";
  a.severity = "info";
  a.why = "Test alert sent from the Telltale console";
  return a;
}

std::string webhook_body(const AlertRecord& a, bool test) {
  json::object o{{"type", "telltale.alert"},
                 {"test", test},
                 {"alert_id", a.id},
                 {"device_id", a.device_id},
                 {"hostname", a.hostname},
                 {"raised_unix_ms", a.raised_unix_ms},
                 {"raised_at", iso_utc(a.raised_unix_ms, false)},
                 {"level", a.level},
                 {"previous_level", a.previous_level},
                 {"score", a.score},
                 {"score_text", detect::format_score(a.score)},
                 {"severity", a.severity},
                 {"why", a.why},
                 {"indicators_added", ids(a.added)},
                 {"indicators_removed", ids(a.removed)},
                 {"state", a.state}};
  return json::serialize(o);
}

std::string webhook_signature(const std::string& secret, const std::string& timestamp, const std::string& body) {
  const std::string signed_text = timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

std::string syslog_message(const AlertRecord& a, bool test, const std::string& hostname, int64_t now_ms) {
  const int pri = 16 * 8 + syslog_severity(a.level);  // facility local0
  std::string sd = std::string("[") + kSyslogSdId + " alert_id=\"" + std::to_string(a.id) + "\" device_id=\"" +
                   sd_escape(a.device_id) + "\" hostname=\"" + sd_escape(a.hostname) + "\" level=\"" +
                   sd_escape(a.level) + "\" previous_level=\"" + sd_escape(a.previous_level) + "\" score=\"" +
                   detect::format_score(a.score) + "\" severity=\"" + sd_escape(a.severity) + "\" raised_at=\"" +
                   iso_utc(a.raised_unix_ms, false) + "\"]";
  return "<" + std::to_string(pri) + ">1 " + iso_utc(now_ms, true) + " " + header_field(hostname, 255) +
         " telltale " + std::to_string(getpid()) + " " + (test ? "test" : "verdict") + " " + sd + " \xEF\xBB\xBF" +
         (test ? "Test alert sent from the Telltale console" : a.hostname + " " + a.level + ": " + one_line(a.why));
}

std::string octet_counted(const std::string& message) { return std::to_string(message.size()) + " " + message; }

std::string email_message(const AlertRecord& a, bool test, const std::string& from, const std::string& to,
                          int64_t now_ms) {
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  std::string body;
  if (test) {
    body = "This is a test alert sent from the Telltale console. If you read this, the channel works.\r\n";
  } else {
    body = "Laptop:   " + one_line(a.hostname) + " (" + a.device_id + ")\r\n" +
           "Verdict:  " + a.level + (a.previous_level.empty() ? "" : " (was " + a.previous_level + ")") +
           ", score " + detect::format_score(a.score) + ", severity " + a.severity + "\r\n" +
           "When:     " + iso_utc(a.raised_unix_ms, false) + " (UTC)\r\n" + "Why:      " + one_line(a.why) + "\r\n";
    if (!a.added.empty()) {
      body += "Added:   ";
      for (auto& id : a.added) body += " " + id;
      body += "\r\n";
    }
    if (!a.removed.empty()) {
      body += "Removed: ";
      for (auto& id : a.removed) body += " " + id;
      body += "\r\n";
    }
    body += "Alert:    " + std::to_string(a.id) + "\r\n";
  }
  return "Date: " + std::string(date) + "\r\nFrom: " + one_line(from) + "\r\nTo: " + one_line(to) +
         "\r\nSubject: " + one_line(subject(a, test)) +
         "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
         "Message-ID: <telltale-alert-" + std::to_string(a.id) + "-" + std::to_string(now_ms) + "@telltale>\r\n\r\n" +
         body;
}

}  // namespace telltale::server::console
