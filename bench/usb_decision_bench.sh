#!/usr/bin/env bash
# usb_decision_bench: how fast the USB control decides, next to usbguard, on a real kernel.
# Boots the tests/vm guest (Debian's kernel under QEMU TCG) and hot-plugs the same registered
# stick ROUNDS times under mamori-agent and then under usbguard-daemon with equivalent rules,
# timing each from the kernel's add uevent to the authorization (the interfaces' add uevents)
# and to usb-storage bound (usable). Prints p50/p95 and the ratio of the p95s (target <= 1).
# usage: bench/usb_decision_bench.sh [BUILD_DIR] [--rounds N]   (as root; installs usbguard)
set -euo pipefail
cd "$(dirname "$0")/.."
build=build rounds=50
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) build=$1; shift ;;
  esac
done
if ! command -v usbguard-daemon >/dev/null; then
  echo "usb_decision_bench: installing usbguard (the baseline)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq usbguard >/dev/null
fi
MAMORI_VM_GUEST=bench.sh MAMORI_VM_ROUNDS=$rounds MAMORI_VM_SECONDS=$((120 + rounds * 12)) \
  bash tests/vm/run.sh "$build" | sed -n '/^usb decision latency/,$p'
