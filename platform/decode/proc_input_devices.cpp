#include "platform/decode/proc_input_devices.h"

#include <charconv>
#include <map>

#include "platform/decode/sysfs_values.h"
#include "platform/decode/text_sanitize.h"
#include "platform/decode/usb_sysfs.h"

namespace telltale::decode {

namespace {

// include/uapi/linux/input-event-codes.h
constexpr unsigned kEvKey = 0x01, kEvRel = 0x02, kEvAbs = 0x03;
constexpr unsigned kRelX = 0x00, kRelY = 0x01;
constexpr unsigned kAbsX = 0x00, kAbsY = 0x01;
constexpr unsigned kBtnToolFinger = 0x145;
constexpr unsigned kPropPointer = 0x00, kPropDirect = 0x01;
// The letter keys, in the kernel's numbering (KEY_Q..KEY_P, KEY_A..KEY_L, KEY_Z..KEY_M).
constexpr unsigned kLetterKeys[] = {16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 30, 31, 32,
                                    33, 34, 35, 36, 37, 38, 44, 45, 46, 47, 48, 49, 50};
constexpr size_t kMaxWords = 12;
constexpr size_t kMaxBlocks = 4096;

struct Block {
  telltale::v1::InputDevice device;
  bool has_id = false;
  std::map<std::string, InputBitmap, std::less<>> bitmaps;
  size_t line = 0;  // first line, for errors
};

std::string block_label(const Block& b) {
  if (!b.device.name().empty()) return "input device \"" + b.device.name() + "\"";
  return "input block at line " + std::to_string(b.line);
}

// "Bus=0003 Vendor=1d6b Product=0104 Version=0101"
bool parse_id_line(std::string_view rest, telltale::v1::InputDevice& d) {
  int seen = 0;
  while (!rest.empty()) {
    auto space = rest.find(' ');
    auto field = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    if (field.empty()) continue;
    auto eq = field.find('=');
    if (eq == std::string_view::npos) return false;
    auto key = field.substr(0, eq);
    auto value = parse_fixed_hex(field.substr(eq + 1), 4);
    if (!value) return false;
    if (key == "Bus") d.set_bus(*value), seen |= 1;
    else if (key == "Vendor") d.set_vendor(*value), seen |= 2;
    else if (key == "Product") d.set_product(*value), seen |= 4;
    else if (key == "Version") d.set_version(*value), seen |= 8;
  }
  return seen == 15;
}

void derive(Block& b) {
  auto& d = b.device;
  auto get = [&](std::string_view name) -> const InputBitmap* {
    auto it = b.bitmaps.find(name);
    return it == b.bitmaps.end() ? nullptr : &it->second;
  };
  const InputBitmap* ev = get("EV");
  const InputBitmap* key = get("KEY");
  const InputBitmap* rel = get("REL");
  const InputBitmap* abs = get("ABS");
  const InputBitmap* prop = get("PROP");
  d.set_virtual_device(d.sysfs().starts_with("/devices/virtual/"));
  d.set_has_keys(ev && ev->test(kEvKey) && key != nullptr);
  d.set_has_relative(ev && ev->test(kEvRel) && rel && rel->test(kRelX) && rel->test(kRelY));
  d.set_has_absolute(ev && ev->test(kEvAbs) && abs && abs->test(kAbsX) && abs->test(kAbsY));
  bool letters = d.has_keys();
  for (unsigned k : kLetterKeys) letters = letters && key->test(k);
  d.set_keyboard(letters);
  d.set_touchpad(prop && prop->test(kPropPointer) && key && key->test(kBtnToolFinger));
  d.set_touchscreen(prop && prop->test(kPropDirect));
  d.set_usb_port_path(usb_port_path_from_sysfs(d.sysfs()));
}

// `N: Name="…"`: the kernel prints the name between quotes without escaping.
std::string unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  return sanitize_utf8(value);
}

}  // namespace

