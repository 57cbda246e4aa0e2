// fuzz-links: telltale_decode
// Every string read from a device passes through these before it reaches a
// protobuf string field (must be valid UTF-8, or serialisation fails) or a
// log line (must stay one line). Checked against an independent validator.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/decode/text_sanitize.h"
#include "platform/decode/text_sanitize_message.h"
#include "telltale/v1/telemetry.pb.h"

namespace {

// RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) { ++i; continue; }
    if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
    else return false;
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto clean = telltale::decode::sanitize_utf8(in);
  if (!valid_utf8(clean)) __builtin_trap();
  for (unsigned char c : clean)
    if ((c < 0x20 && c != '\t') || c == 0x7F) __builtin_trap();
  // Input that is already clean passes through unchanged.
  if (telltale::decode::sanitize_utf8(clean) != clean) __builtin_trap();

  // printable(): one line of printable ASCII, with "…" appended only when cut.
  const std::string printed = telltale::decode::printable(in, 40);
  std::string_view shown = printed;
  const bool cut = shown.ends_with("\xE2\x80\xA6");
  if (cut != (size > 40)) __builtin_trap();
  if (cut) shown.remove_suffix(3);
  for (unsigned char c : shown)
    if (c < 0x20 || c > 0x7E) __builtin_trap();
  if (shown.size() > 40 * 4) __builtin_trap();  // each input byte is at most "\xNN"

  // clean_field_text(): valid UTF-8, no control byte, within the cap, idempotent.
  for (size_t cap : {size_t{0}, size_t{1}, size_t{16}, size_t{256}}) {
    const auto field = telltale::decode::clean_field_text(in, cap);
    if (!valid_utf8(field)) __builtin_trap();
    size_t cps = 0;
    for (unsigned char c : field) {
      if (c < 0x20 || c == 0x7F) __builtin_trap();
      cps += (c & 0xC0) != 0x80;
    }
    if (cps > cap) __builtin_trap();
    if (field.find("\xE2\x80\xAE") != std::string::npos) __builtin_trap();  // U+202E
    if (telltale::decode::clean_field_text(field, cap) != field) __builtin_trap();
  }

  // The report pass: the input in a nested, a repeated and an event string;
  // afterwards the report must serialise and parse back.
  telltale::v1::Report report;
  auto* snap = report.mutable_snapshot();
  snap->add_usb_devices()->set_product(std::string(in));
  snap->mutable_keyboard()->add_users()->add_input_methods()->set_name(std::string(in));
  snap->add_displays()->add_modes(std::string(in));
  report.add_events()->mutable_usb()->set_product(std::string(in));
  telltale::decode::sanitize_strings(report);
  std::string wire;
  telltale::v1::Report parsed;
  if (!report.SerializeToString(&wire) || !parsed.ParseFromString(wire)) __builtin_trap();
  return 0;
}
