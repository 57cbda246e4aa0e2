#include "server/store/device_ref.h"

#include <algorithm>
#include <cctype>

namespace telltale::server {
namespace {

bool equal_folded(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

DeviceRefResult resolve_device_ref(const std::vector<DeviceRecord>& devices, const std::string& ref) {
  DeviceRefResult out;
  if (ref.empty()) {
    out.error = "empty device reference: give a device id, hostname or serial";
    return out;
  }
  for (auto& d : devices)
    if (d.device_id == ref) {
      out.matches.push_back(d);
      return out;
    }
  for (auto& d : devices)
    if (equal_folded(d.hostname, ref) || (!d.serial.empty() && equal_folded(d.serial, ref))) out.matches.push_back(d);
  if (out.matches.empty()) {
    out.error = "no device has the id, hostname or serial \"" + ref + "\"";
  } else if (out.matches.size() > 1) {
    out.error = "\"" + ref + "\" matches " + std::to_string(out.matches.size()) + " devices: ";
    for (size_t i = 0; i < out.matches.size(); ++i) {
      auto& d = out.matches[i];
      out.error += (i ? ", " : "") + d.device_id + " (host " + (d.hostname.empty() ? "?" : d.hostname) + ", serial " +
                   (d.serial.empty() ? "?" : d.serial) + (d.revoked ? ", revoked" : "") + ")";
    }
    out.error += "; give a device id";
  }
  return out;
}

}  // namespace telltale::server
