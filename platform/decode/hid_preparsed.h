#pragma once
// Windows never hands out a HID device's report descriptor; it hands out the
// "preparsed data" HidD_GetPreparsedData returns (HIDP_PREPARSED_DATA: the
// "HidP KDR" header, the input/output/feature capability arrays and the
// link-collection tree). This rebuilds a report descriptor from it, the way
// hidapi's hidapi_descriptor_reconstruct.c does (layout as documented there),
// so the one HID decoder (hid_report.h) and its structure rules judge Windows
// and Linux devices alike. The result is structurally equivalent to the
// device's descriptor — same collections, usages, logical ranges, report ids
// and main-item flags — not byte-identical: Windows keeps no item order or
// redundant globals, and constant padding is re-inserted only where caps of
// one report leave gaps. Pure: bytes in, bytes out.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace telltale::decode {

struct ReconstructedDescriptor {
  std::vector<uint8_t> descriptor;
  // Why the preparsed data could not be used ("preparsed data: 40 bytes, the
  // header needs 44"); the descriptor is then empty.
  std::string error;
};

ReconstructedDescriptor reconstruct_hid_descriptor(std::span<const uint8_t> preparsed);

}  // namespace telltale::decode
