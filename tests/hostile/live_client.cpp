#include "hostile/live_client.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "agent/enroll/enroller.h"
#include "support/temp_dir.h"

namespace telltale::testing {
namespace v1 = telltale::v1;

ClientIdentity enroll_in_process(const std::string& token, const std::filesystem::path& state_dir,
                                 const std::string& fixture_root) {
  agent::EnrollOptions options;
  options.token = token;
  options.paths.dir = state_dir;
  options.root = fixture(fixture_root);
  options.timeout = std::chrono::seconds(10);
  options.force = true;
  auto outcome = agent::enroll(options);
  return {outcome.identity.device_id, outcome.identity.key_pem, outcome.identity.cert_pem, outcome.identity.ca_pem};
}

std::shared_ptr<grpc::Channel> mtls_channel(const std::string& address, const std::string& ca_pem,
                                            const std::string& key_pem, const std::string& cert_pem,
                                            int max_send_bytes) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ca_pem;
  tls.pem_private_key = key_pem;
  tls.pem_cert_chain = cert_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("telltale-collector");
  args.SetMaxSendMessageSize(max_send_bytes);
  args.SetMaxReceiveMessageSize(max_send_bytes);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(tls), args);
}

bool StreamOutcome::acked(uint64_t seq) const {
  for (const auto& m : received)
    if (m.has_ack() && m.ack().seq() == seq && m.ack().rejected().empty()) return true;
  return false;
}

std::string StreamOutcome::rejection(uint64_t seq) const {
  for (const auto& m : received)
    if (m.has_ack() && m.ack().seq() == seq && !m.ack().rejected().empty()) return m.ack().rejected();
  return "";
}

StreamOutcome run_stream(const std::shared_ptr<grpc::Channel>& channel, const std::vector<v1::AgentMessage>& messages,
                         std::chrono::seconds deadline) {
  auto stub = v1::Telemetry::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  auto stream = stub->Connect(&ctx);
  StreamOutcome outcome;
  std::thread reader([&] {
    v1::CollectorMessage msg;
    while (stream->Read(&msg)) outcome.received.push_back(msg);
  });
  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version("hostile-suite");
  bool ok = stream->Write(hello);
  for (const auto& m : messages)
    if (ok) ok = stream->Write(m);
  if (ok) stream->WritesDone();
  reader.join();
  outcome.status = stream->Finish();
  return outcome;
}

v1::AgentMessage report_message(uint64_t seq, v1::Snapshot snapshot) {
  v1::AgentMessage m;
  auto* r = m.mutable_report();
  r->set_seq(seq);
  r->set_created_at_unix_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  *r->mutable_snapshot() = std::move(snapshot);
  return m;
}

v1::Snapshot small_snapshot() {
  v1::Snapshot s;
  s.set_platform("linux");
  s.set_agent_version("hostile-suite");
  auto* hw = s.mutable_hardware();
  hw->set_sys_vendor("LENOVO");
  hw->set_product_name("20XW004GUS");
  hw->set_hostname("legit-laptop");
  hw->set_chassis_type(10);
  return s;
}

std::string legitimate_agent_is_served(CollectorProcess& collector) {
  TempDir state;
  ClientIdentity id;
  try {
    id = enroll_in_process(collector.token(), state.path());
  } catch (const std::exception& e) {
    return std::string("legitimate enrollment failed: ") + e.what();
  }
  auto outcome = run_stream(mtls_channel(collector.address(), id.ca_pem, id.key_pem, id.cert_pem),
                            {report_message(1, small_snapshot())});
  if (!outcome.acked(1))
    return "legitimate report not acknowledged: status " + std::to_string(outcome.status.error_code()) + " " +
           outcome.status.error_message();
  return "";
}

int tcp_connect(const std::string& address) {
  auto colon = address.rfind(':');
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

TlsConnection::~TlsConnection() {
  if (ssl) SSL_free(ssl);
  if (fd >= 0) ::close(fd);
}

SSL_CTX* new_client_tls_context() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  static const unsigned char alpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn);
  return ctx;
}

std::unique_ptr<TlsConnection> tls_connect(const std::string& address, SSL_CTX* ctx) {
  auto c = std::make_unique<TlsConnection>();
  c->fd = tcp_connect(address);
  if (c->fd < 0) return nullptr;
  // A server that never answers must fail the handshake, not hang the test.
  timeval timeout{10, 0};
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  c->ssl = SSL_new(ctx);
  SSL_set_fd(c->ssl, c->fd);
  SSL_set_tlsext_host_name(c->ssl, "telltale-collector");
  if (SSL_connect(c->ssl) != 1) return nullptr;
  return c;
}

size_t open_fds(pid_t pid) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

size_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  return 0;
}

}  // namespace telltale::testing
