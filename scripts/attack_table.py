#!/usr/bin/env python3
"""Regenerates vigil's ATT&CK table (src/correlate/attack/) from the ATT&CK TSV export.

Usage: python3 scripts/attack_table.py ../shared/corpus/attack [--out DIR]

The input folder is the export described by its SOURCE.md (Enterprise ATT&CK as TSV
tables). The output is what src/correlate/attack/attack.cmake compiles into the library;
it is committed, and a unit test reruns this script to catch a stale copy. Same input,
same bytes out: rows are sorted, nothing depends on dictionary or file-system order.
"""

import argparse
import csv
import os
import re
import sys

# Group pages on attack.mitre.org list the techniques of campaigns attributed to the
# group besides its direct links; the ranking follows that view (docs/attack.md).
DIRECT = "direct"


def fail(message):
    sys.stderr.write("attack_table.py: " + message + "\n")
    sys.exit(1)


def read_tsv(folder, name, columns):
    path = os.path.join(folder, name)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as error:
        fail(f"{path}: {error.strerror}")
    if not rows or rows[0][: len(columns)] != columns:
        fail(f"{path}: expected the columns {columns}, found {rows[0] if rows else 'nothing'}")
    width = len(rows[0])
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            fail(f"{path}:{number}: {len(row)} fields, the header has {width}")
    return [dict(zip(rows[0], row)) for row in rows[1:]]


TECHNIQUE_ID = re.compile(r"T\d{4}(\.\d{3})?")


def check_cell(text, where):
    # The table is split on tabs and line ends by the C++ loader, nothing else.
    if "\t" in text or "\n" in text or "\r" in text:
        fail(f"{where}: a field holds a tab or line end: {text!r}")
    return text


def write_tsv(folder, name, header, rows):
    lines = ["\t".join(header)]
    for row in rows:
        lines.append("\t".join(check_cell(cell, f"{name}: {row[0]}") for cell in row))
    with open(os.path.join(folder, name), "w", encoding="utf-8", newline="\n") as handle:
        handle.write("\n".join(lines) + "\n")
    return len(rows)


def source_lines(folder):
    """The provenance bullets of SOURCE.md (repository, commit, version)."""
    wanted = ("- Source repository:", "- Commit:", "- ATT&CK version:")
    try:
        with open(os.path.join(folder, "SOURCE.md"), encoding="utf-8") as handle:
            lines = [line.rstrip("\n") for line in handle]
    except OSError as error:
        fail(f"SOURCE.md: {error.strerror}")
    found = [line for line in lines if line.startswith(wanted)]
    if len(found) != len(wanted):
        fail("SOURCE.md: the source repository, commit or ATT&CK version line is missing")
    notice = [line for line in lines if "The MITRE Corporation. This work is reproduced" in line]
    if len(notice) != 1:
        fail("SOURCE.md: the copyright notice line is missing")
    return found, notice[0].strip().strip("\"")


