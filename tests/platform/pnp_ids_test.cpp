#include <gtest/gtest.h>

#include <algorithm>

#include "platform/decode/pnp_ids.h"

namespace {

using telltale::decode::pnp_vendor_name;

TEST(PnpIds, MonitorMakers_AreRegistered) {
  EXPECT_EQ(pnp_vendor_name("DEL").value_or(""), "Dell Inc.");
  EXPECT_EQ(pnp_vendor_name("LNX").value_or(""), "The Linux Foundation");
  EXPECT_EQ(pnp_vendor_name("TSB").value_or(""), "Toshiba America Info Systems Inc");
  EXPECT_TRUE(pnp_vendor_name("GSM").has_value());
  EXPECT_TRUE(pnp_vendor_name("BOE").has_value());
  EXPECT_TRUE(pnp_vendor_name("AAA").has_value());  // first entry
}

TEST(PnpIds, CaptureDongleAndKvmIds_AreNotRegistered) {
  EXPECT_FALSE(pnp_vendor_name("HJW").has_value());
  EXPECT_FALSE(pnp_vendor_name("SPD").has_value());
  EXPECT_FALSE(pnp_vendor_name("").has_value());
  EXPECT_FALSE(pnp_vendor_name("DELL").has_value());
  EXPECT_FALSE(pnp_vendor_name("del").has_value());
}

TEST(PnpIds, GeneratedTable_IsSortedUniqueAndComplete) {
  const auto* begin = telltale::decode::pnp_registry_begin();
  const auto* end = begin + telltale::decode::pnp_registry_size();
  EXPECT_GT(telltale::decode::pnp_registry_size(), 2000u);
  EXPECT_TRUE(std::is_sorted(begin, end, [](const auto& a, const auto& b) { return a.id < b.id; }));
  EXPECT_EQ(std::adjacent_find(begin, end, [](const auto& a, const auto& b) { return a.id == b.id; }), end);
  // Every entry is found by the lookup (binary search agrees with the table).
  for (const auto* e = begin; e != end; ++e) ASSERT_EQ(pnp_vendor_name(e->id).value_or(""), e->name) << e->id;
  // Names are UTF-8 as in the file ("Software Café").
  EXPECT_EQ(pnp_vendor_name("SWC").value_or(""), "Software Caf\xC3\xA9");
}

}  // namespace
