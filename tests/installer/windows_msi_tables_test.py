#!/usr/bin/env python3
"""Checks the Windows agent's MSI table by table, the way Windows Installer
will read it: msitools' msiinfo exports each table (IDT text), msiextract
unpacks the cabinet. Every expectation is an exact value from
installer/windows/telltale-agent.wxs and build-msi; a difference is reported
with the table, row and column.

  windows_msi_tables_test.py MSI PAYLOAD_EXE VERSION SERVICE_ARGS HELPER_EXE
  windows_msi_tables_test.py --broken MSI PAYLOAD_EXE VERSION SERVICE_ARGS HELPER_EXE

--broken proves the checks can fail: it damages copies of MSI the ways a
wrong .wxs or a wixl change would (no ServiceInstall row, TOKEN not hidden,
demand start, no upgrade row, an action's hide-target bit lost, no Run entry
for the input helper, another payload)
and expects each copy to be refused with the right complaint.
"""
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid

UPGRADE_CODE = "{44B944D5-CEF1-48C9-A046-0FEB1619E3D9}"
COMPONENT_GUID = "{BD2080B4-7B0E-418B-B730-73FE6ECE4BA4}"


# msiinfo export writes a table's binary streams into <Table>/ under the
# working directory: keep them out of the build tree.
SCRATCH = tempfile.TemporaryDirectory()


def export(msi, table):
    """Rows of one table as dicts (IDT: names, types, key line, then rows)."""
    out = subprocess.run(["msiinfo", "export", os.path.abspath(msi), table], capture_output=True, text=True,
                         cwd=SCRATCH.name)
    if out.returncode != 0:
        return None
    lines = out.stdout.replace("\r", "").split("\n")
    names = lines[0].split("\t")
    rows = []
    for line in lines[3:]:
        if line:
            fields = line.split("\t")
            rows.append(dict(zip(names, fields + [""] * (len(names) - len(fields)))))
    return rows


