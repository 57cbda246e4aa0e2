// fuzz-links: telltale_decode
// Keyboard and input-method configuration text (shell assignments, xorg.conf,
// INI / dconf keyfiles, GVariant arrays): never crash on any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/decode/keyboard_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace telltale::decode;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto xkb = xkb_from_assignments(parse_shell_assignments(text));
  for (const auto& l : xkb.layouts) (void)language_of_layout(l);
  auto xorg = parse_xorg_keyboard_conf(text);
  for (const auto& l : xorg.layouts) (void)language_of_layout(l);
  auto ini = parse_ini(text);
  for (const auto& im : fcitx5_input_methods(ini)) (void)language_of_input_method(im);
  for (const auto& im : fcitx4_enabled_input_methods(ini)) (void)language_of_input_method(im);
  for (const auto& e : ini) {
    for (const auto& s : gvariant_strings(e.value)) (void)language_of_input_method(s);
    (void)gvariant_string_pairs(e.value);
  }
  (void)gvariant_strings(text);
  (void)gvariant_string_pairs(text);
  return 0;
}
