#!/bin/bash
# Runs inside the guest for bench/usb_decision_bench.sh. ROUNDS hot-plugs of each, while
# uevent_times.py records the kernel's uevents:
#   - the registered stick, under mamori-agent and under usbguard-daemon with equivalent rules;
#   - a keyboard with a storage function (dummy_hcd + configfs gadget): under mamori as shipped
#     (keys allowed, storage blocked: decided per interface), under mamori with the gadget
#     registered (allowed whole), and under usbguard allowing it whole;
#   - both again with no daemon, the kernel authorizing everything: the floor under both.
# Prints p50/p95/p99 of each and the ratios of the p95s.
set -uo pipefail
. "$(dirname "$0")/env"
. "$(dirname "$0")/guest-lib.sh"
state=/tmp/mamori-state
log=$work/agent.log
rounds=${rounds:-100}
mkdir -p "$state" /tmp/usbguard

record() {  # record NAME: starts the uevent recorder for run NAME (appending)
  python3 "$src/tests/vm/uevent_times.py" > "$work/uevents-$1.part" &
  recorder=$!
  until grep -q ready "$work/uevents-$1.part" 2>/dev/null; do sleep 0.05; done
}
recorded() {  # recorded NAME: stops the recorder
  sleep 0.5
  kill "$recorder"
  wait "$recorder" 2>/dev/null
  cat "$work/uevents-$1.part" >> "$work/uevents-$1.log"
}
stick_cycles() {  # stick_cycles NAME N: N plugs of the registered stick, each waited for until usable
  record "$1"
  for i in $(seq "$2"); do
    plugs=$((plugs + 1))
    plug "s$plugs" stick2 RW0001
    d=$(usbdev RW0001) || d=none
    disk "$d" >/dev/null || echo "  $1: plug $plugs: the stick did not become usable"
    unplug "s$plugs"
    gone RW0001
  done
  recorded "$1"
}
keyboard_cycles() {  # keyboard_cycles NAME N: N plugs of the gadget, each waited for until its keys work
  record "$1"
  for i in $(seq "$2"); do
    plug_gadget
    d=$(usbdev COMPO05) || d=none
    for _ in $(seq 100); do [ -e "/sys/bus/usb/devices/$d:1.0/driver" ] && break; nap 0.05; done
    [ -e "/sys/bus/usb/devices/$d:1.0/driver" ] || echo "  $1: the keys did not become usable"
    unplug_gadget
    gone COMPO05
  done
  recorded "$1"
}
percentile() {  # percentile FILE COLUMN P
  sort -n -k"$2" "$1" | awk -v c="$2" -v p="$3" '{ v[NR] = $c } END { i = int((NR - 1) * p / 100) + 1; print v[i] }'
}

