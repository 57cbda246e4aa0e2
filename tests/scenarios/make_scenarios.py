#!/usr/bin/python3
"""Writes the detection scenario corpus: one directory per scenario with
snapshot.json (canonical protobuf JSON of telltale.v1.Snapshot),
expected.txt (class, expected level, indicators that must / must not appear)
and, when the scenario has one, assignment.csv.

Device facts follow the public records in /work/shared/INDICATORS.md (USB IDs
and strings, EDIDs) and the kernel's view of ordinary hardware (usb.ids).
Run from anywhere; output goes next to this script. Commit the output."""
import base64
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
NOW_MS = 1763478000000  # 2025-11-18T15:00:00Z, a Tuesday; US zones on standard time
INT64 = {"collectedAtUnixMs", "sizeBytes", "memoryBytes", "absXMin", "absXMax", "absYMin", "absYMax",
         "pixelClockKhz", "atUnixMs", "agentClockUnixMs", "startUnix", "keyEvents", "pointerEvents", "counts",
         "keyPresses", "rssBytes", "spoolDepth", "spoolBytes", "startedAtUnixMs", "gapsRecorded"}
REGISTERED_PNP = {"DEL": "Dell Inc.", "BOE": "BOE", "LNX": "The Linux Foundation", "TSB": "Toshiba America Info Systems Inc",
                  "SAM": "Samsung Electric Company", "AUO": "AU Optronics", "LEN": "Lenovo Group Limited",
                  "ACI": "Ancor Communications Inc", "GSM": "LG Electronics", "ATN": "Athena Smartcard Solutions Ltd."}


