#!/usr/bin/env python3
"""Compares vigil's EVTX reader with two independent parsers, record by record.

Sources, for every .evtx file under <shared>/corpus/evtx and
<shared>/corpus/sigma/regression_data (sorted):
  vigil        `vigil dump -f xml -t 1 FILE` (one XML document per record)
  evtxexport   `evtxexport -f xml FILE` (libevtx, Debian libevtx-utils)
  python-evtx  the Debian python3-evtx module, in this process (see PythonSource)

Compared per file: the record count. Per record (matched by EventRecordID, and
by occurrence when an id repeats): EventRecordID, EventID, EventID@Qualifiers,
TimeCreated@SystemTime, Computer, Channel, every EventData child (Data by its
Name attribute, unnamed Data by position) and every leaf element and attribute
under the other sections of the record (UserData, ProcessingErrorData, ...),
path-qualified.

Every disagreement is printed as: file, record id, field, dissenter (the
source that differs from the two others, when two agree), and the three
values. The run fails (exit 1) when a disagreement is not covered by an entry
of known_disagreements.tsv (next to this script), or when an entry covers
nothing any more (so the list cannot silently go stale). Exit 77 (skip) when
the corpus or an oracle is absent.

Value normalisation. Each source's text is first decoded as XML (entities and
character references resolved, CDATA taken verbatim); nothing else is done to
it except these rules, each of which only removes a difference of spelling that
the format leaves to the renderer, never one of value:
  N1 Whitespace-only text between child elements is dropped: evtxexport
     pretty-prints with newlines and indentation. Text of leaf elements and
     attribute values is compared byte for byte (no trimming, no CR/LF change).
  N2 A timestamp of the form YYYY-MM-DDTHH:MM:SS[.fraction]Z loses trailing
     zeros of its fraction (libevtx prints 9 digits, Windows and vigil 7): the
     instants must then be equal exactly, at the finer precision.
  N3 evtxexport only: a value that python-evtx types as HexInt32, HexInt64 or
     SizeT and that libevtx spells 0x + exactly 8 or 16 hex digits (its
     zero-padded form) is rewritten without leading zeros, the canonical
     evt:hexInt form that Windows and vigil print (0x3e7). Strings that merely
     look like hex (Sysmon's StartAddress) are left alone.
  N4 python-evtx values are rendered from the typed value nodes python-evtx
     parsed, because its own record.xml() spelling loses or distorts some
     values. Per type (MS-EVEN6 3.1.4.7.3 canonical XML representation):
       GuidType      braces and upper case, as Windows prints GUIDs
                     (python-evtx prints lower case)
       BoolType      python-evtx's own True/False, lower-cased (xs:boolean)
       BinaryType    hex, upper case (xs:hexBinary; python-evtx prints base64)
       HexInt32/64   0x + hex without leading zeros (evt:hexInt)
       SizeTType     0x + hex without leading zeros (evt:hexInt32/64;
                     python-evtx prints decimal)
       FileTimeType  from the raw 64-bit count of 100 ns, 7 fraction digits
                     (python-evtx goes through a float and rounds to 1 us)
       SysTimeType   from the raw fields (python-evtx puts the milliseconds
                     into the microseconds field)
       other types   python-evtx's own string
     An element or attribute that directly holds an optional substitution
     (token 0x0e) of a NULL value is omitted, as MS-EVEN6 3.1.4.7.2 requires
     (python-evtx's record.xml() prints it empty, e.g. Qualifiers="").
     A leaf element holding an array value is repeated once per item, as
     MS-EVEN6 3.1.4.7.5 requires; items are cut from the raw bytes python-evtx
     delimited (its own string() mis-splits UTF-16 units whose low byte is 0).
     A record python-evtx raises on is reported as a python-evtx error for that
     record; the file's remaining records are still compared (python-evtx's own
     evtx_dump.py would stop at the first error).
  N5 evtxexport only: libevtx 20181227 writes some string values without
     escaping '<' and '>', so a string that holds XML markup (LiveId's SOAP
     envelopes) comes out as elements. Where python-evtx has a string value
     (typed) at a path where evtxexport shows elements, evtxexport's value is
     the source text of that content, entity references decoded.
"""

