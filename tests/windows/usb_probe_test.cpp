// The USB probe over SetupAPI, on registry fixtures of real machine shapes.
#include <gtest/gtest.h>

#include "platform/windows/usb.h"
#include "recorded_sources.h"
#include "registry_fixture.h"

namespace {

using namespace telltale::platform::windows_probe;
using telltale::testing::RecordedHid;
using telltale::testing::RegistryFixture;

const telltale::v1::UsbDevice* find(const telltale::v1::Snapshot& s, uint32_t vid, uint32_t pid) {
  for (const auto& d : s.usb_devices())
    if (d.vendor_id() == vid && d.product_id() == pid) return &d;
  return nullptr;
}

RecordedHid logitech_receiver_recordings() {
  RecordedHid hid;
  // hidapi's captures of this very receiver (046D:C534) on Windows.
  hid.by_instance["HID\\VID_046D&PID_C534&MI_00\\8&1F2E3D4C&0&0000"] =
      telltale::testing::fixture_bytes("hid-windows/046D_C534_0006_0001.pp_data.bin");
  hid.by_instance["HID\\VID_046D&PID_C534&MI_01\\8&2A3B4C5D&0&0000"] =
      telltale::testing::fixture_bytes("hid-windows/046D_C534_0002_0001.pp_data.bin");
  return hid;
}

TEST(WindowsUsbProbe, CleanLaptopWithUnifyingReceiver_KeyboardAndRelativeMouseFromPreparsedData) {
  RegistryFixture machine("clean-laptop");
  auto hid = logitech_receiver_recordings();
  telltale::v1::Snapshot s;
  UsbProbe(hid).collect({}, s);
  const auto* rx = find(s, 0x046d, 0xc534);
  ASSERT_NE(rx, nullptr) << s.DebugString();
  EXPECT_EQ(rx->port_path(), "1-2");
  EXPECT_EQ(rx->parent_port_path(), "usb1");
  EXPECT_EQ(rx->product(), "USB Receiver");
  EXPECT_EQ(rx->bcd_device(), 0x2901u);
  EXPECT_FALSE(rx->has_serial());  // Windows made the instance id up: no serial
  ASSERT_EQ(rx->interfaces_size(), 2);
  EXPECT_EQ(rx->interfaces(0).interface_class(), 3u);
  EXPECT_EQ(rx->interfaces(0).interface_protocol(), 1u);
  ASSERT_EQ(rx->interfaces(0).hid_size(), 1);
  EXPECT_TRUE(rx->interfaces(0).hid(0).keyboard());
  ASSERT_EQ(rx->interfaces(1).hid_size(), 1);
  EXPECT_TRUE(rx->interfaces(1).hid(0).relative_pointer());
  EXPECT_FALSE(rx->interfaces(1).hid(0).absolute_pointer());
  const auto* bt = find(s, 0x8087, 0x0026);
  ASSERT_NE(bt, nullptr);
  ASSERT_EQ(bt->interfaces_size(), 1);  // single-interface device: its own interface 0
  EXPECT_EQ(bt->interfaces(0).interface_class(), 0xe0u);
  EXPECT_EQ(bt->interfaces(0).driver(), "BTHUSB");
  EXPECT_EQ(find(s, 0x1d6b, 0x0104), nullptr);
  for (const auto& e : s.errors()) ADD_FAILURE() << e.path() << ": " << e.message();
}

TEST(WindowsUsbProbe, PiKvmComposite_ShowsGadgetIdentityHidInterfacesAndLinuxCdRom) {
  RegistryFixture machine("pikvm-laptop");
  auto hid = logitech_receiver_recordings();
  // Synthesised from the PiKVM's real descriptors (no Windows capture exists;
  // tests/fixtures/data/hid-windows/SOURCES.md).
  const char* const synthetic[] = {"pikvm-keyboard", "pikvm-mouse-absolute", "pikvm-mouse-relative"};
  for (int i = 0; i < 3; ++i)
    hid.by_instance["HID\\VID_1D6B&PID_0104&MI_0" + std::to_string(i) + "\\8&6C7D8E9F&0&000" + std::to_string(i)] =
        telltale::testing::fixture_bytes(std::string("hid-windows/") + synthetic[i] + ".synthetic.pp_data.bin");
  telltale::v1::Snapshot s;
  UsbProbe(hid).collect({}, s);
  const auto* kvm = find(s, 0x1d6b, 0x0104);
  ASSERT_NE(kvm, nullptr);
  EXPECT_EQ(kvm->port_path(), "1-3");
  EXPECT_EQ(kvm->serial(), "CAFEBABE");
  EXPECT_EQ(kvm->product(), "PiKVM Composite Device");
  EXPECT_EQ(kvm->bcd_device(), 0x0100u);
  ASSERT_EQ(kvm->interfaces_size(), 4);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(kvm->interfaces(i).number(), uint32_t(i));
    EXPECT_EQ(kvm->interfaces(i).interface_class(), 3u);
    EXPECT_EQ(kvm->interfaces(i).interface_string(), "HID Interface");
    EXPECT_EQ(kvm->interfaces(i).driver(), "HidUsb");
    ASSERT_EQ(kvm->interfaces(i).hid_size(), 1);
    EXPECT_EQ(kvm->interfaces(i).hid(0).hid_id(), "HID\\VID_1D6B&PID_0104&MI_0" + std::to_string(i) + "\\8&6C7D8E9F&0&000" + std::to_string(i));
  }
  EXPECT_EQ(kvm->interfaces(0).interface_subclass(), 1u);
  EXPECT_EQ(kvm->interfaces(0).interface_protocol(), 1u);
  const auto& storage = kvm->interfaces(3);
  EXPECT_EQ(storage.interface_class(), 8u);
  EXPECT_EQ(storage.driver(), "USBSTOR");
  ASSERT_EQ(storage.storage_size(), 1);
  EXPECT_EQ(storage.storage(0).vendor(), "Linux");
  EXPECT_EQ(storage.storage(0).model(), "File-CD Gadget");
  EXPECT_EQ(storage.storage(0).revision(), "0100");
  EXPECT_TRUE(kvm->interfaces(0).hid(0).keyboard());
  EXPECT_TRUE(kvm->interfaces(1).hid(0).absolute_pointer());
  EXPECT_EQ(kvm->interfaces(1).hid(0).abs_x_max(), 32767);
  EXPECT_EQ(kvm->interfaces(1).hid(0).abs_y_max(), 32767);
  EXPECT_TRUE(kvm->interfaces(2).hid(0).relative_pointer());
  for (const auto& e : s.errors()) ADD_FAILURE() << e.path() << ": " << e.message();
}

