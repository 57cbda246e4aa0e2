#pragma once
// Parser of /proc/bus/input/devices (drivers/input/input.c,
// input_devices_seq_show). Pure: text in, InputDevice messages out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::decode {

// A capability bitmap as the kernel prints it: hex words of the kernel's long
// (64 bits here), most significant first, leading zero words left out, "0"
// when empty. words[0] holds bits 0..63.
struct InputBitmap {
  std::vector<uint64_t> words;
  bool test(unsigned bit) const {
    size_t w = bit / 64;
    return w < words.size() && (words[w] >> (bit % 64) & 1u);
  }
};

// nullopt when a word is not hex or wider than 64 bits, or there are more
// words than any input bitmap has (KEY_MAX is 0x2ff: 12 words).
std::optional<InputBitmap> parse_input_bitmap(std::string_view text);

struct ProcInputDevices {
  std::vector<telltale::v1::InputDevice> devices;
  std::vector<std::string> errors;  // one per malformed line or block, with the block's name
};

// Every block becomes an InputDevice with the derived flags (virtual device,
// keys / relative / absolute X-Y, keyboard, touchpad, touchscreen, USB port
// path). A block without an "I:" line is dropped with an error; a malformed
// line is reported and the rest of its block still used.
ProcInputDevices parse_proc_input_devices(std::string_view text);

}  // namespace telltale::decode
