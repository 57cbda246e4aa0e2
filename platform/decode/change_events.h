#pragma once
// The Events both OSes' change monitors send (linux/hotplug_monitor,
// rescan_change_monitor): one shape, so the collector and console
// read a plug or a display change the same way whichever OS saw it.
#include <cstdint>
#include <string>

#include "telltale/v1/events.pb.h"

namespace telltale::decode {

telltale::v1::Event usb_change_event(int64_t at_unix_ms, bool added, const std::string& port_path, uint32_t vendor_id,
                                     uint32_t product_id, const std::string& product);

telltale::v1::Event display_change_event(int64_t at_unix_ms, const std::string& connector, const std::string& status,
                                         const std::string& monitor_name, const std::string& serial_string);

}  // namespace telltale::decode
