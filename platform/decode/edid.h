#pragma once
// EDID 1.x base block and extension count (VESA E-EDID). Pure: the raw bytes
// from sys/class/drm/*/edid (or a registry blob on other platforms) in, the
// decoded message out. An invalid EDID still fills every field that could be
// read, with valid=false and the reasons in `error`: a KVM with a broken EDID
// is evidence, not noise.
#include <cstdint>
#include <span>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::decode {

telltale::v1::Edid decode_edid(std::span<const uint8_t> raw);

}  // namespace telltale::decode
