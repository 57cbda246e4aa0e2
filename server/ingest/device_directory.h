#pragma once
// Who may stream: device certificates and revocations held in memory, so
// authenticating a reconnect never costs a database query per stream (other
// fleet servers melted their database that way). Revocations made by
// telltale-ctl in the store reach this cache within refresh_interval.
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "server/store/store.h"

namespace telltale::server {

class DeviceDirectory {
 public:
  explicit DeviceDirectory(Store& store) : store_(store) {}

  enum class Verdict { kAllowed, kUnknownDevice, kRevoked, kCertificateMismatch };
  // Checks a presented certificate (CN = device id, fingerprint of the leaf).
  Verdict check(const std::string& device_id, const std::string& fingerprint);

  // Re-reads revocations; returns devices newly revoked since the last call.
  std::vector<std::string> refresh_revocations();

  // Active sessions, to cancel streams of revoked devices and to notice a
  // second agent presenting the same certificate at the same time.
  using Canceller = std::function<void()>;
  // Returns how many sessions of this device were already open.
  size_t add_session(const std::string& device_id, const void* key, Canceller cancel);
  void remove_session(const std::string& device_id, const void* key);
  void cancel_sessions(const std::string& device_id);
  size_t connected();

 private:
  struct Entry {
    std::string fingerprint;
    bool revoked = false;
  };
  Store& store_;
  std::mutex mu_;
  std::map<std::string, Entry> devices_;
  std::set<std::string> revoked_;
  std::map<std::string, std::map<const void*, Canceller>> sessions_;
};

const char* to_string(DeviceDirectory::Verdict v);

}  // namespace telltale::server
