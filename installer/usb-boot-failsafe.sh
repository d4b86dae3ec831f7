#!/bin/sh
# Closes the window between boot and the agent's start, when the kernel authorizes every USB
# device it finds: with usbcore.authorized_default on the kernel command line, nothing plugged
# in gets a driver until the agent has decided about it.
#
# The trade-off: a USB keyboard does not work before the agent runs, for example at a
# disk-unlock (LUKS) prompt or in a rescue shell. "internal" keeps hard-wired ports (a laptop's
# own keyboard and touchpad) working and denies external ports only, where the firmware tells
# them apart; otherwise "internal" behaves like "all".
#
# Usage: usb-boot-failsafe.sh all|internal|off|status
#   all       usbcore.authorized_default=0: no USB device until the agent runs
#   internal  usbcore.authorized_default=2: internal ports only until the agent runs
#   off       the kernel's default (every device authorized at boot)
#   status    what is configured, and what the running kernel uses
set -eu
cfg=/etc/default/grub.d/mamori-usb.cfg

apply_grub() {
    if command -v update-grub >/dev/null 2>&1; then
        update-grub >/dev/null 2>&1 || echo "usb-boot-failsafe: update-grub failed; run it by hand" >&2
    else
        echo "usb-boot-failsafe: no GRUB here; add or remove usbcore.authorized_default on the kernel command line of this machine's boot loader" >&2
    fi
}

set_value() {
    mkdir -p "${cfg%/*}"
    cat > "$cfg.tmp" <<CFG
# Written by mamori-agent (usb-boot-failsafe.sh $1). USB devices wait for the agent's decision
# from boot on. 起動直後からUSB機器はエージェントの判定まで使用できません。
GRUB_CMDLINE_LINUX="\${GRUB_CMDLINE_LINUX:-} usbcore.authorized_default=$2"
CFG
    mv "$cfg.tmp" "$cfg"
    apply_grub
    echo "usb-boot-failsafe: usbcore.authorized_default=$2 from the next boot"
}

case "${1:-}" in
    all) set_value all 0 ;;
    internal) set_value internal 2 ;;
    off)
        if [ -e "$cfg" ]; then rm -f "$cfg"; apply_grub; fi
        echo "usb-boot-failsafe: off from the next boot"
        ;;
    status)
        if [ -e "$cfg" ]; then sed -n 's/.*usbcore.authorized_default=\([0-9-]*\).*/configured: usbcore.authorized_default=\1/p' "$cfg"
        else echo "configured: off"; fi
        echo "running kernel: usbcore.authorized_default=$(cat /sys/module/usbcore/parameters/authorized_default 2>/dev/null || echo unknown)"
        ;;
    -h | --help)
        sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'
        ;;
    *)
        echo "usage: usb-boot-failsafe.sh all|internal|off|status (--help explains the trade-off)" >&2
        echo "使い方: usb-boot-failsafe.sh all|internal|off|status（--help で影響を説明します）" >&2
        exit 2
        ;;
esac
