#!/usr/bin/env python3
"""EVTX files written by vigil (synth-evtx, evtx-write) read back by an
independent reader, Debian's libevtx (`evtxexport -f xml`), and by
`vigil dump -f xml`: both must see the same records with the same System
values and the same EventData / UserData items.

usage: evtx_writer_libevtx.py VIGIL WORKDIR
Exit 77 (skip) when evtxexport is not installed.
"""

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

SKIP = 77
EVTXEXPORT = shutil.which("evtxexport")


def run(cmd, **kwargs):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, **kwargs)


def local(tag):
    return tag.rsplit("}", 1)[-1]


def child(element, name):
    if element is None:
        return None
    for c in element:
        if local(c.tag) == name:
            return c
    return None


def text(element):
    if element is None:
        return None
    return element.text or ""


def attr(element, name):
    return None if element is None else element.get(name)


def parse_events(xml_text, what):
    try:
        root = ET.fromstring("<root>" + xml_text + "</root>")
    except ET.ParseError as e:
        raise SystemExit(f"FAIL: {what}: output is not well-formed XML: {e}")
    events = []
    for ev in root:
        system = child(ev, "System")
        rec = {
            "EventRecordID": text(child(system, "EventRecordID")),
            "EventID": text(child(system, "EventID")),
            "Qualifiers": attr(child(system, "EventID"), "Qualifiers"),
            "Version": text(child(system, "Version")),
            "Level": text(child(system, "Level")),
            "Task": text(child(system, "Task")),
            "Opcode": text(child(system, "Opcode")),
            "Keywords": text(child(system, "Keywords")),
            "Provider/Name": attr(child(system, "Provider"), "Name"),
            "Provider/Guid": attr(child(system, "Provider"), "Guid"),
            "TimeCreated": attr(child(system, "TimeCreated"), "SystemTime"),
            "ProcessID": attr(child(system, "Execution"), "ProcessID"),
            "ThreadID": attr(child(system, "Execution"), "ThreadID"),
            "Channel": text(child(system, "Channel")),
            "Computer": text(child(system, "Computer")),
            "UserID": attr(child(system, "Security"), "UserID"),
        }
        items = []
        event_data = child(ev, "EventData")
        if event_data is not None:
            for data in event_data:
                items.append((local(data.tag) + ":" + (data.get("Name") or ""), text(data)))
        user_data = child(ev, "UserData")
        if user_data is not None:
            for element in user_data:
                items.append(("UserData", local(element.tag)))
                for name, value in sorted(element.attrib.items()):
                    items.append(("@" + name, value))
                for leaf in element:
                    items.append((local(leaf.tag), text(leaf)))
        rec["items"] = items
        events.append(rec)
    return events


def same_time(a, b):
    # Same instant, whatever the number of fraction digits (libevtx: 9, vigil: 7).
    pattern = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$")
    ma, mb = pattern.match(a), pattern.match(b)
    if not ma or not mb or ma.group(1) != mb.group(1):
        return False
    fa = (ma.group(2) or "").ljust(9, "0")
    fb = (mb.group(2) or "").ljust(9, "0")
    return fa == fb


def same_value(a, b):
    """Equal values, allowing only the documented spelling differences of
    libevtx: zero-padded hex integers, printf-style floats, 9-digit times."""
    a = a or ""
    b = b or ""
    if a == b:
        return True
    hexa = re.fullmatch(r"0x([0-9a-fA-F]+)", a)
    hexb = re.fullmatch(r"0x([0-9a-fA-F]+)", b)
    if hexa and hexb:
        return int(hexa.group(1), 16) == int(hexb.group(1), 16)
    if same_time(a, b):
        return True
    try:
        return "." in a + b and float(a) == float(b)
    except ValueError:
        return False


