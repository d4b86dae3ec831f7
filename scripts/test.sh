#!/usr/bin/env bash
# The whole test suite, tier by tier, each timed:
#   unit + integration (normal build), the same under ASan+UBSan, the libFuzzer targets.
# Usage: scripts/test.sh [--quick]   (--quick: normal build only, no sanitizers, no fuzzing)
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

build() {  # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
  ninja -C "$dir"
}

run_ctest() {  # run_ctest DIR
  ctest --test-dir "$1" --output-on-failure --timeout 600 -j2
}

fuzz_all() {
  local dir=build-fuzz
  CC=clang CXX=clang++ build "$dir" -DMAMORI_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
  local seconds=${MAMORI_FUZZ_SECONDS:-60}
  for f in "$dir"/tests/fuzz/fuzz_*; do
    local name=${f##*/fuzz_}
    local corpus="$dir/corpus/$name"
    mkdir -p "$corpus"
    [ -d "tests/fuzz/seeds/$name" ] && cp -n tests/fuzz/seeds/"$name"/* "$corpus"/ 2>/dev/null || true
    echo "fuzzing $name for ${seconds}s"
    "$f" -max_total_time="$seconds" -print_final_stats=1 "$corpus" 2>&1 | tail -3
  done
}

tier "build (RelWithDebInfo)" build build
tier "unit + integration" run_ctest build
if [ $quick -eq 0 ]; then
  tier "build (ASan+UBSan)" build build-asan -DMAMORI_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  tier "unit + integration (ASan+UBSan)" env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_ctest build-asan
  tier "fuzz (libFuzzer)" fuzz_all
fi

echo
echo "tier timings:"
printf '  %s\n' "${summary[@]}"
