#!/usr/bin/env bash
# usb_decision_bench: how fast the USB control decides, next to usbguard, on a real kernel.
# Boots the tests/vm guest (Debian's kernel under QEMU TCG) and hot-plugs, ROUNDS times each, a
# registered stick and a keyboard with a storage function (a configfs gadget) under mamori-agent
# and under usbguard-daemon with equivalent rules, timing each from the kernel's add uevent to the
# authorization (the interfaces' add uevents) and to the driver bound (usable). Prints p50/p95/p99
# and the ratios of the p95s (targets: authorized <= 0.5x usbguard, usable <= 1x).
# usage: bench/usb_decision_bench.sh [BUILD_DIR] [--rounds N]   (as root; installs usbguard)
set -euo pipefail
cd "$(dirname "$0")/.."
build=build rounds=100
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) build=$1; shift ;;
  esac
done
if ! command -v usbguard-daemon >/dev/null; then
  echo "usb_decision_bench: installing usbguard (the baseline)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq usbguard >/dev/null
fi
MAMORI_VM_GUEST=bench.sh MAMORI_VM_ROUNDS=$rounds MAMORI_VM_SECONDS=$((300 + rounds * 50)) \
  bash tests/vm/run.sh "$build" | sed -n '/^usb decision latency/,$p'
