#include "server/ingest/report_limits.h"

#include <gtest/gtest.h>

#include "telltale/v1/telemetry.pb.h"

namespace telltale::server {
namespace {

TEST(ReportLimits, AnOrdinaryReportPasses) {
  telltale::v1::Report r;
  r.set_seq(1);
  for (int i = 0; i < 20; ++i) r.mutable_snapshot()->add_usb_devices()->set_port_path("1-" + std::to_string(i));
  EXPECT_FALSE(check_report_limits(r, {}));
}

TEST(ReportLimits, AMillionUsbDevicesIsRefusedNamingTheField) {
  telltale::v1::Report r;
  for (int i = 0; i < 1'000'000; ++i) r.mutable_snapshot()->add_usb_devices();
  auto v = check_report_limits(r, {});
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "report.snapshot.usb_devices: 1000000 entries, limit 512");
}

TEST(ReportLimits, AMegabyteStringIsRefused) {
  telltale::v1::Report r;
  r.mutable_snapshot()->mutable_hardware()->set_product_name(std::string(1 << 20, 'A'));
  auto v = check_report_limits(r, {});
  ASSERT_TRUE(v);
  EXPECT_NE(v->find("report.snapshot.hardware.product_name: 1048576 bytes"), std::string::npos) << *v;
}

TEST(ReportLimits, OversizeRepeatedStringsAndBytesAreRefused) {
  telltale::v1::Report r;
  auto* d = r.mutable_snapshot()->add_displays();
  d->set_edid_raw(std::string(100000, '\0'));
  EXPECT_TRUE(check_report_limits(r, {}));
  telltale::v1::Report r2;
  r2.mutable_snapshot()->add_input_devices()->add_handlers(std::string(20000, 'h'));
  EXPECT_TRUE(check_report_limits(r2, {}));
}

}  // namespace
}  // namespace telltale::server
