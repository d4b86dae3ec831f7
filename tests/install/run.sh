#!/usr/bin/env bash
# The real installation test: both Debian packages into a fresh Debian 12 root made by debootstrap
# (cached in BUILD_DIR/install-cache), the collector started as its unit starts it, the agent
# installed silently with a token, upgraded, removed and purged. Needs root (chroot, mounts).
# Usage: tests/install/run.sh BUILD_DIR
set -euo pipefail
build=$(realpath "${1:?usage: tests/install/run.sh BUILD_DIR}")
src=$(realpath "$(dirname "$0")/../..")
cache=$build/install-cache work=$build/install-work
root=$work/root
mkdir -p "$cache" "$work"

passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...: one assertion
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok - $what"
  else failed=$((failed + 1)); echo "not ok - $what"; fi
}
in_root() { chroot "$root" "$@"; }

# --- packages: this build, and the same rebuilt with a higher version for the upgrade --------
pkgs=$work/packages
rm -rf "$pkgs" && mkdir -p "$pkgs/v1" "$pkgs/v2"
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
(cd "$build" && cpack -G DEB -B "$pkgs/v1" >/dev/null &&
  cpack -G DEB -B "$pkgs/v2" -D CPACK_PACKAGE_VERSION="$version+1" >/dev/null)
agent_v1=$(ls "$pkgs"/v1/mamori-agent_*.deb) agent_v2=$(ls "$pkgs"/v2/mamori-agent_*.deb)
collector_deb=$(ls "$pkgs"/v1/mamori-collector_*.deb)

# --- lintian and systemd-analyze on what was built -------------------------------------------
lint=$(lintian --allow-root --display-info --pedantic "$agent_v1" "$collector_deb" 2>&1 || true)
echo "$lint" | sed 's/^/  lintian: /'
check "lintian reports no errors" bash -c '! grep -q "^E: " <<<"$1"' _ "$lint"
# The manual pages, English and Japanese, at every level lintian has (no tag is suppressed).
check "lintian says nothing about the manual pages" bash -c '! grep -q "manpage" <<<"$1"' _ "$lint"
units=$work/units-root
rm -rf "$units" && mkdir -p "$units"
dpkg -x "$agent_v1" "$units" && dpkg -x "$collector_deb" "$units"
# The targets the units name come from this machine's systemd; the units and programs from the packages.
cp -rn /lib/systemd/system/. "$units/lib/systemd/system/"
install -D /bin/kill "$units/bin/kill"  # ExecReload's program, from procps
check "systemd-analyze verify passes for both units" \
  systemd-analyze --root="$units" verify /lib/systemd/system/mamori-agent.service /lib/systemd/system/mamori-collector.service
# man -M would not look in the language subdirectories; a manpath.config naming the tree does,
# as /etc/manpath.config does for /usr/share/man on an installed system.
printf 'MANDATORY_MANPATH %s\n' "$units/usr/share/man" >"$work/manpath.config"
check "man -L ja shows the Japanese mamorictl(1) from the package" \
  bash -c 'env -u MANPATH LC_ALL=C.UTF-8 man -C "$1" -L ja mamorictl 2>/dev/null | grep -q 終了ステータス' _ "$work/manpath.config"
for unit in mamori-agent mamori-collector; do
  echo "  $(systemd-analyze security --offline=true --root="$units" "$unit.service" 2>/dev/null | grep 'Overall exposure')"
done

