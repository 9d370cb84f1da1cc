#!/usr/bin/env python3
"""Writes vigil's own EVTX fuzz seeds: small chunks and files built here from
the format description, never cut from real logs.

    python3 fuzz/make_seeds.py             # (re)writes fuzz/corpus/*/seed-*
    python3 fuzz/make_seeds.py OUT_DIR     # writes OUT_DIR/evtx_chunk, OUT_DIR/evtx_file
    python3 fuzz/make_seeds.py --findings  # writes reproducers to fuzz/regressions

The output is deterministic. Seeds cover what the reader must handle:
templates defined in place and reused by later records, every substitution
value type (scalars, strings, arrays, SIDs, GUIDs, times, nested binary XML),
optional substitutions left empty, records written without templates
(CDATA, character and entity references, processing instructions), deleted
records in slack space, a dirty file, a truncated file and a two-chunk file.
"""

import os
import struct
import sys
import zlib

CHUNK_SIZE = 65536
FILE_HEADER_SIZE = 4096
CHUNK_HEADER_SIZE = 512
EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"

# Binary XML tokens.
END_OF_STREAM = 0x00
OPEN_START = 0x01
CLOSE_START = 0x02
CLOSE_EMPTY = 0x03
END_ELEMENT = 0x04
VALUE_TEXT = 0x05
ATTRIBUTE = 0x06
CDATA = 0x07
CHAR_REF = 0x08
ENTITY_REF = 0x09
PI_TARGET = 0x0A
PI_DATA = 0x0B
TEMPLATE_INSTANCE = 0x0C
NORMAL_SUB = 0x0D
OPTIONAL_SUB = 0x0E
FRAGMENT_HEADER = 0x0F
MORE_BIT = 0x40

# Value types (EVT_VARIANT_TYPE numbering).
T_NULL, T_UTF16, T_ANSI = 0x00, 0x01, 0x02
T_INT8, T_UINT8, T_INT16, T_UINT16 = 0x03, 0x04, 0x05, 0x06
T_INT32, T_UINT32, T_INT64, T_UINT64 = 0x07, 0x08, 0x09, 0x0A
T_REAL32, T_REAL64, T_BOOL, T_BINARY, T_GUID = 0x0B, 0x0C, 0x0D, 0x0E, 0x0F
T_SIZET, T_FILETIME, T_SYSTIME, T_SID = 0x10, 0x11, 0x12, 0x13
T_HEX32, T_HEX64, T_BINXML = 0x14, 0x15, 0x21
ARRAY = 0x80


def utf16(text):
    return text.encode("utf-16-le")


def name_hash(text):
    h = 0
    for ch in text:
        h = (h * 65599 + ord(ch)) & 0xFFFFFFFF
    return h & 0xFFFF


def filetime(seconds_since_1601):
    return seconds_since_1601 * 10_000_000


# 2024-03-01T12:00:00Z as FILETIME.
BASE_TIME = filetime(13_353_768_000)


class Sub:
    """A substitution slot inside a template body."""

    def __init__(self, index, vtype, optional=False):
        self.index, self.vtype, self.optional = index, vtype, optional


class Elem:
    """An element of a binary XML tree: attrs is a list of (name, value) where
    value is a str (literal text) or a Sub; children mixes Elem, str (text),
    Sub and the ('cdata'|'charref'|'entity'|'pi', ...) tuples."""

    def __init__(self, name, attrs=(), children=()):
        self.name, self.attrs, self.children = name, list(attrs), list(children)


