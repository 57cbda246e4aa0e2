// Finding 4 of the hardening review: a frame that does not parse on the
// telemetry stream used to end the stream with status OK and no log line —
// to the agent exactly a clean half-close, so it never learnt why its
// reports went unanswered. Now the collector parses frames itself: a bad
// frame ends the stream with INVALID_ARGUMENT, a key=value log line naming
// the device, peer and byte count, and counters in /metrics; reports before
// the bad frame are still acknowledged, and the next stream is served.
#include <gtest/gtest.h>
#include <grpcpp/generic/generic_stub.h>

#include <regex>

#include "hostile/live_client.h"
#include "server/store/sqlite_store.h"

namespace telltale::testing {
namespace {
namespace v1 = telltale::v1;
using namespace std::chrono_literals;

struct RawOutcome {
  grpc::Status status;
  std::vector<v1::CollectorMessage> received;
  bool acked(uint64_t seq) const {
    for (const auto& m : received)
      if (m.has_ack() && m.ack().seq() == seq && m.ack().rejected().empty()) return true;
    return false;
  }
};

// Sends each frame as one gRPC message, exactly these bytes, then WritesDone,
// and reads until the collector ends the stream.
RawOutcome raw_stream(const std::shared_ptr<grpc::Channel>& channel, const std::vector<std::string>& frames) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 20s);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(&ctx, "/telltale.v1.Telemetry/Connect", &cq);
  void* tag = nullptr;
  bool ok = false;
  auto step = [&](intptr_t id) {
    cq.Next(&tag, &ok);
    return ok && reinterpret_cast<intptr_t>(tag) == id;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  step(1);
  for (const auto& f : frames) {
    grpc::Slice slice(f);
    grpc::ByteBuffer out(&slice, 1);
    call->Write(out, reinterpret_cast<void*>(2));
    if (!step(2)) break;
  }
  call->WritesDone(reinterpret_cast<void*>(3));
  step(3);
  RawOutcome outcome;
  grpc::ByteBuffer in;
  for (;;) {
    call->Read(&in, reinterpret_cast<void*>(4));
    if (!step(4)) break;
    v1::CollectorMessage m;
    if (grpc::SerializationTraits<v1::CollectorMessage>::Deserialize(&in, &m).ok()) outcome.received.push_back(m);
  }
  call->Finish(&outcome.status, reinterpret_cast<void*>(5));
  step(5);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return outcome;
}

std::string metric(const std::string& text, const std::string& name) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex("\n" + name + " ([0-9]+)\n"))) return m[1];
  return "";
}

std::string frame(const v1::AgentMessage& m) { return m.SerializeAsString(); }

TEST(MalformedFrames, GarbageTruncatedAndEmptyFrames_EndTheStreamInvalidArgument_LoggedAndCounted) {
  CollectorProcess collector({"--console", "127.0.0.1:0"});
  const std::string port = collector.console_port();
  ASSERT_FALSE(port.empty()) << collector.process().log_text();
  TempDir state;
  auto id = enroll_in_process(collector.token(), state.path());
  auto channel = [&] { return mtls_channel(collector.address(), id.ca_pem, id.key_pem, id.cert_pem); };
  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version("test");

  // The hostile frames: each on its own stream, after a Hello and a valid
  // report that must still be acknowledged and stored.
  const std::string garbage("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01garbage", 19);  // an 11-byte varint tag
  std::string truncated = report_message(99, small_snapshot()).SerializeAsString();
  truncated.resize(truncated.size() / 2);
  struct Case {
    const char* name;
    std::string bytes;
    const char* says;
  };
  const std::vector<Case> hostile = {
      {"garbage bytes", garbage, "does not parse as telltale.v1.AgentMessage"},
      {"truncated report (length prefix past the end)", truncated, "does not parse as telltale.v1.AgentMessage"},
      {"empty AgentMessage (zero bytes, nothing set)", std::string(), "empty AgentMessage"},
  };
  uint64_t seq = 0;
  for (const auto& c : hostile) {
    SCOPED_TRACE(c.name);
    ++seq;
    auto outcome = raw_stream(channel(), {frame(hello), frame(report_message(seq, small_snapshot())), c.bytes});
    EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << outcome.status.error_message();
    EXPECT_NE(outcome.status.error_message().find(c.says), std::string::npos) << outcome.status.error_message();
    EXPECT_TRUE(outcome.acked(seq)) << "the report before the bad frame is acknowledged";
    const std::string line = "event=stream_refused device=" + id.device_id;
    const std::string bytes = "code=INVALID_ARGUMENT bytes=" + std::to_string(c.bytes.size()) + " ";
    EXPECT_TRUE(eventually(
        [&] {
          auto log = collector.process().log_text();
          for (size_t at = log.find(line); at != std::string::npos; at = log.find(line, at + 1)) {
            auto end = log.find('\n', at);
            if (log.substr(at, end - at).find(bytes) != std::string::npos) return true;
          }
          return false;
        },
        5s))
        << "no \"" << line << " ... " << bytes << "\" in\n" << collector.process().log_text();
  }

  // A valid report on a new stream is accepted: the refusals held nothing up.
  ++seq;
  auto after = raw_stream(channel(), {frame(hello), frame(report_message(seq, small_snapshot()))});
  EXPECT_TRUE(after.status.ok()) << after.status.error_message();
  EXPECT_TRUE(after.acked(seq));
  server::SqliteStore store(collector.data_dir() / "telltale.db");
  EXPECT_EQ(store.reports(id.device_id, 100).size(), seq) << "every valid report stored, nothing of the bad frames";

  const auto metrics = run({"/usr/bin/curl", "-sk", "https://127.0.0.1:" + port + "/metrics"}).out;
  EXPECT_EQ(metric(metrics, "telltale_frames_malformed_total"), std::to_string(hostile.size())) << metrics;
  EXPECT_EQ(metric(metrics, "telltale_streams_refused_total"), std::to_string(hostile.size())) << metrics;
  std::cout << "malformed-frame cases: " << hostile.size() << " tried\n";
}

}  // namespace
}  // namespace telltale::testing
