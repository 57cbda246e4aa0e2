// Who may stream: only devices holding a certificate this collector issued
// and has not revoked.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "integration/agent_process.h"
#include "telltale/v1/telemetry.grpc.pb.h"

namespace telltale::testing {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

grpc::Status try_stream(const std::string& address, const std::string& root_pem, const std::string& key_pem,
                        const std::string& cert_pem) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = root_pem;
  tls.pem_private_key = key_pem;
  tls.pem_cert_chain = cert_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("telltale-collector");
  auto stub = telltale::v1::Telemetry::NewStub(grpc::CreateCustomChannel(address, grpc::SslCredentials(tls), args));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->Connect(&ctx);
  telltale::v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version("test");
  stream->Write(hello);
  telltale::v1::CollectorMessage msg;
  while (stream->Read(&msg)) {
  }
  return stream->Finish();
}

TEST(TelemetrySecurity, ClientWithoutCertificateIsRefused) {
  CollectorProcess collector;
  auto status = try_stream(collector.address(), slurp(collector.data_dir() / "ca.crt"), "", "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_NE(status.error_message().find("client certificate"), std::string::npos) << status.error_message();
}

TEST(TelemetrySecurity, CertificateFromAForeignCaIsRefused) {
  CollectorProcess ours, theirs;
  AgentProcess foreign;
  ASSERT_EQ(foreign.enroll(theirs.token()).exit_code, 0);
  auto status = try_stream(ours.address(), slurp(ours.data_dir() / "ca.crt"), slurp(foreign.state_dir() / "device.key"),
                           slurp(foreign.state_dir() / "device.crt"));
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << "refused at the handshake, not hung";
}

TEST(TelemetrySecurity, EnrolledDeviceIsAcceptedUntilRevoked) {
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  agent.start(fixture("clean-laptop"));
  ASSERT_TRUE(eventually([&] { return agent.process().log_text().find("event=session_open") != std::string::npos; },
                         std::chrono::seconds(20)));
  auto revoked = collector.ctl({"revoke", agent.device_id()});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_TRUE(eventually(
      [&] { return agent.process().log_text().find("event=collector_refused_device") != std::string::npos; },
      std::chrono::seconds(20)))
      << agent.process().log_text();
  auto status = try_stream(collector.address(), slurp(collector.data_dir() / "ca.crt"),
                           slurp(agent.state_dir() / "device.key"), slurp(agent.state_dir() / "device.crt"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(status.error_message().find("revoked"), std::string::npos) << status.error_message();
  agent.stop();
}

TEST(TelemetrySecurity, Tls12OnlyClientIsRefused) {
  CollectorProcess collector;
  auto r = run({"/usr/bin/openssl", "s_client", "-tls1_2", "-connect", collector.address()}, std::chrono::seconds(20));
  EXPECT_EQ(r.out.find("Cipher is ECDHE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Cipher is (NONE)"), std::string::npos) << r.out << r.err;
  auto ok = run({"/usr/bin/openssl", "s_client", "-tls1_3", "-connect", collector.address()}, std::chrono::seconds(20));
  EXPECT_NE(ok.out.find("TLSv1.3"), std::string::npos) << ok.out << ok.err;
}

}  // namespace
}  // namespace telltale::testing
