#include "server/enroll/enrollment_service.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "platform/common/enrollment_token.h"
#include "platform/common/hash.h"
#include "platform/common/log.h"

namespace telltale::server {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Firmware fills unset DMI fields with placeholders; they identify nothing.
bool placeholder(const std::string& v) {
  static const char* kPlaceholders[] = {"", "to be filled by o.e.m.", "default string", "system serial number",
                                        "not specified", "none", "0", "00000000-0000-0000-0000-000000000000",
                                        "03000200-0400-0500-0006-000700080009", "123456789"};
  auto l = lower(v);
  return std::any_of(std::begin(kPlaceholders), std::end(kPlaceholders), [&](const char* p) { return l == p; });
}

grpc::Status check_request_bounds(const telltale::v1::EnrollRequest& r) {
  auto too_long = [](const std::string& s, size_t n) { return s.size() > n; };
  if (too_long(r.token(), 512)) return {grpc::StatusCode::INVALID_ARGUMENT, "token longer than 512 bytes"};
  if (too_long(r.csr_pem(), 16384)) return {grpc::StatusCode::INVALID_ARGUMENT, "CSR longer than 16384 bytes"};
  const auto& id = r.identity();
  for (const auto* s : {&id.sys_vendor(), &id.product_name(), &id.product_serial(), &id.product_uuid(), &id.hostname(),
                        &r.agent_version(), &r.platform()})
    if (too_long(*s, 256)) return {grpc::StatusCode::INVALID_ARGUMENT, "identity field longer than 256 bytes"};
  if (id.macs_size() > 64) return {grpc::StatusCode::INVALID_ARGUMENT, "more than 64 MAC addresses"};
  for (const auto& m : id.macs())
    if (too_long(m, 64)) return {grpc::StatusCode::INVALID_ARGUMENT, "MAC address longer than 64 bytes"};
  return grpc::Status::OK;
}

}  // namespace

std::string identity_hash(const telltale::v1::HardwareIdentity& id) {
  std::string key = lower(id.sys_vendor()) + "\n" + lower(id.product_name()) + "\n";
  bool strong = false;
  if (!placeholder(id.product_serial())) key += "serial:" + id.product_serial() + "\n", strong = true;
  if (!placeholder(id.product_uuid())) key += "uuid:" + lower(id.product_uuid()) + "\n", strong = true;
  if (!strong) {
    // Without root the DMI serial and UUID are unreadable: fall back to the
    // burnt-in MACs, which survive a re-install as well.
    std::vector<std::string> macs;
    for (const auto& m : id.macs()) macs.push_back(lower(m));
    std::sort(macs.begin(), macs.end());
    for (const auto& m : macs) key += "mac:" + m + "\n";
  }
  return sha256_hex(key);
}