def compare(path, vigil_bin):
    dump = run([vigil_bin, "dump", "-f", "xml", "-t", "1", path])
    if dump.returncode != 0:
        return [f"vigil dump exited {dump.returncode}: {dump.stderr.decode(errors='replace')[:500]}"]
    exported = run([EVTXEXPORT, "-f", "xml", path])
    if exported.returncode != 0 or b"Unable" in exported.stderr or b"Unable" in exported.stdout:
        return [f"evtxexport failed ({exported.returncode}): "
                f"{(exported.stderr + exported.stdout).decode(errors='replace')[:1000]}"]
    lib_text = exported.stdout.decode("utf-8")
    lib_text = re.sub(r"\Aevtxexport [^\n]*\n", "", lib_text)
    ours = parse_events(dump.stdout.decode("utf-8"), "vigil dump")
    theirs = parse_events(lib_text, "evtxexport")
    problems = []
    if len(ours) != len(theirs):
        problems.append(f"record count: vigil {len(ours)}, libevtx {len(theirs)}")
    for o, t in zip(ours, theirs):
        rid = o["EventRecordID"]
        for key in o:
            if key == "items":
                continue
            if not same_value(o[key], t[key]):
                problems.append(f"record {rid}: {key}: vigil {o[key]!r}, libevtx {t[key]!r}")
        if len(o["items"]) != len(t["items"]):
            problems.append(f"record {rid}: {len(o['items'])} data items in vigil, {len(t['items'])} in libevtx")
        for (on, ov), (tn, tv) in zip(o["items"], t["items"]):
            if on != tn or not same_value(ov, tv):
                problems.append(f"record {rid}: vigil {on}={ov!r}, libevtx {tn}={tv!r}")
    return problems