class Checker:
    def __init__(self, msi, payload, version, service_args, helper):
        self.msi, self.payload, self.version, self.service_args, self.helper = msi, payload, version, service_args, helper
        self.errors = []

    def fail(self, text):
        self.errors.append(text)

    def table(self, name):
        rows = export(self.msi, name)
        if rows is None:
            self.fail(f"{name}: table missing")
            return []
        return rows

    def one(self, table, key_column, key):
        rows = [r for r in self.table(table) if r.get(key_column) == key]
        if len(rows) != 1:
            self.fail(f"{table}: {len(rows)} rows with {key_column}={key}, expected 1")
            return None
        return rows[0]

    def expect(self, table, row, column, want):
        if row is None:
            return
        got = row.get(column)
        if got != want:
            self.fail(f"{table}.{column}: {got!r}, expected {want!r}")

    def run(self):
        self.properties()
        self.files()
        self.service()
        self.upgrade()
        self.custom_actions()
        self.sequence()
        self.summary()
        return self.errors

    def properties(self):
        props = {r["Property"]: r["Value"] for r in self.table("Property")}
        product_code = "{" + str(uuid.uuid5(uuid.UUID(UPGRADE_CODE), "telltale-agent " + self.version)).upper() + "}"
        want = {"ProductName": "Telltale agent", "Manufacturer": "Telltale", "ProductVersion": self.version,
                "UpgradeCode": UPGRADE_CODE, "ProductCode": product_code, "ALLUSERS": "1"}
        for key, value in want.items():
            if props.get(key) != value:
                self.fail(f"Property.{key}: {props.get(key)!r}, expected {value!r}")
        hidden = props.get("MsiHiddenProperties", "").split(";")
        for name in ("TOKEN", "TelltalePrepareData"):
            if name not in hidden:
                self.fail(f"Property.MsiHiddenProperties: {name} missing from {hidden} (the token would be logged)")
        secure = props.get("SecureCustomProperties", "").split(";")
        for name in ("TOKEN", "TOKENFILE", "WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"):
            if name not in secure:
                self.fail(f"Property.SecureCustomProperties: {name} missing from {secure}")

    def files(self):
        files = self.table("File")
        if len(files) != 2:
            self.fail(f"File: {len(files)} rows, expected 2 (telltale-agent.exe, telltale-input-helper.exe)")
        f = self.one("File", "File", "TelltaleAgentExe")
        self.expect("File", f, "FileName", "TELLTA~1.EXE|telltale-agent.exe")
        self.expect("File", f, "Component_", "AgentService")
        self.expect("File", f, "FileSize", str(os.path.getsize(self.payload)))
        self.expect("File", f, "Attributes", "512")  # vital
        # wixl writes no version resource into File.Version: the file is
        # unversioned, so Windows Installer compares it by this MD5.
        data = open(self.payload, "rb").read()
        h = self.one("MsiFileHash", "File_", "TelltaleAgentExe")
        if h:
            parts = [int(h[f"HashPart{i}"]) for i in range(1, 5)]
            if struct.pack("<4i", *parts) != hashlib.md5(data).digest():
                self.fail("MsiFileHash.TelltaleAgentExe: not the MD5 of the payload")
        c = self.one("Component", "Component", "AgentService")
        self.expect("Component", c, "ComponentId", COMPONENT_GUID)
        self.expect("Component", c, "Directory_", "INSTALLDIR")
        self.expect("Component", c, "Attributes", "256")  # 64-bit component
        self.expect("Component", c, "KeyPath", "TelltaleAgentExe")
        d = self.one("Directory", "Directory", "INSTALLDIR")
        self.expect("Directory", d, "Directory_Parent", "ProgramFiles64Folder")
        self.expect("Directory", d, "DefaultDir", "Telltale")
        self.expect("Directory", self.one("Directory", "Directory", "ProgramFiles64Folder"), "Directory_Parent", "TARGETDIR")
        fc = self.one("FeatureComponents", "Component_", "AgentService")
        self.expect("FeatureComponents", fc, "Feature_", "Agent")
        self.input_helper()
        # What the cabinet really holds is the payload, byte for byte.
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["msiextract", "-C", tmp, self.msi], capture_output=True, check=False)
            # msiextract lays ProgramFiles64Folder out as the top directory.
            path = os.path.join(tmp, "Telltale", "telltale-agent.exe")
            if not os.path.exists(path):
                found = [os.path.relpath(os.path.join(r, n), tmp) for r, _, ns in os.walk(tmp) for n in ns]
                self.fail(f"cabinet: no Telltale/telltale-agent.exe (holds {found})")
            elif open(path, "rb").read() != data:
                self.fail("cabinet: telltale-agent.exe differs from the payload")

    def input_helper(self):
        """The per-user helper: its own component, started at every logon by HKLM Run."""
        f = self.one("File", "File", "TelltaleInputHelperExe")
        self.expect("File", f, "FileName", "TELLTA~2.EXE|telltale-input-helper.exe")
        self.expect("File", f, "Component_", "InputHelper")
        self.expect("File", f, "FileSize", str(os.path.getsize(self.helper)))
        c = self.one("Component", "Component", "InputHelper")
        self.expect("Component", c, "Directory_", "INSTALLDIR")
        self.expect("Component", c, "Attributes", "256")  # 64-bit: the Run key in the 64-bit view
        self.expect("Component", c, "KeyPath", "TelltaleInputHelperExe")
        self.expect("FeatureComponents", self.one("FeatureComponents", "Component_", "InputHelper"), "Feature_", "Agent")
        r = self.one("Registry", "Name", "TelltaleInputHelper")
        self.expect("Registry", r, "Root", "2")  # HKLM
        self.expect("Registry", r, "Key", "Software\\Microsoft\\Windows\\CurrentVersion\\Run")
        self.expect("Registry", r, "Value", '"[INSTALLDIR]telltale-input-helper.exe"')
        self.expect("Registry", r, "Component_", "InputHelper")

    def service(self):
        s = self.one("ServiceInstall", "Name", "TelltaleAgent")
        self.expect("ServiceInstall", s, "DisplayName", "Telltale agent")
        self.expect("ServiceInstall", s, "ServiceType", "16")  # own process
        self.expect("ServiceInstall", s, "StartType", "2")  # automatic
        self.expect("ServiceInstall", s, "ErrorControl", "1")  # normal
        self.expect("ServiceInstall", s, "StartName", "LocalSystem")
        self.expect("ServiceInstall", s, "Password", "")
        self.expect("ServiceInstall", s, "Arguments", self.service_args)
        self.expect("ServiceInstall", s, "Component_", "AgentService")
        c = self.one("ServiceControl", "Name", "TelltaleAgent")
        # 1 start on install, 2 stop on install, 32 stop on uninstall, 128 delete on uninstall.
        self.expect("ServiceControl", c, "Event", str(1 + 2 + 32 + 128))
        self.expect("ServiceControl", c, "Wait", "1")
        self.expect("ServiceControl", c, "Component_", "AgentService")

    def upgrade(self):
        rows = sorted((r["VersionMin"], r["VersionMax"], r["Attributes"], r["ActionProperty"])
                      for r in self.table("Upgrade") if r["UpgradeCode"] == UPGRADE_CODE)
        # Older versions are found and removed (1 = migrate features); a newer
        # one installed stops this one (2 = only detect, LaunchCondition).
        want = sorted([("", self.version, "1", "WIX_UPGRADE_DETECTED"),
                       (self.version, "", "2", "WIX_DOWNGRADE_DETECTED")])
        if rows != want:
            self.fail(f"Upgrade: {rows}, expected {want}")
        conditions = [r["Condition"] for r in self.table("LaunchCondition")]
        if "NOT WIX_DOWNGRADE_DETECTED" not in conditions:
            self.fail(f"LaunchCondition: {conditions}, expected NOT WIX_DOWNGRADE_DETECTED")

    def custom_actions(self):
        want = {
            # 51 set property (+ 8192 hide target: the value holds TOKEN)
            "SetTelltalePrepareData": ("8243", "TelltalePrepareData", "[CommonAppDataFolder]Telltale\\|[TOKEN]|[TOKENFILE]|[OriginalDatabase]"),
            "SetTelltaleConfigureService": ("51", "TelltaleConfigureService", "TelltaleAgent"),
            # 1 DLL from Binary + 1024 deferred + 2048 as LocalSystem (+ 8192 hide target)
            "TelltalePrepareData": ("11265", "TelltaleMsiActions", "TelltalePrepareData"),
            "TelltaleConfigureService": ("3073", "TelltaleMsiActions", "TelltaleConfigureService"),
        }
        rows = {r["Action"]: (r["Type"], r["Source"], r["Target"]) for r in self.table("CustomAction")}
        for action, value in want.items():
            if rows.get(action) != value:
                self.fail(f"CustomAction.{action}: {rows.get(action)}, expected {value}")
        if set(rows) != set(want):
            self.fail(f"CustomAction: actions {sorted(rows)}, expected {sorted(want)}")
        if not self.one("Binary", "Name", "TelltaleMsiActions"):
            return
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(["msiinfo", "extract", self.msi, "Binary.TelltaleMsiActions"], capture_output=True)
            dll = out.stdout
            if not dll.startswith(b"MZ"):
                self.fail("Binary.TelltaleMsiActions: not a PE file")
            for entry in (b"TelltalePrepareData", b"TelltaleConfigureService"):
                if entry not in dll:
                    self.fail(f"Binary.TelltaleMsiActions: no export {entry.decode()}")

    def sequence(self):
        seq = {r["Action"]: (int(r["Sequence"]), r["Condition"]) for r in self.table("InstallExecuteSequence")}

        def at(action):
            if action not in seq:
                self.fail(f"InstallExecuteSequence: {action} missing")
                return None
            return seq[action][0]

        def before(a, b, why):
            x, y = at(a), at(b)
            if x is not None and y is not None and not x < y:
                self.fail(f"InstallExecuteSequence: {a} ({x}) not before {b} ({y}): {why}")

        before("InstallValidate", "RemoveExistingProducts", "the old version is removed once validated")
        before("RemoveExistingProducts", "InstallInitialize", "the old version is gone before the new installs")
        before("SetTelltalePrepareData", "InstallInitialize", "deferred actions read data set before the script")
        before("InstallFiles", "TelltalePrepareData", "")
        before("TelltalePrepareData", "StartServices", "the token file exists when the agent starts")
        before("InstallServices", "TelltaleConfigureService", "the service exists to be configured")
        before("TelltaleConfigureService", "StartServices", "")
        for action in ("SetTelltalePrepareData", "TelltalePrepareData", "SetTelltaleConfigureService",
                       "TelltaleConfigureService"):
            if action in seq and seq[action][1] != "NOT REMOVE":
                self.fail(f"InstallExecuteSequence.{action}: condition {seq[action][1]!r}, expected 'NOT REMOVE'")

    def summary(self):
        out = subprocess.run(["msiinfo", "suminfo", self.msi], capture_output=True, text=True).stdout
        info = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
        if info.get("Template") != "x64;1033":
            self.fail(f"SummaryInformation.Template: {info.get('Template')!r}, expected 'x64;1033'")