grpc::Status enroll_device(Store& store, TokenCache& tokens, const CertificateAuthority& ca, int device_cert_days,
                           const telltale::v1::EnrollRequest& request, const std::string& peer,
                           telltale::v1::EnrollResponse* response, bool may_read_store) {
  if (auto st = check_request_bounds(request); !st.ok()) return st;
  std::string token_error;
  auto token = parse_enrollment_token(request.token(), &token_error);
  if (!token) return {grpc::StatusCode::UNAUTHENTICATED, token_error};
  if (token->ca_pin != ca.pin())
    return {grpc::StatusCode::UNAUTHENTICATED, "enrollment token was made for another collector (CA pin differs)"};
  // Before the CSR is even parsed: a forged secret must cost a hash and a
  // table walk, not a signature check and a signing.
  try {
    if (!tokens.known(token->secret_hash(), may_read_store))
      return {grpc::StatusCode::PERMISSION_DENIED,
              std::string("enrollment refused: ") + to_string(EnrollStatus::kUnknownToken)};
  } catch (const std::exception& e) {
    spdlog::error("event=enroll_store_failed peer={} error={}", log::q(peer), log::q(e.what()));
    return {grpc::StatusCode::UNAVAILABLE, "collector store unavailable; retry later"};
  }

  const std::string device_id = "dev-" + random_hex(8);
  IssuedCertificate cert;
  try {
    cert = ca.sign_device_csr(request.csr_pem(), device_id, device_cert_days);
  } catch (const std::invalid_argument& e) {
    return {grpc::StatusCode::INVALID_ARGUMENT, std::string("CSR refused: ") + e.what()};
  }

  DeviceRecord record;
  record.device_id = device_id;
  record.hostname = request.identity().hostname();
  record.platform = request.platform();
  record.agent_version = request.agent_version();
  record.identity_hash = identity_hash(request.identity());
  google::protobuf::util::MessageToJsonString(request.identity(), &record.identity_json);
  record.serial = request.identity().product_serial();
  record.certificate_fingerprint = cert.fingerprint;
  record.token_id = token->id();
  record.enrolled_unix_ms = now_ms();
  record.last_peer = peer;

  EnrollResult result;
  try {
    result = store.enroll(token->secret_hash(), record.enrolled_unix_ms, record);
  } catch (const std::exception& e) {
    spdlog::error("event=enroll_store_failed peer={} error={}", log::q(peer), log::q(e.what()));
    return {grpc::StatusCode::UNAVAILABLE, "collector store unavailable; retry later"};
  }
  if (result.status != EnrollStatus::kOk)
    return {grpc::StatusCode::PERMISSION_DENIED, std::string("enrollment refused: ") + to_string(result.status)};
  response->set_device_id(device_id);
  response->set_certificate_pem(cert.certificate_pem);
  response->set_ca_chain_pem(ca.ca_pem());
  for (const auto& prev : result.previous_device_ids) response->add_previous_device_ids(prev);
  spdlog::info("event=enrolled device={} host={} peer={} token={} previous={}", device_id,
               log::q(record.hostname), log::q(peer), token->id(), result.previous_device_ids.size());
  return grpc::Status::OK;
}

grpc::Status EnrollmentService::Enroll(grpc::ServerContext* context, const telltale::v1::EnrollRequest* request,
                                       telltale::v1::EnrollResponse* response) {
  const std::string peer = context->peer();
  const std::string address = FailureLimiter::address_of(peer);
  const bool throttled = limiter_.exhausted(address, std::chrono::steady_clock::now());
  grpc::Status status = enroll_device(store_, tokens_, ca_, device_cert_days_, *request, peer, response, !throttled);
  if (status.ok()) {
    ++counters_.enrolled;
    return status;
  }
  // An unavailable store is our failure, not the sender's.
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) return status;
  auto verdict = limiter_.fail(address, std::chrono::steady_clock::now());
  if (!verdict.throttled) {
    ++counters_.refused;
    spdlog::warn("event=enroll_refused peer={} code={} reason={}", log::q(peer), static_cast<int>(status.error_code()),
                 log::q(status.error_message()));
    return status;
  }
  ++counters_.throttled;
  // One line when an address starts being throttled and one per 1000
  // refusals after (so about one a second per flooding address, as each
  // refill lets one failure through): a flood must not become a log flood.
  if (verdict.throttled_in_row == 1 || verdict.throttled_in_row % 1000 == 0)
    spdlog::warn("event=enroll_throttled address={} refused_in_row={} retry_after_ms={} last_reason={}",
                 log::q(address), verdict.throttled_in_row, verdict.retry_after_ms, log::q(status.error_message()));
  // Tarpit: the refusal waits a moment, so a flooding client that waits for
  // answers (every gRPC client does) sends a few requests a second per call
  // in flight instead of thousands — measured, that is what keeps a real
  // enrollment fast during a flood (docs/PERFORMANCE.md). Sync handlers hold
  // a thread while they wait, so at most kMaxTarpitted wait at once; beyond
  // that the refusal is immediate.
  if (tarpitted_.fetch_add(1) < kMaxTarpitted)
    std::this_thread::sleep_for(
        std::min<std::chrono::milliseconds>(kTarpit, std::chrono::milliseconds(verdict.retry_after_ms)));
  tarpitted_.fetch_sub(1);
  return {grpc::StatusCode::RESOURCE_EXHAUSTED,
          "too many failed enrollments from " + address + "; retry in " + std::to_string(verdict.retry_after_ms) +
              " ms (" + status.error_message() + ")"};
}

}  // namespace telltale::server