import argparse
import base64
import datetime
import fnmatch
import multiprocessing
import os
import re
import shutil
import struct
import subprocess
import sys

SKIP = 77
SOURCES = ("vigil", "evtxexport", "python-evtx")
CORPUS_FOLDERS = ("corpus/evtx", "corpus/sigma/regression_data")

# ------------------------------------------------------------------ XML trees


class Typed(str):
  """Text of one python-evtx value, tagged with its value node class."""

  def __new__(cls, text, kind):
    self = super().__new__(cls, text)
    self.kind = kind
    return self

  def __reduce__(self):
    return (Typed, (str(self), self.kind))


class Items(list):
  """Items of one python-evtx array value, before its element is repeated."""

  def __init__(self, items, kind):
    super().__init__(items)
    self.kind = kind


def kind_of(value):
  return getattr(value, "kind", None)


class Element:
  __slots__ = ("name", "attrs", "children", "raw")

  def __init__(self, name):
    self.name = name
    self.raw = None  # parsed XML only: the content's source text, when it has elements
    self.attrs = []  # [(name, value)]
    self.children = []  # Element or str

  def add_text(self, text):
    if isinstance(text, Items) or (self.children and isinstance(self.children[-1], Items)):
      self.children.append(text)
    elif self.children and isinstance(self.children[-1], str):
      self.children[-1] += text
    else:
      self.children.append(text)

  def elements(self):
    return [c for c in self.children if isinstance(c, Element)]

  def child(self, name):
    for c in self.children:
      if isinstance(c, Element) and c.name == name:
        return c
    return None

  def attr(self, name):
    for n, v in self.attrs:
      if n == name:
        return v
    return None

  def text(self):
    pieces = [c for c in self.children if isinstance(c, str)]
    return pieces[0] if len(pieces) == 1 else "".join(pieces)


_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9._-]*);")


_XML_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _entity_text(match):
  ref = match.group(1)
  try:
    if ref.startswith("#x"):
      return chr(int(ref[2:], 16))
    if ref.startswith("#"):
      return chr(int(ref[1:]))
  except (ValueError, OverflowError):
    return match.group(0)
  return _XML_ENTITIES.get(ref, match.group(0))


def unescape(text):
  return _ENTITY.sub(_entity_text, text) if "&" in text else text


_TOKEN = re.compile(
    r"<!\[CDATA\[(?P<cdata>.*?)\]\]>"
    r"|<\?(?P<pi>.*?)\?>"
    r"|<!--(?P<comment>.*?)-->"
    r"|</(?P<end>[^\s>]+)\s*>"
    r"|<(?P<start>[^\s/>!?]+)(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?P<empty>/?)>"
    r"|(?P<text>[^<]+)"
    r"|(?P<stray><)", re.S)
