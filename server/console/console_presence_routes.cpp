// Presence checks from the device page: GET lists a device's checks with
// their plain-language results; POST starts one (investigator, audited, rate
// limited like telltale-ctl's). The collector delivers it to the agent.
#include <chrono>
#include <variant>

#include "server/console/console_internal.h"
#include "server/presence/presence_checks.h"

namespace telltale::server::console::internal {
namespace {

json::object check_json(const PresenceCheckRecord& c) {
  return json::object{{"check_id", c.check_id},
                      {"action", c.action},
                      {"status", c.status},
                      {"outcome", c.outcome},
                      {"device_class", c.device_class},
                      {"summary", c.summary},
                      {"reason", c.reason},
                      {"requested_by", c.requested_by},
                      {"requested_unix_ms", c.requested_unix_ms},
                      {"delivered_unix_ms", c.delivered_unix_ms},
                      {"answered_unix_ms", c.answered_unix_ms},
                      {"expires_unix_ms", c.expires_unix_ms},
                      {"signature_valid", c.signature_valid},
                      {"observation_json", c.observation_json}};
}

}  // namespace

std::optional<HttpResponse> presence_routes(Context& c) {
  const std::string prefix = "/api/v1/devices/", suffix = "/presence";
  if (c.path.rfind(prefix, 0) != 0 || c.path.size() <= prefix.size() + suffix.size() ||
      c.path.compare(c.path.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  const std::string id = c.path.substr(prefix.size(), c.path.size() - prefix.size() - suffix.size());
  if (id.find('/') != std::string::npos) return std::nullopt;
  if (!c.allowed(Role::kInvestigator)) return forbidden(Role::kInvestigator);
  auto d = c.store.device(id);
  if (!d) return error(404, "no device " + id);
  if (c.get()) {
    json::array out;
    for (const auto& check : c.store.presence_checks(id, 50)) out.push_back(check_json(check));
    return reply(200, json::object{{"device_id", id}, {"checks", std::move(out)}});
  }
  if (!c.post()) return std::nullopt;
  const std::string expected = "{\"action\": \"lid\"|\"key\"|\"reaction\", \"reason\"?: string}";
  auto body = c.body_object(expected);
  if (!body.contains("action") || !body.at("action").is_string())
    throw BadRequest("action: expected \"lid\", \"key\" or \"reaction\"; body " + expected);
  std::string reason;
  if (body.contains("reason")) {
    if (!body.at("reason").is_string() || body.at("reason").as_string().size() > 200)
      throw BadRequest("reason: expected a string of at most 200 characters; body " + expected);
    reason = body.at("reason").as_string();
  }
  auto started = start_presence_check(c.store, {id, std::string(body.at("action").as_string()),
                                                "console:" + c.who.username, reason},
                                      PresenceLimits{}, now_ms());
  if (auto* why = std::get_if<std::string>(&started)) return error(409, *why);
  const auto& check = std::get<PresenceCheckRecord>(started);
  c.audit("presence.start", id, "check=" + check.check_id + " action=" + check.action);
  return reply(200, check_json(check));
}

}  // namespace telltale::server::console::internal