def build(source, out):
    tactics = read_tsv(source, "tactics.tsv", ["order", "tactic_id", "shortname", "name"])
    techniques = read_tsv(source, "techniques.tsv",
                          ["technique_id", "name", "tactics", "is_subtechnique", "parent_id"])
    groups = read_tsv(source, "groups.tsv", ["group_id", "name", "aliases"])
    links = read_tsv(source, "group_techniques.tsv", ["group_id", "technique_id"])
    campaigns = read_tsv(source, "campaigns.tsv", ["campaign_id", "name", "attributed_group_ids"])
    campaign_links = read_tsv(source, "campaign_techniques.tsv", ["campaign_id", "technique_id"])
    remaps = read_tsv(source, "technique_remap.tsv",
                      ["old_id", "old_name", "status", "new_id", "new_name"])

    tactic_rows = sorted(((int(t["order"]), t["tactic_id"], t["shortname"], t["name"])
                          for t in tactics))
    shortnames = {row[2] for row in tactic_rows}
    order_of = {row[2]: row[0] for row in tactic_rows}

    current = {}
    for t in techniques:
        if not TECHNIQUE_ID.fullmatch(t["technique_id"]):
            fail(f"techniques.tsv: not a technique id: {t['technique_id']}")
        phases = [p.strip() for p in t["tactics"].split(",") if p.strip()]
        unknown = [p for p in phases if p not in shortnames]
        if unknown:
            fail(f"techniques.tsv: {t['technique_id']} names unknown tactics {unknown}")
        phases.sort(key=order_of.get)
        current[t["technique_id"]] = (t["name"], ",".join(phases), t["parent_id"])
    for tid, (_, _, parent) in current.items():
        if parent and parent not in current:
            fail(f"techniques.tsv: {tid} has the unknown parent {parent}")

    group_ids = {g["group_id"] for g in groups}
    group_rows = []
    for g in sorted(groups, key=lambda g: g["group_id"]):
        aliases = [a.strip() for a in g["aliases"].split("|") if a.strip()]
        group_rows.append((g["group_id"], g["name"], "|".join(aliases)))

    # (group, technique) -> the ways ATT&CK links them: "direct" and campaign ids.
    via = {}
    for link in links:
        if link["group_id"] not in group_ids or link["technique_id"] not in current:
            fail(f"group_techniques.tsv: dangling link {link['group_id']} {link['technique_id']}")
        via.setdefault((link["group_id"], link["technique_id"]), set()).add(DIRECT)
    campaign_groups = {}
    campaign_rows = []
    for c in campaigns:
        attributed = sorted(g.strip() for g in c["attributed_group_ids"].split(",") if g.strip())
        for g in attributed:
            if g not in group_ids:
                fail(f"campaigns.tsv: {c['campaign_id']} is attributed to unknown group {g}")
        campaign_groups[c["campaign_id"]] = attributed
        if attributed:
            campaign_rows.append((c["campaign_id"], c["name"], ",".join(attributed)))
    campaign_rows.sort()
    for link in campaign_links:
        cid, tid = link["campaign_id"], link["technique_id"]
        if cid not in campaign_groups or tid not in current:
            fail(f"campaign_techniques.tsv: dangling link {cid} {tid}")
        for g in campaign_groups[cid]:
            via.setdefault((g, tid), set()).add(cid)

    def via_text(ways):
        return ",".join(sorted(ways, key=lambda w: (w != DIRECT, w)))

    link_rows = [(g, t, via_text(ways)) for (g, t), ways in sorted(via.items())]

    # Old ids that were revoked into ids later revoked themselves end at the last one.
    remap_of = {r["old_id"]: r for r in remaps}
    remap_rows = []
    for old_id in sorted(remap_of):
        entry, seen = remap_of[old_id], {old_id}
        target = entry["new_id"]
        while target and target not in current:
            if target in seen or target not in remap_of:
                fail(f"technique_remap.tsv: {old_id} leads to {target}, which is not a technique")
            seen.add(target)
            target = remap_of[target]["new_id"]
        if old_id in current:
            fail(f"technique_remap.tsv: {old_id} is also a current technique")
        status = entry["status"] if target else "withdrawn"
        if status not in ("revoked", "deprecated", "withdrawn"):
            fail(f"technique_remap.tsv: {old_id} has the unknown status {status}")
        remap_rows.append((old_id, "remapped" if target else "withdrawn", target,
                           entry["old_name"]))

    os.makedirs(out, exist_ok=True)
    counts = {
        "tactics.tsv": write_tsv(out, "tactics.tsv", ["order", "tactic_id", "shortname", "name"],
                                 [(str(o), i, s, n) for o, i, s, n in tactic_rows]),
        "techniques.tsv": write_tsv(out, "techniques.tsv",
                                    ["technique_id", "name", "tactics", "parent_id"],
                                    [(tid,) + current[tid] for tid in sorted(current)]),
        "groups.tsv": write_tsv(out, "groups.tsv", ["group_id", "name", "aliases"], group_rows),
        "campaigns.tsv": write_tsv(out, "campaigns.tsv", ["campaign_id", "name", "group_ids"],
                                   campaign_rows),
        "group_techniques.tsv": write_tsv(out, "group_techniques.tsv",
                                          ["group_id", "technique_id", "via"], link_rows),
        "technique_remap.tsv": write_tsv(out, "technique_remap.tsv",
                                         ["old_id", "status", "new_id", "old_name"], remap_rows),
    }
    direct_only = sum(1 for _, _, v in link_rows if v == DIRECT)
    write_readme(out, source, counts, len(link_rows) - direct_only)


def write_readme(out, source, counts, campaign_only_links):
    provenance, notice = source_lines(source)
    rows = "\n".join(f"| {name} | {count} |" for name, count in counts.items())
    text = f"""# vigil's ATT&CK table

Generated by `scripts/attack_table.py` from the ATT&CK export in `../shared/corpus/attack`;
do not edit by hand. Regenerate with `python3 scripts/attack_table.py ../shared/corpus/attack`.
`attack.cmake` compiles these files into `vigil_correlate`; see docs/attack.md.

## Source

{chr(10).join(provenance)}
- Revoked and deprecated objects are left out of the tables; their ids live on in
  `technique_remap.tsv`.

## Files

| file | rows |
|---|---|
{rows}

- `tactics.tsv`: order (kill chain), tactic_id, shortname, name.
- `techniques.tsv`: technique_id, name, tactics (shortnames in kill-chain order, `,`-separated),
  parent_id (empty for a technique, set for a sub-technique).
- `groups.tsv`: group_id, name, aliases (`|`-separated).
- `campaigns.tsv`: campaigns attributed to at least one group: campaign_id, name, group_ids.
- `group_techniques.tsv`: group_id, technique_id, via: `direct` for ATT&CK's own group link,
  and the ids of the attributed campaigns that used the technique. As on attack.mitre.org's
  group pages, a group's techniques include those of its campaigns
  ({campaign_only_links} of the links come from campaigns only).
- `technique_remap.tsv`: old_id, status (`remapped` to new_id, or `withdrawn` with no
  successor), new_id (followed to a current technique), old_name.

## Terms of use

MITRE ATT&CK®. {notice}

The MITRE Corporation (MITRE) hereby grants you a non-exclusive, royalty-free license to use
ATT&CK® for research, development, and commercial purposes. Any copy you make for such
purposes is authorized provided that you reproduce MITRE's copyright designation and this
license in any such copy.

The data is provided "AS IS"; MITRE does not claim ATT&CK lists every possible adversary
behaviour.
"""
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="folder of the ATT&CK TSV export (../shared/corpus/attack)")
    parser.add_argument("--out", help="output folder (default: src/correlate/attack of this repository)")
    args = parser.parse_args()
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                   "src", "correlate", "attack")
    build(args.source, os.path.normpath(out))


if __name__ == "__main__":
    main()