def handmade_events():
    """JSON lines covering what evtx-write types: every spelling it
    recognises, UserData, unnamed Data, XML specials, non-ASCII text."""
    base_time = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
    lines = []
    for i in range(400):
        t = (base_time + datetime.timedelta(milliseconds=137 * i)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
        system = {
            "Provider": {"#attributes": {"Name": "Vigil-E2E-Provider",
                                         "Guid": "{11112222-3333-4444-5555-66667777888%d}" % (i % 10)}},
            "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 7045} if i % 3 == 0 else 100 + i % 7,
            "Version": i % 3,
            "Level": 4,
            "Task": i % 11,
            "Opcode": 0,
            "Keywords": "0x80%014x" % i,
            "TimeCreated": {"#attributes": {"SystemTime": t}},
            "EventRecordID": 1000 + i,
            "Correlation": {"#attributes": {"ActivityID": "AAAABBBB-CCCC-DDDD-EEEE-FFFF%08X" % i}},
            "Execution": {"#attributes": {"ProcessID": 4 * i, "ThreadID": 4 * i + 8}},
            "Channel": "Application" if i % 2 else "System",
            "Computer": "host-%d.ex\u00e4mple" % (i % 4),
            "Security": {"#attributes": {"UserID": "S-1-5-21-1-2-3-%d" % (1000 + i)}},
        }
        event = {"System": system}
        if i % 10 == 9:
            event["UserData"] = {"LogFileCleared": {
                "#attributes": {"xmlns": "http://manifests.microsoft.com/win/2004/08/windows/eventlog"},
                "SubjectUserSid": "S-1-5-18",
                "SubjectUserName": "user%d" % i,
                "SubjectLogonId": "0x%x" % (0x3e7 + i),
            }}
        elif i % 10 == 8:
            event["EventData"] = {"Data": {"#text": ["first %d" % i, "second", str(i)]}}
        elif i % 10 == 7:
            # A classic (EventLog-style) event: short System, <Binary> data.
            for absent in ("Version", "Opcode", "Correlation", "Execution"):
                del system[absent]
            event["EventData"] = {"Data": {"#text": ["Windows Update", "running"]},
                                  "Binary": "7700750061007500%04X" % i}
        else:
            event["EventData"] = {
                # No characters outside the BMP: libevtx 20181227 decodes
                # surrogate pairs wrongly (U+1F600 comes out as U+1F201).
                "Text": "a & b < c > d \"q\" 'a' \u00e9\u00df \u4e2d\u6587 \u20ac #%d" % i,
                "Count": i,
                "Big": 2 ** 40 + i,
                "Max": 18446744073709551615,
                "Ratio": 0.5 + i,
                "Flag": i % 2 == 0,
                "Hex": "0x%X" % (0xC0000000 + i),
                "Guid": "01234567-89AB-CDEF-0123-%012X" % i,
                "Sid": "S-1-5-32-%d" % (544 + i % 3),
                "Empty": "",
                "Spaces": "  leading and trailing  ",
                "Lines": "line1\r\n\tline2\r\n\t\tline3",
                "Long": "x" * (i * 10),
            }
        lines.append(json.dumps({"Event": event}, ensure_ascii=bool(i % 2)))
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    vigil_bin, workdir = sys.argv[1], sys.argv[2]
    if EVTXEXPORT is None:
        print("SKIP: evtxexport not found (Debian package libevtx-utils); "
              "cannot cross-check the EVTX writer against libevtx")
        return SKIP
    os.makedirs(workdir, exist_ok=True)
    files = []

    for kind, size_args, seed in (("security", ["--records", "3000"], 11),
                                  ("sysmon", ["--records", "3000"], 12),
                                  ("mixed", ["--size", "2M"], 13)):
        path = os.path.join(workdir, f"evtx_writer_{kind}.evtx")
        made = run([vigil_bin, "synth-evtx", "--kind", kind, *size_args, "--seed", str(seed), "-o", path])
        if made.returncode != 0:
            print(f"FAIL: synth-evtx {kind}: {made.stderr.decode(errors='replace')}")
            return 1
        files.append(path)

    # Same seed, same bytes; another seed, another file.
    again = os.path.join(workdir, "evtx_writer_security_again.evtx")
    other = os.path.join(workdir, "evtx_writer_security_other.evtx")
    run([vigil_bin, "synth-evtx", "--kind", "security", "--records", "3000", "--seed", "11", "-o", again])
    run([vigil_bin, "synth-evtx", "--kind", "security", "--records", "3000", "--seed", "12", "-o", other])
    with open(files[0], "rb") as a, open(again, "rb") as b, open(other, "rb") as c:
        first, second, third = a.read(), b.read(), c.read()
    if first != second or first == third:
        print("FAIL: synth-evtx is not deterministic in its seed")
        return 1

    handmade = os.path.join(workdir, "evtx_writer_handmade.jsonl")
    with open(handmade, "w", encoding="utf-8") as f:
        f.write(handmade_events())
    path = os.path.join(workdir, "evtx_writer_handmade.evtx")
    made = run([vigil_bin, "evtx-write", handmade, "-o", path])
    if made.returncode != 0:
        print(f"FAIL: evtx-write: {made.stderr.decode(errors='replace')}")
        return 1
    files.append(path)

    # Round trip through text: dump a synthetic log as JSON, write it back.
    dumped = run([vigil_bin, "dump", "-t", "1", files[0]])
    if dumped.returncode != 0:
        print(f"FAIL: vigil dump {files[0]}: {dumped.stderr.decode(errors='replace')}")
        return 1
    path = os.path.join(workdir, "evtx_writer_roundtrip.evtx")
    made = run([vigil_bin, "evtx-write", "-o", path], input=dumped.stdout)
    if made.returncode != 0:
        print(f"FAIL: evtx-write from dump: {made.stderr.decode(errors='replace')}")
        return 1
    files.append(path)

    failed = False
    for path in files:
        problems = compare(path, vigil_bin)
        name = os.path.basename(path)
        if problems:
            failed = True
            print(f"FAIL: {name}: {len(problems)} difference(s)")
            for p in problems[:20]:
                print("  " + p)
        else:
            print(f"ok: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
