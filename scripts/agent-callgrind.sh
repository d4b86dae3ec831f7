# Sourced by hot-functions.sh and sync-windows.sh (not run by itself): the idle enrolled agent of
# build/bench/footprint_bench, its `run` under valgrind's callgrind and counting nothing until
# told (callgrind_control -i on), its other commands as they are.
#   agent_under_callgrind NAME BUILD_DIR SECONDS [CALLGRIND OPTION...]
# Checks valgrind and the build, starts the benchmark for SECONDS in the background and waits for
# the agent. Sets `work` (a new directory, removed on exit, callgrind's output in it), `bench`
# (the benchmark's pid, which stops the agent at its end) and `pid` (the agent's, under valgrind).
agent_under_callgrind() {
  local name=$1 build=$2 seconds=$3
  shift 3
  local agent=$build/agent/mamori-agent
  command -v valgrind >/dev/null || { echo "$name: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
  [ -x "$agent" ] && [ -x "$build/bench/footprint_bench" ] || {
    echo "$name: build $build first (ninja -C $build)" >&2; exit 1; }
  work=$(mktemp -d)
  bench=""
  # On a failure, the agent under valgrind goes with the benchmark.
  trap '[ -z "$bench" ] || kill $bench 2>/dev/null || true; pkill -f "callgrind-out-file=$work" || true; rm -rf "$work"' EXIT
  local options
  options=$(printf ' %q' "$@")  # quoted: a pattern such as --dump-before=*x* is not a glob
  cat >"$work/agent" <<EOT
#!/bin/sh
[ "\$1" = run ] && exec valgrind --tool=callgrind --instr-atstart=no$options \
  --callgrind-out-file=$work/callgrind.out "$agent" "\$@"
exec "$agent" "\$@"
EOT
  chmod +x "$work/agent"
  "$build/bench/footprint_bench" --agent "$work/agent" --seconds "$seconds" --warmup 0 >"$work/bench.log" 2>&1 &
  bench=$!
  pid=""
  for _ in $(seq 60); do
    pid=$(pgrep -f "valgrind.*--callgrind-out-file=$work" | head -1) && break
    sleep 1
  done
  [ -n "$pid" ] || { cat "$work/bench.log"; echo "$name: the agent did not start" >&2; exit 1; }
}