class Writer:
    """Binary XML output at a known absolute chunk offset, so that names and
    template definitions can be written in place the first time and referred
    to by offset afterwards."""

    def __init__(self, chunk, base):
        self.chunk, self.base, self.out = chunk, base, bytearray()

    def pos(self):
        return self.base + len(self.out)

    def name(self, text):
        known = self.chunk.names.get(text)
        if known is not None:
            self.out += struct.pack("<I", known)
            return
        here = self.pos() + 4
        self.chunk.names[text] = here
        self.out += struct.pack("<I", here)
        self.out += struct.pack("<IHH", 0, name_hash(text), len(text)) + utf16(text) + b"\0\0"

    def text_value(self, text):
        self.out += bytes([VALUE_TEXT, T_UTF16]) + struct.pack("<H", len(text)) + utf16(text)

    def sub(self, s):
        self.out += bytes([OPTIONAL_SUB if s.optional else NORMAL_SUB])
        self.out += struct.pack("<HB", s.index, s.vtype)

    def content(self, item, in_template):
        if isinstance(item, Elem):
            self.element(item, in_template)
        elif isinstance(item, Sub):
            self.sub(item)
        elif isinstance(item, str):
            self.text_value(item)
        elif item[0] == "cdata":
            self.out += bytes([CDATA]) + struct.pack("<H", len(item[1])) + utf16(item[1])
        elif item[0] == "charref":
            self.out += bytes([CHAR_REF]) + struct.pack("<H", item[1])
        elif item[0] == "entity":
            self.out += bytes([ENTITY_REF])
            self.name(item[1])
        elif item[0] == "pi":
            self.out += bytes([PI_TARGET])
            self.name(item[1])
            self.out += bytes([PI_DATA]) + struct.pack("<H", len(item[2])) + utf16(item[2])
        else:
            raise ValueError(item)

    def element(self, e, in_template):
        self.out += bytes([OPEN_START | (MORE_BIT if e.attrs else 0)])
        if in_template:
            self.out += struct.pack("<H", 0xFFFF)
        size_at = len(self.out)
        self.out += b"\0\0\0\0"
        self.name(e.name)
        if e.attrs:
            list_at = len(self.out)
            self.out += b"\0\0\0\0"
            for i, (attr, value) in enumerate(e.attrs):
                more = MORE_BIT if i + 1 < len(e.attrs) else 0
                self.out += bytes([ATTRIBUTE | more])
                self.name(attr)
                self.content(value, in_template)
            struct.pack_into("<I", self.out, list_at, len(self.out) - list_at - 4)
        if e.children:
            self.out += bytes([CLOSE_START])
            for child in e.children:
                self.content(child, in_template)
            self.out += bytes([END_ELEMENT])
        else:
            self.out += bytes([CLOSE_EMPTY])
        struct.pack_into("<I", self.out, size_at, len(self.out) - size_at - 4)

    def fragment_header(self):
        self.out += bytes([FRAGMENT_HEADER, 1, 1, 0])

    def template_instance(self, key, body, values):
        """body: Elem tree with Subs; values: list of (vtype, bytes)."""
        self.out += bytes([TEMPLATE_INSTANCE, 1]) + struct.pack("<I", zlib.crc32(key.encode()))
        known = self.chunk.templates.get(key)
        if known is not None:
            self.out += struct.pack("<I", known)
        else:
            here = self.pos() + 4
            self.chunk.templates[key] = here
            self.out += struct.pack("<I", here)
            guid = zlib.crc32(key.encode()).to_bytes(4, "little") * 4
            self.out += struct.pack("<I", 0) + guid
            size_at = len(self.out)
            self.out += b"\0\0\0\0"
            self.fragment_header()
            self.element(body, True)
            self.out += bytes([END_OF_STREAM])
            struct.pack_into("<I", self.out, size_at, len(self.out) - size_at - 4)
        self.out += struct.pack("<I", len(values))
        for vtype, data in values:
            self.out += struct.pack("<HBB", len(data), vtype, 0)
        for _, data in values:
            self.out += data


class Chunk:
    def __init__(self, first_record_number, first_record_id):
        self.data = bytearray(CHUNK_HEADER_SIZE)
        self.names = {}
        self.templates = {}
        self.first_number = first_record_number
        self.first_id = first_record_id
        self.count = 0
        self.last_record_offset = 0
        self.slack = bytearray()

    def record(self, written, build):
        """build(writer) writes the record's binary XML."""
        offset = len(self.data)
        w = Writer(self, offset + 24)
        build(w)
        size = 24 + len(w.out) + 4
        pad = (-size) % 8
        size += pad
        record_id = self.first_id + self.count
        body = struct.pack("<IIQQ", 0x2A2A, size, record_id, written) + w.out + b"\0" * pad
        self.data += body + struct.pack("<I", size)
        self.last_record_offset = offset
        self.count += 1
        return offset

    def finish(self, trim=False, flags=0):
        free = len(self.data)
        out = bytearray(self.data)
        out += self.slack
        if not trim:
            out += b"\0" * (CHUNK_SIZE - len(out))
        hdr = struct.pack(
            "<8sQQQQIIII",
            b"ElfChnk\0",
            self.first_number,
            self.first_number + self.count - 1,
            self.first_id,
            self.first_id + self.count - 1,
            128,
            self.last_record_offset,
            free,
            zlib.crc32(bytes(self.data[CHUNK_HEADER_SIZE:free])),
        )
        out[: len(hdr)] = hdr
        struct.pack_into("<I", out, 120, flags)
        crc = zlib.crc32(bytes(out[128:512]), zlib.crc32(bytes(out[:120])))
        struct.pack_into("<I", out, 124, crc)
        return bytes(out)


