#!/usr/bin/env bash
# The VM tier: Debian's own kernel in QEMU (TCG), real xHCI, real usb-storage sticks attached
# and detached over QMP, and the agent built on this host running in the guest through a
# read-only 9p share of this root. Proves that a blocked stick is really unreadable.
#   bash tests/vm/run.sh BUILD_DIR            the test cases (guest.sh)
#   MAMORI_VM_GUEST=bench.sh bash tests/vm/run.sh BUILD_DIR   another guest script of this folder
# The kernel and initramfs are cached in BUILD_DIR/vm-cache; a run after the first needs no network.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
agent="$build/agent/mamori-agent"
cache="$build/vm-cache"
work="$build/vm-work"
[ -x "$agent" ] || { echo "vm: build the agent first ($agent is missing)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "vm: qemu-system-x86 is missing (scripts/install-deps.sh)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "vm: busybox-static is missing (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$cache"

# --- kernel: Debian's package, unpacked, never installed on this host ----------------------
kernel_pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -1)
if [ ! -f "$cache/kernel.ok" ]; then
  ( cd "$cache" && rm -rf kroot ./*.deb && apt-get download "$kernel_pkg" >/dev/null && dpkg -x ./*.deb kroot )
  touch "$cache/kernel.ok"
fi
kver=$(ls "$cache/kroot/lib/modules" | head -1)
moddir="$cache/kroot/lib/modules/$kver"

# --- initramfs: busybox and the modules for USB, SCSI disks, 9p and gadgets ----------------
# The package has no modules.dep (depmod runs at install), so dependencies are read from each
# module's own "depends=" and modules are loaded in that order.
wanted="virtio_pci 9pnet_virtio 9p xhci_pci usb_storage sd_mod usbhid hid_generic dummy_hcd
        libcomposite usb_f_mass_storage usb_f_hid configfs vfat nls_cp437 nls_ascii nls_utf8"
# The cache is rebuilt when this script changes (the module list, the init below).
stamp=$(sha256sum "$0" | cut -c1-16)
if [ "$(cat "$cache/initrd.ok" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$cache/initrd" && mkdir -p "$cache/initrd"/{bin,dev,proc,sys,host,mods,tmp}
  cp /bin/busybox "$cache/initrd/bin/busybox"
  declare -A path_of=() seen=()
  while read -r f; do b=${f##*/}; b=${b%%.ko*}; path_of[${b//-/_}]=$f; done \
    < <(find "$moddir/kernel" -name '*.ko*')
  order=()
  resolve() {  # resolve NAME: appends the module after everything it needs
    local name=${1//-/_} f d
    [ -n "${seen[$name]:-}" ] && return 0
    seen[$name]=1
    f=${path_of[$name]:-}
    [ -n "$f" ] || return 0  # built into this kernel
    for d in $(modinfo_of "$f" | sed -n 's/^depends=//p' | tr ',' ' '); do resolve "$d"; done
    order+=("$f")
  }
  modinfo_of() { case "$1" in *.xz) xz -dc "$1" ;; *.zst) zstd -qdc "$1" ;; *) cat "$1" ;; esac | tr '\0' '\n' | grep -a '^depends='; }
  for m in $wanted; do resolve "$m"; done
  : > "$cache/initrd/mods/order"
  for f in "${order[@]}"; do
    b=${f##*/}; b=${b%%.ko*}
    case "$f" in
      *.xz) xz -dc "$f" > "$cache/initrd/mods/$b.ko" ;;
      *.zst) zstd -qdc "$f" > "$cache/initrd/mods/$b.ko" ;;
      *) cp "$f" "$cache/initrd/mods/$b.ko" ;;
    esac
    echo "$b" >> "$cache/initrd/mods/order"
  done
  cat > "$cache/initrd/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