have_gadget && make_gadget COMPO05
gadget_registered="$registered
    - {id: REG-KBD, vendor: \"1d6b\", product: \"0104\", serial: \"COMPO05\", access: read-write}"

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
usbguard_cycles() {  # usbguard_cycles N: N plugs of each under usbguard-daemon
  # usbguard authorizes whole devices and leaves interfaces to the kernel's default, which
  # mamori leaves at "not authorized"; give usbguard the kernel's own default back.
  for h in /sys/bus/usb/devices/usb*; do echo 1 > "$h/interface_authorized_default"; done
  : > /tmp/usbguard/daemon.log
  usbguard-daemon -P -K -l /tmp/usbguard/daemon.log -c /tmp/usbguard/usbguard-daemon.conf &
  usbguard=$!
  for _ in $(seq 100); do [ -s /tmp/usbguard/daemon.log ] && break; sleep 0.1; done
  sleep 1
  if kill -0 "$usbguard" 2>/dev/null; then
    stick_cycles usbguard-stick "$1"
    have_gadget && keyboard_cycles usbguard-whole "$1"
  else
    echo "usbguard-daemon did not start:"; cat /tmp/usbguard/daemon.log
  fi
  kill "$usbguard" 2>/dev/null; wait "$usbguard" 2>/dev/null
  cat /tmp/usbguard/daemon.log >> "$work/usbguard-daemon.log"
}

kernel_cycles() {  # kernel_cycles N: N plugs of each with no daemon, the kernel authorizing all
  # The floor under both daemons: from the add uevent, the kernel's own configuration of the
  # device (its control transfers, under TCG) and the uevents' delivery, with no decision in it.
  for h in /sys/bus/usb/devices/usb*; do echo 1 > "$h/authorized_default"; echo 1 > "$h/interface_authorized_default"; done
  stick_cycles kernel-stick "$1"
  have_gadget && keyboard_cycles kernel-whole "$1"
  for h in /sys/bus/usb/devices/usb*; do echo 0 > "$h/authorized_default"; done
}

# In blocks of ten plugs, the daemons taking turns, so that whatever else the host does meanwhile
# weighs on both alike.
plugs=0
block=10
for b in $(seq $(((rounds + block - 1) / block))); do
  policy enforce "$registered"
  start_agent
  stick_cycles mamori-stick $block
  have_gadget && keyboard_cycles mamori-mixed $block
  stop_agent -TERM
  if have_gadget; then
    policy enforce "$gadget_registered"
    start_agent
    keyboard_cycles mamori-whole $block
    stop_agent -TERM
  fi
  usbguard_cycles $block
  kernel_cycles $block
done
for who in mamori-stick mamori-mixed mamori-whole usbguard-stick usbguard-whole kernel-stick kernel-whole; do
  driver=usbhid; case $who in *-stick) driver=usb-storage ;; esac
  [ -e "$work/uevents-$who.log" ] && python3 "$src/tests/vm/latency.py" "$work/uevents-$who.log" $driver > "$work/latency-$who.txt"
done

echo "usb decision latency under TCG, $rounds hot-plugs each (ms from the device's add uevent;"
echo "authorized: its first interface made; usable: usb-storage bound for the stick, usbhid for the keyboard):"
printf '  %-34s %8s %8s %8s %8s %8s %8s %s\n' "" "auth p50" "auth p95" "auth p99" "use p50" "use p95" "use p99" "plugs"
runs="mamori-stick usbguard-stick kernel-stick"
have_gadget && runs="$runs mamori-mixed mamori-whole usbguard-whole kernel-whole"
for who in $runs; do
  f=$work/latency-$who.txt
  case $who in
    mamori-stick) label="stick, mamori (kernel binds whole)" ;;
    usbguard-stick) label="stick, usbguard" ;;
    mamori-mixed) label="kbd+storage, mamori (keys only)" ;;
    mamori-whole) label="kbd+storage, mamori (registered)" ;;
    usbguard-whole) label="kbd+storage, usbguard (allowed)" ;;
    kernel-stick) label="stick, no daemon (the floor)" ;;
    kernel-whole) label="kbd+storage, no daemon (the floor)" ;;
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
# What each daemon adds to the floor, at the median: its own reaction, which the p95 ratio above
# dilutes with the kernel's work that no daemon can remove.
above() {  # above RUN COLUMN: RUN's p50 minus the floor's
  awk -v a="$(percentile "$work/latency-$1.txt" "$2" 50)" -v b="$(percentile "$work/latency-kernel-stick.txt" "$2" 50)" \
    'BEGIN { printf "%.1f", a - b }'
}
echo "  stick, above the floor at p50 (ms): authorized mamori $(above mamori-stick 1), usbguard $(above usbguard-stick 1);" \
  "usable mamori $(above mamori-stick 2), usbguard $(above usbguard-stick 2)"
echo "  stick, the floor's p95 / usbguard's: authorized $(ratio kernel-stick usbguard-stick 1)" \
  "(no daemon can be faster than the floor)"
if have_gadget; then
  echo "  kbd+storage, keys usable p95: mamori keys only/usbguard $(ratio mamori-mixed usbguard-whole 2)," \
    "mamori registered/usbguard $(ratio mamori-whole usbguard-whole 2)"
fi
complete=yes
for who in $runs; do [ "$(wc -l < "$work/latency-$who.txt")" -ge "$rounds" ] || complete=no; done
[ $complete = yes ] && echo "vm: bench done"
