#!/usr/bin/env bash
# `make demo`: builds nothing itself (make did), then runs vigil's main job on
# a generated scenario: the logs of a court-like organisation over four weeks
# (a Windows domain, Linux servers, the web front end, the proxy, Zeek, the
# case-management application), with daily attacks from the Internet, one
# targeted espionage intrusion and a trainee reading case files outside the
# role. `vigil investigate` turns them into incidents, attempts per day,
# need-to-know alerts and the impact on each person, organisation and state
# the court holds data about; it drafts their notifications and the report to
# the supervisory authority. The report is one HTML file.
set -euo pipefail
build=${1:-build}
vigil="$build/src/cli/vigil"
out=out/demo
rm -rf "$out" && mkdir -p "$out"

say() { printf '\n== %s\n' "$*"; }

say "1. Generating the scenario (vigil demo --seed 1): logs, inventory.yaml, ground_truth.json"
"$vigil" demo --seed 1 --out "$out/scenario"
find "$out/scenario" -type f | sed "s|^$out/scenario/||" | cut -d/ -f1 | sort | uniq -c |
  awk '{ printf "  %-10s %4d files\n", $2, $1 }'

say "2. Investigating (vigil investigate, built-in rules, with the inventory)"
logs=()
for folder in windows linux web proxy zeek app; do logs+=("$out/scenario/$folder"); done
"$vigil" investigate "${logs[@]}" --inventory "$out/scenario/inventory.yaml" --out "$out/case"

say "3. What vigil found, beside what really happened (ground_truth.json)"
python3 - "$out/case/findings.json" "$out/scenario/ground_truth.json" <<'PY'
import collections, json, sys
findings = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))
by_class = collections.Counter(i["classification"] for i in findings["incidents"])
print("incidents:", ", ".join(f"{n} {c}" for c, n in sorted(by_class.items())))
for inc in findings["incidents"]:
    if inc["classification"] not in ("espionage", "insider", "disruption"):
        continue
    print(f"\n{inc['id']} {inc['classification']} (confidence {inc['confidence']:.2f}),"
          f" {inc['first_seen']} .. {inc['last_seen']}")
    print("  hosts:   ", ", ".join(inc["hosts"]))
    print("  accounts:", ", ".join(inc["accounts"]))
    if inc["tactics"]:
        print("  chain:   ", " -> ".join(inc["tactics"]))
    for reason in inc["reasons"]:
        print("  -", reason)
    groups = inc.get("similar_groups", [])[:3]
    if groups:
        print("  similar ATT&CK groups (technique overlap, not attribution):",
              ", ".join(f"{g['name']} ({g['id']}) {g['score']:.2f}" for g in groups))
totals = collections.Counter()
for day in findings["attempts"]:
    totals[day["category"]] += day["count"]
days = len({d["date"] for d in findings["attempts"]})
print(f"\nattack attempts over {days} days:",
      ", ".join(f"{n:,} {c}" for c, n in sorted(totals.items())))
for v in findings["need_to_know"]:
    print(f"need-to-know: {v['account']} ({v['role']}) read {v['asset']} {v['accesses']} times")

ti = truth["incidents"][0]
esp = [i for i in findings["incidents"] if i["classification"] == "espionage"]
same_incident = (len(esp) == 1
                 and set(esp[0]["hosts"]) == {h.lower() for h in ti["hosts"]}
                 and set(esp[0]["accounts"]) == set(ti["accounts"]))
attempts = lambda rows: {(r["date"], r["category"]): r["count"] for r in rows}
same_attempts = attempts(findings["attempts"]) == attempts(truth["attempts"])
flagged = {(v["account"], v["asset"]) for v in findings["need_to_know"]}
true_readers = {(r["account"], a) for r in truth["out_of_role_readers"] for a in r["assets"]}
print("\nagainst the ground truth:")
print("  intrusion = one espionage incident, same hosts and accounts:", "yes" if same_incident else "NO")
print("  attempts per day and category equal:", "yes" if same_attempts else "NO")
print("  out-of-role reader flagged on the true assets:", "yes" if flagged == true_readers else "NO")

exposure = collections.Counter(s["exposure"] for s in findings["exposed_subjects"])
print(f"\nwho was hit: {len(findings['exposed_subjects'])} subjects exposed",
      "(" + ", ".join(f"{exposure[k]} {k}" for k in ("exfiltrated", "accessed", "at_risk")) + "),",
      len(findings["not_exposed"]), "not exposed")
for s in findings["exposed_subjects"]:
    if s["exposure"] == "at_risk":
        continue
    review = ", safety review first" if s["safety_review"] else ""
    print(f"  {s['subject_id']:8} {s['category']:18} {s['exposure']:12} {s['incident']}"
          f" ({s['reasons'][0]}){review}")
gaps = [c for c in findings["coverage"]["locations"] if c["status"] != "covered"]
print(f"  coverage: {len(gaps)} of {len(findings['coverage']['locations'])} inventory locations"
      " had no log source during the intrusion (their subjects are at risk, never 'safe')")
got = {s["subject_id"]: s["exposure"] for s in findings["exposed_subjects"]}
want = {s["subject_id"]: s["exposure"] for s in truth["exposed_subjects"]}
print("  exposed subjects and levels equal the ground truth:", "yes" if got == want else "NO")
PY

say "4. Notifications (drafts in $out/case/notifications)"
sed -n '1,12p' "$out/case/notifications/index.md" | sed 's/^/  /'
echo "  ..."
echo "  the authority report: $out/case/notifications/authority_report.md (and .html)"

say "5. Damaged evidence is normal: a truncated copy of a Security log"
mkdir -p "$out/damaged"
src=$(find "$out/scenario/windows/FS01" -name Security.evtx | head -n 1)
size=$(stat -c %s "$src")
head -c $((size / 2 + 12345)) "$src" >"$out/damaged/Security-truncated.evtx"
rc=0
"$vigil" dump "$out/damaged" -o "$out/damaged.jsonl" 2>"$out/damage-report.txt" || rc=$?
echo "exit code $rc (1 = damage found and reported, the records before it still read):"
sed 's/^/  /' "$out/damage-report.txt" | head -n 5
echo "  $(wc -l <"$out/damaged.jsonl") records recovered"

say "Done. The report: $(cd "$out/case" && pwd)/report.html"
echo "   (also findings.json and case.db beside it; the scenario's logs are in $out/scenario)"
