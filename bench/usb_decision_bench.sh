#!/usr/bin/env bash
# usb_decision_bench: how fast the USB control decides, next to usbguard, on a real kernel.
# Boots the tests/vm guest (Debian's kernel under QEMU TCG) and hot-plugs, ROUNDS times each, a
# registered stick and a keyboard with a storage function (a configfs gadget) under mamori-agent
# and under usbguard-daemon with equivalent rules, and with no daemon (the kernel authorizing all:
# the floor under both), timing each from the kernel's add uevent to the authorization (the
# interfaces' add uevents) and to the driver bound (usable). Prints p50/p95/p99, the ratios of the
# p95s (targets: authorized <= 0.5x usbguard, usable <= 1x) and what each daemon adds to the floor.
# usage: bench/usb_decision_bench.sh [BUILD_DIR] [--rounds N]   (as root; installs usbguard)
set -euo pipefail
cd "$(dirname "$0")/.."
build=build rounds=100
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "usb_decision_bench: unknown option $1 (see --help) / 不明なオプションです: $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
if ! [[ "$rounds" =~ ^[1-9][0-9]{0,3}$ ]]; then
  echo "usb_decision_bench: --rounds takes a whole number from 1 to 9999, not '$rounds'" \
    "/ --rounds には 1 から 9999 までの整数を指定してください" >&2
  exit 2
fi
if [ ! -x "$build/agent/mamori-agent" ]; then
  echo "usb_decision_bench: no $build/agent/mamori-agent: build first (ninja -C $build)" \
    "/ $build/agent/mamori-agent がありません。先にビルドしてください" >&2
  exit 2
fi
if ! command -v usbguard-daemon >/dev/null; then
  echo "usb_decision_bench: installing usbguard (the baseline)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq usbguard >/dev/null
fi
MAMORI_VM_GUEST=bench.sh MAMORI_VM_ROUNDS=$rounds MAMORI_VM_SECONDS=$((300 + rounds * 50)) \
  bash tests/vm/run.sh "$build" | sed -n '/^usb decision latency/,$p'
