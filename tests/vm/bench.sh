#!/bin/bash
# Runs inside the guest for bench/usb_decision_bench.sh: the same registered stick hot-plugged
# ROUNDS times under mamori-agent, then under usbguard-daemon with the equivalent rules, while
# uevent_times.py records the kernel's uevents. Prints p50/p95 of both and their ratio.
set -uo pipefail
. "$(dirname "$0")/env"
. "$(dirname "$0")/guest-lib.sh"
state=/tmp/mamori-state
log=$work/agent.log
rounds=${rounds:-50}
mkdir -p "$state" /tmp/usbguard

cycles() {  # cycles NAME: ROUNDS plugs of the registered stick, each waited for until usable
  python3 "$src/tests/vm/uevent_times.py" > "$work/uevents-$1.log" &
  local monitor=$!
  until grep -q ready "$work/uevents-$1.log" 2>/dev/null; do sleep 0.05; done
  for i in $(seq "$rounds"); do
    plug "$1$i" stick2 RW0001
    d=$(usbdev RW0001) || d=none
    disk "$d" >/dev/null || echo "  $1: round $i: the stick did not become usable"
    unplug "$1$i"
    gone RW0001
  done
  sleep 0.5
  kill "$monitor"
  python3 "$src/tests/vm/latency.py" "$work/uevents-$1.log" > "$work/latency-$1.txt"
}
percentile() {  # percentile FILE COLUMN P
  sort -n -k"$2" "$1" | awk -v c="$2" -v p="$3" '{ v[NR] = $c } END { i = int((NR - 1) * p / 100) + 1; print v[i] }'
}

policy enforce "$registered"
start_agent
cycles mamori
stop_agent -TERM

# usbguard: the same decisions (hubs and the registered serial allowed, everything else blocked)
# and the same fail-safe start (new devices unauthorized until the daemon decides).
cat > /tmp/usbguard/rules.conf <<'RULES'
allow with-interface equals { 09:*:* }
allow with-interface equals { 03:*:* }
allow id 46f4:0001 serial "RW0001"
RULES
cat > /tmp/usbguard/usbguard-daemon.conf <<'CONF'
RuleFile=/tmp/usbguard/rules.conf
ImplicitPolicyTarget=block
PresentDevicePolicy=apply-policy
PresentControllerPolicy=keep
InsertedDevicePolicy=apply-policy
AuthorizedDefault=none
RestoreControllerDeviceState=false
DeviceManagerBackend=uevent
IPCAllowedUsers=root
DeviceRulesWithPort=false
AuditBackend=FileAudit
AuditFilePath=/tmp/usbguard/audit.log
CONF
chmod 0600 /tmp/usbguard/*
mkdir -p /dev/shm && mount -t tmpfs shm /dev/shm 2>/dev/null
# usbguard authorizes whole devices and leaves interfaces to the kernel's default, which the
# mamori run above set to "not authorized"; give usbguard the kernel's own default back.
for h in /sys/bus/usb/devices/usb*; do echo 1 > "$h/interface_authorized_default"; done
usbguard-daemon -P -K -l /tmp/usbguard/daemon.log -c /tmp/usbguard/usbguard-daemon.conf &
usbguard=$!
for _ in $(seq 100); do [ -s /tmp/usbguard/daemon.log ] && break; sleep 0.1; done
sleep 2
if kill -0 "$usbguard" 2>/dev/null; then
  cycles usbguard
else
  echo "usbguard-daemon did not start:"; cat /tmp/usbguard/daemon.log
fi
kill "$usbguard" 2>/dev/null; wait "$usbguard" 2>/dev/null
cp /tmp/usbguard/daemon.log "$work/usbguard-daemon.log" 2>/dev/null

echo "usb decision latency under TCG, $rounds hot-plugs each (ms from the device's add uevent):"
printf '  %-10s %8s %8s %8s %8s %s\n' "" "auth p50" "auth p95" "use p50" "use p95" "plugs"
for who in mamori usbguard; do
  f=$work/latency-$who.txt
  printf '  %-10s %8s %8s %8s %8s %s\n' "$who" "$(percentile "$f" 1 50)" "$(percentile "$f" 1 95)" \
    "$(percentile "$f" 2 50)" "$(percentile "$f" 2 95)" "$(wc -l < "$f")"
done
m95=$(percentile "$work/latency-mamori.txt" 1 95) u95=$(percentile "$work/latency-usbguard.txt" 1 95)
echo "  ratio mamori/usbguard, p95 to authorized: $(awk -v a="$m95" -v b="$u95" 'BEGIN { printf "%.2f", a / b }') (target <= 1)"
[ "$(wc -l < "$work/latency-mamori.txt")" -ge "$rounds" ] && [ "$(wc -l < "$work/latency-usbguard.txt")" -ge "$rounds" ] &&
  echo "vm: bench done"