# insmod, unlike modprobe, does not read module.param=value from the kernel command line.
for m in $(cat /mods/order); do
  u=$(echo "$m" | tr - _)
  insmod /mods/$m.ko $(tr ' ' '\n' < /proc/cmdline | sed -n "s/^$u\.//p") 2>/dev/null
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /host
work=$(sed -n 's/.*mamori.work=\([^ ]*\).*/\1/p' /proc/cmdline)
keep=$(sed -n 's/.*mamori.keep=\([^ ]*\).*/\1/p' /proc/cmdline)
mkdir -p /hosttmp; mount -o bind /host/tmp /hosttmp
mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp; mount -t tmpfs run /host/run
# The guest's /tmp is its own; a checkout or build that lives under the host's /tmp is put back
# into it, so the tier runs from a clone anywhere.
for p in $(echo "$keep" | tr ',' ' '); do
  case "$p" in /tmp/*) mkdir -p "/host$p"; mount -o bind "/hosttmp${p#/tmp}" "/host$p" ;; esac
done
# Last: the writable share may lie inside one of the folders above.
mkdir -p "/host$work"; mount -t 9p -o trans=virtio,version=9p2000.L,rw work "/host$work"
mount -t configfs none /host/sys/kernel/config 2>/dev/null
chroot /host /bin/bash "$work/guest.sh" > "/host$work/guest.log" 2>&1
echo "mamori-vm: guest done"
poweroff -f
INIT
  chmod +x "$cache/initrd/init"
  ( cd "$cache/initrd" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 ) > "$cache/initrd.gz"
  echo "$stamp" > "$cache/initrd.ok"
fi

# --- the run: sticks, guest script, QEMU with a QMP socket --------------------------------
rm -rf "$work" && mkdir -p "$work/mbox" "$work/state"
for s in stick1 stick2 stick3; do
  truncate -s 4M "$work/$s.img"
  printf 'MAMORI-MARKER-%s' "$s" | dd of="$work/$s.img" conv=notrunc status=none
done
# A stick as they come, FAT-formatted, carrying a program (made without mounting anything).
truncate -s 8M "$work/stick4.img"
/usr/sbin/mkfs.vfat -n MAMORI "$work/stick4.img" > /dev/null
mcopy -i "$work/stick4.img" /bin/true ::tool
cp "$src/tests/vm/${MAMORI_VM_GUEST:-guest.sh}" "$work/guest.sh"
cp "$src/tests/vm/guest-lib.sh" "$work/guest-lib.sh"
cat > "$work/env" <<ENV
agent=$agent
build=$build
src=$src
work=$work
rounds=${MAMORI_VM_ROUNDS:-50}
ENV

port=$((20000 + RANDOM % 20000))
vmlinuz=$(ls "$cache"/kroot/boot/vmlinuz-* | head -1)
qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m 1024 -smp 1 -nographic -no-reboot -nic none \
  -kernel "$vmlinuz" -initrd "$cache/initrd.gz" \
  -append "console=ttyS0 quiet panic=-1 usb_storage.delay_use=0 usbcore.authorized_default=0 mamori.work=$work mamori.keep=$src,$build" \
  -fsdev local,id=root,path=/,readonly=on,security_model=none,multidevs=remap -device virtio-9p-pci,fsdev=root,mount_tag=hostroot \
  -fsdev local,id=work,path="$work",security_model=none -device virtio-9p-pci,fsdev=work,mount_tag=work \
  -device qemu-xhci,id=xhci -device usb-kbd,bus=xhci.0,serial=KBD0001 \
  -device pcie-root-port,id=rp1,chassis=1,slot=1 -device pcie-root-port,id=rp2,chassis=2,slot=2 \
  -blockdev driver=raw,node-name=stick1,file.driver=file,file.filename="$work/stick1.img" \
  -blockdev driver=raw,node-name=stick2,file.driver=file,file.filename="$work/stick2.img" \
  -blockdev driver=raw,node-name=stick3,file.driver=file,file.filename="$work/stick3.img" \
  -blockdev driver=raw,node-name=stick4,file.driver=file,file.filename="$work/stick4.img" \
  -qmp tcp:127.0.0.1:$port,server=on,wait=off > "$work/console.log" 2>&1 &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT

# QMP from bash: one JSON command per line, answers read back until "return" or "error".
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
exec 3<>/dev/tcp/127.0.0.1/$port
read -r _greeting <&3
qmp() {
  echo "$1" >&3
  local line
  while read -r -t 30 line <&3; do
    case "$line" in *'"return"'*) return 0 ;; *'"error"'*) echo "vm: qmp: $line" >&2; return 1 ;; esac
  done
  return 1
}
qmp '{"execute":"qmp_capabilities"}'

# The guest asks for plugs through the shared mailbox: "plug ID DRIVE SERIAL [BUS]" / "unplug ID" /
# "addhc ID PCIE-PORT". The guest boots as the installer's USB boot fail-safe sets it up:
# usbcore.authorized_default=0, so a keyboard is usable only once the agent has decided.
deadline=$((SECONDS + ${MAMORI_VM_SECONDS:-570}))
while kill -0 $qemu 2>/dev/null; do
  if [ $SECONDS -gt $deadline ]; then echo "vm: the guest ran out of time" >&2; break; fi
  for req in "$work"/mbox/*.req; do
    [ -e "$req" ] || continue
    read -r verb id drive serial bus < "$req" || true
    serial=${serial//%20/ }  # a space the guest asked for inside a serial (read drops trailing ones)
    case "$verb" in
      plug) qmp "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"usb-storage\",\"bus\":\"${bus:-xhci.0}\",\"id\":\"$id\",\"drive\":\"$drive\",\"serial\":\"$serial\",\"removable\":true}}" || true ;;
      # addhc ID PORT: a USB controller hot-added on a PCIe port (a docking station, a card).
      addhc) qmp "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"qemu-xhci\",\"id\":\"$id\",\"bus\":\"$drive\"}}" || true ;;
      unplug) qmp "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"$id\"}}" || true ;;
    esac
    mv "$req" "${req%.req}.done"
  done
  sleep 0.05
done
wait $qemu 2>/dev/null || true
trap - EXIT

cat "$work/guest.log" 2>/dev/null || true
if ! grep -q '^vm: all cases passed\|^vm: bench done' "$work/guest.log" 2>/dev/null; then
  echo "vm: FAILED (console: $work/console.log, guest: $work/guest.log)" >&2
  exit 1
fi
