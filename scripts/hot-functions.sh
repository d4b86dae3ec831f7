#!/usr/bin/env bash
# Writes agent/hot-functions.txt: the functions of mamori-agent that an idle enrolled agent runs
# in steady state (a heartbeat and its sync, programs started and judged, the minute's memory
# release and warm-up), which the link places first and together (agent/CMakeLists.txt says why).
# It runs build/bench/footprint_bench with the agent under valgrind's callgrind, counting from 30 s
# after start (start-up is over) for 75 s, a heartbeat among them. Re-run it when those paths change
# much: the linker ignores names the code no longer has, so a stale list costs memory, never
# correctness.
# Usage: scripts/hot-functions.sh [BUILD_DIR]   (needs valgrind)
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
agent=$build/agent/mamori-agent
. scripts/agent-callgrind.sh
agent_under_callgrind hot-functions "$build" 120 --demangle=no
echo "hot-functions: agent $pid under callgrind; counting from 30 s after its start for 75 s"
sleep 30
callgrind_control -i on "$pid" >/dev/null 2>&1
# A terminal starts programs all day, each judged by the exec control: packaged ones, and now
# and then one of no package (digested, reported).
cp /bin/true "$work/unpackaged"
for _ in $(seq 25); do
  /bin/true; /usr/bin/env true; "$work/unpackaged"
  sleep 3
done
callgrind_control -d "$pid" >/dev/null 2>&1
ls "$work"/callgrind.out.* >/dev/null 2>&1 || { cat "$work/bench.log"; echo "hot-functions: the agent stopped early" >&2; exit 1; }
wait "$bench" || true  # it stops the agent; its verdict on the footprint is beside the point here
bench=""

# callgrind names each object (ob=, cob=) and function (fn=, cfn=) in full once, then by number.
python3 - "$work"/callgrind.out.* "$agent" >"$work/hot-functions.txt" <<'EOF'
import re, sys
*outs, agent = sys.argv[1:]
hot = set()
for out in outs:
    objects, names, ob = {}, {}, None
    for line in open(out, errors="replace"):
        m = re.match(r"(c?)(ob|fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not m:
            continue
        called, kind, ident, name = m.groups()
        table = objects if kind == "ob" else names
        if name is not None:
            table[ident] = name
        if kind == "ob" and not called:
            ob = objects.get(ident)
        elif kind == "fn" and not called and ob == agent:
            fn = re.sub(r"'\d+$", "", names.get(ident, ""))
            if fn and not fn.startswith("0x"):
                hot.add(fn)
print("\n".join(sorted(hot)))
EOF
n=$(wc -l <"$work/hot-functions.txt")
# The list in place is replaced only by a whole new one.
[ "$n" -gt 100 ] || { cat "$work/bench.log"; echo "hot-functions: only $n functions counted: no sync in the window?" >&2; exit 1; }
mv "$work/hot-functions.txt" agent/hot-functions.txt
echo "hot-functions: agent/hot-functions.txt lists $n functions"
