// /api/v1/suppressions…: allow-list an indicator on one laptop or the whole
// fleet, with a reason and an expiry ("approved AnyDesk until 2027-03-01").
// The rows live in the collector's store, since the verdict service applies
// them where it evaluates; the console audits every change.
#include <ctime>
#include <cstdio>

#include "server/console/console_internal.h"

namespace telltale::server::console::internal {
namespace {

constexpr size_t kMaxReason = 500;
constexpr int64_t kMaxSpanMs = 2LL * 366 * 24 * 3600 * 1000;  // an approval is re-examined at least every two years

std::string date_utc(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, (unix_ms % 86400000 == 0) ? "%Y-%m-%d" : "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string state_of(const Suppression& s, int64_t now) {
  if (s.lifted_unix_ms != 0) return "lifted";
  return s.active_at(now) ? "active" : "expired";
}

json::object suppression_json(const Suppression& s, int64_t now, const std::string& hostname) {
  const std::string scope = s.device_id.empty() ? "the whole fleet" : (hostname.empty() ? s.device_id : hostname);
  return json::object{{"id", s.id},
                      {"device_id", s.device_id},
                      {"hostname", hostname},
                      {"fleet_wide", s.device_id.empty()},
                      {"indicator_id", s.indicator_id},
                      {"reason", s.reason},
                      {"created_by", s.created_by},
                      {"created_unix_ms", s.created_unix_ms},
                      {"expires_unix_ms", s.expires_unix_ms},
                      {"expires", date_utc(s.expires_unix_ms)},
                      {"lifted_unix_ms", s.lifted_unix_ms},
                      {"lifted_by", s.lifted_by},
                      {"state", state_of(s, now)},
                      {"text", s.indicator_id + " on " + scope + " suppressed by " + s.created_by + " until " +
                                   date_utc(s.expires_unix_ms) + ": " + s.reason}};
}

// "2027-03-01" (start of that day, UTC), "2027-03-01T12:00:00Z" or unix ms.
std::optional<int64_t> parse_expiry(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (!v.is_string()) return std::nullopt;
  std::string s(v.as_string());
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec);
  if (n != 3 && n != 6) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

size_t characters(std::string_view s) {
  size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

HttpResponse list(Context& c) {
  const int64_t now = now_ms();
  const std::string device = c.query.count("device") ? c.query.at("device") : "";
  std::map<std::string, std::string> hostnames;
  for (auto& d : c.store.devices()) hostnames[d.device_id] = d.hostname;
  json::array out;
  for (auto& s : c.store.suppressions()) {
    // A device's view includes the fleet-wide ones: they apply to it too.
    if (!device.empty() && !s.device_id.empty() && s.device_id != device) continue;
    if (c.query.count("active") && c.query.at("active") == "1" && !s.active_at(now)) continue;
    out.push_back(suppression_json(s, now, hostnames[s.device_id]));
  }
  return reply(200, json::object{{"suppressions", std::move(out)}});
}

HttpResponse create(Context& c) {
  const std::string expected =
      "{\"device_id\"?: string (absent or empty: the whole fleet), \"indicator_id\": string, \"reason\": string of 1 "
      "to 500 characters, \"expires\": \"YYYY-MM-DD\" | \"YYYY-MM-DDTHH:MM:SSZ\" | unix ms}";
  auto body = c.body_object(expected);
  Suppression s;
  if (body.contains("device_id") && !body.at("device_id").is_null()) {
    if (!body.at("device_id").is_string()) throw BadRequest("device_id: expected a string; body " + expected);
    s.device_id = std::string(body.at("device_id").as_string());
  }
  if (!body.contains("indicator_id") || !body.at("indicator_id").is_string())
    throw BadRequest("indicator_id: expected a string; body " + expected);
  s.indicator_id = std::string(body.at("indicator_id").as_string());
  if (s.indicator_id.empty() || s.indicator_id.size() > 100 ||
      s.indicator_id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") != std::string::npos)
    throw BadRequest("indicator_id \"" + s.indicator_id + "\": expected a rule id like remote.anydesk");
  if (!body.contains("reason") || !body.at("reason").is_string())
    throw BadRequest("reason: expected a string; body " + expected);
  s.reason = std::string(body.at("reason").as_string());
  if (characters(s.reason) == 0 || characters(s.reason) > kMaxReason)
    throw BadRequest("reason: " + std::to_string(characters(s.reason)) + " characters; expected 1 to 500");
  auto expires = body.contains("expires") ? parse_expiry(body.at("expires")) : std::nullopt;
  if (!expires) throw BadRequest("expires: expected a date like 2027-03-01; body " + expected);
  const int64_t now = now_ms();
  if (*expires <= now) throw BadRequest("expires " + date_utc(*expires) + " is in the past");
  if (*expires - now > kMaxSpanMs) throw BadRequest("expires " + date_utc(*expires) + " is more than two years away");
  std::string hostname;
  if (!s.device_id.empty()) {
    auto d = c.store.device(s.device_id);
    if (!d) return error(404, "no device " + s.device_id);
    hostname = d->hostname;
  }
  s.created_by = c.who.username;
  s.created_unix_ms = now;
  s.expires_unix_ms = *expires;
  s.id = c.store.add_suppression(s);
  c.audit("suppression.create", s.device_id.empty() ? "fleet" : hostname,
          "id=" + std::to_string(s.id) + " indicator=" + s.indicator_id + " until=" + date_utc(s.expires_unix_ms) +
              " reason=" + s.reason);
  if (c.options.suppressions_changed) c.options.suppressions_changed();
  return reply(201, suppression_json(s, now, hostname));
}

HttpResponse lift(Context& c, int64_t id) {
  const int64_t now = now_ms();
  std::optional<Suppression> found;
  for (auto& s : c.store.suppressions())
    if (s.id == id) found = s;
  if (!found) return error(404, "no suppression " + std::to_string(id));
  if (!c.store.lift_suppression(id, c.who.username, now))
    return error(409, "suppression " + std::to_string(id) + " was lifted already by " + found->lifted_by);
  std::string hostname;
  if (auto d = c.store.device(found->device_id)) hostname = d->hostname;
  c.audit("suppression.lift", found->device_id.empty() ? "fleet" : hostname,
          "id=" + std::to_string(id) + " indicator=" + found->indicator_id);
  if (c.options.suppressions_changed) c.options.suppressions_changed();
  for (auto& s : c.store.suppressions())
    if (s.id == id) return reply(200, suppression_json(s, now, hostname));
  return error(404, "no suppression " + std::to_string(id));
}

}  // namespace

std::optional<HttpResponse> suppression_routes(Context& c) {
  const std::string base = "/api/v1/suppressions";
  if (c.path == base) {
    if (!c.get() && !c.post()) return std::nullopt;
    if (!c.allowed(Role::kViewer)) return forbidden(Role::kViewer);
    if (c.get()) return list(c);
    if (!c.allowed(Role::kInvestigator)) return forbidden(Role::kInvestigator);
    return create(c);
  }
  if (c.path.rfind(base + "/", 0) != 0 || !c.post()) return std::nullopt;
  std::string rest = c.path.substr(base.size() + 1);
  if (rest.size() < 6 || rest.substr(rest.size() - 5) != "/lift") return std::nullopt;
  rest.resize(rest.size() - 5);
  if (!c.allowed(Role::kInvestigator)) return forbidden(Role::kInvestigator);
  if (rest.empty() || rest.size() > 18 || rest.find_first_not_of("0123456789") != std::string::npos)
    return error(404, "no suppression " + rest);
  return lift(c, std::stoll(rest));
}

}  // namespace telltale::server::console::internal