std::optional<InputBitmap> parse_input_bitmap(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  std::vector<uint64_t> msb_first;
  while (!text.empty()) {
    auto space = text.find(' ');
    auto word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    if (word.empty() || word.size() > 16) return std::nullopt;
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value, 16);
    if (ec != std::errc() || end != word.data() + word.size()) return std::nullopt;
    msb_first.push_back(value);
    if (msb_first.size() > kMaxWords) return std::nullopt;
  }
  return InputBitmap{{msb_first.rbegin(), msb_first.rend()}};
}

ProcInputDevices parse_proc_input_devices(std::string_view text) {
  ProcInputDevices out;
  std::optional<Block> current;
  size_t line_no = 0;
  auto finish = [&] {
    if (!current) return;
    if (!current->has_id) {
      out.errors.push_back(block_label(*current) + ": no \"I:\" line, block skipped");
    } else if (out.devices.size() >= kMaxBlocks) {
      out.errors.push_back("more than " + std::to_string(kMaxBlocks) + " input devices, rest skipped");
    } else {
      derive(*current);
      out.devices.push_back(std::move(current->device));
    }
    current.reset();
  };
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (trim(line).empty()) {
      finish();
      continue;
    }
    if (!current) {
      current.emplace();
      current->line = line_no;
    }
    auto& b = *current;
    if (line.size() < 3 || line[1] != ':' || line[2] != ' ') {
      out.errors.push_back(block_label(b) + ": line " + std::to_string(line_no) + " \"" + printable(line) +
                           "\" is not \"X: …\"");
      continue;
    }
    char tag = line[0];
    auto rest = line.substr(3);
    auto value_of = [&](std::string_view prefix) -> std::optional<std::string_view> {
      if (!rest.starts_with(prefix)) return std::nullopt;
      return rest.substr(prefix.size());
    };
    switch (tag) {
      case 'I':
        if (parse_id_line(rest, b.device)) b.has_id = true;
        else
          out.errors.push_back(block_label(b) + ": \"" + printable(rest) +
                               "\" is not \"Bus=XXXX Vendor=XXXX Product=XXXX Version=XXXX\"");
        break;
      case 'N':
        if (auto v = value_of("Name=")) b.device.set_name(unquote(*v));
        break;
      case 'P':
        if (auto v = value_of("Phys=")) b.device.set_phys(sanitize_utf8(*v));
        break;
      case 'S':
        if (auto v = value_of("Sysfs=")) b.device.set_sysfs(sanitize_utf8(*v));
        break;
      case 'U':
        if (auto v = value_of("Uniq=")) b.device.set_uniq(sanitize_utf8(*v));
        break;
      case 'H':
        if (auto v = value_of("Handlers=")) {
          std::string_view hs = *v;
          while (!hs.empty()) {
            auto space = hs.find(' ');
            auto h = hs.substr(0, space);
            hs = space == std::string_view::npos ? std::string_view{} : hs.substr(space + 1);
            if (!h.empty()) b.device.add_handlers(sanitize_utf8(h));
          }
        }
        break;
      case 'B': {
        auto eq = rest.find('=');
        if (eq == std::string_view::npos) {
          out.errors.push_back(block_label(b) + ": bitmap line \"" + printable(rest) + "\" has no '='");
          break;
        }
        auto name = rest.substr(0, eq);
        auto bits = parse_input_bitmap(rest.substr(eq + 1));
        if (!bits) {
          out.errors.push_back(block_label(b) + ": " + printable(name) + " bitmap \"" +
                               printable(rest.substr(eq + 1)) + "\" is not hex words of 64 bits");
          break;
        }
        if (name == "PROP") b.device.set_properties(std::string(trim(rest.substr(eq + 1))));
        b.bitmaps.insert_or_assign(std::string(name), std::move(*bits));
        break;
      }
      default:
        break;  // lines this parser does not use
    }
  }
  finish();
  return out;
}

}  // namespace telltale::decode
