#!/bin/bash
# Runs inside the guest for bench/usb_decision_bench.sh. ROUNDS hot-plugs of each, while
# uevent_times.py records the kernel's uevents:
#   - the registered stick, under mamori-agent and then under usbguard-daemon with equivalent rules;
#   - a keyboard with a storage function (dummy_hcd + configfs gadget): under mamori as shipped
#     (keys allowed, storage blocked: decided per interface), under mamori with the gadget
#     registered (allowed whole), and under usbguard allowing it whole.
# Prints p50/p95/p99 of each and the ratios of the p95s.
set -uo pipefail
. "$(dirname "$0")/env"
. "$(dirname "$0")/guest-lib.sh"
state=/tmp/mamori-state
log=$work/agent.log
rounds=${rounds:-100}
mkdir -p "$state" /tmp/usbguard

record() {  # record NAME: starts the uevent recorder for run NAME
  python3 "$src/tests/vm/uevent_times.py" > "$work/uevents-$1.log" &
  recorder=$!
  until grep -q ready "$work/uevents-$1.log" 2>/dev/null; do sleep 0.05; done
}
recorded() {  # recorded NAME DRIVER: stops the recorder and computes the latencies
  sleep 0.5
  kill "$recorder"
  python3 "$src/tests/vm/latency.py" "$work/uevents-$1.log" "$2" > "$work/latency-$1.txt"
}
stick_cycles() {  # stick_cycles NAME: ROUNDS plugs of the registered stick, each waited for until usable
  record "$1"
  for i in $(seq "$rounds"); do
    plug "$1$i" stick2 RW0001
    d=$(usbdev RW0001) || d=none
    disk "$d" >/dev/null || echo "  $1: round $i: the stick did not become usable"
    unplug "$1$i"
    gone RW0001
  done
  recorded "$1" usb-storage
}
keyboard_cycles() {  # keyboard_cycles NAME: ROUNDS plugs of the gadget, each waited for until its keys work
  record "$1"
  for i in $(seq "$rounds"); do
    plug_gadget
    d=$(usbdev COMPO05) || d=none
    for _ in $(seq 100); do [ -e "/sys/bus/usb/devices/$d:1.0/driver" ] && break; sleep 0.05; done
    [ -e "/sys/bus/usb/devices/$d:1.0/driver" ] || echo "  $1: round $i: the keys did not become usable"
    unplug_gadget
    gone COMPO05
  done
  recorded "$1" usbhid
}
percentile() {  # percentile FILE COLUMN P
  sort -n -k"$2" "$1" | awk -v c="$2" -v p="$3" '{ v[NR] = $c } END { i = int((NR - 1) * p / 100) + 1; print v[i] }'
}

have_gadget && make_gadget COMPO05
gadget_registered="$registered
    - {id: REG-KBD, vendor: \"1d6b\", product: \"0104\", serial: \"COMPO05\", access: read-write}"

policy enforce "$registered"
start_agent
stick_cycles mamori-stick
have_gadget && keyboard_cycles mamori-mixed
stop_agent -TERM
policy enforce "$gadget_registered"
start_agent
have_gadget && keyboard_cycles mamori-whole
stop_agent -TERM

# usbguard: the same decisions (hubs, keyboards, the registered stick and the gadget allowed,
# everything else blocked) and the same fail-safe start (new devices unauthorized until it decides).
cat > /tmp/usbguard/rules.conf <<'RULES'
allow with-interface equals { 09:*:* }
allow with-interface equals { 03:*:* }
allow id 46f4:0001 serial "RW0001"
allow id 1d6b:0104 serial "COMPO05"
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
# mamori runs above left at "not authorized"; give usbguard the kernel's own default back.
for h in /sys/bus/usb/devices/usb*; do echo 1 > "$h/interface_authorized_default"; done
usbguard-daemon -P -K -l /tmp/usbguard/daemon.log -c /tmp/usbguard/usbguard-daemon.conf &
usbguard=$!
for _ in $(seq 100); do [ -s /tmp/usbguard/daemon.log ] && break; sleep 0.1; done
sleep 2
if kill -0 "$usbguard" 2>/dev/null; then
  stick_cycles usbguard-stick
  have_gadget && keyboard_cycles usbguard-whole
else
  echo "usbguard-daemon did not start:"; cat /tmp/usbguard/daemon.log
fi
kill "$usbguard" 2>/dev/null; wait "$usbguard" 2>/dev/null
cp /tmp/usbguard/daemon.log "$work/usbguard-daemon.log" 2>/dev/null

echo "usb decision latency under TCG, $rounds hot-plugs each (ms from the device's add uevent;"
echo "authorized: its first interface made; usable: usb-storage bound for the stick, usbhid for the keyboard):"
printf '  %-34s %8s %8s %8s %8s %8s %8s %s\n' "" "auth p50" "auth p95" "auth p99" "use p50" "use p95" "use p99" "plugs"
runs="mamori-stick usbguard-stick"
have_gadget && runs="$runs mamori-mixed mamori-whole usbguard-whole"
for who in $runs; do
  f=$work/latency-$who.txt
  case $who in
    mamori-stick) label="stick, mamori (kernel binds whole)" ;;
    usbguard-stick) label="stick, usbguard" ;;
    mamori-mixed) label="kbd+storage, mamori (keys only)" ;;
    mamori-whole) label="kbd+storage, mamori (registered)" ;;
    usbguard-whole) label="kbd+storage, usbguard (allowed)" ;;
  esac
  printf '  %-34s %8s %8s %8s %8s %8s %8s %s\n' "$label" "$(percentile "$f" 1 50)" "$(percentile "$f" 1 95)" \
    "$(percentile "$f" 1 99)" "$(percentile "$f" 2 50)" "$(percentile "$f" 2 95)" "$(percentile "$f" 2 99)" "$(wc -l < "$f")"
done
ratio() {  # ratio RUN BASELINE COLUMN
  awk -v a="$(percentile "$work/latency-$1.txt" "$3" 95)" -v b="$(percentile "$work/latency-$2.txt" "$3" 95)" \
    'BEGIN { printf "%.2f", a / b }'
}
echo "  stick, mamori/usbguard p95: authorized $(ratio mamori-stick usbguard-stick 1) (target <= 0.5)," \
  "usable $(ratio mamori-stick usbguard-stick 2) (target <= 1)"
if have_gadget; then
  echo "  kbd+storage, keys usable p95: mamori keys only/usbguard $(ratio mamori-mixed usbguard-whole 2)," \
    "mamori registered/usbguard $(ratio mamori-whole usbguard-whole 2)"
fi
complete=yes
for who in $runs; do [ "$(wc -l < "$work/latency-$who.txt")" -ge "$rounds" ] || complete=no; done
[ $complete = yes ] && echo "vm: bench done"
