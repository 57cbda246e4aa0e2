#include "platform/decode/proc_net_tcp.h"

#include <gtest/gtest.h>

namespace {

using telltale::decode::decode_hex_address;
using telltale::decode::parse_proc_net_tcp;

constexpr const char* kHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

TEST(ProcNetTcp, ListenerAndEstablishedIpv4_DecodeLittleEndianAddresses) {
  std::string text = std::string(kHeader) +
                     "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 1 "
                     "0000000000000000 100 0 0 10 0\n"
                     "   1: 2801A8C0:C4EC 11AEB5C3:01BB 01 00000000:00000000 02:000A7D2E 00000000     0        0 41002 2 "
                     "0000000000000000 20 4 30 10 -1\n";
  auto t = parse_proc_net_tcp(text, false);
  ASSERT_TRUE(t.errors.empty()) << t.errors[0];
  ASSERT_EQ(t.sockets.size(), 2u);
  EXPECT_EQ(t.sockets[0].local_ip, "127.0.0.1");
  EXPECT_EQ(t.sockets[0].local_port, 8080);
  EXPECT_EQ(t.sockets[0].state, telltale::decode::kTcpListen);
  EXPECT_EQ(t.sockets[0].uid, 1000u);
  EXPECT_EQ(t.sockets[0].inode, 12345u);
  EXPECT_EQ(t.sockets[1].local_ip, "192.168.1.40");
  EXPECT_EQ(t.sockets[1].remote_ip, "195.181.174.17");
  EXPECT_EQ(t.sockets[1].remote_port, 443);
  EXPECT_EQ(t.sockets[1].state, telltale::decode::kTcpEstablished);
}

TEST(ProcNetTcp, QueuesAreHexAndAListenersRxQueueIsItsAcceptBacklog) {
  // A listener whose server stopped accepting: 0x81 = 129 completed
  // connections wait, the backlog limit (sk_max_ack_backlog) is 0x1000.
  std::string text = std::string(kHeader) +
                     "   0: 0100007F:1F90 00000000:0000 0A 00001000:00000081 00:00000000 00000000     0        0 777 1 "
                     "0000000000000000 100 0 0 10 0\n"
                     "   1: 0100007F:1F90 0100007F:C4EC 01 00000000:0000zz00 00:00000000 00000000     0        0 778 1 "
                     "0000000000000000 100 0 0 10 0\n";
  auto t = parse_proc_net_tcp(text, false);
  ASSERT_EQ(t.sockets.size(), 1u);
  EXPECT_EQ(t.sockets[0].rx_queue, 129u);
  EXPECT_EQ(t.sockets[0].tx_queue, 4096u);
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0], "line 3: queues \"00000000:0000zz00\" are not hex tx:rx");
}

TEST(ProcNetTcp, Ipv6WordsInHostOrder_DecodeToCompressedForm) {
  EXPECT_EQ(decode_hex_address("00000000000000000000000001000000"), "::1");
  EXPECT_EQ(decode_hex_address("0000000000000000FFFF00000100007F"), "::ffff:127.0.0.1");
  EXPECT_EQ(decode_hex_address("000080FE00000000FF46DA7A452301FE"), "fe80::7ada:46ff:fe01:2345");
  std::string text =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
      "tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000000000000:527F 00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000  1000        0 52003 1 0000000000000000 100 0 0 10 0\n";
  auto t = parse_proc_net_tcp(text, true);
  ASSERT_EQ(t.sockets.size(), 1u);
  EXPECT_EQ(t.sockets[0].local_ip, "::");
  EXPECT_EQ(t.sockets[0].local_port, 21119);
  EXPECT_TRUE(t.sockets[0].ipv6);
  EXPECT_EQ(telltale::decode::format_endpoint("::1", 22, true), "[::1]:22");
}

TEST(ProcNetTcp, GarbageLines_AreCountedAndSkippedWhileGoodLinesSurvive) {
  std::string text = std::string(kHeader) +
                     "garbage\n"
                     "   1: ZZZZZZZZ:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n"
                     "   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 notanumber 1\n"
                     "   3: 0100007F:1F9 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5 1\n"
                     "   4: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 77 1\n"
                     "\n";
  auto t = parse_proc_net_tcp(text, false);
  ASSERT_EQ(t.sockets.size(), 1u);
  EXPECT_EQ(t.sockets[0].inode, 77u);
  ASSERT_EQ(t.errors.size(), 4u);
  EXPECT_NE(t.errors[0].find("line 2"), std::string::npos);
  EXPECT_NE(t.errors[1].find("not 8 hex digits"), std::string::npos);
}

TEST(ProcNetTcp, Ipv6LineFedToIpv4Parser_IsRefusedNotMisread) {
  std::string text = std::string(kHeader) +
                     "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 "
                     "00:00000000 00000000 0 0 9 1\n";
  auto t = parse_proc_net_tcp(text, false);
  EXPECT_TRUE(t.sockets.empty());
  EXPECT_EQ(t.errors.size(), 1u);
}

TEST(ProcNetTcp, ManyBadLines_ErrorListIsBounded) {
  std::string text = kHeader;
  for (int i = 0; i < 100; ++i) text += "x y z\n";
  auto t = parse_proc_net_tcp(text, false);
  EXPECT_EQ(t.errors.size(), telltale::decode::TcpTable::kMaxErrors);
}

}  // namespace