def file_bytes(chunks, next_record_id, flags=0):
    header = bytearray(FILE_HEADER_SIZE)
    struct.pack_into(
        "<8sQQQIHHHH",
        header,
        0,
        b"ElfFile\0",
        0,
        max(len(chunks) - 1, 0),
        next_record_id,
        128,
        1,
        3,
        FILE_HEADER_SIZE,
        len(chunks),
    )
    struct.pack_into("<I", header, 120, flags)
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])))
    return bytes(header) + b"".join(chunks)


# --- Values -------------------------------------------------------------------


def v_str(text, nul=True):
    return (T_UTF16, utf16(text + ("\0" if nul else "")))


def v_u8(n):
    return (T_UINT8, struct.pack("<B", n))


def v_u16(n):
    return (T_UINT16, struct.pack("<H", n))


def v_u32(n):
    return (T_UINT32, struct.pack("<I", n))


def v_u64(n):
    return (T_UINT64, struct.pack("<Q", n))


def v_hex64(n):
    return (T_HEX64, struct.pack("<Q", n))


def v_filetime(t):
    return (T_FILETIME, struct.pack("<Q", t))


def v_guid(seed):
    return (T_GUID, bytes((seed * 37 + i * 11) & 0xFF for i in range(16)))


def v_sid(*sub_authorities, authority=5):
    return (
        T_SID,
        struct.pack("<BB", 1, len(sub_authorities))
        + authority.to_bytes(6, "big")
        + b"".join(struct.pack("<I", s) for s in sub_authorities),
    )


def v_null():
    return (T_NULL, b"")


# --- Templates -----------------------------------------------------------------


def system_elem(first_sub):
    """The System element of a Windows event; uses substitutions first_sub..first_sub+16."""
    s = first_sub
    return Elem(
        "System",
        children=[
            Elem("Provider", [("Name", Sub(s, T_UTF16)), ("Guid", Sub(s + 1, T_GUID, True))]),
            Elem("EventID", [("Qualifiers", Sub(s + 2, T_UINT16, True))], [Sub(s + 3, T_UINT16)]),
            Elem("Version", children=[Sub(s + 4, T_UINT8)]),
            Elem("Level", children=[Sub(s + 5, T_UINT8)]),
            Elem("Task", children=[Sub(s + 6, T_UINT16)]),
            Elem("Opcode", children=[Sub(s + 7, T_UINT8)]),
            Elem("Keywords", children=[Sub(s + 8, T_HEX64)]),
            Elem("TimeCreated", [("SystemTime", Sub(s + 9, T_FILETIME))]),
            Elem("EventRecordID", children=[Sub(s + 10, T_UINT64)]),
            Elem(
                "Correlation",
                [("ActivityID", Sub(s + 11, T_GUID, True)),
                 ("RelatedActivityID", Sub(s + 12, T_GUID, True))],
            ),
            Elem("Execution", [("ProcessID", Sub(s + 13, T_UINT32)),
                               ("ThreadID", Sub(s + 14, T_UINT32))]),
            Elem("Channel", children=[Sub(s + 15, T_UTF16)]),
            Elem("Computer", children=[Sub(s + 16, T_UTF16)]),
            Elem("Security", [("UserID", Sub(s + 17, T_SID, True))]),
        ],
    )


def system_values(provider, event_id, record_id, written, channel, pid, user=None,
                  qualifiers=None, activity=None):
    return [
        v_str(provider),
        v_guid(event_id),
        v_u16(qualifiers) if qualifiers is not None else v_null(),
        v_u16(event_id),
        v_u8(0),
        v_u8(4),
        v_u16(12544),
        v_u8(0),
        v_hex64(0x8020000000000000),
        v_filetime(written),
        v_u64(record_id),
        v_guid(activity) if activity is not None else v_null(),
        v_null(),
        v_u32(pid),
        v_u32(pid + 4),
        v_str(channel),
        v_str("WKS-07.corp.example"),
        v_sid(*user) if user else v_null(),
    ]


