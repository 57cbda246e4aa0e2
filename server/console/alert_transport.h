#pragma once
// Sends one alert to one channel, synchronously and within a deadline:
// webhook (HTTP POST, signed), syslog (RFC 5424 over UDP, or TCP with RFC 6587
// octet counting) and e-mail (SMTP, optionally requiring STARTTLS). HTTP and
// SMTP go through libcurl (Debian's libcurl4-openssl-dev): redirects, TLS,
// STARTTLS and SMTP's dot-stuffing are not worth hand-writing.
#include <chrono>
#include <cstdint>
#include <string>

#include "server/console/alert_db.h"

namespace telltale::server::console {

// Empty when the receiver took it; otherwise what failed, naming the channel's
// address ("webhook http://127.0.0.1:9/hook: HTTP 500: bad signature").
std::string send_alert(const ChannelRecord& channel, const AlertRecord& alert, bool test, int64_t now_ms,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Checks a channel's settings before it is stored; empty when usable,
// otherwise what is wrong and what was expected.
std::string channel_problem(const ChannelRecord& channel);

}  // namespace telltale::server::console
