// telltale-echo-server: the reference for bench/load. The same Telemetry
// service, TLS 1.3 with client certificates from the same CA, gRPC's
// callback API like the collector — and nothing else: every Report is
// answered with Ack{seq} at once, nothing is parsed beyond protobuf, checked
// or stored. What the collector reaches relative to this is the cost of its
// real work (limits, group commit to sqlite with fsync, device directory).
//   telltale-echo-server --data-dir DIR --listen 127.0.0.1:0 [--connection-memory lean|grpc-default]
// DIR is a collector data dir (ca.crt, server.key, server.crt); the bound
// address is written to DIR/echo_address.
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <deque>
#include <filesystem>
#include <mutex>
#include <fstream>
#include <iostream>
#include <sstream>

#include "platform/common/tls_policy.h"
#include "server/collector/connection_memory.h"
#include "telltale/v1/telemetry.grpc.pb.h"

namespace v1 = telltale::v1;

namespace {
std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Echo final : public grpc::ServerBidiReactor<v1::AgentMessage, v1::CollectorMessage> {
 public:
  Echo() { StartRead(&in_); }
  void OnReadDone(bool ok) override {
    if (!ok) {
      std::lock_guard lock(mu_);
      read_closed_ = true;
      maybe_finish();
      return;
    }
    std::lock_guard lock(mu_);
    if (in_.has_report()) {
      v1::CollectorMessage m;
      m.mutable_ack()->set_seq(in_.report().seq());
      queue_.push_back(std::move(m));
      if (!writing_) write_next();
    }
    StartRead(&in_);
  }
  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) {
      queue_.clear();
      read_closed_ = true;
    }
    if (!queue_.empty()) write_next();
    else maybe_finish();
  }
  void OnDone() override { delete this; }

 private:
  void write_next() {
    out_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    StartWrite(&out_);
  }
  void maybe_finish() {
    if (read_closed_ && !writing_ && !finished_) {
      finished_ = true;
      Finish(grpc::Status::OK);
    }
  }
  std::recursive_mutex mu_;
  v1::AgentMessage in_;
  v1::CollectorMessage out_;
  std::deque<v1::CollectorMessage> queue_;
  bool writing_ = false, read_closed_ = false, finished_ = false;
};

class EchoService final : public v1::Telemetry::CallbackService {
  grpc::ServerBidiReactor<v1::AgentMessage, v1::CollectorMessage>* Connect(grpc::CallbackServerContext*) override {
    return new Echo();
  }
};
}  // namespace

int main(int argc, char** argv) {
  telltale::enforce_tls13_only();
  std::string dir, listen = "127.0.0.1:0", memory = "lean";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--data-dir") dir = argv[i + 1];
    else if (a == "--listen") listen = argv[i + 1];
    else if (a == "--connection-memory") memory = argv[i + 1];
  }
  if (dir.empty()) {
    std::cerr << "usage: telltale-echo-server --data-dir COLLECTOR_DATA_DIR [--listen HOST:PORT]\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = slurp(std::filesystem::path(dir) / "ca.crt");
  tls.pem_key_cert_pairs.push_back({slurp(std::filesystem::path(dir) / "server.key"),
                                    slurp(std::filesystem::path(dir) / "server.crt") + tls.pem_root_certs});
  EchoService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::SslServerCredentials(tls), &port);
  builder.SetMaxReceiveMessageSize(4 * 1024 * 1024);
  // Configured like the collector (--connection-memory), so per-connection
  // memory compares like for like.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, 10000);
  try {
    telltale::server::apply_connection_memory(builder, telltale::server::parse_connection_memory(memory));
  } catch (const std::exception& e) {
    std::cerr << "telltale-echo-server: " << e.what() << "\n";
    return 2;
  }
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "telltale-echo-server: cannot listen on " << listen << "\n";
    return 1;
  }
  std::ofstream(std::filesystem::path(dir) / "echo_address") << listen.substr(0, listen.rfind(':')) << ":" << port
                                                             << "\n";
  int sig = 0;
  sigwait(&signals, &sig);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
