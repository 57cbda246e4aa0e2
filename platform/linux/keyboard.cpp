#include "platform/linux/keyboard.h"

#include <algorithm>
#include <system_error>

#include "platform/common/file.h"
#include "platform/common/user_file.h"
#include "platform/decode/keyboard_config.h"
#include "platform/linux/root_path.h"

namespace telltale::platform::linux_probe {
namespace {

namespace fs = std::filesystem;
constexpr size_t kMaxConfig = 256 * 1024;
constexpr size_t kMaxHomes = 1000;
constexpr size_t kMaxKeyfiles = 64;

void add_layouts(const decode::XkbConfig& c, const std::string& source, telltale::v1::KeyboardContext& kb) {
  for (size_t i = 0; i < c.layouts.size(); ++i) {
    const auto& layout = c.layouts[i];
    const std::string variant = i < c.variants.size() ? c.variants[i] : "";
    if (layout.empty()) continue;
    bool seen = std::any_of(kb.system_layouts().begin(), kb.system_layouts().end(),
                            [&](const auto& l) { return l.layout() == layout && l.variant() == variant; });
    if (seen) continue;
    auto* l = kb.add_system_layouts();
    l->set_layout(layout);
    l->set_variant(variant);
    l->set_language(decode::language_of_layout(layout));
    l->set_source(source);
  }
  if (kb.model().empty()) kb.set_model(c.model);
  if (kb.options().empty()) kb.set_options(c.options);
}

void add_method(telltale::v1::UserInputMethods& user, const std::string& framework, const std::string& name,
                const std::string& source) {
  bool seen = std::any_of(user.input_methods().begin(), user.input_methods().end(),
                          [&](const auto& m) { return m.framework() == framework && m.name() == name; });
  if (seen || name.empty()) return;
  auto* m = user.add_input_methods();
  m->set_framework(framework);
  m->set_name(name);
  m->set_language(decode::language_of_input_method(name));
  m->set_source(source);
}

}  // namespace

void KeyboardProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  auto* kb = out.mutable_keyboard();
  auto read_config = [&](const fs::path& path) -> std::optional<std::string> {
    auto r = read_file(path, kMaxConfig);
    if (!r.data && !r.missing) record_error(out, name(), ctx.root, path, "unreadable: " + r.error);
    return r.data;
  };

  const auto default_keyboard = under(ctx.root, "etc/default/keyboard");
  if (auto text = read_config(default_keyboard))
    add_layouts(decode::xkb_from_assignments(decode::parse_shell_assignments(*text)),
                display_path(ctx.root, default_keyboard), *kb);

  // xorg.conf.d is read in name order, as the X server does.
  std::vector<fs::path> xorg;
  std::error_code ec;
  for (fs::directory_iterator it(under(ctx.root, "etc/X11/xorg.conf.d"), ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".conf") xorg.push_back(it->path());
  std::sort(xorg.begin(), xorg.end());
  for (const auto& path : xorg)
    if (auto text = read_config(path)) add_layouts(decode::parse_xorg_keyboard_conf(*text), display_path(ctx.root, path), *kb);

  const auto vconsole = under(ctx.root, "etc/vconsole.conf");
  if (auto text = read_config(vconsole))
    add_layouts(decode::xkb_from_assignments(decode::parse_shell_assignments(*text)), display_path(ctx.root, vconsole), *kb);

  // Per user. Everything below a home belongs to its user, who could plant a
  // symlink or hard link there: read only through common/user_file.h.
  std::vector<fs::path> homes;
  for (fs::directory_iterator it(under(ctx.root, "home"), ec), end; !ec && it != end && homes.size() < kMaxHomes;
       it.increment(ec))
    homes.push_back(it->path());
  std::sort(homes.begin(), homes.end());
  for (const auto& home : homes) {
    std::error_code hec;
    if (!fs::is_directory(fs::symlink_status(home, hec))) {
      if (fs::is_symlink(fs::symlink_status(home, hec)))
        record_error(out, name(), ctx.root, home, "not read: home directory is a symbolic link (not followed)");
      continue;
    }
    telltale::v1::UserInputMethods user;
    user.set_user(home.filename().string());
    auto read_user_config = [&](std::string_view relative) -> std::optional<std::string> {
      auto r = read_user_file(home, relative, kMaxConfig);
      if (!r.data && !r.missing) record_error(out, name(), ctx.root, home / relative, "not read: " + r.error);
      return r.data;
    };

    const std::string_view profile = ".config/fcitx5/profile";
    if (auto text = read_user_config(profile))
      for (const auto& im : decode::fcitx5_input_methods(decode::parse_ini(*text)))
        add_method(user, "fcitx5", im, display_path(ctx.root, home / profile));

    const std::string_view profile4 = ".config/fcitx/profile";
    if (auto text = read_user_config(profile4))
      for (const auto& im : decode::fcitx4_enabled_input_methods(decode::parse_ini(*text)))
        add_method(user, "fcitx", im, display_path(ctx.root, home / profile4));

    const std::string keyfile_dir = ".config/dconf/user.d";
    auto listing = list_user_dir(home, keyfile_dir, kMaxKeyfiles);
    if (!listing.error.empty() && !listing.missing)
      record_error(out, name(), ctx.root, home / keyfile_dir, "not read: " + listing.error);
    std::sort(listing.names.begin(), listing.names.end());
    for (const auto& keyfile : listing.names) {
      const std::string relative = keyfile_dir + "/" + keyfile;
      auto text = read_user_config(relative);
      if (!text) continue;
      const auto source = display_path(ctx.root, home / relative);
      for (const auto& e : decode::parse_ini(*text)) {
        if (e.section == "desktop/ibus/general" && e.key == "preload-engines")
          for (const auto& engine : decode::gvariant_strings(e.value)) add_method(user, "ibus", engine, source);
        if (e.section == "org/gnome/desktop/input-sources" && e.key == "sources")
          for (const auto& [kind, id] : decode::gvariant_string_pairs(e.value))
            add_method(user, "gnome", kind == "xkb" ? "xkb:" + id : id, source);
      }
    }
    if (user.input_methods_size() > 0) *kb->add_users() = std::move(user);
  }
}

}  // namespace telltale::platform::linux_probe
