#include "platform/linux/displays.h"

#include <algorithm>
#include <cctype>
#include <system_error>
#include <vector>

#include "platform/common/file.h"
#include "platform/decode/edid.h"
#include "platform/decode/lines.h"
#include "platform/decode/sysfs_values.h"
#include "platform/decode/text_sanitize.h"
#include "platform/linux/root_path.h"
#include "platform/linux/sysfs_dir.h"
#include "platform/linux/sysfs_link.h"

namespace telltale::platform::linux_probe {
namespace {

namespace fs = std::filesystem;

// More connectors than any GPU has; a hostile tree must not make us read forever.
constexpr size_t kMaxConnectors = 256;
// 256 EDID blocks is the most byte 126 can announce.
constexpr size_t kMaxEdidBytes = 256 * 128;

// "card0-HDMI-A-1" → "HDMI-A"; nullopt for card0, renderD128, version.
std::optional<std::string> connector_type(std::string_view entry) {
  if (!entry.starts_with("card")) return std::nullopt;
  size_t i = 4;
  while (i < entry.size() && std::isdigit(static_cast<unsigned char>(entry[i]))) ++i;
  if (i == 4 || i >= entry.size() || entry[i] != '-') return std::nullopt;
  std::string_view rest = entry.substr(i + 1);  // "HDMI-A-1"
  auto dash = rest.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == rest.size()) return std::nullopt;
  for (char c : rest.substr(dash + 1))
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return std::string(rest.substr(0, dash));
}

bool is_internal(std::string_view type) { return type == "eDP" || type == "LVDS" || type == "DSI"; }

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  decode::for_each_line(text, [&](std::string_view line) {
    line = decode::trim(line);
    if (!line.empty()) out.push_back(decode::sanitize_utf8(line));
  });
  return out;
}

void collect_connector(const ProbeContext& ctx, const std::string& entry, const std::string& type, const fs::path& dir,
                       std::string_view probe, telltale::v1::Snapshot& out) {
  const SysfsDir attrs(dir);
  auto* d = out.add_displays();
  d->set_connector(entry);
  d->set_connector_type(type);
  d->set_internal(is_internal(type));
  const auto link = under(ctx.root, "sys/class/drm/" + entry);
  if (auto status = attrs.read("status"); status.data) d->set_status(decode::sanitize_utf8(decode::trim(*status.data)));
  else record_error(out, probe, ctx.root, link / "status", "unreadable: " + status.error);
  if (auto enabled = attrs.read("enabled"); enabled.data) d->set_enabled(decode::trim(*enabled.data) == "enabled");
  if (auto modes = attrs.read("modes", 64 * 1024); modes.data)
    for (auto& m : lines_of(*modes.data)) d->add_modes(std::move(m));

  // read_file, not SysfsDir::read: a bin attribute larger than a page
  // arrives in page-sized reads, which SysfsDir would take for the end.
  const auto edid = read_file(dir / "edid", kMaxEdidBytes);
  if (!edid.data) {
    if (!edid.missing) record_error(out, probe, ctx.root, link / "edid", "EDID of " + entry + ": " + edid.error);
    return;
  }
  if (edid.data->empty()) return;  // nothing connected (or the sink sent none)
  d->set_edid_raw(*edid.data);
  const auto* bytes = reinterpret_cast<const uint8_t*>(edid.data->data());
  *d->mutable_edid() = decode::decode_edid({bytes, edid.data->size()});
  if (!d->edid().valid()) record_error(out, probe, ctx.root, link / "edid", "EDID of " + entry + ": " + d->edid().error());
}

void collect_lid(const ProbeContext& ctx, std::string_view probe, telltale::v1::Snapshot& out) {
  const auto lid_dir = under(ctx.root, "proc/acpi/button/lid");
  std::error_code ec;
  std::vector<fs::path> lids;
  for (fs::directory_iterator it(lid_dir, ec), end; !ec && it != end && lids.size() < 16; it.increment(ec))
    lids.push_back(it->path());
  if (ec && ec != std::errc::no_such_file_or_directory)
    record_error(out, probe, ctx.root, lid_dir, "unreadable: " + ec.message());
  std::sort(lids.begin(), lids.end());
  for (const auto& lid : lids) {
    const auto state_path = lid / "state";
    auto state = read_attribute(state_path);
    if (!state) {
      record_error(out, probe, ctx.root, state_path, "unreadable");
      continue;
    }
    // "state:      open" / "state:      closed" (drivers/acpi/button.c)
    std::string_view text = *state;
    if (!text.starts_with("state:")) {
      record_error(out, probe, ctx.root, state_path, "\"" + decode::printable(text) + "\", expected \"state: open|closed\"");
      continue;
    }
    const auto value = decode::trim(text.substr(6));
    if (value != "open" && value != "closed") {
      record_error(out, probe, ctx.root, state_path, "\"" + decode::printable(text) + "\", expected \"state: open|closed\"");
      continue;
    }
    auto* l = out.mutable_lid();
    l->set_present(true);
    if (value == "closed") l->set_closed(true);
  }
}

}  // namespace

void DisplaysProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  const auto class_drm = under(ctx.root, "sys/class/drm");
  std::error_code ec;
  std::vector<std::pair<std::string, std::string>> connectors;  // entry, type
  for (fs::directory_iterator it(class_drm, ec), end; !ec && it != end; it.increment(ec)) {
    auto entry = it->path().filename().string();
    if (auto type = connector_type(entry)) connectors.emplace_back(std::move(entry), std::move(*type));
    if (connectors.size() >= kMaxConnectors) {
      record_error(out, name(), ctx.root, class_drm, "more than " + std::to_string(kMaxConnectors) + " connectors; rest skipped");
      break;
    }
  }
  // A machine without a GPU driver (a server, some VMs) has no sys/class/drm: a fact, not an error.
  if (ec && ec != std::errc::no_such_file_or_directory)
    record_error(out, name(), ctx.root, class_drm, "unreadable: " + ec.message());
  std::sort(connectors.begin(), connectors.end());

  SysfsLinkResolver resolver(ctx.root, canonical_or_self(ctx.root, "sys/devices"));
  for (const auto& [entry, type] : connectors) {
    const auto link = class_drm / entry;
    auto resolved = resolver.resolve(link);
    if (!resolved.dir) {
      record_error(out, name(), ctx.root, link, "connector " + entry + ": " + resolved.error);
      continue;
    }
    collect_connector(ctx, entry, type, *resolved.dir, name(), out);
  }
  collect_lid(ctx, name(), out);
}

}  // namespace telltale::platform::linux_probe
