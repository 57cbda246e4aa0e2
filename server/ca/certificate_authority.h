#pragma once
// The collector's own CA: EC P-256, created on first start in the data dir.
// It signs the collector's server certificate and every device certificate;
// telemetry accepts only client certificates that chain to it.
#include <filesystem>
#include <string>

namespace telltale::server {

struct IssuedCertificate {
  std::string certificate_pem;
  std::string fingerprint;  // SHA-256 of the DER, hex
  int64_t not_after_unix = 0;
};

class CertificateAuthority {
 public:
  // Loads ca.key/ca.crt from dir, creating them (key 0600) when absent.
  // Also ensures server.key/server.crt exist and are valid for 30+ more days.
  static CertificateAuthority open_or_create(const std::filesystem::path& dir);

  const std::string& ca_pem() const { return ca_pem_; }
  const std::string& server_key_pem() const { return server_key_pem_; }
  // Server certificate followed by the CA certificate: agents find the pinned CA in the chain.
  std::string server_chain_pem() const { return server_cert_pem_ + ca_pem_; }
  std::string pin() const;

  // Verifies the CSR's self-signature and key type (EC P-256 only), then
  // issues a client certificate whose subject CN is device_id. The CSR's own
  // subject is ignored: the collector names devices, not the agent.
  IssuedCertificate sign_device_csr(const std::string& csr_pem, const std::string& device_id, int validity_days) const;

 private:
  std::string ca_key_pem_;
  std::string ca_pem_;
  std::string server_key_pem_;
  std::string server_cert_pem_;
};

// The DNS name the server certificate carries and agents ask for, whatever
// address they dial (gRPC's target-name override): one name, so a collector
// reachable by IP, hostname or load balancer needs no re-issue.
inline constexpr const char* kCollectorTlsName = "telltale-collector";

}  // namespace telltale::server