# --- a fresh Debian 12 root, with the packages' dependencies, from the configured archive ----
mirror=$(apt-cache policy | awk '/ bookworm\/main amd64 Packages/ {print $2; exit}')
# Recommends too, as apt installs them: then purging the agent must leave the root as it was.
deps=$(for d in "$agent_v1" "$collector_deb"; do dpkg-deb -f "$d" Depends Recommends | sed 's/^[A-Za-z]*: //'; done |
  tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$' | sort -u | paste -sd, -)
tarball=$cache/bookworm-$(echo "$deps" | sha256sum | cut -c1-16).tar
if [ ! -f "$tarball" ]; then
  echo "  debootstrap: a Debian 12 root from $mirror (cached in $tarball)"
  fresh=$cache/debootstrap
  rm -rf "$fresh"
  debootstrap --variant=minbase --include="$deps" bookworm "$fresh" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log"; exit 1; }
  chroot "$fresh" apt-get clean
  tar -C "$fresh" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf "$fresh"
fi

unmount() {
  for m in proc dev; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"; done
  return 0
}
stop_daemons() {  # every process whose root is the test root
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  return 0
}
cleanup() { stop_daemons; unmount; }
trap cleanup EXIT
cleanup
rm -rf "$root" && mkdir -p "$root"
tar -C "$root" -xf "$tarball"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mkdir -p "$root/tmp/pkgs"
cp "$agent_v1" "$agent_v2" "$collector_deb" "$root/tmp/pkgs/"
deb() { echo "/tmp/pkgs/$(basename "$1")"; }
export DEBIAN_FRONTEND=noninteractive

# --- collector: installed, then started as its unit starts it (no systemd in the root) -------
unit_line() { sed -n "s/^$2=//p" "$root/lib/systemd/system/$1.service"; }
in_root apt-get install -y -q "$(deb "$collector_deb")" >"$work/collector-install.log" 2>&1 ||
  { cat "$work/collector-install.log"; exit 1; }
check "the collector runs as its own system user" in_root getent passwd mamori-collector
start_collector() {
  chroot --userspec=mamori-collector:mamori-collector "$root" sh -c \
    "$(unit_line mamori-collector ExecStartPre) && exec $(unit_line mamori-collector ExecStart)" \
    >>"$work/collector.log" 2>&1 &
  disown
  for _ in $(seq 100); do in_root mamorictl terminals >/dev/null 2>&1 && return 0; sleep 0.2; done
  cat "$work/collector.log"; return 1
}
stop_collector() {
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && [ "$(readlink "$p/exe")" = "$root/usr/sbin/mamori-collector" ] &&
      kill -TERM "${p#/proc/}"
  done
  sleep 1
}
start_collector
check "the collector made its CA and keys at first start, owner-only" \
  bash -c '[ "$(chroot "$1" stat -c %a:%U /var/lib/mamori-collector/ca.key)" = 600:mamori-collector ]' _ "$root"
token() { in_root mamorictl token create --group 市民課 2>/dev/null; }

# --- agent helpers ---------------------------------------------------------------------------
start_agent() {
  in_root sh -c "exec $(unit_line mamori-agent ExecStart)" >>"$work/agent.log" 2>&1 &
  disown
}
agent_pid() {
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && [ "$(readlink "$p/exe")" = "$root/usr/sbin/mamori-agent" ] &&
      { echo "${p#/proc/}"; return 0; }
  done
  return 1
}
terminal_id() { sed -n 's/^terminal_id *= *//p' "$root/var/lib/mamori/identity.conf" 2>/dev/null; }
events() { in_root mamorictl events --terminal "$(terminal_id)" --format csv 2>/dev/null; }
wait_event() {  # wait_event TYPE [COUNT]: the collector holds at least COUNT events of TYPE
  local n=${2:-1}
  for _ in $(seq 150); do
    [ "$(events | grep -c "$1")" -ge "$n" ] && return 0
    sleep 0.2
  done
  return 1
}
agent_gone() { ! agent_pid >/dev/null; }
snapshot() {  # every path of the root but those dpkg, apt and the collector keep for themselves
  (cd "$root" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./var/cache -o -path ./var/log \
    -o -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/lib/mamori-collector \) -prune -o -print | sort)
}
snapshot >"$work/before-agent.txt"

# --- 1. silent installation with a token ------------------------------------------------------
env MAMORI_COLLECTOR=https://127.0.0.1:8443 MAMORI_ENROLL_TOKEN="$(token)" MAMORI_USB_BOOT_FAILSAFE=all \
  chroot "$root" apt-get install -y -q "$(deb "$agent_v1")" </dev/null >"$work/agent-install.log" 2>&1
check "silent installation enrolled the terminal" grep -q "enrolled as" "$work/agent-install.log"
check "the USB boot fail-safe asked for puts usbcore.authorized_default=0 on the kernel command line" \
  grep -q 'usbcore.authorized_default=0' "$root/etc/default/grub.d/mamori-usb.cfg"
check "the terminal key was made here, mode 0600" \
  bash -c '[ "$(stat -c %a "$1/var/lib/mamori/terminal.key")" = 600 ]' _ "$root"
check "the one-time token is not left in debconf" \
  bash -c '! grep -rqs "mamori1\." "$1/var/cache/debconf/"' _ "$root"
first_id=$(terminal_id) first_key=$(sha256sum <"$root/var/lib/mamori/terminal.key")
start_agent
check "events arrive at the collector" wait_event AGENT_STARTED 1

