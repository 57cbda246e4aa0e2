#include "platform/common/tls_policy.h"

#include <cstdlib>

namespace telltale {

void enforce_tls13_only() { ::setenv("GRPC_SSL_CIPHER_SUITES", "ECDHE-RSA-AES256-GCM-SHA384", 1); }

}  // namespace telltale
