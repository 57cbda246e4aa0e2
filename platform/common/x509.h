#pragma once
// Certificate helpers both sides need: the collector to publish its CA pin,
// the agent to check the pin before it trusts anything the collector says.
#include <string>
#include <string_view>
#include <vector>

namespace telltale::x509 {

// base64url(SHA-256(SubjectPublicKeyInfo DER)) of the first certificate in `pem`.
// Throws std::runtime_error naming the problem when the PEM holds no certificate.
std::string spki_pin(std::string_view certificate_pem);

// Splits a PEM bundle into its certificates (each re-encoded as PEM).
std::vector<std::string> split_certificates(std::string_view pem_bundle);

// Subject common name of the first certificate, "" when absent.
std::string common_name(std::string_view certificate_pem);

// SHA-256 of the DER encoding, lowercase hex.
std::string fingerprint(std::string_view certificate_pem);

// Seconds since the epoch of notAfter.
int64_t not_after_unix(std::string_view certificate_pem);

}  // namespace telltale::x509
