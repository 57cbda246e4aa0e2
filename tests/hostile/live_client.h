#pragma once
// Client-side tools for attacking a live collector process: an in-process
// enrolled identity, mTLS channels with any certificate we like, a Connect
// stream that sends a script of messages, and raw TCP/TLS sockets that gRPC
// would never open on its own (idle, trickling, flooding).
#include <grpcpp/grpcpp.h>
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "integration/harness.h"
#include "telltale/v1/telemetry.grpc.pb.h"

namespace telltale::testing {

struct ClientIdentity {
  std::string device_id;
  std::string key_pem;
  std::string cert_pem;
  std::string ca_pem;  // the collector CA, as pinned during enrollment
};

// `telltale-agent enroll` in-process (agent/enroll): token → pinned CA → CSR.
// Throws with the collector's refusal message.
ClientIdentity enroll_in_process(const std::string& token, const std::filesystem::path& state_dir,
                                 const std::string& fixture_root = "clean-laptop");

// An mTLS channel of its own (no shared subchannel), so every call is a
// connection the collector must handle separately.
std::shared_ptr<grpc::Channel> mtls_channel(const std::string& address, const std::string& ca_pem,
                                            const std::string& key_pem, const std::string& cert_pem,
                                            int max_send_bytes = 64 * 1024 * 1024);

struct StreamOutcome {
  grpc::Status status;
  std::vector<telltale::v1::CollectorMessage> received;
  bool acked(uint64_t seq) const;           // an Ack{seq} that was not a rejection
  std::string rejection(uint64_t seq) const;  // Ack{seq}.rejected, "" when none
};

// Hello, then `messages`, then WritesDone; reads until the collector ends the
// stream (or the deadline).
StreamOutcome run_stream(const std::shared_ptr<grpc::Channel>& channel,
                         const std::vector<telltale::v1::AgentMessage>& messages,
                         std::chrono::seconds deadline = std::chrono::seconds(20));

telltale::v1::AgentMessage report_message(uint64_t seq, telltale::v1::Snapshot snapshot = {});

// A realistic small snapshot (hardware section of a fixture laptop).
telltale::v1::Snapshot small_snapshot();

// The check after every hostile case: a new device enrolls with a fresh
// token and gets Ack{1} for its first report. Returns "" or what failed.
std::string legitimate_agent_is_served(CollectorProcess& collector);

// Raw sockets the tests open and hold.
int tcp_connect(const std::string& address);  // blocking connect, -1 on failure
struct TlsConnection {
  int fd = -1;
  SSL* ssl = nullptr;
  ~TlsConnection();
};
// Completes a TLS 1.3 handshake offering ALPN h2 and no client certificate.
std::unique_ptr<TlsConnection> tls_connect(const std::string& address, SSL_CTX* ctx);
SSL_CTX* new_client_tls_context();

// Open file descriptors of a process (/proc/PID/fd) and its RSS in KiB.
size_t open_fds(pid_t pid);
size_t rss_kib(pid_t pid);

}  // namespace telltale::testing