_TOKEN_KINDS = ("cdata", "pi", "comment", "end", "start", "text", "stray")
_ATTR = re.compile(r"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def parse_documents(text):
  """Top-level elements of a text holding a sequence of XML documents.

  Tolerant on purpose: an oracle's output that is not well-formed XML still
  yields what it holds, and the comparison shows the damage.
  """
  docs = []
  stack = []
  starts = []  # where each open element's content begins
  for m in _TOKEN.finditer(text):
    kind = next(k for k in _TOKEN_KINDS if m.group(k) is not None)
    if kind == "start":
      e = Element(m.group("start"))
      for a in _ATTR.finditer(m.group("attrs")):
        value = a.group(2) if a.group(2) is not None else a.group(3)
        e.attrs.append((a.group(1), unescape(value)))
      if stack:
        stack[-1].children.append(e)
      else:
        docs.append(e)
      if not m.group("empty"):
        stack.append(e)
        starts.append(m.end())
    elif kind == "end":
      name = m.group("end")
      for depth in range(len(stack) - 1, -1, -1):
        if stack[depth].name == name:
          closed = stack[depth]
          if any(isinstance(c, Element) for c in closed.children):
            closed.raw = text[starts[depth]:m.start()]
          del stack[depth:]
          del starts[depth:]
          break
    elif kind in ("text", "stray", "cdata"):
      if stack:
        piece = m.group(kind)
        stack[-1].add_text(piece if kind == "cdata" else unescape(piece))
  return docs


# ------------------------------------------------------------------ fields


_TIMESTAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z")
_PADDED_HEX = re.compile(r"0x(?:[0-9a-f]{8}|[0-9a-f]{16})")


_HEX_KINDS = ("Hex32TypeNode", "Hex64TypeNode", "SizeTypeNode")
_STRING_KINDS = ("WstringTypeNode", "StringTypeNode", "WstringArrayTypeNode")


def canonical(source, value, python_kind):
  """The value with spelling differences removed (rules N2, N3)."""
  if value is None:
    return None
  m = _TIMESTAMP.fullmatch(value)
  if m:
    fraction = (m.group(2) or "").rstrip("0")
    return m.group(1) + ("." + fraction if fraction else "") + "Z"
  if source == "evtxexport" and python_kind in _HEX_KINDS and _PADDED_HEX.fullmatch(value):
    return "0x%x" % int(value, 16)
  return str(value)


def _has_elements(e):
  return any(isinstance(c, Element) for c in e.children)


RAW = "\x00raw"  # suffix of the fields N5 may use


def _leaves(e, path, out):
  """Leaf text and attributes under e, keyed by path (N1 for mixed content)."""
  for name, value in e.attrs:
    out.append((path + "@" + name, value))
  if _has_elements(e):
    if e.raw is not None:
      out.append((path + RAW, unescape(e.raw)))
    text = e.text()
    if text.strip():
      out.append((path + "#text", text))
    seen = {}
    for c in e.elements():
      seen[c.name] = seen.get(c.name, 0) + 1
      suffix = "" if seen[c.name] == 1 else "[%d]" % seen[c.name]
      _leaves(c, path + "/" + c.name + suffix, out)
  else:
    out.append((path, e.text()))


def record_fields(root):
  """[(field, value)] of one record; field names are unique within a record."""
  out = []
  system = root.child("System")
  if system is not None:
    for name in ("EventRecordID", "EventID", "Computer", "Channel"):
      e = system.child(name)
      if e is not None:
        out.append((name, e.text()))
        if name == "EventID" and e.attr("Qualifiers") is not None:
          out.append(("EventID@Qualifiers", e.attr("Qualifiers")))
    created = system.child("TimeCreated")
    if created is not None and created.attr("SystemTime") is not None:
      out.append(("TimeCreated@SystemTime", created.attr("SystemTime")))
  seen_sections = {}
  for section in root.elements():
    if section.name == "System":
      continue
    seen_sections[section.name] = seen_sections.get(section.name, 0) + 1
    path = section.name
    if seen_sections[section.name] > 1:
      path += "[%d]" % seen_sections[section.name]
    if section.name != "EventData":
      _leaves(section, path, out)
      continue
    for name, value in section.attrs:
      out.append((path + "@" + name, value))
    text = section.text()
    if text.strip():
      out.append((path + "#text", text))
    seen = {}
    position = 0
    for child in section.elements():
      if child.name == "Data":
        position += 1
        data_name = child.attr("Name")
        key = path + ":" + (data_name if data_name else "#%d" % position)
        attrs = [(n, v) for n, v in child.attrs if n != "Name"]
      else:
        key = path + "/" + child.name
        attrs = child.attrs
      seen[key] = seen.get(key, 0) + 1
      if seen[key] > 1:
        key += "[%d]" % seen[key]
      for n, v in attrs:
        out.append((key + "@" + n, v))
      if _has_elements(child):
        stripped = Element(child.name)
        stripped.children = child.children
        stripped.raw = child.raw
        _leaves(stripped, key, out)
      else:
        out.append((key, child.text()))
  return out


class Record:
  __slots__ = ("record_id", "fields", "error")

  def __init__(self, record_id, fields, error=None):
    self.record_id = record_id
    self.fields = fields  # dict field -> value
    self.error = error


def take_markup_as_text(fields, typed):
  """Rule N5 on one evtxexport record, given python-evtx's fields of it."""
  for raw_key in sorted((k for k in fields if k.endswith(RAW)), key=len):
    if raw_key not in fields:
      continue  # inside markup already taken as text
    raw = fields.pop(raw_key)
    key = raw_key[:-len(RAW)]
    if typed is None or key in fields or kind_of(typed.get(key)) not in _STRING_KINDS:
      continue
    for k in [k for k in fields if k.startswith(key + "/") or k == key + "#text"]:
      del fields[k]
    fields[key] = raw
  for k in [k for k in fields if k.endswith(RAW)]:
    del fields[k]


def records_from_xml(text):
  records = []
  for doc in parse_documents(text):
    fields = dict(record_fields(doc))
    records.append(Record(fields.get("EventRecordID"), fields))
  return records


# ------------------------------------------------------------------ sources


def run_tool(argv):
  proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
  return (proc.returncode, proc.stdout.decode("utf-8", errors="replace"),
          proc.stderr.decode("utf-8", errors="replace"))


def _last_line(text):
  lines = [l for l in text.splitlines() if l.strip()]
  return lines[-1].strip() if lines else ""


class PythonSource:
  """python-evtx records, rendered from its parsed node tree (rule N4)."""

  def __init__(self):
    import Evtx.Evtx as evtx  # pylint: disable=import-outside-toplevel
    import Evtx.Nodes as nodes  # pylint: disable=import-outside-toplevel
    self.evtx = evtx
    self.n = nodes
    self.templates = {}

  def variant_text(self, v):
    kind = type(v).__name__
    if isinstance(v, self.n.WstringArrayTypeNode):
      items = v.binary().decode("utf-16-le").split("\x00")
      if items and items[-1] == "":
        items.pop()  # the last string's terminator
      return Items([Typed(i, kind) for i in items], kind)
    return Typed(self._variant_text(v), kind)

  def _variant_text(self, v):
    n = self.n
    if isinstance(v, n.NullTypeNode):
      return ""
    if isinstance(v, n.GuidTypeNode):
      return "{" + v.guid().upper() + "}"
    if isinstance(v, n.BooleanTypeNode):
      return v.string().lower()
    if isinstance(v, n.BinaryTypeNode):
      return base64.b64decode(v.string()).hex().upper()
    if isinstance(v, (n.Hex32TypeNode, n.Hex64TypeNode)):
      return "0x%x" % int.from_bytes(v.hex(), "little")
    if isinstance(v, n.SizeTypeNode):
      return "0x%x" % v.num()
    if isinstance(v, n.FiletimeTypeNode):
      return filetime_text(v.unpack_qword(0))
    if isinstance(v, n.SystemtimeTypeNode):
      return systemtime_text(v.unpack_binary(0, 16))
    return v.string()

  def template_nodes(self, root):
    # Parsing a template definition dominates python-evtx's time; the nodes
    # depend only on the template's place in its chunk, so records sharing a
    # template share the parse (python-evtx itself re-parses per record).
    key = (root._chunk.offset(), root.template_instance().template_offset())  # pylint: disable=protected-access
    nodes = self.templates.get(key)
    if nodes is None:
      nodes = root.template().children()
      self.templates[key] = nodes
    return nodes

  @staticmethod
  def repeat_for_array(e):
    """A leaf element holding an array value, once per item (MS-EVEN6 3.1.4.7.5)."""
    arrays = [k for k, c in enumerate(e.children) if isinstance(c, Items)]
    if not arrays or any(isinstance(c, Element) for c in e.children):
      for k in arrays:
        e.children[k] = ",".join(e.children[k])
      return [e]
    first = arrays[0]
    copies = []
    for item in e.children[first] if len(e.children[first]) > 1 else [None]:
      copy = Element(e.name)
      copy.attrs = e.attrs
      for k, c in enumerate(e.children):
        if k == first and item is not None:
          copy.children.append(item)
        elif isinstance(c, Items):
          copy.children.append(",".join(c) if len(c) != 1 else c[0])
        else:
          copy.children.append(c)
      copies.append(copy)
    return copies

  def render(self, root, parent):
    subs = root.substitutions()
    for node in self.template_nodes(root):
      self.node(node, subs, parent)

  def attribute_value(self, node, subs):
    """Text of an attribute's value node, None when the attribute is omitted."""
    n = self.n
    if isinstance(node, (n.NormalSubstitutionNode, n.ConditionalSubstitutionNode)):
      sub = subs[node.index()]
      if isinstance(sub, n.NullTypeNode) and isinstance(node, n.ConditionalSubstitutionNode):
        return None
      if isinstance(sub, n.BXmlTypeNode):
        return ""
      value = self.variant_text(sub)
      return ",".join(value) if isinstance(value, Items) else value
    holder = Element("")
    self.node(node, subs, holder)
    return holder.text()

  def node(self, node, subs, parent):
    n = self.n
    if isinstance(node, n.OpenStartElementNode):
      e = Element(node.tag_name())
      omitted = False
      for c in node.children():
        if isinstance(c, n.AttributeNode):
          value = self.attribute_value(c.attribute_value(), subs)
          if value is not None:
            e.attrs.append((c.attribute_name().string(), value))
        elif (isinstance(c, n.ConditionalSubstitutionNode)
              and isinstance(subs[c.index()], n.NullTypeNode)):
          omitted = True
        else:
          self.node(c, subs, e)
      if not omitted:
        parent.children.extend(self.repeat_for_array(e))
    elif isinstance(node, n.ValueNode):
      parent.add_text(self.variant_text(node.children()[0]))
    elif isinstance(node, n.CDataSectionNode):
      parent.add_text(node.cdata())
    elif isinstance(node, n.CharacterReferenceNode):
      parent.add_text(chr(node.entity()))
    elif isinstance(node, n.EntityReferenceNode):
      parent.add_text(unescape(node.entity_reference()))
    elif isinstance(node, (n.NormalSubstitutionNode, n.ConditionalSubstitutionNode)):
      sub = subs[node.index()]
      if isinstance(sub, n.BXmlTypeNode):
        self.render(sub.root(), parent)
      else:
        parent.add_text(self.variant_text(sub))
    elif isinstance(node, n.TemplateInstanceNode):
      raise ValueError("unexpected template instance inside a template")

  def records(self, path):
    """([Record], error text or '')."""
    out = []
    self.templates = {}
    try:
      with self.evtx.Evtx(path) as log:
        for record in log.records():
          try:
            doc = Element("#document")
            self.render(record.root(), doc)
            roots = doc.elements()
            if not roots:
              raise ValueError("no root element")
            fields = dict(record_fields(roots[0]))
            out.append(Record(fields.get("EventRecordID"), fields))
          except Exception as e:  # pylint: disable=broad-except
            out.append(Record(str(record.record_num()), {}, "%s: %s" % (type(e).__name__, e)))
    except Exception as e:  # pylint: disable=broad-except
      return out, "%s: %s" % (type(e).__name__, e)
    return out, ""


_FILETIME_EPOCH = datetime.datetime(1601, 1, 1)


def filetime_text(ticks):
  seconds, fraction = divmod(ticks, 10**7)
  try:
    t = _FILETIME_EPOCH + datetime.timedelta(seconds=seconds)
  except OverflowError:
    return "<FILETIME 0x%x out of range>" % ticks
  return "%sT%s.%07dZ" % (t.date().isoformat(), t.time().isoformat(), fraction)


def systemtime_text(raw):
  year, month, _, day, hour, minute, second, millis = struct.unpack("<8H", raw)
  return "%04d-%02d-%02dT%02d:%02d:%02d.%07dZ" % (year, month, day, hour, minute, second,
                                                  millis * 10000)


# ------------------------------------------------------------------ comparison


class Disagreement:
  __slots__ = ("file", "record", "field", "dissenter", "values", "kind")

  def __init__(self, file, record, field, dissenter, values, kind=None):
    self.file = file
    self.record = record
    self.field = field
    self.dissenter = dissenter
    self.values = values  # dict source -> text
    self.kind = kind or ""  # python-evtx's value type, when it has one

  def row(self):
    return [self.file, self.record, self.field, self.dissenter] + [
        self.values.get(s, "") for s in SOURCES] + [self.kind]


def dissenter_of(values):
  """The one source whose value differs from the two others that agree."""
  present = [s for s in SOURCES if s in values]
  if len(present) == 3:
    for odd in present:
      others = [values[s] for s in present if s != odd]
      if others[0] == others[1] and values[odd] != others[0]:
        return odd
  return "unresolved"


def _show(value):
  if value is None:
    return "<absent>"
  return value.encode("unicode_escape").decode("ascii")


def match_records(by_source):
  """Ordered record keys and, per source, key -> Record (ids repeated: by occurrence)."""
  keyed = {}
  order = []
  known = set()
  for source in SOURCES:
    table = {}
    seen = {}
    for position, record in enumerate(by_source[source]):
      rid = str(record.record_id) if record.record_id is not None else "?pos%d" % position
      seen[rid] = seen.get(rid, 0) + 1
      key = rid if seen[rid] == 1 else "%s#%d" % (rid, seen[rid])
      table[key] = record
      if key not in known:
        known.add(key)
        order.append(key)
    keyed[source] = table
  return order, keyed


def compare_file(job):
  rel, path, vigil, evtxexport = job
  procs = {
      "vigil": subprocess.Popen([vigil, "dump", "-f", "xml", "-t", "1", path],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE),
      "evtxexport": subprocess.Popen([evtxexport, "-f", "xml", path],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE),
  }
  by_source = {}
  notes = {}
  py_records, py_error = PythonSource().records(path)
  by_source["python-evtx"] = py_records
  notes["python-evtx"] = py_error
  for source, proc in procs.items():
    out, err = proc.communicate()
    by_source[source] = records_from_xml(out.decode("utf-8", errors="replace"))
    notes[source] = ("exit %d: %s" % (proc.returncode, _last_line(err.decode("utf-8", "replace")))
                     if proc.returncode != 0 else "")

  disagreements = []
  counts = {s: len(by_source[s]) for s in SOURCES}
  if len(set(counts.values())) > 1:
    values = {s: str(counts[s]) for s in SOURCES}
    disagreements.append(Disagreement(rel, "*", "#count", dissenter_of(values), values))

  order, keyed = match_records(by_source)
  records_compared = 0
  fields_compared = 0
  records_by_all = 0
  fields_by_all = 0
  for key in order:
    present = {s: keyed[s].get(key) for s in SOURCES}
    errors = {s: r.error for s, r in present.items() if r is not None and r.error}
    if any(r is None for r in present.values()) or errors:
      values = {}
      for s, r in present.items():
        values[s] = "missing" if r is None else ("error: " + r.error if r.error else "present")
      disagreements.append(Disagreement(rel, key, "#record", dissenter_of(values), values))
    usable = {s: r for s, r in present.items() if r is not None and not r.error}
    typed = usable["python-evtx"].fields if "python-evtx" in usable else None
    for s in ("vigil", "evtxexport"):
      if s in usable:
        take_markup_as_text(usable[s].fields, typed if s == "evtxexport" else None)
    if len(usable) < 2:
      continue
    records_compared += 1
    records_by_all += len(usable) == 3
    names = []
    name_set = set()
    for s in SOURCES:
      if s in usable:
        for f in usable[s].fields:
          if f not in name_set:
            name_set.add(f)
            names.append(f)
    for field in names:
      fields_compared += 1
      fields_by_all += len(usable) == 3
      py_kind = kind_of(typed.get(field)) if typed is not None else None
      canon = {s: canonical(s, r.fields.get(field), py_kind) for s, r in usable.items()}
      if len(set(canon.values())) == 1:
        continue
      shown = {s: _show(v) for s, v in canon.items()}
      disagreements.append(Disagreement(rel, key, field, dissenter_of(shown), shown, py_kind))
  return {
      "file": rel,
      "counts": counts,
      "notes": notes,
      "records": records_compared,
      "fields": fields_compared,
      "records_by_all": records_by_all,
      "fields_by_all": fields_by_all,
      "disagreements": disagreements,
  }


# ------------------------------------------------------------------ allow-list


class Allowance:
  __slots__ = ("file", "record", "field", "dissenter", "reason", "line", "hits")

  def __init__(self, cols, line):
    self.file, self.record, self.field, self.dissenter, self.reason = cols
    self.line = line
    self.hits = 0

  def covers(self, d):
    return (fnmatch.fnmatchcase(d.file, self.file) and fnmatch.fnmatchcase(d.record, self.record)
            and fnmatch.fnmatchcase(d.field, self.field)
            and fnmatch.fnmatchcase(d.dissenter, self.dissenter))


def load_allowances(path):
  allowances = []
  problems = []
  if not os.path.exists(path):
    return allowances, problems
  with open(path, encoding="utf-8") as f:
    for number, line in enumerate(f, 1):
      line = line.rstrip("\n")
      if not line.strip() or line.startswith("#"):
        continue
      cols = line.split("\t")
      if len(cols) != 5 or not cols[4].strip():
        problems.append("%s:%d: want 5 tab-separated columns "
                        "(file, record, field, dissenter, reason)" % (path, number))
        continue
      allowances.append(Allowance(cols, number))
  return allowances, problems


# ------------------------------------------------------------------ main


def corpus_files(shared):
  files = []
  for folder in CORPUS_FOLDERS:
    base = os.path.join(shared, folder)
    for dirpath, _, names in os.walk(base):
      for name in names:
        if name.lower().endswith(".evtx"):
          full = os.path.join(dirpath, name)
          files.append((os.path.relpath(full, os.path.join(shared, "corpus")), full))
  files.sort()
  return files


def oracles_missing(evtxexport):
  missing = []
  if shutil.which(evtxexport) is None:
    missing.append("evtxexport (Debian package libevtx-utils)")
  try:
    import Evtx.Evtx  # pylint: disable=import-outside-toplevel,unused-import
  except ImportError:
    missing.append("python module Evtx (Debian package python3-evtx) for %s" % sys.executable)
  return missing


def main():
  here = os.path.dirname(os.path.abspath(__file__))
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--vigil", required=True, help="the vigil binary")
  parser.add_argument("--shared", required=True, help="the ../shared folder")
  parser.add_argument("--evtxexport", default="evtxexport")
  parser.add_argument("--allow", default=os.path.join(here, "known_disagreements.tsv"))
  parser.add_argument("--jobs", type=int, default=2)
  parser.add_argument("--only", default="*", help="compare only files matching this glob")
  parser.add_argument("--report", help="also write every disagreement here, as TSV")
  args = parser.parse_args()

  if not all(os.path.isdir(os.path.join(args.shared, f)) for f in CORPUS_FOLDERS):
    print("SKIP: corpus not found under %s" % args.shared)
    return SKIP
  missing = oracles_missing(args.evtxexport)
  if missing:
    print("SKIP: oracle not installed: %s (scripts/install-deps.sh installs it)" %
          "; ".join(missing))
    return SKIP
  if not os.access(args.vigil, os.X_OK):
    print("error: %s is not an executable" % args.vigil)
    return 2

  allowances, problems = load_allowances(args.allow)
  for p in problems:
    print("error: " + p)
  files = [f for f in corpus_files(args.shared) if fnmatch.fnmatchcase(f[0], args.only)]
  jobs = [(rel, full, args.vigil, args.evtxexport) for rel, full in files]
  with multiprocessing.Pool(max(1, args.jobs)) as pool:
    results = pool.map(compare_file, jobs, chunksize=1)

  print("== per file: records vigil/evtxexport/python-evtx; records and fields compared; "
        "disagreements (new)")
  totals = {"records": 0, "fields": 0, "records_by_all": 0, "fields_by_all": 0}
  new = []
  allowed = 0
  by_category = {}
  report_rows = []
  for r in results:
    for k in totals:
      totals[k] += r[k]
    file_new = 0
    for d in r["disagreements"]:
      cover = next((a for a in allowances if a.covers(d)), None)
      status = "allowed" if cover else "NEW"
      if cover:
        cover.hits += 1
        allowed += 1
      else:
        new.append(d)
        file_new += 1
      category = (d.field if d.field.startswith("#") else "field", d.dissenter, status)
      by_category[category] = by_category.get(category, 0) + 1
      report_rows.append([status] + d.row() + [cover.reason if cover else ""])
    c = r["counts"]
    notes = "; ".join("%s %s" % (s, r["notes"][s]) for s in SOURCES if r["notes"][s])
    print("%s: %d/%d/%d; %d records, %d fields; %d (%d)%s" % (
        r["file"], c["vigil"], c["evtxexport"], c["python-evtx"], r["records"], r["fields"],
        len(r["disagreements"]), file_new, " [" + notes + "]" if notes else ""))

  print("\n== disagreements: status, file, record, field, dissenter, vigil | evtxexport | "
        "python-evtx")
  for row in report_rows:
    print("%s\t%s\t%s\t%s\t%s\t%s | %s | %s" % tuple(row[:8]))
  if args.report:
    with open(args.report, "w", encoding="utf-8") as f:
      f.write("status\tfile\trecord\tfield\tdissenter\tvigil\tevtxexport\tpython-evtx\t"
              "python-evtx type\treason\n")
      for row in report_rows:
        f.write("\t".join(x.replace("\t", "\\t") for x in row) + "\n")

  # Entries for files outside this run (--only) cannot be judged stale.
  compared = [r["file"] for r in results]
  stale = [a for a in allowances if a.hits == 0 and
           any(fnmatch.fnmatchcase(f, a.file) for f in compared)]
  print("\n== summary")
  print("files compared: %d" % len(results))
  print("records compared (present in at least two sources): %d, by all three: %d" % (
      totals["records"], totals["records_by_all"]))
  print("fields compared: %d, by all three: %d" % (totals["fields"], totals["fields_by_all"]))
  print("disagreements: %d (%d allowed by %s, %d new)" % (
      allowed + len(new), allowed, os.path.basename(args.allow), len(new)))
  for (kind, dissenter, status), count in sorted(by_category.items()):
    print("  %-8s dissenter %-11s %-7s %d" % (kind, dissenter, status, count))
  for a in stale:
    print("stale allow-list entry (covers nothing): line %d: %s %s %s %s" % (
        a.line, a.file, a.record, a.field, a.dissenter))
  if new or stale or problems:
    print("FAIL: %d new disagreement(s), %d stale allow-list entr(y/ies)" % (len(new), len(stale)))
    return 1
  print("OK")
  return 0


if __name__ == "__main__":
  sys.exit(main())
