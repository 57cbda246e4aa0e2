#include "platform/decode/input_helper_frame.h"

#include <algorithm>
#include <cstring>

namespace telltale::decode {
namespace {

constexpr char kMagic[4] = {'T', 'T', 'I', 'H'};

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t get_u32(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }

std::string printable(const uint8_t* p, size_t n) {
  std::string r;
  for (size_t i = 0; i < n; ++i) r.push_back(p[i] >= 0x20 && p[i] < 0x7f ? static_cast<char>(p[i]) : '?');
  return r;
}

}  // namespace

std::string encode_input_helper_frame(const telltale::v1::InputActivity& activity) {
  const std::string payload = activity.SerializeAsString();
  std::string out(kMagic, 4);
  put_u32(out, kInputHelperFrameVersion);
  put_u32(out, static_cast<uint32_t>(payload.size()));
  out += payload;
  return out;
}

InputHelperHeader decode_input_helper_header(std::span<const uint8_t> header) {
  InputHelperHeader h;
  if (header.size() < kInputHelperHeaderSize) {
    h.error = "input helper frame: " + std::to_string(header.size()) + " header bytes, expected " +
              std::to_string(kInputHelperHeaderSize);
    return h;
  }
  if (std::memcmp(header.data(), kMagic, 4) != 0) {
    h.error = "input helper frame: magic '" + printable(header.data(), 4) + "', expected 'TTIH'";
    return h;
  }
  if (const uint32_t v = get_u32(header.data() + 4); v != kInputHelperFrameVersion) {
    h.error = "input helper frame: version " + std::to_string(v) + ", expected " + std::to_string(kInputHelperFrameVersion);
    return h;
  }
  const uint32_t size = get_u32(header.data() + 8);
  if (size > kInputHelperMaxPayload) {
    h.error = "input helper frame: payload of " + std::to_string(size) + " bytes, limit " +
              std::to_string(kInputHelperMaxPayload);
    return h;
  }
  h.payload_size = size;
  return h;
}

InputHelperFrame decode_input_helper_frame(std::span<const uint8_t> frame) {
  InputHelperFrame f;
  const auto h = decode_input_helper_header(frame.first(std::min(frame.size(), kInputHelperHeaderSize)));
  if (!h.error.empty()) {
    f.error = h.error;
    return f;
  }
  const size_t have = frame.size() - kInputHelperHeaderSize;
  if (have != h.payload_size) {
    f.error = "input helper frame: " + std::to_string(have) + " payload bytes, header says " + std::to_string(h.payload_size);
    return f;
  }
  telltale::v1::InputActivity a;
  if (!a.ParseFromArray(frame.data() + kInputHelperHeaderSize, static_cast<int>(have))) {
    f.error = "input helper frame: payload of " + std::to_string(have) + " bytes is not an InputActivity message";
    return f;
  }
  f.activity = std::move(a);
  return f;
}

}  // namespace telltale::decode
