#pragma once
#include <string>

namespace telltale::agent {

struct KeyAndCsr {
  std::string key_pem;  // PKCS#8, unencrypted: protected by file mode 0600
  std::string csr_pem;
};

// A fresh EC P-256 key and a PKCS#10 request signed with it. The subject is
// informational only; the collector names the device.
KeyAndCsr make_key_and_csr(const std::string& hostname);

}  // namespace telltale::agent
