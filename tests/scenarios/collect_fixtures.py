#!/usr/bin/python3
"""Adds scenarios whose snapshot.json comes from the real Linux probes run over
the fixture trees in tests/fixtures (kernel-format sysfs/proc trees), so the
corpus also checks detect against what the agent actually reports.

  /usr/bin/python3 tests/scenarios/collect_fixtures.py BUILD/agent/telltale-agent [NAME…]

With names, only those scenarios are rewritten. Each scenario is `telltale-agent scan --root tests/fixtures/NAME --offline
--format json`. Commit the output."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")

# name: (class, expected level, must, must_not, note)
EXPECTED = {
    "pikvm-laptop": ("kvm", "puppeteered", ["usb.pikvm_otg", "edid.pikvm_v3", "usb.keyboard_with_absolute_pointer"], [],
                     "PiKVM v3 fixture tree"),
    "nanokvm-laptop": ("kvm", "puppeteered", ["usb.nanokvm", "edid.nanokvm", "usb.gadget_hid_interface"], [],
                       "NanoKVM fixture tree"),
    "tinypilot-laptop": ("kvm", "puppeteered", ["usb.tinypilot", "edid.tinypilot"], [], "TinyPilot fixture tree"),
    "x11vnc-laptop": ("remote_unknown", "puppeteered",
                      ["remote.x11vnc", "input.machine_regular_keystrokes", "input.injected_keystrokes"], [],
                      "x11vnc session typing through XTEST at machine-regular intervals"),
    "anydesk-rustdesk-laptop": ("remote_unknown", "suspicious", ["remote.anydesk", "remote.rustdesk",
                                                                 "remote.several_tools"], ["remote.session_far"],
                                "two remote tools connected at once; RTT not measurable on a fixture"),
    "clean-home-laptop": ("benign", "clean", [], [], "ordinary home laptop"),
    "clean-laptop": ("benign", "clean", [], [], "ordinary laptop with USB peripherals"),
    "touchscreen-laptop": ("benign", "clean", [], ["usb.keyboard_with_absolute_pointer"], "touchscreen laptop"),
    "korean-ime-laptop": ("benign", "review", ["ime.korean"], [],
                          "Korean input method, Seoul clock and an installed (not running) Astrill client"),
    "dev-vm": ("vm", "review", ["hardware.virtual_machine"], [], "the agent inside a VM guest (SPICE tablet)"),
    # Issue 17: behaviour alone. The KVM copies a Logitech receiver and a Dell
    # monitor; what gives it away is how the input arrives.
    # Behaviour alone makes it suspicious (tests/detect/behaviour_rules_test.cpp);
    # with its own absolute pointer beside the copied keyboard it is puppeteered.
    "kvm-copied-logitech-laptop": ("kvm", "puppeteered",
                                   ["behaviour.input_external_only", "behaviour.lid_closed_usb_typing",
                                    "behaviour.key_delivery_bursts", "behaviour.absolute_pointer_teleports",
                                    "behaviour.night_hours"], [],
                                   "IP-KVM with a copied Logitech identity and Dell EDID, typed on at the assignee's night"),
    # Docked, lid shut, Logitech keyboard and mouse: the two docking findings
    # show at half weight (5 + 5, with display.external_only 15: under review
    # at 20), nothing remote-looking.
    "docked-office-laptop": ("benign", "clean", ["behaviour.input_external_only", "behaviour.lid_closed_usb_typing"],
                             ["behaviour.key_delivery_bursts", "behaviour.absolute_pointer_teleports",
                              "behaviour.night_hours"],
                             "docked office worker, lid shut, Logitech USB keyboard and mouse, office hours"),
}

# Scenarios judged against an assignee (assignment.csv next to the snapshot).
ASSIGNMENTS = {
    "kvm-copied-logitech-laptop": "PF4KVM01,Jordan Miles,jordan.miles@example.com,America/New_York,US-NY",
    "docked-office-laptop": "4HQ8KD3,Sam Ortiz,sam.ortiz@example.com,America/Chicago,US-IL",
}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    agent, only = sys.argv[1], set(sys.argv[2:])
    for name, (cls, level, must, must_not, note) in sorted(EXPECTED.items()):
        if only and name not in only:
            continue
        root = os.path.join(FIXTURES, name)
        out = subprocess.run([agent, "scan", "--root", root, "--offline", "--format", "json"], check=True,
                             capture_output=True, text=True).stdout
        d = os.path.join(HERE, "fixture-" + name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "snapshot.json"), "w") as f:
            f.write(out if out.endswith("\n") else out + "\n")
        with open(os.path.join(d, "expected.txt"), "w") as f:
            f.write(f"# {note}; snapshot from tests/fixtures/{name} via collect_fixtures.py\n")
            f.write(f"class: {cls}\nlevel: {level}\n")
            if must:
                f.write("must: " + " ".join(must) + "\n")
            if must_not:
                f.write("must_not: " + " ".join(must_not) + "\n")
        if name in ASSIGNMENTS:
            with open(os.path.join(d, "assignment.csv"), "w") as f:
                f.write("device,employee,email,timezone,region\n" + ASSIGNMENTS[name] + "\n")
    print(f"{len(only) or len(EXPECTED)} fixture scenarios written")


if __name__ == "__main__":
    main()