TEST(WindowsUsbProbe, HidCollectionWithoutPreparsedData_IsReportedNotDropped) {
  RegistryFixture machine("pikvm-laptop");
  RecordedHid nothing;
  telltale::v1::Snapshot s;
  UsbProbe(nothing).collect({}, s);
  const auto* kvm = find(s, 0x1d6b, 0x0104);
  ASSERT_NE(kvm, nullptr);
  ASSERT_EQ(kvm->interfaces(0).hid_size(), 1);
  EXPECT_EQ(kvm->interfaces(0).hid(0).parse_error(), "preparsed data unavailable: no recording for HID\\VID_1D6B&PID_0104&MI_00\\8&6C7D8E9F&0&0000");
  int unavailable = 0;
  for (const auto& e : s.errors())
    if (e.path().rfind("HID\\VID_1D6B", 0) == 0) ++unavailable;
  EXPECT_EQ(unavailable, 3);
}

TEST(WindowsUsbIds, HardwareAndCompatibleIds_Parse) {
  const auto ids = parse_usb_ids("USB\\VID_1D6B&PID_0104&MI_02\\7&5B6C7D8E&0&0002");
  EXPECT_TRUE(ids.valid);
  EXPECT_EQ(ids.vendor, 0x1d6bu);
  EXPECT_EQ(ids.product, 0x0104u);
  EXPECT_EQ(ids.interface_number, 2u);
  EXPECT_EQ(parse_usb_ids("USB\\VID_046D&PID_C534&REV_2901").revision, 0x2901u);
  EXPECT_FALSE(parse_usb_ids("USB\\ROOT_HUB30\\4&2A6C3D18&0&0").valid);
  const auto c = parse_usb_class({"USB\\Class_08&SubClass_06&Prot_50", "USB\\Class_08"});
  EXPECT_EQ(c.cls, 8u);
  EXPECT_EQ(c.subclass, 6u);
  EXPECT_EQ(c.protocol, 0x50u);
  EXPECT_EQ(port_path_from_location("PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(2)#USB(4)"), "1-2.4");
  EXPECT_EQ(port_path_from_location("PCIROOT(0)#PCI(1400)#USBROOT(1)"), "usb2");
  EXPECT_EQ(port_path_from_location("ACPI(_SB_)#ACPI(PCI0)"), "");
}

}  // namespace
