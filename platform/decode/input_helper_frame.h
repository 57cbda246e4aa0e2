#pragma once
// What the per-user input helper sends the agent's service over the local
// pipe: "TTIH", a format version, the payload's length (little-endian) and a
// serialized telltale.v1.InputActivity holding the helper's cumulative
// counts. One frame per connection; the service keeps the latest per session.
// Pure, so both ends and the Linux suite test the same code.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::decode {

constexpr uint32_t kInputHelperFrameVersion = 1;
constexpr size_t kInputHelperHeaderSize = 12;
constexpr uint32_t kInputHelperMaxPayload = 1u << 20;  // a week of buckets for dozens of devices is ~100 KiB

std::string encode_input_helper_frame(const telltale::v1::InputActivity& activity);

// From the first 12 bytes: the payload length to read next, or an error
// ("input helper frame: magic 'GET ', expected 'TTIH'").
struct InputHelperHeader {
  uint32_t payload_size = 0;
  std::string error;
};
InputHelperHeader decode_input_helper_header(std::span<const uint8_t> header);

struct InputHelperFrame {
  std::optional<telltale::v1::InputActivity> activity;
  std::string error;
};
// A whole frame (header + payload).
InputHelperFrame decode_input_helper_frame(std::span<const uint8_t> frame);

}  // namespace telltale::decode
