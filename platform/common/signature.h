#pragma once
// Detached signatures with the device key, for evidence that must stand on
// its own once stored (a presence check's result): ECDSA with SHA-256 over
// the exact bytes, DER-encoded signature. Verifiable by anyone holding the
// device's certificate, without trusting the collector that stored it.
#include <string>
#include <string_view>

namespace telltale::signature {

// Throws std::runtime_error when the key does not parse or signing fails.
std::string sign_sha256(std::string_view private_key_pem, std::string_view data);

// False for a bad signature; throws std::runtime_error when the certificate
// does not parse.
bool verify_sha256(std::string_view certificate_pem, std::string_view data, std::string_view signature);

}  // namespace telltale::signature
