#pragma once
// HID 1.11 report descriptor parser (section 6.2.2): short and long items,
// global/local state, push/pop, collections and main items. The summary is
// the device's *structure* — keyboard, relative / absolute pointer and its
// logical range, vendor pages — which is what still shows an IP-KVM whose
// USB identity has been spoofed. Pure: descriptor bytes in, summary out.
#include <cstdint>
#include <span>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::decode {

// Malformed input sets parse_error ("byte 12: item claims 4 data bytes, 2 remain")
// and keeps what was derived before the bad item. hid_id is left for the caller.
telltale::v1::HidSummary summarize_hid_report(std::span<const uint8_t> descriptor);

}  // namespace telltale::decode
