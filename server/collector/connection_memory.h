// Memory each connected agent costs the gRPC server, and the channel
// arguments that set it. Header-only so that bench/load's echo server, the
// reference the collector is measured against, is configured the same way.
//
// A collector holds one mTLS HTTP/2 connection per laptop, idle 299 s of every
// 300: what an idle connection keeps allocated is what a fleet costs in RAM.
// docs/PERFORMANCE.md ("Memory per connected agent") has the measurement.
#pragma once

#include <grpcpp/server_builder.h>

#include <stdexcept>
#include <string>

namespace telltale::server {

enum class ConnectionMemory {
  kLean,         // the collector's default: small TLS frames, no BDP probing
  kGrpcDefault,  // gRPC 1.51's defaults, kept to measure against
};

inline ConnectionMemory parse_connection_memory(const std::string& name) {
  if (name == "lean") return ConnectionMemory::kLean;
  if (name == "grpc-default") return ConnectionMemory::kGrpcDefault;
  throw std::invalid_argument("connection memory profile \"" + name + "\" is not lean or grpc-default");
}

inline void apply_connection_memory(grpc::ServerBuilder& builder, ConnectionMemory profile) {
  if (profile == ConnectionMemory::kGrpcDefault) return;
  // TLS: gRPC's frame protector keeps a plaintext buffer of this size per
  // connection for its whole life (16 KiB by default). Agents send one
  // ~4 KiB report per collection: 4 KiB frames cost a few more records per
  // report and 12 KiB less per connection.
  builder.AddChannelArgument(GRPC_ARG_TSI_MAX_FRAME_SIZE, 4096);
  // HTTP/2: BDP probing grows a connection's receive window (and the buffers
  // that fill it) towards megabytes for a peer that sends back to back; a
  // laptop sends 4 KiB every 5 minutes. A fixed 64 KiB window per stream is
  // more than one report.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 64 * 1024);
  // TCP reads start at 8 KiB and grow with what arrives; cap the growth so
  // one burst does not leave a connection with a large read buffer.
  builder.AddChannelArgument(GRPC_ARG_TCP_MAX_READ_CHUNK_SIZE, 64 * 1024);
}

}  // namespace telltale::server
