#include "server/enroll/token_cache.h"

#include <openssl/crypto.h>

namespace telltale::server {

bool TokenCache::match(const std::string& secret_hash) const {
  int found = 0;
  for (const auto& h : hashes_)
    found |= h.size() == secret_hash.size() && CRYPTO_memcmp(h.data(), secret_hash.data(), h.size()) == 0;
  return found != 0;
}

void TokenCache::refresh(std::chrono::steady_clock::time_point now) {
  std::vector<std::string> fresh;
  // Revoked, expired and spent tokens stay in: the store's transaction
  // refuses them and says why ("revoked", "expired", "no uses left").
  for (const auto& t : store_.tokens()) fresh.push_back(t.secret_hash);
  hashes_ = std::move(fresh);
  loaded_ = now;
  ever_loaded_ = true;
}

bool TokenCache::known(const std::string& secret_hash, bool may_read_store) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (!ever_loaded_ || now - loaded_ > max_age_) refresh(now);
  if (match(secret_hash)) return true;
  if (!may_read_store && now - loaded_ < miss_refresh_) return false;
  refresh(now);
  return match(secret_hash);
}

}  // namespace telltale::server
