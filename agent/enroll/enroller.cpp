#include "agent/enroll/enroller.h"

#include <grpcpp/grpcpp.h>

#include "agent/enroll/device_key.h"
#include "agent/enroll/pinned_ca.h"
#include "platform/common/enrollment_token.h"
#include "platform/common/log.h"
#include "platform/host_platform.h"
#include "telltale/v1/enrollment.grpc.pb.h"

namespace telltale::agent {

EnrollOutcome enroll(const EnrollOptions& options) {
  std::string error;
  auto token = parse_enrollment_token(options.token, &error);
  if (!token) throw std::runtime_error(error);
  if (is_enrolled(options.paths) && !options.force) {
    auto existing = load_identity(options.paths);
    throw std::runtime_error("already enrolled as " + existing.device_id + " with " + existing.collector +
                             " (state dir " + options.paths.dir.string() + "); pass --force to enroll anew");
  }
  ensure_state_dir(options.paths);

  std::string ca_pem = fetch_pinned_ca(token->address, token->ca_pin, options.timeout);

  telltale::v1::Snapshot hw_snapshot;
  platform::ProbeContext ctx;
  ctx.root = options.root;
  platform::host::read_hardware_identity(ctx, hw_snapshot);
  const auto& hw = hw_snapshot.hardware();

  auto key = make_key_and_csr(hw.hostname());
  telltale::v1::EnrollRequest request;
  request.set_token(options.token);
  request.set_csr_pem(key.csr_pem);
  request.set_agent_version(TELLTALE_VERSION);
  request.set_platform(std::string(platform::host::name()));
  auto* id = request.mutable_identity();
  id->set_sys_vendor(hw.sys_vendor());
  id->set_product_name(hw.product_name());
  id->set_product_serial(hw.product_serial());
  id->set_product_uuid(hw.product_uuid());
  id->set_hostname(hw.hostname());
  for (const auto& nic : hw.nics())
    if (!nic.permanent_mac().empty()) id->add_macs(nic.permanent_mac());

  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ca_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("telltale-collector");
  auto channel = grpc::CreateCustomChannel(token->address, grpc::SslCredentials(tls), args);
  auto stub = telltale::v1::Enrollment::NewStub(channel);
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() + options.timeout);
  telltale::v1::EnrollResponse response;
  grpc::Status status = stub->Enroll(&call, request, &response);
  if (!status.ok())
    throw std::runtime_error("collector at " + token->address + " refused enrollment: " + status.error_message());

  EnrollOutcome outcome;
  outcome.identity = {response.device_id(), token->address, key.key_pem, response.certificate_pem(), ca_pem};
  outcome.previous_device_ids.assign(response.previous_device_ids().begin(), response.previous_device_ids().end());
  save_identity(options.paths, outcome.identity);
  spdlog::info("event=enrolled device={} collector={} previous={}", response.device_id(), token->address,
               outcome.previous_device_ids.size());
  return outcome;
}

}  // namespace telltale::agent