def canon(v, key=None):
    """Protobuf's canonical JSON writes 64-bit integers as strings."""
    if isinstance(v, dict):
        return {k: canon(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [canon(x, key) for x in v]
    if key in INT64 and isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return v


# ------------------------------------------------------------------ EDID
def edid_bytes(pnp, product, serial_num, name, serial_str, week=10, year=2022):
    b = bytearray(128)
    b[0:8] = bytes([0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0])
    packed = ((ord(pnp[0]) - 64) << 10) | ((ord(pnp[1]) - 64) << 5) | (ord(pnp[2]) - 64)
    b[8], b[9] = packed >> 8, packed & 0xFF
    b[10], b[11] = product & 0xFF, product >> 8
    b[12:16] = serial_num.to_bytes(4, "little")
    b[16], b[17] = week, year - 1990
    b[18], b[19] = 1, 4
    b[20] = 0xA5
    # Descriptor 1: a 1920x1080@60 detailed timing (148.5 MHz).
    b[54:72] = bytes([0x02, 0x3A, 0x80, 0x18, 0x71, 0x38, 0x2D, 0x40, 0x58, 0x2C, 0x45, 0x00,
                      0x56, 0x50, 0x21, 0x00, 0x00, 0x1E])

    def text_desc(tag, s):
        t = s.encode()[:13]
        t = t + (b"\n" if len(t) < 13 else b"") 
        t = t + b" " * (13 - len(t))
        return bytes([0, 0, 0, tag, 0]) + t

    b[72:90] = text_desc(0xFC, name)
    b[90:108] = text_desc(0xFF, serial_str) if serial_str else bytes([0, 0, 0, 0x10, 0] + [0] * 13)
    b[108:126] = bytes([0, 0, 0, 0x10, 0] + [0] * 13)
    b[127] = (-sum(b[:127])) & 0xFF
    return bytes(b)


def display(connector, ctype, internal, pnp=None, product=0, name="", serial_str="", serial_num=0,
            enabled=True, status="connected", valid=True, year=2022):
    d = {"connector": connector, "connectorType": ctype, "internal": internal, "status": status,
         "enabled": enabled and status == "connected"}
    if pnp is None or status != "connected":
        return d
    raw = edid_bytes(pnp, product, serial_num, name, serial_str, year=year)
    if not valid:
        raw = raw[:96]
    d["edidRaw"] = base64.b64encode(raw).decode()
    e = {"valid": valid, "pnpId": pnp, "pnpRegistered": pnp in REGISTERED_PNP, "productCode": product,
         "serialNumber": serial_num, "monitorName": name, "week": 10, "year": year, "version": "1.4",
         "checksumOk": valid, "digital": True,
         "preferredMode": {"width": 1920, "height": 1080, "refreshMillihz": 60000, "pixelClockKhz": 148500}}
    if serial_str:
        e["serialString"] = serial_str
    if pnp in REGISTERED_PNP:
        e["pnpVendorName"] = REGISTERED_PNP[pnp]
    if not valid:
        e = {"valid": False, "error": "96 bytes, expected a multiple of 128"}
    d["edid"] = e
    d["modes"] = ["1920x1080"]
    return d


def internal_panel(enabled=True):
    return display("card0-eDP-1", "eDP", True, "BOE", 0x0a1c, "", "", 0, enabled=enabled, year=2021)


# ------------------------------------------------------------------ USB
def hid(hid_id, **flags):
    h = {"hidId": hid_id, "descriptorLength": flags.pop("length", 63)}
    usage_pages = [1]
    for k, v in flags.items():
        if k == "abs":
            h.update({"absolutePointer": True, "absXMin": v[0], "absXMax": v[1], "absYMin": v[0], "absYMax": v[1]})
        elif k == "keyboard" and v:
            h["keyboard"] = True
            usage_pages += [7, 8]
        elif k == "relative" and v:
            h["relativePointer"] = True
            usage_pages += [9]
        elif k == "digitizer" and v:
            h["digitizer"] = True
            usage_pages += [0x0D]
        elif k == "touchpad" and v:
            h["touchpad"] = True
        elif k == "consumer" and v:
            h["consumerControl"] = True
            usage_pages += [0x0C]
        elif k == "vendor" and v:
            h["vendorPage"] = True
            usage_pages += [0xFF00]
    h["usagePages"] = sorted(set(usage_pages))
    return h


def itf(port, num, cls, sub=0, proto=0, string=None, driver="", hids=(), storage=None, eps=1):
    i = {"name": f"{port}:1.{num}", "number": num, "interfaceClass": cls, "interfaceSubclass": sub,
         "interfaceProtocol": proto, "numEndpoints": eps, "driver": driver}
    if string is not None:
        i["interfaceString"] = string
    if hids:
        i["hid"] = list(hids)
    if storage:
        i["storage"] = [{"vendor": storage[0], "model": storage[1], "revision": "0510"}]
    return i


def usb(port, vid, pid, mfr=None, product=None, serial=None, interfaces=(), speed="480", bus=1, dev=3,
        cls=0, bcd=0x0100, power=100, parent=None):
    d = {"portPath": port, "busnum": bus, "devnum": dev, "vendorId": vid, "productId": pid, "deviceClass": cls,
         "bcdDevice": bcd, "usbVersion": "2.00", "speedMbps": speed, "maxPowerMa": power, "attributes": 0xA0,
         "removable": "removable", "interfaces": list(interfaces),
         "parentPortPath": parent if parent is not None else f"usb{bus}"}
    if mfr is not None:
        d["manufacturer"] = mfr
    if product is not None:
        d["product"] = product
    if serial is not None:
        d["serial"] = serial
    return d


def root_hubs():
    return [usb("usb1", 0x1D6B, 0x0002, "Linux 6.1.0-27-amd64 xhci-hcd", "xHCI Host Controller", "0000:00:14.0",
                [itf("1-0", 0, 9, driver="hub")], cls=9, bcd=0x0601, dev=1, parent=""),
            usb("usb2", 0x1D6B, 0x0003, "Linux 6.1.0-27-amd64 xhci-hcd", "xHCI Host Controller", "0000:00:14.0",
                [itf("2-0", 0, 9, driver="hub")], cls=9, bcd=0x0601, dev=1, bus=2, speed="5000", parent="")]


def builtin_usb():
    """Webcam, fingerprint reader and Bluetooth of a typical business laptop."""
    return [usb("1-5", 0x04F2, 0xB6EA, "Chicony Electronics Co.,Ltd.", "Integrated Camera", "0001",
                [itf("1-5", 0, 0x0E, 1, 0, "Integrated Camera", "uvcvideo"),
                 itf("1-5", 1, 0x0E, 2, 0, None, "uvcvideo")], cls=0xEF, dev=2),
            usb("1-9", 0x06CB, 0x00FC, None, None, "4ac1a6b1e9f2", [itf("1-9", 0, 0xFF, 0, 0)], speed="12", dev=4),
            usb("1-10", 0x8087, 0x0033, None, None, None,
                [itf("1-10", 0, 0xE0, 1, 1, None, "btusb"), itf("1-10", 1, 0xE0, 1, 1, None, "btusb")],
                speed="12", cls=0xE0, dev=5)]


def kvm_gadget(port, vid, pid, mfr, product, serial, hid_string="HID Interface", storage=None, network=False,
               rel_mouse=True, abs_range=(0, 32767)):
    n = 0
    interfaces = [itf(port, n, 3, 1, 1, hid_string, "usbhid", [hid(f"0003:{vid:04X}:{pid:04X}.0001", keyboard=True)])]
    n += 1
    interfaces.append(itf(port, n, 3, 0, 0, hid_string, "usbhid",
                          [hid(f"0003:{vid:04X}:{pid:04X}.0002", abs=abs_range)]))
    if rel_mouse:
        n += 1
        interfaces.append(itf(port, n, 3, 1, 2, hid_string, "usbhid",
                              [hid(f"0003:{vid:04X}:{pid:04X}.0003", relative=True)]))
    if storage:
        n += 1
        interfaces.append(itf(port, n, 8, 6, 0x50, "Mass Storage", "usb-storage", storage=storage, eps=2))
    if network:
        n += 1
        interfaces.append(itf(port, n, 2, 6, 0, "CDC Ethernet Control Model (ECM)", "cdc_ether"))
        interfaces.append(itf(port, n + 1, 0x0A, 0, 0, "CDC Ethernet Data", "cdc_ether", eps=2))
    return usb(port, vid, pid, mfr, product, serial, interfaces, cls=0xEF, bcd=0x0510)


def bmc_virtual(port, vid, pid, mfr, product, abs_range=(0, 32767)):
    return usb(port, vid, pid, mfr, product, None,
               [itf(port, 0, 3, 1, 1, None, "usbhid", [hid(f"0003:{vid:04X}:{pid:04X}.0001", keyboard=True)]),
                itf(port, 1, 3, 1, 2, None, "usbhid", [hid(f"0003:{vid:04X}:{pid:04X}.0002", abs=abs_range)])],
               speed="12", bcd=0x0100)


def logitech_unifying(port="1-2"):
    return usb(port, 0x046D, 0xC52B, "Logitech", "USB Receiver", None,
               [itf(port, 0, 3, 1, 1, None, "usbhid", [hid("0003:046D:C52B.0001", keyboard=True, consumer=True)]),
                itf(port, 1, 3, 1, 2, None, "usbhid", [hid("0003:046D:C52B.0002", relative=True, consumer=True)]),
                itf(port, 2, 3, 0, 0, None, "usbhid", [hid("0003:046D:C52B.0003", vendor=True)])],
               speed="12", bcd=0x2411, power=98)


def logi_mouse(port="1-3"):
    return usb(port, 0x046D, 0xC077, "Logitech", "USB Optical Mouse", None,
               [itf(port, 0, 3, 1, 2, None, "usbhid", [hid("0003:046D:C077.0004", relative=True)])], speed="1.5")


def dell_keyboard(port="1-4"):
    return usb(port, 0x413C, 0x2113, "Dell", "Dell KB216 Wired Keyboard", None,
               [itf(port, 0, 3, 1, 1, None, "usbhid", [hid("0003:413C:2113.0005", keyboard=True)]),
                itf(port, 1, 3, 0, 0, None, "usbhid", [hid("0003:413C:2113.0006", consumer=True)])], speed="1.5")


# ------------------------------------------------------------------ input, time, network
def builtin_input():
    return [{"name": "AT Translated Set 2 keyboard", "bus": 0x11, "vendor": 1, "product": 1, "version": 0xAB83,
             "phys": "isa0060/serio0/input0", "sysfs": "/devices/platform/i8042/serio0/input/input3",
             "handlers": ["sysrq", "kbd", "event3", "leds"], "hasKeys": True, "keyboard": True},
            {"name": "SYNA8018:00 06CB:CE67 Touchpad", "bus": 0x18, "vendor": 0x06CB, "product": 0xCE67,
             "version": 0x100, "phys": "i2c-SYNA8018:00", "sysfs":
                 "/devices/pci0000:00/0000:00:15.0/i2c_designware.0/i2c-0/i2c-SYNA8018:00/0018:06CB:CE67.0001/input/input11",
             "handlers": ["mouse0", "event8"], "hasKeys": True, "hasAbsolute": True, "touchpad": True,
             "properties": "5"},
            {"name": "Lid Switch", "bus": 0x19, "phys": "PNP0C0D/button/input0",
             "sysfs": "/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0C0D:00/input/input0", "handlers": ["event0"]}]


def uinput_device(name="RustDesk UInput Keyboard"):
    return {"name": name, "bus": 6, "vendor": 0, "product": 0, "version": 0, "phys": "",
            "sysfs": "/devices/virtual/input/input42", "handlers": ["sysrq", "kbd", "event21"],
            "virtualDevice": True, "hasKeys": True, "keyboard": True}


def activity(local_start, local_end, utc_offset_h, days=5, per_bucket=60, device="AT Translated Set 2 keyboard",
             regular_share=0.02, virtual=False, every_hour=False):
    """Buckets for `days` days ending at NOW: input between local_start and
    local_end in a zone utc_offset_h hours east of UTC (or all day)."""
    buckets = []
    end = NOW_MS // 1000 // 900 * 900
    start = end - days * 86400
    for t in range(start, end, 900):
        local_hour = ((t + int(utc_offset_h * 3600)) % 86400) / 3600
        if every_hour or (local_start <= local_hour < local_end if local_start < local_end
                          else local_hour >= local_start or local_hour < local_end):
            buckets.append({"startUnix": t, "keyEvents": per_bucket, "pointerEvents": per_bucket * 3})
    presses = sum(b["keyEvents"] for b in buckets)
    return {"devices": [{"device": device, "eventNode": "event3", "virtualDevice": virtual, "buckets": buckets,
                         "interKeyMs": {"boundsMs": [1, 5, 20, 50, 100, 200, 500, 1000],
                                        "counts": [2, 3, 40, 300, 900, 700, 200, 80, 20]},
                         "regularIntervalShare": regular_share, "keyPresses": presses}]}


ZONES = {"America/New_York": (-18000, "EST"), "America/Chicago": (-21600, "CST"), "America/Denver": (-25200, "MST"),
         "America/Los_Angeles": (-28800, "PST"), "America/Phoenix": (-25200, "MST"), "Europe/Paris": (3600, "CET"),
         "Asia/Shanghai": (28800, "CST"), "Asia/Seoul": (32400, "KST"), "Asia/Pyongyang": (32400, "KST"),
         "Europe/Berlin": (3600, "CET")}


def time_ctx(zone):
    off, abbr = ZONES[zone]
    return {"ianaZone": zone, "source": "etc/localtime symlink", "utcOffsetSeconds": off, "abbreviation": abbr,
            "agentClockUnixMs": NOW_MS}


def network(gw_mac="a4:2b:b0:c1:22:3e", bssid="a4:2b:b0:c1:22:40", ssid="home-wifi", egress="", vpn=()):
    n = {"defaultGatewayIp": "192.168.1.1", "defaultGatewayMac": gw_mac, "defaultInterface": "wlp0s20f3",
         "interfaces": [{"name": "wlp0s20f3", "mac": "3c:21:9c:4e:51:0a", "permanentMac": "3c:21:9c:4e:51:0a",
                         "kind": "wifi", "up": True, "addresses": ["192.168.1.23/24"], "driver": "iwlwifi"}],
         "wifiBssid": bssid, "wifiSsid": ssid}
    if egress:
        n["egressIp"] = egress
    if vpn:
        n["vpnInterfaces"] = list(vpn)
    return n


def latency(min_ms=18, median_ms=24):
    return {"collector": {"samples": 30, "minUs": min_ms * 1000, "medianUs": median_ms * 1000,
                          "p95Us": int(median_ms * 1300), "maxUs": int(median_ms * 1600), "jitterUs": 1500},
            "windowSeconds": 900}


def tool(tool_id, name, installed=True, running=False, listening=False, connected=False, procs=(), ports=(),
         peers=(), paths=(), services=()):
    t = {"toolId": tool_id, "name": name, "installed": installed, "running": running, "listening": listening,
         "connected": connected}
    if procs:
        t["processes"] = [{"pid": 1200 + i, "comm": c, "exe": e} for i, (c, e) in enumerate(procs)]
    if paths:
        t["installedPaths"] = list(paths)
    if services:
        t["services"] = list(services)
    if ports:
        t["listeningPorts"] = list(ports)
    if peers:
        t["peers"] = [{"localAddress": "192.168.1.23:51514", "remoteAddress": addr, "pid": 1200, "rttUs": rtt * 1000,
                       "rttvarUs": rtt * 100, "rttMeasured": True} for addr, rtt in peers]
    return t


def laptop(hostname="lt-0001", zone="America/New_York", vendor="LENOVO", model="21HD", serial="PF4ABCDE",
           layouts=(("us", "", "en"),), users=(), usb_extra=(), displays=None, lid_closed=False, inputs_extra=(),
           tools=(), net=None, lat=None, act=None, vm=None, chassis=10):
    snap = {
        "collectedAtUnixMs": NOW_MS, "agentVersion": "0.1.0", "platform": "linux",
        "hardware": {"sysVendor": vendor, "productName": model, "productSerial": serial, "chassisType": chassis,
                     "chassisKind": "laptop" if chassis in (9, 10, 14) else "desktop", "cpuModel":
                         "13th Gen Intel(R) Core(TM) i7-1365U", "cpuCount": 12, "memoryBytes": 33554432000,
                     "hostname": hostname, "osRelease": "Debian GNU/Linux 12 (bookworm)",
                     "kernelRelease": "6.1.0-27-amd64",
                     "disks": [{"name": "nvme0n1", "model": "SAMSUNG MZVL2512HCJQ-00BL7", "serial": "S64KNX0T123456",
                                "sizeBytes": 512110190592}]},
        "usbDevices": root_hubs() + builtin_usb() + list(usb_extra),
        "displays": displays if displays is not None else [internal_panel(),
                                                          display("card0-HDMI-A-1", "HDMI-A", False,
                                                                  status="disconnected")],
        "time": time_ctx(zone),
        "keyboard": {"systemLayouts": [{"layout": l, "variant": v, "language": lang,
                                        "source": "etc/default/keyboard"} for l, v, lang in layouts],
                     "model": "pc105",
                     "users": [{"user": u, "inputMethods": [{"framework": f, "name": n, "language": lang,
                                                             "source": f"home/{u}/.config/{f}/profile"}
                                                            for f, n, lang in ims]} for u, ims in users]},
        "inputDevices": builtin_input() + list(inputs_extra),
        "remoteAccess": list(tools),
        "network": net or network(),
        "latency": lat or latency(),
        "inputActivity": act or activity(9, 17.5, ZONES[zone][0] / 3600),
        "health": {"version": "0.1.0", "rssBytes": 14000000, "cpuPercent": 0.3},
        "lid": {"present": True, "closed": lid_closed},
    }
    if vm:
        snap["hardware"]["vm"] = vm
    if not snap["keyboard"]["users"]:
        del snap["keyboard"]["users"]
    return snap


def kvm_displays(pnp, product, name, serial_str="", serial_num=0):
    """Lid closed, HDMI into the KVM's capture: the internal panel is off."""
    return [internal_panel(enabled=False),
            display("card0-HDMI-A-1", "HDMI-A", False, pnp, product, name, serial_str, serial_num)]


def office_displays():
    return [internal_panel(enabled=False),
            display("card0-DP-1", "DP", False, "DEL", 0x41A8, "DELL U2720Q", "8KZ3R83", 0x4C4B4C30),
            display("card0-DP-2", "DP", False, "DEL", 0x41A8, "DELL U2720Q", "9LZ3R83", 0x4C4B4C31)]


# ------------------------------------------------------------------ scenarios
SCENARIOS = []


def scenario(name, cls, level, snap, must=(), must_not=(), assignment=None, note=""):
    SCENARIOS.append((name, cls, level, snap, must, must_not, assignment, note))


US_EAST = ("PF4ABCDE", "Jordan Miles", "jordan.miles@example.com", "America/New_York", "US-NY")
KOREA_NIGHT = activity(9, 18, 9)  # a working day in UTC+9 is the US night

# --- IP-KVMs with their own identities (INDICATORS.md) ---
scenario("pikvm-v3-otg", "kvm", "puppeteered",
         laptop(usb_extra=[kvm_gadget("1-2", 0x1D6B, 0x0104, "PiKVM", "PiKVM Composite Device", "CAFEBABE",
                                      storage=("Linux", "File-CD Gadget"))],
                displays=kvm_displays("LNX", 0x7771, "PiKVM V3", "CAFEBABE"), lid_closed=True, act=KOREA_NIGHT),
         must=["usb.pikvm_otg", "usb.gadget_hid_interface", "usb.keyboard_with_absolute_pointer",
               "usb.gadget_file_storage", "edid.pikvm_v3", "context.night_activity"], assignment=US_EAST,
         note="PiKVM v3 on HDMI with the lid closed, worked in Korean daytime")
scenario("pikvm-v4-plus", "kvm", "puppeteered",
         laptop(usb_extra=[kvm_gadget("1-2", 0x1D6B, 0x0104, "PiKVM", "PiKVM Composite Device", "CAFEBABE",
                                      storage=("Linux", "File-Stor Gadget"), network=True)],
                displays=kvm_displays("LNX", 0x7773, "PiKVM V4 Plus", "CAFEBABE"), lid_closed=True),
         must=["usb.pikvm_otg", "edid.pikvm_v4_plus", "usb.input_with_storage_or_network"])
scenario("pikvm-v4-mini", "kvm", "puppeteered",
         laptop(usb_extra=[kvm_gadget("1-2", 0x1D6B, 0x0104, "PiKVM", "PiKVM Composite Device", "CAFEBABE")],
                displays=kvm_displays("LNX", 0x7772, "PiKVM V4 Mini", "CAFEBABE"), lid_closed=True),
         must=["usb.pikvm_otg", "edid.pikvm_v4_mini"])
scenario("pikvm-v2-otg", "kvm", "puppeteered",
         laptop(usb_extra=[kvm_gadget("1-2", 0x1D6B, 0x0104, "PiKVM", "PiKVM Composite Device", "CAFEBABE")],
                displays=kvm_displays("LNX", 0x7770, "PiKVM", "CAFEBABE"), lid_closed=True),
         must=["usb.pikvm_otg", "edid.pikvm_v2", "edid.pikvm_name"])
scenario("pikvm-pico-hid-ms2109", "kvm", "puppeteered",
         laptop(usb_extra=[usb("1-2", 0x1209, 0xEDA2, "PiKVM", "PiKVM HID", "E6616408434B5D2C",
                               [itf("1-2", 0, 3, 1, 1, None, "usbhid", [hid("0003:1209:EDA2.0001", keyboard=True)]),
                                itf("1-2", 1, 3, 0, 0, None, "usbhid", [hid("0003:1209:EDA2.0002", abs=(0, 32767)),
                                                                       ])], speed="12")],
                displays=kvm_displays("HJW", 0x0001, "HDMI TO USB"), lid_closed=True),
         must=["usb.pikvm_pico_hid", "usb.pikvm_strings", "edid.ms2109_capture", "display.edid_unregistered_pnp",
               "usb.keyboard_with_absolute_pointer"],
         note="Pico HID dongle for input, a MacroSilicon MS2109 capture stick for video")
scenario("tinypilot", "kvm", "puppeteered",
         laptop(usb_extra=[kvm_gadget("1-2", 0x1D6B, 0x0104, "tinypilot", "Multifunction USB Device",
                                      "6b65796d696d6570690", rel_mouse=False)],
                displays=kvm_displays("TSB", 0x9876, "TinyPilot"), lid_closed=True),
         must=["usb.tinypilot", "usb.tinypilot_serial", "edid.tinypilot", "usb.gadget_linux_foundation_vid"])
scenario("jetkvm-default", "kvm", "puppeteered",
         laptop(usb_extra=[kvm_gadget("1-2", 0x1D6B, 0x0104, "JetKVM", "USB Emulation Device", "")],
                displays=kvm_displays("TSB", 0x8801, "T749-fHD720"), lid_closed=True),
         must=["usb.jetkvm", "edid.jetkvm"])
scenario("glinet-comet", "kvm", "puppeteered",
         laptop(usb_extra=[kvm_gadget("1-2", 0x1D6B, 0x0104, "GLKVM", "Composite KVM Device", "CAFEBABE",
                                      storage=("Linux", "File-CD Gadget"))],
                displays=kvm_displays("DEL", 0xA0C4, "DELL P2419H", "CAFEBABE"), lid_closed=False),
         must=["usb.glinet_comet", "usb.glinet_comet_product"])
scenario("nanokvm", "kvm", "puppeteered",
         laptop(usb_extra=[kvm_gadget("1-2", 0x3346, 0x1009, "sipeed", "NanoKVM", "0123456789ABCDEF",
                                      storage=("NanoKVM", "USB Mass Storage"))],
                displays=kvm_displays("SPD", 0x3301, "NanoKVM", "NanoKVM"), lid_closed=True,
                zone="America/Chicago", act=KOREA_NIGHT),
         must=["usb.nanokvm", "usb.nanokvm_strings", "edid.nanokvm", "display.edid_unregistered_pnp"],
         assignment=("PF4ABCDE", "Sam Ortiz", "sam.ortiz@example.com", "America/Chicago", "US-TX"))
for port_id, (vid, pid, mfr, prod, cid) in enumerate([
        (0x0557, 0x2419, "ATEN", "Virtual mouse/keyboard device", "usb.aten_virtual_kbd_mouse"),
        (0x14DD, 0x1007, "Raritan", "D2CIM-VUSB", "usb.raritan_d2cim_vusb"),
        (0x0624, 0x0249, "Avocent", "USB Composite Device-1", "usb.avocent_0249"),
        (0x046B, 0xFF10, "American Megatrends Inc.", "Virtual Keyboard and Mouse", "usb.ami_virtual_kbd_mouse"),
        (0x03F0, 0x1027, "HP", "Virtual keyboard and mouse", "usb.hp_ilo_virtual_kbd_mouse"),
        (0x17EF, 0xB000, "Lenovo", "Virtual Keyboard and Mouse", "usb.lenovo_imm_virtual_kbd_mouse")]):
    scenario(f"commercial-kvm-{cid.split('.')[1].replace('_', '-')}", "kvm", "puppeteered",
             laptop(usb_extra=[bmc_virtual("1-2", vid, pid, mfr, prod)],
                    displays=kvm_displays("DEL", 0xA0C4, "DELL P2419H", "H2KTR93"), lid_closed=True),
             must=[cid, "usb.keyboard_with_absolute_pointer"],
             note="commercial KVM-over-IP / BMC virtual console attached to a laptop")

# --- The same KVMs with spoofed identities ---
scenario("pikvm-cloned-logitech-receiver", "kvm", "suspicious",
         laptop(usb_extra=[kvm_gadget("1-2", 0x046D, 0xC52B, "Logitech", "USB Receiver", None)],
                displays=kvm_displays("DEL", 0xA0C4, "DELL P2419H", "CAFEBABE"), lid_closed=True),
         must=["usb.gadget_hid_interface", "usb.keyboard_with_absolute_pointer"],
         must_not=["usb.pikvm_otg"], note="PiKVM donor identity: a Logitech Unifying receiver's IDs and strings")
scenario("jetkvm-dell-keyboard-preset", "kvm", "suspicious",
         laptop(usb_extra=[kvm_gadget("1-2", 0x413C, 0x2113, "Dell", "Dell KB216 Wired Keyboard", "")],
                displays=kvm_displays("DEL", 0xA0C4, "DELL P2419H", "H2KTR93"), lid_closed=True),
         must=["usb.gadget_hid_interface", "usb.keyboard_with_absolute_pointer"], must_not=["usb.jetkvm"])
scenario("nanokvm-edited-ids", "kvm", "puppeteered",
         laptop(usb_extra=[kvm_gadget("1-2", 0x046D, 0xC31C, "Logitech", "USB Keyboard", None)],
                displays=kvm_displays("SPD", 0x3302, "HDMI"), lid_closed=True),
         must=["usb.keyboard_with_absolute_pointer", "display.edid_unregistered_pnp"], must_not=["usb.nanokvm"])
scenario("tinypilot-as-microsoft-with-cd", "kvm", "puppeteered",
         laptop(usb_extra=[kvm_gadget("1-2", 0x045E, 0x07F8, "Microsoft", "Wired Keyboard 600", None,
                                      storage=("Linux", "File-CD Gadget"))],
                displays=kvm_displays("SAM", 0x0F8E, "SAMSUNG"), lid_closed=True),
         must=["usb.gadget_file_storage", "usb.input_with_storage_or_network"])
scenario("pikvm-brand-strings-wrong-vid", "kvm", "puppeteered",
         laptop(usb_extra=[kvm_gadget("1-2", 0x1234, 0x5678, "Logitech", "K120 Keyboard", None)],
                displays=kvm_displays("DEL", 0xA0C4, "DELL P2419H", "CAFEBABE"), lid_closed=True),
         must=["usb.keyboard_vendor_mismatch", "usb.gadget_hid_interface"])
scenario("gadget-patched-kernel-rndis", "kvm", "suspicious",
         laptop(usb_extra=[kvm_gadget("1-2", 0x046D, 0xC31C, "Logitech", "USB Keyboard", None, hid_string=None,
                                      network=True)],
                displays=kvm_displays("GSM", 0x5B7F, "LG HDR 4K", "205NTAB3K123"), lid_closed=True),
         must=["usb.keyboard_with_absolute_pointer", "usb.input_with_storage_or_network"],
         must_not=["usb.gadget_hid_interface"],
         note="interface strings patched out; the structure (keyboard + absolute pointer + ECM) remains")

# --- Software remote control, far and near ---
scenario("anydesk-session-from-far", "remote_far", "suspicious",
         laptop(tools=[tool("remote.anydesk", "AnyDesk", running=True, connected=True,
                            procs=[("anydesk", "/usr/bin/anydesk")], peers=[("203.0.113.40:443", 190)])],
                inputs_extra=[uinput_device("AnyDesk virtual keyboard")], act=KOREA_NIGHT),
         must=["remote.anydesk", "remote.session_far", "input.virtual_device", "context.night_activity"],
         assignment=US_EAST)
scenario("rustdesk-far-with-astrill", "remote_far", "puppeteered",
         laptop(zone="Asia/Shanghai",
                tools=[tool("remote.rustdesk", "RustDesk", running=True, connected=True,
                            procs=[("rustdesk", "/usr/bin/rustdesk")], peers=[("198.51.100.9:21116", 160)]),
                       tool("vpn.astrill", "Astrill VPN", running=True, procs=[("asproxy", "/usr/local/Astrill/asproxy")],
                            paths=["/usr/local/Astrill"])],
                inputs_extra=[uinput_device()], lat=latency(190, 205), act=activity(9, 18, 8),
                net=network(vpn=["tun0"])),
         must=["remote.session_far", "vpn.astrill", "context.timezone_mismatch", "context.collector_rtt_implausible",
               "time.zone_of_interest"], assignment=("PF4ABCDE", "Ava Chen", "ava.chen@example.com",
                                                     "America/Los_Angeles", "US-CA"))
scenario("chrome-remote-desktop-paste-as-keys", "remote_far", "puppeteered",
         laptop(tools=[tool("remote.chrome_remote_desktop", "Chrome Remote Desktop", running=True, connected=True,
                            procs=[("remoting_host", "/opt/google/chrome-remote-desktop/chrome-remote-desktop-host")],
                            peers=[("142.250.1.10:443", 140)], services=["chrome-remote-desktop@jordan.service"])],
                inputs_extra=[uinput_device("Chrome Remote Desktop Input")],
                act=activity(9, 18, 9, regular_share=0.74, device="Chrome Remote Desktop Input", virtual=True)),
         must=["remote.session_far", "input.machine_regular_keystrokes", "input.injected_keystrokes"])
scenario("teamviewer-far-with-jiggler", "remote_far", "puppeteered",
         laptop(tools=[tool("remote.teamviewer", "TeamViewer", running=True, connected=True,
                            procs=[("teamviewerd", "/opt/teamviewer/tv_bin/teamviewerd")],
                            peers=[("185.188.32.1:5938", 210)]),
                       tool("remote.anydesk", "AnyDesk", running=True, procs=[("anydesk", "/usr/bin/anydesk")])],
                act=activity(0, 24, 0, every_hour=True, per_bucket=20)),
         must=["remote.session_far", "remote.several_tools", "context.always_active"], assignment=US_EAST)
scenario("anydesk-session-nearby", "remote_near", "review",
         laptop(tools=[tool("remote.anydesk", "AnyDesk", running=True, connected=True,
                            procs=[("anydesk", "/usr/bin/anydesk")], peers=[("192.0.2.15:443", 22)])]),
         must=["remote.anydesk"], must_not=["remote.session_far"], assignment=US_EAST,
         note="a session through a nearby relay: the tool is the only signal")
scenario("xrdp-session-from-lan", "remote_near", "review",
         laptop(tools=[tool("remote.xrdp", "xrdp", running=True, listening=True, connected=True,
                            procs=[("xrdp", "/usr/sbin/xrdp"), ("xrdp-sesman", "/usr/sbin/xrdp-sesman")],
                            ports=[3389, 3350], peers=[("192.168.1.40:3389", 2)])]),
         must=["remote.xrdp"], must_not=["remote.session_far"])

# --- Benign look-alikes ---
scenario("clean-home-laptop", "benign", "clean", laptop(), assignment=US_EAST)
scenario("touchscreen-laptop", "benign", "clean",
         laptop(usb_extra=[usb("1-6", 0x04F3, 0x2B7C, "ELAN", "Touchscreen", None,
                               [itf("1-6", 0, 3, 0, 0, None, "usbhid",
                                    [hid("0003:04F3:2B7C.0007", abs=(0, 3200), digitizer=True)])], speed="12")],
                inputs_extra=[{"name": "ELAN Touchscreen", "bus": 3, "vendor": 0x04F3, "product": 0x2B7C,
                               "sysfs": "/devices/pci0000:00/0000:00:14.0/usb1/1-6/1-6:1.0/0003:04F3:2B7C.0007/input/input15",
                               "handlers": ["event9"], "hasAbsolute": True, "hasKeys": True, "touchscreen": True,
                               "usbPortPath": "1-6", "properties": "2"}]),
         must_not=["usb.keyboard_with_absolute_pointer"], assignment=US_EAST)
scenario("surface-type-cover-touch", "benign", "clean",
         laptop(vendor="Microsoft Corporation", model="Surface Laptop Go",
                usb_extra=[usb("1-7", 0x045E, 0x09C0, "Microsoft", "Surface Type Cover", None,
                               [itf("1-7", 0, 3, 1, 1, None, "usbhid", [hid("0003:045E:09C0.0001", keyboard=True,
                                                                            consumer=True)]),
                                itf("1-7", 1, 3, 0, 0, None, "usbhid",
                                    [hid("0003:045E:09C0.0002", abs=(0, 2832), digitizer=True, touchpad=True)])],
                               speed="12")]),
         must_not=["usb.keyboard_with_absolute_pointer"],
         note="keyboard and precision touchpad in one USB device: the absolute axes are a digitizer")
scenario("huion-pen-tablet-with-shortcut-keys", "benign", "clean",
         laptop(usb_extra=[usb("1-3", 0x256C, 0x006D, "HUION", "Huion Tablet_H640P", None,
                               [itf("1-3", 0, 3, 0, 0, None, "usbhid",
                                    [hid("0003:256C:006D.0008", abs=(0, 32767), digitizer=True)]),
                                itf("1-3", 1, 3, 1, 1, None, "usbhid", [hid("0003:256C:006D.0009", keyboard=True)]),
                                itf("1-3", 2, 3, 1, 2, None, "usbhid", [hid("0003:256C:006D.000A", relative=True)])],
                               speed="12")]),
         must_not=["usb.keyboard_with_absolute_pointer"],
         note="pen digitizer 0..32767 beside a keyboard interface for the express keys")
scenario("wacom-intuos-pen-tablet", "benign", "clean",
         laptop(usb_extra=[usb("1-3", 0x056A, 0x0374, "Wacom Co.,Ltd.", "Intuos S", "8DQ00A1234567",
                               [itf("1-3", 0, 3, 0, 0, None, "usbhid",
                                    [hid("0003:056A:0374.000B", abs=(0, 15200), digitizer=True)]),
                                itf("1-3", 1, 3, 0, 0, None, "usbhid", [hid("0003:056A:0374.000C", vendor=True)])],
                               speed="12")]),
         must_not=["usb.keyboard_with_absolute_pointer"])
scenario("docked-two-monitors-lid-closed", "benign", "clean",
         laptop(usb_extra=[usb("2-1", 0x0BDA, 0x0411, "Dell Inc.", "Dell dock", None, [itf("2-1", 0, 9, driver="hub")],
                               cls=9, speed="5000", bus=2),
                           usb("1-1", 0x0BDA, 0x5411, "Dell Inc.", "Dell dock", None, [itf("1-1", 0, 9, driver="hub")],
                               cls=9),
                           usb("2-1.4", 0x0BDA, 0x8153, "Realtek", "USB 10/100/1000 LAN", "001000001",
                               [itf("2-1.4", 0, 0xFF, 0xFF, 0, None, "r8152"),
                                itf("2-1.4", 1, 2, 6, 0, "CDC Ethernet Control Model (ECM)", ""),
                                itf("2-1.4", 2, 0x0A, 0, 0, "Ethernet Data", "")], speed="5000", bus=2,
                               parent="2-1"),
                           usb("1-1.5", 0x0BDA, 0x402E, "Generic", "USB Audio", None,
                               [itf("1-1.5", 0, 1, 1, 0, None, "snd-usb-audio"),
                                itf("1-1.5", 3, 3, 0, 0, None, "usbhid", [hid("0003:0BDA:402E.000D", consumer=True)])],
                               parent="1-1"),
                           logitech_unifying("1-1.2"), dell_keyboard("1-1.3"), logi_mouse("1-1.4")],
                displays=office_displays(), lid_closed=True),
         must=["display.external_only"], must_not=["usb.keyboard_with_absolute_pointer"], assignment=US_EAST)
scenario("usb-c-hub-many-devices", "benign", "clean",
         laptop(usb_extra=[usb("1-2", 0x2109, 0x2817, "VIA Labs, Inc.", "USB2.0 Hub", None,
                               [itf("1-2", 0, 9, driver="hub")], cls=9),
                           usb("1-2.1", 0x0781, 0x5583, "SanDisk", "Ultra Fit", "4C530001230608112345",
                               [itf("1-2.1", 0, 8, 6, 0x50, None, "usb-storage",
                                    storage=("SanDisk", "Ultra Fit"))], parent="1-2"),
                           usb("1-2.2", 0x1050, 0x0407, "Yubico", "YubiKey OTP+FIDO+CCID", None,
                               [itf("1-2.2", 0, 3, 1, 1, None, "usbhid", [hid("0003:1050:0407.000E", keyboard=True)]),
                                itf("1-2.2", 1, 3, 0, 0, None, "usbhid", [hid("0003:1050:0407.000F", vendor=True)]),
                                itf("1-2.2", 2, 0x0B, 0, 0, None, "")], speed="12", parent="1-2"),
                           usb("1-2.3", 0x046D, 0x085E, None, "Logitech BRIO", "C5F5A1B2",
                               [itf("1-2.3", 0, 0x0E, 1, 0, None, "uvcvideo"),
                                itf("1-2.3", 2, 1, 1, 0, None, "snd-usb-audio")], cls=0xEF, parent="1-2"),
                           logitech_unifying("1-2.4")]),
         must_not=["usb.keyboard_with_absolute_pointer", "usb.input_with_storage_or_network"])
scenario("logitech-unifying-receiver", "benign", "clean", laptop(usb_extra=[logitech_unifying()]),
         must_not=["usb.keyboard_vendor_mismatch", "usb.keyboard_with_absolute_pointer"])
scenario("logitech-bolt-receiver", "benign", "clean",
         laptop(usb_extra=[usb("1-2", 0x046D, 0xC548, "Logitech", "USB Receiver", "3A9C1B7E",
                               [itf("1-2", 0, 3, 1, 1, None, "usbhid", [hid("0003:046D:C548.0001", keyboard=True)]),
                                itf("1-2", 1, 3, 1, 2, None, "usbhid", [hid("0003:046D:C548.0002", relative=True)]),
                                itf("1-2", 2, 3, 0, 0, None, "usbhid", [hid("0003:046D:C548.0003", vendor=True)])],
                               speed="12")]))
scenario("desk-kvm-switch-two-computers", "benign", "clean",
         laptop(usb_extra=[usb("1-2", 0x0557, 0x7000, None, "Hub", None, [itf("1-2", 0, 9, driver="hub")], cls=9,
                               speed="12"),
                           dell_keyboard("1-2.1"), logi_mouse("1-2.2")],
                displays=[internal_panel(), display("card0-HDMI-A-1", "HDMI-A", False, "DEL", 0xA0C4, "DELL P2419H",
                                                    "H2KTR93")]),
         must_not=["usb.aten_virtual_kbd_mouse"], note="a physical desk KVM switch (ATEN hub) is not an IP-KVM")
scenario("cheap-portable-monitor", "benign", "clean",
         laptop(displays=[internal_panel(), display("card0-DP-1", "DP", False, "JRY", 0x0101, "PM156", "")]),
         must=["display.edid_unregistered_pnp"], note="portable monitors often carry unregistered PNP ids")
scenario("korean-speaking-employee-in-us", "benign", "clean",
         laptop(layouts=[("us", "", "en"), ("kr", "kr104", "ko")], users=[("minji", [("ibus", "hangul", "ko")])]),
         must=["ime.korean", "context.layout_unexpected_for_region"],
         assignment=("PF4ABCDE", "Minji Park", "minji.park@example.com", "America/New_York", "US-NJ"))
scenario("employee-travelling-in-paris", "benign", "review",
         laptop(zone="Europe/Paris", act=activity(9, 18, 1, days=7), lat=latency(88, 95),
                net=network(gw_mac="00:1e:c2:11:aa:01", bssid="00:1e:c2:11:aa:02", ssid="HotelLeMarais")),
         must=["context.timezone_mismatch"], assignment=US_EAST)
scenario("developer-running-vms", "benign", "clean",
         laptop(net=dict(network(), interfaces=network()["interfaces"] + [
             {"name": "virbr0", "mac": "52:54:00:12:34:56", "kind": "bridge", "up": True,
              "addresses": ["192.168.122.1/24"], "virtualInterface": True},
             {"name": "vboxnet0", "mac": "0a:00:27:00:00:00", "kind": "ethernet", "up": True,
              "addresses": ["192.168.56.1/24"], "virtualInterface": True},
             {"name": "docker0", "mac": "02:42:ac:11:00:01", "kind": "bridge", "up": False,
              "addresses": ["172.17.0.1/16"], "virtualInterface": True}])),
         must_not=["hardware.virtual_machine"], assignment=US_EAST,
         note="VMs run on the laptop; the agent runs on the physical host")
scenario("it-admin-own-remote-tools", "benign", "review",
         laptop(tools=[tool("remote.anydesk", "AnyDesk", running=True, listening=True, connected=True,
                            procs=[("anydesk", "/usr/bin/anydesk")], ports=[7070], peers=[("192.0.2.77:443", 31)]),
                       tool("remote.teamviewer", "TeamViewer", installed=True, paths=["/opt/teamviewer"]),
                       tool("remote.rustdesk", "RustDesk", installed=True, paths=["/usr/bin/rustdesk"]),
                       tool("remote.tailscale", "Tailscale", running=True, procs=[("tailscaled", "/usr/sbin/tailscaled")])],
                net=network(vpn=["tailscale0"])),
         must=["remote.several_tools"], must_not=["remote.session_far"], assignment=US_EAST)
scenario("hotel-network-with-colleagues", "benign", "clean",
         laptop(net=network(gw_mac="00:90:7f:aa:10:01", bssid="00:90:7f:aa:10:02", ssid="Marriott_GUEST",
                            egress="198.51.100.200"), zone="America/Chicago", act=activity(9, 17.5, -6)),
         assignment=("PF4ABCDE", "Jordan Miles", "jordan.miles@example.com", "America/Chicago", "US-IL"),
         note="the fleet test checks that a two-night offsite does not cluster")
scenario("night-owl-developer", "benign", "clean",
         laptop(act=activity(20, 3, -5, days=5)),
         must=["context.night_activity"], assignment=US_EAST,
         note="works late: night activity alone stays below review")
scenario("tailscale-and-cloudflared-homelab", "benign", "clean",
         laptop(tools=[tool("remote.tailscale", "Tailscale", running=True, procs=[("tailscaled", "/usr/sbin/tailscaled")]),
                       tool("remote.cloudflared", "cloudflared", running=True,
                            procs=[("cloudflared", "/usr/bin/cloudflared")])], net=network(vpn=["tailscale0"])),
         must=["remote.tailscale"])


def write():
    keep = {n for n, *_ in SCENARIOS}
    for entry in os.listdir(HERE):
        p = os.path.join(HERE, entry)
        # fixture-* scenarios come from collect_fixtures.py.
        if (os.path.isdir(p) and entry not in keep and not entry.startswith("fixture-")
                and os.path.exists(os.path.join(p, "expected.txt"))):
            shutil.rmtree(p)
    for name, cls, level, snap, must, must_not, assignment, note in SCENARIOS:
        d = os.path.join(HERE, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "snapshot.json"), "w") as f:
            json.dump(canon(snap), f, indent=1, sort_keys=False)
            f.write("\n")
        with open(os.path.join(d, "expected.txt"), "w") as f:
            if note:
                f.write(f"# {note}\n")
            f.write(f"class: {cls}\nlevel: {level}\n")
            if must:
                f.write("must: " + " ".join(must) + "\n")
            if must_not:
                f.write("must_not: " + " ".join(must_not) + "\n")
        a = os.path.join(d, "assignment.csv")
        if assignment:
            with open(a, "w") as f:
                f.write("device,employee,email,timezone,region\n" + ",".join(assignment) + "\n")
        elif os.path.exists(a):
            os.remove(a)
    print(f"{len(SCENARIOS)} scenarios written to {HERE}")


if __name__ == "__main__":
    write()