def damage(msi, tmp, name, queries):
    copy = os.path.join(tmp, name + ".msi")
    shutil.copy(msi, copy)
    args = ["msibuild", copy]
    for q in queries:
        args += ["-q", q]
    subprocess.run(args, check=True, capture_output=True)
    return copy


def broken(msi, payload, version, service_args, helper):
    cases = [
        ("no-service", ["DELETE FROM ServiceInstall WHERE ServiceInstall = 'TelltaleAgent'"],
         "ServiceInstall: 0 rows with Name=TelltaleAgent"),
        ("token-logged", ["UPDATE Property SET Value = 'TelltalePrepareData' WHERE Property = 'MsiHiddenProperties'"],
         "MsiHiddenProperties: TOKEN missing"),
        ("demand-start", ["UPDATE ServiceInstall SET StartType = 3 WHERE ServiceInstall = 'TelltaleAgent'"],
         "ServiceInstall.StartType: '3', expected '2'"),
        ("no-upgrade", ["DELETE FROM Upgrade WHERE ActionProperty = 'WIX_UPGRADE_DETECTED'"], "Upgrade: "),
        ("target-shown", ["UPDATE CustomAction SET Type = 51 WHERE Action = 'SetTelltalePrepareData'"],
         "CustomAction.SetTelltalePrepareData: ('51'"),
        ("no-helper-at-logon", ["DELETE FROM Registry WHERE Name = 'TelltaleInputHelper'"],
         "Registry: 0 rows with Name=TelltaleInputHelper"),
        ("late-upgrade", ["UPDATE InstallExecuteSequence SET Sequence = 5802 WHERE Action = 'RemoveExistingProducts'"],
         "RemoveExistingProducts (5802) not before InstallInitialize"),
    ]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        # The intact MSI passes, or the damaged ones prove nothing.
        errors = Checker(msi, payload, version, service_args, helper).run()
        if errors:
            failures.append("intact MSI refused: " + "; ".join(errors))
        for name, queries, complaint in cases:
            copy = damage(msi, tmp, name, queries)
            errors = Checker(copy, payload, version, service_args, helper).run()
            if not any(complaint in e for e in errors):
                failures.append(f"{name}: expected a complaint containing {complaint!r}, got {errors}")
            else:
                print(f"{name}: refused as expected ({[e for e in errors if complaint in e][0]})")
        # A payload other than the one packed is noticed (cabinet and hash).
        other = os.path.join(tmp, "other.exe")
        with open(other, "wb") as f:
            f.write(open(payload, "rb").read() + b"\0")
        errors = Checker(msi, other, version, service_args, helper).run()
        if not any("File.FileSize" in e for e in errors) or not any("cabinet" in e for e in errors):
            failures.append(f"other payload: expected FileSize and cabinet complaints, got {errors}")
    return failures


def main():
    args = sys.argv[1:]
    mode_broken = bool(args) and args[0] == "--broken"
    if mode_broken:
        args = args[1:]
    if len(args) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    msi, payload, version, service_args, helper = args
    for tool in ("msiinfo", "msiextract", "msibuild"):
        if not shutil.which(tool):
            print(f"{tool} missing (Debian package msitools, .ci/deps)", file=sys.stderr)
            return 1
    errors = broken(*args) if mode_broken else Checker(*args).run()
    for e in errors:
        print("FAIL " + e)
    if not errors:
        print(f"{msi}: {'every damaged copy refused' if mode_broken else 'tables as expected'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
