#!/usr/bin/env bash
# Prints what a sync of the idle agent faults in, for mamori-agent and each library: the code
# pages it runs, and the 64 KB runs around them that the kernel maps on a fault (fault-around),
# which is what the agent's peak RSS counts. It runs build/bench/footprint_bench with the agent
# under valgrind's callgrind, counting from 25 s after start (the first minute's memory release
# and warm-up are over) to the release that follows the next heartbeat's sync; the instruction
# addresses callgrind records say which pages ran.
# Usage: scripts/sync-windows.sh [BUILD_DIR]   (needs valgrind)
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
. scripts/agent-callgrind.sh
agent_under_callgrind sync-windows "$build" 80 --dump-instr=yes '--dump-before=*ResidentMemory*release*'
echo "sync-windows: agent $pid under callgrind; counting from 25 s after its start to the release after its next sync"
sleep 25
callgrind_control -i on "$pid" >/dev/null 2>&1
cp "/proc/$pid/maps" "$work/maps"
wait "$bench" || true  # it stops the agent; its verdict on the footprint is beside the point here
bench=""
[ -f "$work/callgrind.out.1" ] && grep -q '^desc: Trigger: --dump-before' "$work/callgrind.out.1" || {
  cat "$work/bench.log"; echo "sync-windows: no memory release after the sync was counted" >&2; exit 1; }

python3 - "$work/callgrind.out.1" "$work/maps" <<'PY'
import collections, re, sys
out, maps = sys.argv[1:]
base, code = {}, collections.defaultdict(list)  # per file: where it starts; its executable ranges
for line in open(maps):
    f = line.split()
    if len(f) < 6 or not f[5].startswith("/"):
        continue
    lo, hi = (int(x, 16) for x in f[0].split("-"))
    if int(f[2], 16) == 0:
        base.setdefault(f[5], lo)
    if "x" in f[1]:
        code[f[5]].append((lo, hi))
# callgrind names each object in full once (ob=, cob=), then by number; a cost line starts with
# its instruction's address, absolute (0x...) or relative to the line before (+n, -n, *), and
# within the object's own addresses: base added.
pages = collections.defaultdict(set)
names, ob, at = {}, None, 0
for line in open(out, errors="replace"):
    m = re.match(r"(c?)ob=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
    if m:
        if m.group(3):
            names[m.group(2)] = m.group(3)
        if not m.group(1):
            ob = names.get(m.group(2))
        continue
    if not line or line[0] not in "0123456789+-*":
        continue
    pos = line.split()[0]
    if pos.startswith("0x"):
        at = int(pos, 16)
    elif pos[0] in "+-":
        at += int(pos)
    if ob in base:
        pages[ob].add((base[ob] + at) >> 12)
rows, total = [], 0
for path, p in pages.items():
    runs = {page >> 4 for page in p}  # 16 pages of 4 KB: one 64 KB run
    kb = sum((min(hi, (r + 1) << 16) - max(lo, r << 16)) >> 10
             for r in runs for lo, hi in code[path] if lo < (r + 1) << 16 and hi > r << 16)
    rows.append((kb, len(p) * 4, len(runs), path.rsplit("/", 1)[-1]))
    total += kb
print(f"{'code':28s} {'pages run':>10s} {'64 KB runs':>11s} {'mapped':>9s}")
for kb, ran, runs, name in sorted(rows, reverse=True):
    if kb:
        print(f"{name:28s} {ran:7d} kB {runs:11d} {kb:6d} kB")
print(f"{'in all':28s} {sum(r[1] for r in rows):7d} kB {sum(r[2] for r in rows):11d} {total:6d} kB")
PY
