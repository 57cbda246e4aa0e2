#include "platform/decode/uevent.h"

#include "platform/decode/text_sanitize.h"

namespace telltale::decode {

namespace {

void add_pair(std::map<std::string, std::string>& env, std::string_view pair) {
  auto eq = pair.find('=');
  if (eq == std::string_view::npos || eq == 0) return;
  env.insert_or_assign(sanitize_utf8(pair.substr(0, eq)), sanitize_utf8(pair.substr(eq + 1)));
}

}  // namespace

std::optional<Uevent> parse_kernel_uevent(std::span<const char> message, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<Uevent> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  std::string_view text(message.data(), message.size());
  // UEVENT_BUFFER_SIZE is 2048; a larger datagram did not come from the kernel.
  if (text.size() > 8192) return fail("uevent of " + std::to_string(text.size()) + " bytes, expected at most 8192");
  auto first_nul = text.find('\0');
  auto header = text.substr(0, first_nul);
  if (header == "libudev") return fail("udev relay message (libudev header), expected a kernel uevent");
  auto at = header.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= header.size())
    return fail("header \"" + printable(header) + "\" is not ACTION@DEVPATH");
  Uevent ev;
  text = first_nul == std::string_view::npos ? std::string_view{} : text.substr(first_nul + 1);
  while (!text.empty()) {
    auto nul = text.find('\0');
    add_pair(ev.env, text.substr(0, nul));
    if (nul == std::string_view::npos) break;
    text.remove_prefix(nul + 1);
  }
  auto get = [&](const char* key) {
    auto it = ev.env.find(key);
    return it == ev.env.end() ? std::string() : it->second;
  };
  ev.action = get("ACTION");
  ev.devpath = get("DEVPATH");
  ev.subsystem = get("SUBSYSTEM");
  ev.devtype = get("DEVTYPE");
  if (ev.action.empty()) ev.action = sanitize_utf8(header.substr(0, at));
  if (ev.devpath.empty()) ev.devpath = sanitize_utf8(header.substr(at + 1));
  if (ev.subsystem.empty()) return fail("uevent for " + printable(ev.devpath) + " has no SUBSYSTEM");
  if (!ev.devpath.starts_with('/')) return fail("DEVPATH \"" + printable(ev.devpath) + "\" is not absolute");
  return ev;
}

std::map<std::string, std::string> parse_uevent_file(std::string_view text) {
  std::map<std::string, std::string> env;
  while (!text.empty()) {
    auto nl = text.find('\n');
    add_pair(env, text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return env;
}

}  // namespace telltale::decode
