// platform/common/tls_policy.h on Windows: the same gRPC cipher setting, set
// with the CRT's _putenv_s (there is no setenv) before gRPC reads it.
#include <cstdlib>

#include "platform/common/tls_policy.h"

namespace telltale {

void enforce_tls13_only() { _putenv_s("GRPC_SSL_CIPHER_SUITES", "ECDHE-RSA-AES256-GCM-SHA384"); }

}  // namespace telltale
