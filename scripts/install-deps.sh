#!/usr/bin/env bash
# Installs every Debian 12 package mamori needs to build, run and test.
# Idempotent: packages already present are skipped, so re-running costs one dpkg query.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  clang libclang-rt-14-dev                     # libFuzzer and the sanitizer runtime
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev libboost-url1.81-dev
  libcli11-dev                                 # the command lines: a table of subcommands
  libssl-dev openssl
  libcurl4-openssl-dev                         # SMTP: alert mail through the city's relay
  libprotobuf-dev protobuf-compiler
  libyaml-cpp-dev
  libsqlite3-dev sqlite3
  help2man lintian debootstrap                 # installer: manual pages, package checks, the install test
  libpq-dev postgresql-15
  libgtest-dev libgmock-dev
  libxss-dev libx11-dev libxext-dev xvfb xdotool x11-xserver-utils
  libhowardhinnant-date-dev                    # IANA time zones (C++20 <chrono> tz is not in GCC 12)
  tzdata ca-certificates procps
  qemu-system-x86 busybox-static              # tests/vm: a real kernel with real USB sticks
  libsystemd-dev                               # sd-bus: logind sessions, idle hints, LockSession
  dbus-daemon python3-dbusmock python3-dbus python3-gi libglib2.0-bin  # tests: a real bus with a logind on it
  libnotify-bin                                # notify-send: the operating-hours warning on the desktop
  faketime                                     # tests: an agent whose clock is wrong (libfaketime)
  dconf-cli dconf-gsettings-backend gsettings-desktop-schemas  # the GNOME lock settings audit and its test
  curl                                         # tests/attack: a real HTTP client
  rsyslog python3-aiosmtpd                     # tests: the syslog and SMTP servers alerts go to
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "mamori: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