NAMED_DATA = [
    ("SubjectUserSid", T_SID),
    ("SubjectUserName", T_UTF16),
    ("SubjectLogonId", T_HEX64),
    ("LogonType", T_UINT32),
    ("IpAddress", T_UTF16),
    ("IpPort", T_UTF16),
    ("ProcessId", T_HEX32),
    ("ElevatedToken", T_BOOL),
    ("Ratio", T_REAL64),
    ("Load", T_REAL32),
    ("Delta", T_INT64),
    ("Offset", T_INT32),
    ("Small", T_INT16),
    ("Tiny", T_INT8),
    ("Handle", T_SIZET),
    ("Started", T_SYSTIME),
    ("Blob", T_BINARY),
    ("Codepage", T_ANSI),
    ("Missing", T_UTF16),
]


def security_template():
    data = [Elem("Data", [("Name", name)], [Sub(18 + i, t, True)])
            for i, (name, t) in enumerate(NAMED_DATA)]
    return Elem("Event", [("xmlns", EVENT_NS)],
                [system_elem(0), Elem("EventData", children=data)])


def security_values(record_id, written, user, logon_type, ip, variant):
    sys_values = system_values("Microsoft-Windows-Security-Auditing", 4624, record_id, written,
                               "Security", 740, activity=variant)
    systime = struct.pack("<8H", 2024, 3, 5, 1, 12, 30, 15 + variant, 250)
    data = [
        v_sid(21, 1004336348, 1177238915, 682003330, 1000 + variant),
        v_str(user),
        v_hex64(0x3E7 + variant),
        v_u32(logon_type),
        v_str(ip),
        v_str(str(49152 + variant)),
        (T_HEX32, struct.pack("<I", 0x1A4 + variant)),
        (T_BOOL, struct.pack("<I", variant & 1)),
        (T_REAL64, struct.pack("<d", 0.25 * variant)),
        (T_REAL32, struct.pack("<f", 1.5)),
        (T_INT64, struct.pack("<q", -1234567890123 * (variant + 1))),
        (T_INT32, struct.pack("<i", -42)),
        (T_INT16, struct.pack("<h", -7)),
        (T_INT8, struct.pack("<b", -1)),
        (T_SIZET, struct.pack("<Q", 0x7FF6A0000000)),
        (T_SYSTIME, systime),
        (T_BINARY, bytes(range(variant, variant + 9))),
        (T_ANSI, b"cp1252 \xe9t\xe9\0"),
        v_null() if variant % 2 == 0 else v_str(""),
    ]
    return sys_values + data


def process_template():
    """Positional Data items (no Name), string and integer arrays."""
    return Elem("Event", [("xmlns", EVENT_NS)], [
        system_elem(0),
        Elem("EventData", children=[
            Elem("Data", children=[Sub(18, T_UTF16)]),
            Elem("Data", children=[Sub(19, T_UTF16 | ARRAY)]),
            Elem("Data", children=[Sub(20, T_UINT32 | ARRAY)]),
            Elem("Data", children=[Sub(21, T_GUID | ARRAY, True)]),
            Elem("Binary", children=[Sub(22, T_BINARY, True)]),
        ]),
    ])


def process_values(record_id, written, command):
    return system_values("Service Control Manager", 7045, record_id, written, "System", 4,
                         user=(18,), qualifiers=16384) + [
        (T_UTF16, utf16(command)),
        (T_UTF16 | ARRAY, utf16("first\0second\0third, with comma\0")),
        (T_UINT32 | ARRAY, struct.pack("<3I", 1, 22, 333)),
        (T_GUID | ARRAY, v_guid(1)[1] + v_guid(2)[1]),
        (T_BINARY, b"\x00\xffMZ\x90"),
    ]


def user_data_template():
    """UserData whose content is a nested binary XML value (its own template)."""
    return Elem("Event", [("xmlns", EVENT_NS)], [
        system_elem(0),
        Elem("UserData", children=[Sub(18, T_BINXML)]),
    ])


