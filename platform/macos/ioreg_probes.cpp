// USB, HID input devices and displays (with the lid): the I/O Registry as
// `ioreg -a` prints it, decoded by platform/decode/macos/ioreg.
#include "platform/common/log.h"
#include "platform/decode/macos/ioreg.h"
#include "platform/macos/probes.h"
#include "platform/macos/tool_output.h"

namespace telltale::platform::macos_probe {
namespace {

namespace dm = telltale::decode::macos;

void record_decode_errors(const dm::IoregDecoded& diag, const std::vector<std::string>& argv, std::string_view probe,
                          telltale::v1::Snapshot& out) {
  for (const auto& e : diag.errors) record_error(out, probe, command_line(argv), e);
}

class UsbProbe final : public Probe {
 public:
  explicit UsbProbe(MacSystem s) : s_(std::move(s)) {}
  std::string_view name() const override { return "usb"; }
  void collect(const ProbeContext&, telltale::v1::Snapshot& out) override {
    const std::vector<std::string> argv = {"ioreg", "-a", "-l", "-r", "-c", "IOUSBHostDevice"};
    auto tree = run_plist(*s_.runner, argv, name(), out);
    if (!tree) return;
    dm::IoregDecoded diag;
    for (auto& d : dm::usb_devices_from_ioreg(*tree, diag)) *out.add_usb_devices() = std::move(d);
    record_decode_errors(diag, argv, name(), out);
  }

 private:
  MacSystem s_;
};

class InputDevicesProbe final : public Probe {
 public:
  explicit InputDevicesProbe(MacSystem s) : s_(std::move(s)) {}
  std::string_view name() const override { return "input_devices"; }
  void collect(const ProbeContext&, telltale::v1::Snapshot& out) override {
    const std::vector<std::string> argv = {"ioreg", "-a", "-l", "-r", "-c", "IOHIDDevice"};
    auto tree = run_plist(*s_.runner, argv, name(), out);
    if (!tree) return;
    dm::IoregDecoded diag;
    for (auto& d : dm::input_devices_from_ioreg(*tree, diag)) *out.add_input_devices() = std::move(d);
    record_decode_errors(diag, argv, name(), out);
  }

 private:
  MacSystem s_;
};

class DisplaysProbe final : public Probe {
 public:
  explicit DisplaysProbe(MacSystem s) : s_(std::move(s)) {}
  std::string_view name() const override { return "displays"; }
  void collect(const ProbeContext&, telltale::v1::Snapshot& out) override {
    // The lid first: in clamshell mode the internal panel is off.
    bool lid_closed = false;
    const std::vector<std::string> lid_argv = {"ioreg", "-a", "-r", "-k", "AppleClamshellState", "-d", "1"};
    if (auto pm = run_plist(*s_.runner, lid_argv, name(), out)) {
      if (auto closed = dm::clamshell_closed_from_ioreg(*pm)) {
        out.mutable_lid()->set_present(true);
        out.mutable_lid()->set_closed(*closed);
        lid_closed = *closed;
      }
    }
    // Intel Macs publish IODisplayConnect; Apple silicon IOMobileFramebuffer
    // (AppleCLCD2). A Mac answers one of them with an empty list.
    for (const char* cls : {"IODisplayConnect", "IOMobileFramebuffer"}) {
      const std::vector<std::string> argv = {"ioreg", "-a", "-l", "-r", "-c", cls};
      auto tree = run_plist(*s_.runner, argv, name(), out);
      if (!tree) continue;
      dm::IoregDecoded diag;
      for (auto& d : dm::displays_from_ioreg(*tree, lid_closed, diag)) *out.add_displays() = std::move(d);
      record_decode_errors(diag, argv, name(), out);
    }
  }

 private:
  MacSystem s_;
};

}  // namespace

std::unique_ptr<Probe> make_usb_probe(const MacSystem& s) { return std::make_unique<UsbProbe>(s); }
std::unique_ptr<Probe> make_input_devices_probe(const MacSystem& s) { return std::make_unique<InputDevicesProbe>(s); }
std::unique_ptr<Probe> make_displays_probe(const MacSystem& s) { return std::make_unique<DisplaysProbe>(s); }

}  // namespace telltale::platform::macos_probe
