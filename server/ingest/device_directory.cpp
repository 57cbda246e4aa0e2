#include "server/ingest/device_directory.h"

namespace telltale::server {

const char* to_string(DeviceDirectory::Verdict v) {
  switch (v) {
    case DeviceDirectory::Verdict::kAllowed: return "allowed";
    case DeviceDirectory::Verdict::kUnknownDevice: return "device not enrolled here";
    case DeviceDirectory::Verdict::kRevoked: return "device revoked";
    case DeviceDirectory::Verdict::kCertificateMismatch: return "certificate is not the one issued to this device";
  }
  return "?";
}

DeviceDirectory::Verdict DeviceDirectory::check(const std::string& device_id, const std::string& fingerprint) {
  {
    std::lock_guard lock(mu_);
    if (revoked_.count(device_id)) return Verdict::kRevoked;
    if (auto it = devices_.find(device_id); it != devices_.end())
      return it->second.fingerprint == fingerprint ? Verdict::kAllowed : Verdict::kCertificateMismatch;
  }
  // First time this collector sees the device (or it enrolled since): one lookup, then cached.
  auto record = store_.device(device_id);
  if (!record) return Verdict::kUnknownDevice;
  std::lock_guard lock(mu_);
  devices_[device_id] = {record->certificate_fingerprint, record->revoked};
  if (record->revoked) {
    revoked_.insert(device_id);
    return Verdict::kRevoked;
  }
  return record->certificate_fingerprint == fingerprint ? Verdict::kAllowed : Verdict::kCertificateMismatch;
}

std::vector<std::string> DeviceDirectory::refresh_revocations() {
  auto ids = store_.revoked_device_ids();
  std::vector<std::string> fresh;
  std::lock_guard lock(mu_);
  for (const auto& id : ids)
    if (revoked_.insert(id).second) fresh.push_back(id);
  return fresh;
}

size_t DeviceDirectory::add_session(const std::string& device_id, const void* key, Canceller cancel) {
  std::lock_guard lock(mu_);
  auto& s = sessions_[device_id];
  size_t before = s.size();
  s[key] = std::move(cancel);
  return before;
}

void DeviceDirectory::remove_session(const std::string& device_id, const void* key) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(device_id);
  if (it == sessions_.end()) return;
  it->second.erase(key);
  if (it->second.empty()) sessions_.erase(it);
}

void DeviceDirectory::cancel_sessions(const std::string& device_id) {
  // Called outside our lock: cancelling may end the stream inline, which
  // calls remove_session. Each canceller checks its stream is still alive.
  std::vector<Canceller> cancels;
  {
    std::lock_guard lock(mu_);
    if (auto it = sessions_.find(device_id); it != sessions_.end())
      for (auto& [key, c] : it->second) cancels.push_back(c);
  }
  for (auto& c : cancels) c();
}

size_t DeviceDirectory::connected() {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, s] : sessions_) n += s.size();
  return n;
}

}  // namespace telltale::server