# --- 2. upgrade to a rebuilt package with a higher version ------------------------------------
in_root apt-get install -y -q "$(deb "$agent_v2")" </dev/null >"$work/agent-upgrade.log" 2>&1
check "the upgrade stopped the running agent" agent_gone
check "the upgrade installed the higher version" \
  bash -c '[ "$(chroot "$1" dpkg-query -W -f "\${Version}" mamori-agent)" = "$2" ]' _ "$root" "$version+1"
check "the upgrade kept the USB boot fail-safe" test -e "$root/etc/default/grub.d/mamori-usb.cfg"
check "the upgrade kept the identity and the key" \
  bash -c '[ "$(sed -n "s/^terminal_id *= *//p" "$1/var/lib/mamori/identity.conf")" = "$2" ] && [ "$(sha256sum <"$1/var/lib/mamori/terminal.key")" = "$3" ]' \
  _ "$root" "$first_id" "$first_key"
start_agent
check "after the upgrade the same terminal reports on" wait_event AGENT_STARTED 2
check "the collector still knows one terminal" bash -c '[ "$(chroot "$1" mamorictl terminals --format csv | grep -c "$2")" = 1 ]' _ "$root" "$first_id"

# --- 3. remove: AGENT_UNINSTALLED reaches the collector ---------------------------------------
in_root apt-get remove -y -q mamori-agent </dev/null >"$work/agent-remove.log" 2>&1
check "remove stopped the agent" agent_gone
check "remove reported AGENT_UNINSTALLED" wait_event AGENT_UNINSTALLED 1
check "remove takes the USB boot fail-safe off the kernel command line" test ! -e "$root/etc/default/grub.d/mamori-usb.cfg"

# --- 4. purge leaves nothing behind ------------------------------------------------------------
in_root apt-get purge -y -q mamori-agent </dev/null >"$work/agent-purge.log" 2>&1
snapshot >"$work/after-purge.txt"
check "purge leaves nothing behind" diff "$work/before-agent.txt" "$work/after-purge.txt"

# --- 5. collector down at installation: the agent keeps trying, then delivers everything ------
# A token is made while the collector runs; the collector then goes down before installation.
late_token=$(token)
stop_collector
# This time the answers come the Debian way, preseeded into debconf.
printf '%s\n' "mamori-agent mamori-agent/collector string https://127.0.0.1:8443" \
  "mamori-agent mamori-agent/token password $late_token" | in_root debconf-set-selections
in_root apt-get install -y -q "$(deb "$agent_v1")" </dev/null >"$work/agent-install-down.log" 2>&1
check "an unreachable collector leaves a clear message" grep -q "keeps trying in the background" "$work/agent-install-down.log"
check "... and the package installed" bash -c 'chroot "$1" dpkg-query -W -f "\${Status}" mamori-agent | grep -q "install ok installed"' _ "$root"
start_agent
sleep 3
check "... the agent runs unenrolled under the built-in default policy" \
  bash -c 'chroot "$1" mamori-agent status | grep -Eq "enrolled: +no" && chroot "$1" mamori-agent status | grep -Eq "policy: +built-in default"' _ "$root"
start_collector
for _ in $(seq 200); do [ -n "$(terminal_id)" ] && break; sleep 0.3; done
check "the running agent enrolled once the collector was back" test -n "$(terminal_id)"
check "events journaled before enrollment arrive under the terminal's id" wait_event AGENT_STARTED 2

# --- 6. a wrong token: installed, not enrolled, default policy, kept for retrying -------------
in_root apt-get purge -y -q mamori-agent </dev/null >/dev/null 2>&1
fingerprint=${late_token##*.}
# ... through the script-based rollout.
cp "$src/installer/install-agent.sh" "$root/tmp/pkgs/"
in_root /tmp/pkgs/install-agent.sh --collector https://127.0.0.1:8443 \
  --token "mamori1.AAAAAAAAAAAAAAAAAAAAAAAA.$fingerprint" --package "$(deb "$agent_v1")" \
  >"$work/agent-install-badtoken.log" 2>&1 || true
check "a wrong token leaves a clear message" grep -q "refused enrollment" "$work/agent-install-badtoken.log"
check "... the package is installed, not enrolled, under the built-in default policy" \
  grep -Eq "policy: +built-in default" "$work/agent-install-badtoken.log"
check "... the request is kept for the agent to retry, owner-only" \
  bash -c '[ "$(stat -c %a "$1/var/lib/mamori/enroll.pending")" = 600 ]' _ "$root"
in_root apt-get purge -y -q mamori-agent </dev/null >/dev/null 2>&1

echo "  logs: $work"
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
