#include "server/console/alert_transport.h"

#include <curl/curl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <cerrno>
#include <memory>
#include <mutex>

#include "server/console/alert_formats.h"

namespace telltale::server::console {
namespace {

void curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Easy {
  CURL* h = curl_easy_init();
  curl_slist* headers = nullptr;
  curl_slist* rcpt = nullptr;
  char err[CURL_ERROR_SIZE] = {};
  ~Easy() {
    curl_slist_free_all(headers);
    curl_slist_free_all(rcpt);
    if (h) curl_easy_cleanup(h);
  }
};

size_t collect(char* p, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() < 4096) s->append(p, std::min(size * n, 4096 - s->size()));
  return size * n;
}

struct Upload {
  std::string data;
  size_t pos = 0;
};
size_t feed(char* p, size_t size, size_t n, void* in) {
  auto* u = static_cast<Upload*>(in);
  size_t len = std::min(size * n, u->data.size() - u->pos);
  std::memcpy(p, u->data.data() + u->pos, len);
  u->pos += len;
  return len;
}

void common(Easy& e, const ChannelRecord& c, std::chrono::milliseconds timeout) {
  curl_easy_setopt(e.h, CURLOPT_URL, c.url.c_str());
  curl_easy_setopt(e.h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e.h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(e.h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(e.h, CURLOPT_ERRORBUFFER, e.err);
  if (!c.ca_file.empty()) curl_easy_setopt(e.h, CURLOPT_CAINFO, c.ca_file.c_str());
}

std::string curl_error(const ChannelRecord& c, CURLcode rc, const Easy& e) {
  return c.kind + " " + c.url + ": " + (e.err[0] ? e.err : curl_easy_strerror(rc));
}

std::string send_webhook(const ChannelRecord& c, const AlertRecord& a, bool test, int64_t now_ms,
                         std::chrono::milliseconds timeout) {
  curl_once();
  Easy e;
  if (!e.h) return "webhook " + c.url + ": libcurl could not start";
  const std::string body = webhook_body(a, test);
  const std::string ts = std::to_string(now_ms / 1000);
  e.headers = curl_slist_append(e.headers, "Content-Type: application/json");
  e.headers = curl_slist_append(e.headers, ("X-Telltale-Timestamp: " + ts).c_str());
  e.headers = curl_slist_append(e.headers, ("X-Telltale-Signature: sha256=" + webhook_signature(c.secret, ts, body)).c_str());
  e.headers = curl_slist_append(e.headers, "Expect:");  // no 100-continue round trip
  std::string answer;
  common(e, c, timeout);
  curl_easy_setopt(e.h, CURLOPT_HTTPHEADER, e.headers);
  curl_easy_setopt(e.h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(e.h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(e.h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(e.h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(e.h, CURLOPT_USERAGENT, "telltale-console");
  CURLcode rc = curl_easy_perform(e.h);
  if (rc != CURLE_OK) return curl_error(c, rc, e);
  long status = 0;
  curl_easy_getinfo(e.h, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    if (answer.size() > 200) answer.resize(200);
    return "webhook " + c.url + ": HTTP " + std::to_string(status) + (answer.empty() ? "" : ": " + answer);
  }
  return {};
}

std::string send_mail(const ChannelRecord& c, const AlertRecord& a, bool test, int64_t now_ms,
                      std::chrono::milliseconds timeout) {
  curl_once();
  Easy e;
  if (!e.h) return "smtp " + c.url + ": libcurl could not start";
  Upload up{email_message(a, test, c.mail_from, c.mail_to, now_ms), 0};
  common(e, c, timeout);
  curl_easy_setopt(e.h, CURLOPT_MAIL_FROM, ("<" + c.mail_from + ">").c_str());
  e.rcpt = curl_slist_append(e.rcpt, ("<" + c.mail_to + ">").c_str());
  curl_easy_setopt(e.h, CURLOPT_MAIL_RCPT, e.rcpt);
  // Required STARTTLS: a server that does not offer it fails the delivery
  // rather than getting the alert in clear text.
  if (c.starttls) curl_easy_setopt(e.h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(e.h, CURLOPT_READFUNCTION, feed);
  curl_easy_setopt(e.h, CURLOPT_READDATA, &up);
  curl_easy_setopt(e.h, CURLOPT_UPLOAD, 1L);
  CURLcode rc = curl_easy_perform(e.h);
  if (rc != CURLE_OK) return curl_error(c, rc, e);
  return {};
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string send_syslog(const ChannelRecord& c, const AlertRecord& a, bool test, int64_t now_ms,
                        std::chrono::milliseconds timeout) {
  const bool tcp = c.url.rfind("tcp://", 0) == 0;
  std::string rest = c.url.substr(6);
  auto colon = rest.rfind(':');
  std::string host = rest.substr(0, colon), port = rest.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
    return "syslog " + c.url + ": cannot resolve " + host + ": " + gai_strerror(rc);
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  std::string msg = syslog_message(a, test, name, now_ms);
  if (tcp) msg = octet_counted(msg);
  Fd s;
  s.fd = ::socket(res->ai_family, res->ai_socktype, 0);
  if (s.fd < 0) return "syslog " + c.url + ": socket: " + std::strerror(errno);
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect() too
  if (::connect(s.fd, res->ai_addr, res->ai_addrlen) != 0)
    return "syslog " + c.url + ": connect: " + std::strerror(errno);
  size_t sent = 0;
  while (sent < msg.size()) {
    ssize_t n = ::send(s.fd, msg.data() + sent, msg.size() - sent, MSG_NOSIGNAL);
    if (n < 0) return "syslog " + c.url + ": send: " + std::strerror(errno);
    sent += static_cast<size_t>(n);
  }
  if (tcp) ::shutdown(s.fd, SHUT_WR);
  return {};
}

bool host_port(const std::string& rest) {
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= rest.size()) return false;
  const std::string port = rest.substr(colon + 1);
  return port.find_first_not_of("0123456789") == std::string::npos && port.size() <= 5 && std::stoi(port) > 0 &&
         std::stoi(port) < 65536;
}

}  // namespace

std::string send_alert(const ChannelRecord& c, const AlertRecord& a, bool test, int64_t now_ms,
                       std::chrono::milliseconds timeout) {
  try {
    if (c.kind == "webhook") return send_webhook(c, a, test, now_ms, timeout);
    if (c.kind == "smtp") return send_mail(c, a, test, now_ms, timeout);
    if (c.kind == "syslog") return send_syslog(c, a, test, now_ms, timeout);
    return "channel " + std::to_string(c.id) + ": unknown kind " + c.kind;
  } catch (const std::exception& e) {
    return c.kind + " " + c.url + ": " + e.what();
  }
}

std::string channel_problem(const ChannelRecord& c) {
  if (c.name.empty() || c.name.size() > 100) return "name: expected 1 to 100 characters";
  if (alert_level_rank(c.min_level) < 1) return "min_level \"" + c.min_level + "\": expected review, suspicious or puppeteered";
  if (c.url.size() > 500 || c.url.find_first_of(" \r\n\t") != std::string::npos) return "url: expected at most 500 characters without spaces";
  if (c.kind == "webhook") {
    if (c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0)
      return "url \"" + c.url + "\": a webhook wants http://host[:port]/path or https://…";
    return {};
  }
  if (c.kind == "syslog") {
    if ((c.url.rfind("udp://", 0) != 0 && c.url.rfind("tcp://", 0) != 0) || !host_port(c.url.substr(6)))
      return "url \"" + c.url + "\": syslog wants udp://host:port or tcp://host:port";
    return {};
  }
  if (c.kind == "smtp") {
    if ((c.url.rfind("smtp://", 0) != 0 && c.url.rfind("smtps://", 0) != 0))
      return "url \"" + c.url + "\": e-mail wants smtp://host:port (or smtps://)";
    auto mailbox = [](const std::string& m) {
      return !m.empty() && m.size() <= 254 && m.find('@') != std::string::npos &&
             m.find_first_of(" <>\r\n\t,") == std::string::npos;
    };
    if (!mailbox(c.mail_from)) return "mail_from \"" + c.mail_from + "\": expected one address like alerts@example.com";
    if (!mailbox(c.mail_to)) return "mail_to \"" + c.mail_to + "\": expected one address like soc@example.com";
    return {};
  }
  return "kind \"" + c.kind + "\": expected webhook, syslog or smtp";
}

}  // namespace telltale::server::console
