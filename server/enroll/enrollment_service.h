#pragma once
#include <grpcpp/grpcpp.h>

#include "server/ca/certificate_authority.h"
#include "server/store/store.h"
#include "telltale/v1/enrollment.grpc.pb.h"

namespace telltale::server {

// Enrollment.Enroll: token + CSR + hardware identity → device id + certificate.
// The wire handling lives here; the decision is in enroll_device().
class EnrollmentService final : public telltale::v1::Enrollment::Service {
 public:
  EnrollmentService(Store& store, const CertificateAuthority& ca, int device_cert_days)
      : store_(store), ca_(ca), device_cert_days_(device_cert_days) {}

  grpc::Status Enroll(grpc::ServerContext* context, const telltale::v1::EnrollRequest* request,
                      telltale::v1::EnrollResponse* response) override;

 private:
  Store& store_;
  const CertificateAuthority& ca_;
  int device_cert_days_;
};

// Normalised hash of the hardware identity: the same laptop re-enrolling
// yields the same hash, whatever order its NICs are listed in.
std::string identity_hash(const telltale::v1::HardwareIdentity& id);

grpc::Status enroll_device(Store& store, const CertificateAuthority& ca, int device_cert_days,
                           const telltale::v1::EnrollRequest& request, const std::string& peer,
                           telltale::v1::EnrollResponse* response);

}  // namespace telltale::server
