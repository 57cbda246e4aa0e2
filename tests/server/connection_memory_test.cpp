// The collector's --connection-memory option: two profiles by name, anything
// else refused with a message naming both (the collector then exits 2).
#include "server/collector/connection_memory.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

namespace telltale::server {
namespace {

TEST(ConnectionMemory, LeanAndGrpcDefaultAreTheProfiles) {
  EXPECT_EQ(parse_connection_memory("lean"), ConnectionMemory::kLean);
  EXPECT_EQ(parse_connection_memory("grpc-default"), ConnectionMemory::kGrpcDefault);
}

TEST(ConnectionMemory, AnUnknownProfileIsRefusedNamingTheKnownOnes) {
  try {
    parse_connection_memory("tiny");
    FAIL() << "\"tiny\" was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "connection memory profile \"tiny\" is not lean or grpc-default");
  }
}

TEST(ConnectionMemory, BothProfilesBuildAServerThatListens) {
  for (auto profile : {ConnectionMemory::kLean, ConnectionMemory::kGrpcDefault}) {
    grpc::ServerBuilder builder;
    grpc::CallbackGenericService service;  // a server needs something to serve
    builder.RegisterCallbackGenericService(&service);
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    apply_connection_memory(builder, profile);
    auto server = builder.BuildAndStart();
    ASSERT_TRUE(server);
    EXPECT_GT(port, 0) << "the channel arguments must not stop gRPC from listening";
    server->Shutdown();
  }
}

}  // namespace
}  // namespace telltale::server
