#pragma once

namespace telltale {

// TLS 1.3 only, on both ends. gRPC 1.51's C++ API cannot set a minimum TLS
// version, but it takes the TLS 1.2 cipher list from GRPC_SSL_CIPHER_SUITES
// (doc/environment_variables.md). Offering only an RSA-authenticated TLS 1.2
// suite while every Telltale key is EC P-256 means no TLS 1.2 handshake can
// ever complete, while TLS 1.3 suites (configured separately by OpenSSL) are
// untouched. Must run before the first gRPC credential is created; a test
// checks that a TLS 1.2-only client is refused.
void enforce_tls13_only();

}  // namespace telltale
