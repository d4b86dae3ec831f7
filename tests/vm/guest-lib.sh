# Sourced by the guest scripts: sticks plugged through the host's QMP mailbox, and what the
# guest kernel shows of them.
n=0
# Waiting and reading without starting a process: under TCG a fork and exec costs milliseconds of
# the guest's one vCPU, which every poll during a plug would take from the decision being timed.
nap_fifo=/tmp/mamori-nap
[ -p "$nap_fifo" ] || mkfifo "$nap_fifo"
nap() { read -rt "$1" _ <>"$nap_fifo" || true; }  # nap SECONDS: nothing ever writes to the fifo
serial_is() {  # serial_is DEVICE-DIR SERIAL: whether the device reports this serial
  local s=""
  IFS= read -r s 2>/dev/null <"$1/serial"
  [ "$s" = "$2" ]
}
request() {  # request WORDS...: asks the host for a QMP action and waits until it is done
  n=$((n + 1))
  echo "$*" > "$work/mbox/$n.tmp" && mv "$work/mbox/$n.tmp" "$work/mbox/$n.req"
  for _ in $(seq 300); do [ -e "$work/mbox/$n.done" ] && return 0; nap 0.05; done
  echo "host did not answer: $*"; return 1
}
plug() { request plug "$1" "$2" "$3" "${4:-}"; }  # plug ID DRIVE SERIAL [BUS]
unplug() { request unplug "$1"; }
usbdev() {  # usbdev SERIAL: the sysfs name of the device with this serial, waiting up to 15 s
  for _ in $(seq 150); do
    for d in /sys/bus/usb/devices/*-*; do
      serial_is "$d" "$1" && { echo "${d##*/}"; return 0; }
    done
    nap 0.1
  done
  return 1
}
gone() {  # gone SERIAL: waits up to 10 s until no device has this serial
  for _ in $(seq 100); do usbdev_now "$1" || return 0; nap 0.1; done
  return 1
}
usbdev_now() { for d in /sys/bus/usb/devices/*-*; do serial_is "$d" "$1" && return 0; done; return 1; }
disk() {  # disk DEV: the block device under a USB device, waiting up to 10 s (TCG's SCSI scan)
  for _ in $(seq 100); do
    for b in /sys/bus/usb/devices/"$1"/*/host*/target*/*/block/*; do [ -e "$b" ] && { echo "${b##*/}"; return 0; }; done
    nap 0.1
  done
  return 1
}

policy() {  # policy MODE [DEVICES-YAML]
  cat > "$work/policy.yaml" <<YAML
name: vm-test
usb:
  mode: $1
  default: block
  class_rules:
    - {id: hid, class: hid, action: allow}
    - {id: hub, class: hub, action: allow}
    - {id: mass-storage, class: mass-storage, action: block}
  devices:
${2:-    []}
YAML
}
registered='    - {id: REG-RW, vendor: "46f4", product: "0001", serial: "RW0001", access: read-write}
    - {id: REG-RO, vendor: "46f4", product: "0001", serial: "RO0002", access: read-only}'

agent_pid=""
start_agent() {
  printf 'state_dir = %s\npolicy_file = %s\nsoftware_control = %s\n%s\n' "$state" "$work/policy.yaml" "${software_control:-off}" \
    "${agent_conf_extra:-}" > "$work/agent.conf"
  : > "$log.cur"
  "$agent" run --config "$work/agent.conf" >> "$log.cur" 2>&1 &
  agent_pid=$!
  for _ in $(seq 200); do grep -q "usb: new devices start unauthorized" "$log.cur" && break; sleep 0.05; done
  for _ in $(seq 40); do grep -q "usb: " "$log.cur" && [ -e "$state/journal.db" ] && break; sleep 0.05; done
  sleep 0.3
  cat "$log.cur" >> "$log"
}
stop_agent() { [ -n "$agent_pid" ] && kill "$1" "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null; agent_pid=""; cat "$log.cur" >> "$log"; }


# A composite USB device made in the guest itself (dummy_hcd + configfs): a keyboard with a
# storage function, as some "secure" keyboards and card readers are.
gadget=/sys/kernel/config/usb_gadget/mamori
have_gadget() { [ -d /sys/kernel/config/usb_gadget ] && ls /sys/class/udc/ 2>/dev/null | grep -q dummy; }
make_gadget() {  # make_gadget SERIAL: the keyboard + storage gadget, not yet plugged
  local g=$gadget
  dd if=/dev/zero of=/tmp/gadget.img bs=1M count=4 status=none
  printf 'MAMORI-MARKER-gadget' | dd of=/tmp/gadget.img conv=notrunc status=none
  mkdir -p $g/strings/0x409 $g/configs/c.1/strings/0x409 $g/functions/hid.kbd $g/functions/mass_storage.ms
  echo 0x1d6b > $g/idVendor; echo 0x0104 > $g/idProduct
  echo "$1" > $g/strings/0x409/serialnumber; echo "keyboard with storage" > $g/strings/0x409/product
  echo 1 > $g/functions/hid.kbd/protocol; echo 1 > $g/functions/hid.kbd/subclass; echo 8 > $g/functions/hid.kbd/report_length
  printf '\x05\x01\x09\x06\xa1\x01\x05\x07\x19\xe0\x29\xe7\x15\x00\x25\x01\x75\x01\x95\x08\x81\x02\x95\x01\x75\x08\x81\x03\x95\x06\x75\x08\x15\x00\x25\x65\x05\x07\x19\x00\x29\x65\x81\x00\xc0' > $g/functions/hid.kbd/report_desc
  echo /tmp/gadget.img > $g/functions/mass_storage.ms/lun.0/file
  ln -s $g/functions/hid.kbd $g/configs/c.1/
  ln -s $g/functions/mass_storage.ms $g/configs/c.1/
}
plug_gadget() { ls /sys/class/udc | grep dummy | head -1 > $gadget/UDC; }
unplug_gadget() { echo "" > $gadget/UDC; }