def nested_fragment(chunk, base, variant):
    w = Writer(chunk, base)
    w.fragment_header()
    body = Elem("LogFileCleared", [("xmlns", "http://manifests.microsoft.com/win/2004/08/windows/eventlog")], [
        Elem("SubjectUserName", children=[Sub(0, T_UTF16)]),
        Elem("SubjectDomainName", children=[Sub(1, T_UTF16)]),
        Elem("ClientProcessId", children=[Sub(2, T_UINT32)]),
    ])
    w.template_instance("log-cleared", body,
                        [v_str("admin%d" % variant), v_str("CORP"), v_u32(9000 + variant)])
    w.out += bytes([END_OF_STREAM])
    return bytes(w.out)


def templated(key, body, values):
    def build(w):
        w.fragment_header()
        w.template_instance(key, body, values)
        w.out += bytes([END_OF_STREAM])
    return build


def user_data_record(chunk, record_id, written, variant):
    def build(w):
        w.fragment_header()
        # The nested value holds absolute offsets, so it must be laid out where
        # it lands, which depends on what the names and templates before it
        # take: lay the record out until the value stays put.
        values = system_values("Microsoft-Windows-Eventlog", 1102, record_id, written, "Security",
                               1024) + [(T_BINXML, b"")]
        saved_names, saved_templates = dict(chunk.names), dict(chunk.templates)
        nested_at = None
        for _ in range(4):
            chunk.names, chunk.templates = dict(saved_names), dict(saved_templates)
            trial = Writer(chunk, w.pos())
            if nested_at is not None:
                values[-1] = (T_BINXML, nested_fragment(chunk, nested_at, variant))
            trial.template_instance("user-data", user_data_template(), values)
            landed = trial.pos() - len(values[-1][1])
            if landed == nested_at:
                w.out += trial.out
                w.out += bytes([END_OF_STREAM])
                return
            nested_at = landed
        raise AssertionError("the nested value does not settle")
    return build


def direct_xml_record():
    """A record written without a template: every token kind in plain XML."""
    tree = Elem("Event", [("xmlns", EVENT_NS)], [
        Elem("System", children=[
            Elem("Provider", [("Name", "Vigil-Seed")]),
            Elem("EventID", children=["1"]),
            Elem("Channel", children=["Application"]),
            Elem("Computer", children=["seed-host"]),
        ]),
        Elem("EventData", children=[
            Elem("Data", [("Name", "Mixed")],
                 ["a", ("entity", "amp"), "b", ("charref", 0x263A), ("entity", "lt")]),
            Elem("Data", [("Name", "Script")], [("cdata", "if (a < b && c) { run(); }")]),
            Elem("Data", [("Name", "Empty")]),
            ("pi", "xml-stylesheet", "href='event.xsl'"),
        ]),
    ])

    def build(w):
        w.fragment_header()
        w.element(tree, False)
        w.out += bytes([END_OF_STREAM])
    return build


def template_tokens_record(record_id, written):
    """A template whose body holds CDATA, references and a processing instruction."""
    body = Elem("Event", [("xmlns", EVENT_NS)], [
        system_elem(0),
        Elem("EventData", children=[
            Elem("Data", [("Name", "Quoted")],
                 [("entity", "quot"), Sub(18, T_UTF16), ("entity", "quot"), ("charref", 0x41)]),
            Elem("Data", [("Name", "Raw")], [("cdata", "]]> inside <![CDATA[")]),
            ("pi", "vigil", "seed"),
        ]),
    ])
    values = system_values("Vigil-Tokens", 2, record_id, written, "Application", 88) + [
        v_str("say \"hi\" & <bye>")]
    return templated("tokens", body, values)


# --- Seeds ---------------------------------------------------------------------


def security_chunk(first_number, first_id, count, start_time):
    c = Chunk(first_number, first_id)
    users = ["alice", "bob", "SYSTEM", "svc_backup", "Ω-unicode-ü"]
    ips = ["10.0.0.5", "::1", "-", "192.168.1.20"]
    for i in range(count):
        rid = first_id + i
        t = start_time + i * 10_000_000
        if i % 5 == 3:
            c.record(t, templated("process", process_template(),
                                  process_values(rid, t, "C:\\Windows\\System32\\svc%d.exe -k" % i)))
        else:
            c.record(t, templated("security", security_template(),
                                  security_values(rid, t, users[i % 5], 2 + i % 9, ips[i % 4], i)))
    return c


