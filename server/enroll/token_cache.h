#pragma once
// The enrollment tokens' secret hashes, held in memory so a forged token is
// refused before any CSR parsing, signing or store transaction: a flood of
// well-formed tokens with random secrets used to cost a core (CSR parsed,
// checked and signed before the lookup) and slowed real enrollments ~9x.
//
// Fresh enough by construction: the table is re-read from the store when it
// is older than max_age; on a miss it is re-read at once for a caller that
// may read the store (an address within its failure budget), and at most
// every miss_refresh for the others (addresses being throttled), so a flood
// reads the store a few times a second at most while a token `telltale-ctl
// token create` wrote a moment ago is found. The store's enroll()
// transaction still decides uses, expiry and revocation.
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "server/store/store.h"

namespace telltale::server {

class TokenCache {
 public:
  explicit TokenCache(Store& store, std::chrono::milliseconds max_age = std::chrono::seconds(1),
                      std::chrono::milliseconds miss_refresh = std::chrono::milliseconds(250))
      : store_(store), max_age_(max_age), miss_refresh_(miss_refresh) {}

  // True when some stored token has this secret hash (64 hex digits). Every
  // comparison is constant-time (CRYPTO_memcmp) and runs over the whole
  // table, so timing says nothing about how close a guess was.
  // Throws StoreUnavailable/std::exception when the store cannot be read.
  bool known(const std::string& secret_hash, bool may_read_store);

 private:
  bool match(const std::string& secret_hash) const;  // mu_ held
  void refresh(std::chrono::steady_clock::time_point now);  // mu_ held

  Store& store_;
  std::chrono::milliseconds max_age_, miss_refresh_;
  std::mutex mu_;
  std::vector<std::string> hashes_;
  std::chrono::steady_clock::time_point loaded_{};
  bool ever_loaded_ = false;
};

}  // namespace telltale::server
