#!/usr/bin/env bash
# The whole test suite, tier by tier, each timed:
#   unit + integration (normal build); the console in Chromium; one clang build instrumented with ASan+UBSan and libFuzzer
#   coverage, which runs the same tests and then the fuzz targets; the Debian packages installed,
#   upgraded and purged in a fresh debootstrap root; the QEMU USB tier.
# Usage: scripts/test.sh [--quick]   (--quick: normal build and the browser only: no sanitizers, fuzzing, packages or VM)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
quick=0
[ "${1:-}" = "--quick" ] && quick=1

bash scripts/install-deps.sh

declare -a summary=()
tier() {  # tier NAME COMMAND...: runs one tier, records its wall time
  local name=$1; shift
  local t0=$SECONDS
  echo "==== tier: $name"
  "$@"
  summary+=("$(printf '%-28s %5ds' "$name" $((SECONDS - t0)))")
  echo "==== tier: $name passed in $((SECONDS - t0)) s"
}

build() {  # build DIR [cmake options...] [-- ninja targets...]
  local dir=$1; shift
  local opts=() targets=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift && targets=("$@")
  cmake -S "$root" -B "$dir" -G Ninja "${opts[@]}" >/dev/null
  ninja -C "$dir" "${targets[@]}"
}

run_ctest() {  # run_ctest DIR [ctest options...]
  local dir=$1; shift
  ctest --test-dir "$dir" --output-on-failure --no-tests=error --timeout 600 -j2 "$@"
}

# Load tests whose code paths the other tests already cover: under the sanitizers they take
# minutes of the CI budget and find nothing more; the normal build runs them in full.
sanitized_skip='CollectorCluster\.|AThousandSimultaneousExecs|ValidChainOfTenThousand'

run_ctest_sanitized() {  # run_ctest_sanitized DIR: leaks and undefined behaviour fail the test
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest "$1" -E "$sanitized_skip"
}

fuzz_one() {  # fuzz_one BINARY SECONDS: one target on its corpus; a crash fails the tier
  local f=$1 seconds=$2 name=${1##*/fuzz_}
  local corpus=build-san/corpus/$name
  mkdir -p "$corpus"
  if [ -d "tests/fuzz/seeds/$name" ]; then cp -n tests/fuzz/seeds/"$name"/* "$corpus"/ 2>/dev/null || true; fi
  # The policy loader's seeds are the shipped profiles themselves.
  if [ "$name" = policy_yaml ]; then cp -n installer/profiles/*.yaml "$corpus"/; fi
  if "$f" -max_total_time="$seconds" -print_final_stats=1 "$corpus" >"build-san/$name.log" 2>&1; then
    echo "fuzz $name: ${seconds}s, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "build-san/$name.log" | grep -o '[0-9]*$') runs, no crash"
  else
    echo "fuzz $name: FAILED"; tail -40 "build-san/$name.log"; return 1
  fi
}

build_sanitized() {  # clang: libFuzzer comes with it, and it builds this tree faster than GCC
  CC=clang CXX=clang++ build build-san -DMAMORI_SANITIZE=ON -DMAMORI_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
}

fuzz_all() {
  local seconds=${MAMORI_FUZZ_SECONDS:-40} pids=() failed=0
  # Two at a time: one per core.
  for f in build-san/tests/fuzz/fuzz_*; do
    # The policy loader parses what administrators type: it gets the full time, the rest half.
    local t=$seconds
    [ "${f##*/fuzz_}" = policy_yaml ] || t=$((seconds / 2))
    fuzz_one "$f" "$t" & pids+=($!)
    if [ ${#pids[@]} -eq 2 ]; then wait "${pids[0]}" || failed=1; pids=("${pids[1]}"); fi
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  return $failed
}

tier "build (RelWithDebInfo)" build build
tier "unit + integration" run_ctest build
tier "console (Chromium)" bash tests/browser/run.sh build
if [ $quick -eq 0 ]; then
  tier "build (clang, ASan+UBSan+fuzz)" build_sanitized
  tier "unit + integration (ASan+UBSan)" run_ctest_sanitized build-san
  tier "fuzz (libFuzzer)" fuzz_all
  tier "install (Debian packages)" bash tests/install/run.sh build
  # Last: the slowest tier, and the only one that boots a guest kernel.
  tier "vm (QEMU, real USB)" bash tests/vm/run.sh build
fi

echo
echo "tier timings:"
printf '  %s\n' "${summary[@]}"