def mixed_chunk():
    c = Chunk(1, 100)
    t = BASE_TIME
    c.record(t, templated("security", security_template(),
                          security_values(100, t, "alice", 3, "10.1.2.3", 0)))
    c.record(t + 1, direct_xml_record())
    c.record(t + 2, user_data_record(c, 102, t + 2, 0))
    c.record(t + 3, template_tokens_record(103, t + 3))
    c.record(t + 4, user_data_record(c, 104, t + 4, 1))
    c.record(t + 5, templated("process", process_template(),
                              process_values(105, t + 5, "powershell.exe -enc SQBFAFgA")))
    c.record(t + 6, templated("security", security_template(),
                              security_values(106, t + 6, "bob", 10, "::1", 1)))
    return c


def slack_chunk():
    """Two live records, then a deleted record's bytes left in slack space."""
    c = security_chunk(1, 500, 2, BASE_TIME)
    ghost = Chunk(1, 502)
    ghost.names, ghost.templates = dict(c.names), dict(c.templates)
    ghost.data = bytearray(c.data)
    ghost.count = 0
    ghost.first_id = 502
    ghost.record(BASE_TIME + 99, templated("security", security_template(),
                                           security_values(502, BASE_TIME + 99, "mallory", 3,
                                                           "203.0.113.9", 7)))
    c.slack = ghost.data[len(c.data):]
    return c


def nested_first_chunk():
    """Records whose only template holds a nested binary XML instance, first
    in the chunk: the reader's value storage grows during expansion."""
    c = Chunk(1, 300)
    c.record(BASE_TIME, user_data_record(c, 300, BASE_TIME, 0))
    c.record(BASE_TIME + 1, user_data_record(c, 301, BASE_TIME + 1, 1))
    return c


def far_systime_chunk():
    """A SYSTEMTIME in the year 60000: valid fields, far past what 100 ns
    ticks since 1970 can hold in 64 bits."""
    c = Chunk(1, 700)
    values = security_values(700, BASE_TIME, "alice", 3, "10.0.0.1", 0)
    started = 18 + [name for name, _ in NAMED_DATA].index("Started")
    values[started] = (T_SYSTIME, struct.pack("<8H", 60000, 12, 0, 31, 23, 59, 59, 999))
    c.record(BASE_TIME, templated("security", security_template(), values))
    return c


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    args = [a for a in sys.argv[1:] if a != "--findings"]
    here = os.path.dirname(os.path.abspath(__file__))
    root = args[0] if args else os.path.join(here, "corpus")
    chunk_dir = os.path.join(root, "evtx_chunk")
    file_dir = os.path.join(root, "evtx_file")

    if "--findings" in sys.argv:
        # Hand-built reproducers of reader findings, now regression inputs
        # (a new, unfixed one would be named open-*, see run.sh).
        found = os.path.join(here, "regressions", "evtx_chunk")
        write(os.path.join(found, "uaf-record-values-valid-input.chunk"),
              nested_first_chunk().finish(trim=True))
        write(os.path.join(found, "ubsan-systemtime-overflow.chunk"),
              far_systime_chunk().finish(trim=True))
        return

    write(os.path.join(chunk_dir, "seed-security.chunk"),
          security_chunk(1, 1, 6, BASE_TIME).finish(trim=True))
    write(os.path.join(chunk_dir, "seed-mixed.chunk"), mixed_chunk().finish(trim=True))
    write(os.path.join(chunk_dir, "seed-slack.chunk"), slack_chunk().finish(trim=True))
    write(os.path.join(chunk_dir, "seed-nested-first.chunk"), nested_first_chunk().finish(trim=True))

    first = security_chunk(1, 1, 12, BASE_TIME)
    second = mixed_chunk()
    second.first_number, second.first_id = 13, 100
    write(os.path.join(file_dir, "seed-two-chunks.evtx"),
          file_bytes([first.finish(), second.finish()], 107))
    write(os.path.join(file_dir, "seed-dirty.evtx"),
          file_bytes([mixed_chunk().finish()], 107, flags=0x1))
    write(os.path.join(file_dir, "seed-truncated.evtx"),
          file_bytes([slack_chunk().finish(trim=True)], 503))
    write(os.path.join(file_dir, "seed-empty.evtx"), file_bytes([], 1))


if __name__ == "__main__":
    main()
