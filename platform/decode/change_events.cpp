#include "platform/decode/change_events.h"

namespace telltale::decode {

telltale::v1::Event usb_change_event(int64_t at_unix_ms, bool added, const std::string& port_path, uint32_t vendor_id,
                                     uint32_t product_id, const std::string& product) {
  telltale::v1::Event e;
  e.set_at_unix_ms(at_unix_ms);
  auto* c = e.mutable_usb();
  c->set_added(added);
  c->set_port_path(port_path);
  c->set_vendor_id(vendor_id);
  c->set_product_id(product_id);
  c->set_product(product);
  return e;
}

telltale::v1::Event display_change_event(int64_t at_unix_ms, const std::string& connector, const std::string& status,
                                         const std::string& monitor_name, const std::string& serial_string) {
  telltale::v1::Event e;
  e.set_at_unix_ms(at_unix_ms);
  auto* c = e.mutable_display();
  c->set_connector(connector);
  c->set_status(status);
  c->set_monitor_name(monitor_name);
  c->set_serial_string(serial_string);
  return e;
}

}  // namespace telltale::decode
