#pragma once
#include <chrono>
#include <string>

namespace telltale::agent {

// Connects to the collector with TLS 1.3, takes the certificate chain it
// presents and returns the certificate whose SPKI SHA-256 equals `pin`
// (from the enrollment token). Nothing from the connection is trusted
// otherwise: the returned CA then becomes the only root gRPC verifies the
// collector against. Throws std::runtime_error when the collector cannot be
// reached or no certificate matches ("… presented 2 certificates, none
// matches the token's CA pin: wrong collector or intercepted connection").
std::string fetch_pinned_ca(const std::string& address, const std::string& pin, std::chrono::seconds timeout);

}  // namespace telltale::agent
