#!/usr/bin/env python3
"""`vigil dump` on damaged evidence: a file cut short inside its second chunk,
and a file with one byte of its first chunk's records flipped. Either way
vigil must exit 1 (damage reported and stepped over), name each damaged place
on stderr as `vigil: PATH: offset 0x...: ...`, and still print the records
the damage cannot have reached exactly as it prints them from the intact file.

    cli_damaged_input.py VIGIL SEED_EVTX [SHARED_DIR]

SEED_EVTX is vigil's own two-chunk seed (fuzz/make_seeds.py). When
SHARED_DIR/corpus/evtx is there, its first file with two full chunks is
damaged the same way.
"""

import os
import re
import struct
import subprocess
import sys
import tempfile

HEADER, CHUNK = 4096, 65536


def records(data):
    """(chunk, offset, end) of each record the chunks list, in file order."""
    out = []
    base = HEADER
    while base + 512 <= len(data):
        free = min(struct.unpack_from("<I", data, base + 48)[0], CHUNK)
        off = base + 512
        while off + 28 <= base + free and data[off:off + 4] == b"**\0\0":
            size = struct.unpack_from("<I", data, off + 4)[0]
            if size < 28:
                break
            out.append(((base - HEADER) // CHUNK, off, off + size))
            off += size
        base += CHUNK
    return out


def dump(vigil, path):
    p = subprocess.run([vigil, "dump", path, "-t", "1"], capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode().splitlines(), p.stderr.decode()


class Checker:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: " + what + ("\n" + detail if detail else ""), file=sys.stderr)

    def damage_reported(self, rc, err, path, what):
        self.check(rc == 1, "%s: exit code %d, expected 1 (damage reported)" % (what, rc), err[-2000:])
        line = re.compile(r"^vigil: %s: offset 0x[0-9a-f]+: \S" % re.escape(path), re.M)
        self.check(line.search(err) is not None,
                   "%s: no 'vigil: %s: offset 0x...: ...' line on stderr" % (what, path), err[-2000:])


def is_subsequence(part, whole):
    it = iter(whole)
    return all(any(x == y for y in it) for x in part)


def damage(vigil, original, label, work, c):
    data = open(original, "rb").read()
    if len(data) < HEADER + CHUNK + 4096:
        print("skip %s: fewer than two chunks" % label)
        return
    rc, want, err = dump(vigil, original)
    c.check(rc in (0, 1), "%s: the intact file gave exit code %d" % (label, rc), err[-2000:])
    recs = records(data)
    c.check(len(recs) == len(want),
            "%s: %d records in the file's chunks, %d printed" % (label, len(recs), len(want)))
    if len(recs) != len(want):
        return

    # 1. Cut 3000 bytes into the second chunk.
    cut = HEADER + CHUNK + 3000
    path = os.path.join(work, label + "-cut.evtx")
    open(path, "wb").write(data[:cut])
    rc, got, err = dump(vigil, path)
    c.damage_reported(rc, err, path, label + " cut")
    kept = [line for line, (_, _, end) in zip(want, recs) if end <= cut]
    c.check(got[:len(kept)] == kept,
            "%s cut: the %d records before the cut did not come out unchanged" % (label, len(kept)))
    c.check(set(got) <= set(want), "%s cut: records came out that the intact file lacks" % label)
    print("%s: cut at 0x%x kept %d of %d records" % (label, cut, len(got), len(want)))

    # 2. Flip a byte 40 bytes into the first chunk's second record.
    first_chunk = [r for r in recs if r[0] == 0]
    if len(first_chunk) < 2:
        print("skip %s flip: the first chunk has fewer than two records" % label)
        return
    target = first_chunk[1][1] + 40
    flipped = bytearray(data)
    flipped[target] ^= 0xFF
    path = os.path.join(work, label + "-flip.evtx")
    open(path, "wb").write(flipped)
    rc, got, err = dump(vigil, path)
    c.damage_reported(rc, err, path, label + " flip")
    c.check(got[:1] == want[:1], "%s flip: the record before the flipped byte changed" % label)
    later = [line for line, (chunk, _, _) in zip(want, recs) if chunk >= 1]
    c.check(is_subsequence(later, got),
            "%s flip: records of the undamaged chunks did not all come out unchanged" % label)
    print("%s: flip at 0x%x printed %d of %d records" % (label, target, len(got), len(want)))


def main():
    vigil, seed = sys.argv[1], sys.argv[2]
    shared = sys.argv[3] if len(sys.argv) > 3 else ""
    c = Checker()
    with tempfile.TemporaryDirectory(prefix="vigil-robust-cli.") as work:
        damage(vigil, seed, "seed", work, c)
        evtx_dir = os.path.join(shared, "corpus", "evtx")
        if shared and os.path.isdir(evtx_dir):
            picked = None
            for root, _, files in sorted(os.walk(evtx_dir)):
                for name in sorted(files):
                    p = os.path.join(root, name)
                    if name.endswith(".evtx") and os.path.getsize(p) >= HEADER + 2 * CHUNK:
                        picked = picked or p
            if picked:
                damage(vigil, picked, "shared", work, c)
        else:
            print("skip: no shared corpus (the seed file was still checked)")
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
