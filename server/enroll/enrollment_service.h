#pragma once
#include <grpcpp/grpcpp.h>

#include <atomic>

#include "server/ca/certificate_authority.h"
#include "server/enroll/failure_limiter.h"
#include "server/enroll/token_cache.h"
#include "server/store/store.h"
#include "telltale/v1/enrollment.grpc.pb.h"

namespace telltale::server {

struct EnrollmentCounters {
  std::atomic<uint64_t> enrolled{0};
  std::atomic<uint64_t> refused{0};    // bad, unknown, spent or foreign tokens; bad CSRs
  std::atomic<uint64_t> throttled{0};  // failures beyond the per-address limit (RESOURCE_EXHAUSTED)
};

// Enrollment.Enroll: token + CSR + hardware identity → device id + certificate.
// The wire handling lives here; the decision is in enroll_device().
//
// Order of work, cheapest first, so a forged token costs microseconds: size
// bounds, token syntax and CA pin, the token's hash against the in-memory
// table (TokenCache) — and only then the CSR, the signature and the store
// transaction. Every failure spends a token of its source address's bucket
// (FailureLimiter); beyond it failures are RESOURCE_EXHAUSTED.
class EnrollmentService final : public telltale::v1::Enrollment::Service {
 public:
  EnrollmentService(Store& store, const CertificateAuthority& ca, int device_cert_days, FailureLimits limits = {})
      : store_(store), ca_(ca), device_cert_days_(device_cert_days), tokens_(store), limiter_(limits) {}

  grpc::Status Enroll(grpc::ServerContext* context, const telltale::v1::EnrollRequest* request,
                      telltale::v1::EnrollResponse* response) override;

  EnrollmentCounters& counters() { return counters_; }
  size_t tracked_addresses() const { return limiter_.tracked(); }

 private:
  Store& store_;
  const CertificateAuthority& ca_;
  int device_cert_days_;
  TokenCache tokens_;
  FailureLimiter limiter_;
  EnrollmentCounters counters_;
  static constexpr std::chrono::milliseconds kTarpit{250};
  static constexpr int kMaxTarpitted = 64;
  std::atomic<int> tarpitted_{0};
};

// Normalised hash of the hardware identity: the same laptop re-enrolling
// yields the same hash, whatever order its NICs are listed in.
std::string identity_hash(const telltale::v1::HardwareIdentity& id);

// The decision for one request. `tokens` is consulted before any CSR work;
// `may_read_store`: a token missing from it may be looked up in the store
// at once (false for an address that is being throttled).
grpc::Status enroll_device(Store& store, TokenCache& tokens, const CertificateAuthority& ca, int device_cert_days,
                           const telltale::v1::EnrollRequest& request, const std::string& peer,
                           telltale::v1::EnrollResponse* response, bool may_read_store = true);

}  // namespace telltale::server
