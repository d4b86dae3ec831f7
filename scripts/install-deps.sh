#!/usr/bin/env bash
# Installs every Debian 12 package mamori needs to build, run and test.
# Idempotent: packages already present are skipped, so re-running costs one dpkg query.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  clang libclang-rt-14-dev                     # libFuzzer and the sanitizer runtime
  lld                                          # links the agent with its steady-state code together
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev libboost-url1.81-dev
  libcli11-dev                                 # the command lines: a table of subcommands
  libssl-dev openssl
  libcurl4-openssl-dev                         # SMTP: alert mail through the city's relay
  libprotobuf-dev protobuf-compiler
  libyaml-cpp-dev
  libsqlite3-dev sqlite3
  lintian debootstrap man-db                   # installer: package checks, the install test, manual pages checked
  libpq-dev postgresql-15
  libgtest-dev libgmock-dev
  libxcb1-dev libxcb-screensaver0-dev libxcb-sync-dev libxau-dev xvfb xdotool x11-xserver-utils
  libhowardhinnant-date-dev                    # IANA time zones (C++20 <chrono> tz is not in GCC 12)
  tzdata ca-certificates procps
  qemu-system-x86 busybox-static              # tests/vm: a real kernel with real USB sticks
  dosfstools mtools                            # tests/vm: a FAT stick with a program on it, made without mounting
  libsystemd-dev                               # sd-bus: logind sessions, idle hints, LockSession
  dbus-daemon python3-dbusmock python3-dbus python3-gi libglib2.0-bin  # tests: a real bus with a logind on it
  libnotify-bin                                # notify-send: the operating-hours warning on the desktop
  faketime                                     # tests: an agent whose clock is wrong (libfaketime)
  dconf-cli dconf-gsettings-backend gsettings-desktop-schemas  # the GNOME lock settings audit and its test
  curl                                         # tests/attack: a real HTTP client
  rsyslog rsyslog-openssl python3-aiosmtpd     # tests: the syslog (TCP and TLS) and SMTP servers alerts go to
  prometheus                                   # tests: promtool and a real Prometheus scraping /metrics
  libargon2-dev                                # the console's password hashes (argon2id)
  chromium chromium-driver python3-selenium fonts-noto-cjk  # tests: the console in a real browser, in Japanese
  firefox-esr libnss3-tools                    # tests: the console's certificate and page in Firefox ESR
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "==> all ${#packages[@]} Debian packages mamori needs are installed"; exit 0; fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
log=${TMPDIR:-/tmp}/mamori-install-deps.log
t0=$SECONDS
echo "==> installing ${#missing[@]} Debian packages (and what they depend on); apt's full output: $log"
echo "${missing[*]}" | fold -s -w 96 | sed 's/^/    /'
echo "==> apt-get update"
$sudo apt-get update -q >"$log" 2>&1 || { tail -20 "$log"; exit 1; }
# apt's own output is a few hundred lines (every download, unpack and set-up); its status lines
# (APT::Status-Fd) are read instead and shown once per tenth of each phase. The status goes to
# stdout, not to a spare descriptor, because sudo closes every descriptor above 2.
if ! $sudo apt-get install -y -q --no-install-recommends -o APT::Status-Fd=1 "${missing[@]}" 2>&1 |
  awk -v logfile="$log" -v t0="$(date +%s)" '
    function show(phase, pct, what) {
      if (int(pct / 10) <= shown[phase]) return
      shown[phase] = int(pct / 10)
      printf "    %-8s %3d%%  %4d s  %s\n", phase, pct, systime() - t0, what
      fflush()
    }
    BEGIN { shown["download"] = -1; shown["install"] = -1 }
    /^dlstatus:/ { split($0, f, ":"); show("download", f[3], f[4]); next }
    /^pmstatus:/ {  # pmstatus:PACKAGE[:ARCH]:PERCENT:WHAT
      if (match($0, /:[0-9.]+:/)) show("install", substr($0, RSTART + 1, RLENGTH - 2), substr($0, RSTART + RLENGTH))
      next
    }
    { print >> logfile }'; then
  echo "apt-get install failed; the end of $log:" >&2
  tail -30 "$log" >&2
  exit 1
fi
echo "==> Debian packages installed ($((SECONDS - t0)) s)"
