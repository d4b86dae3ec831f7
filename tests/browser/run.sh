#!/usr/bin/env bash
# The console in a real browser: Debian's Chromium driven by python3-selenium against a real
# collector (SQLite) holding a seeded fleet (console_seed: terminals over mutual TLS) and one live
# mamori-agent, as a city would use it. Screenshots of every page land in BUILD/console-screenshots.
# Usage: tests/browser/run.sh [BUILD_DIR]      (default: build; needs mamori-collector, mamorictl,
#        mamori-agent and tests/browser/console_seed built there)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
work=$(mktemp -d /tmp/mamori-console.XXXXXX)
shots=$build/console-screenshots
rm -rf "$shots" && mkdir -p "$shots"
bin=$build/collector
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# axe-core (accessibility rules, MPL-2.0, ~500 KB) from the npm registry, kept beside the build.
axe=$build/node_modules/axe-core/axe.min.js
if [ ! -f "$axe" ] && ! command -v npm >/dev/null; then apt-get install -y -q npm >/dev/null; fi
[ -f "$axe" ] || npm install --silent --no-audit --no-fund --prefix "$build" axe-core@4 >/dev/null

port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
agent_port=$(port) admin_port=$(port) metrics_port=$(port)
"$bin/mamori-collector" init --dir "$work/c" --organisation "test city" --agent-listen 127.0.0.1:$agent_port \
  --admin-listen 127.0.0.1:$admin_port --metrics-listen 127.0.0.1:$metrics_port >/dev/null
start_collector() {
  "$bin/mamori-collector" run --dir "$work/c" 2>>"$work/collector.log" &
  collector=$!
  pids+=($collector)
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$admin_port) 2>/dev/null && return; sleep 0.1; done
  echo "the collector did not start:"; tail -20 "$work/collector.log"; exit 1
}
start_collector
export MAMORI_CTL_CONFIG=$work/c/mamorictl.conf
ctl() { "$bin/mamorictl" "$@"; }

# The people: the first administrator, a CISO, a section chief of each section, an auditor.
# Only the CISO manages a CISO account: the CISO sets their own password, with their own token.
ctl user add ciso1 --role ciso 2>/dev/null >"$work/ciso1.token"
sed "s|^token_file = .*|token_file = $work/ciso1.token|" "$work/c/mamorictl.conf" >"$work/ciso1.conf"
printf '%s\n' "pass-ciso1-2026" | MAMORI_CTL_CONFIG=$work/ciso1.conf "$bin/mamorictl" user password >/dev/null
# The CISO delegates approval to the first administrator: the second person of an exception.
MAMORI_CTL_CONFIG=$work/ciso1.conf "$bin/mamorictl" user rights admin --grant approve >/dev/null
ctl user add shimin_mgr --role section_manager --section 市民課 >/dev/null 2>&1
ctl user add zeimu_mgr --role section_manager --section 税務課 >/dev/null 2>&1
ctl user add auditor1 --role auditor >/dev/null 2>&1
printf '%s\n' "pass-admin-2026" | ctl user password >/dev/null
# Another's password only the CISO sets.
for u in shimin_mgr zeimu_mgr auditor1; do
  printf '%s\n' "pass-$u-2026" | MAMORI_CTL_CONFIG=$work/ciso1.conf "$bin/mamorictl" user password "$u" >/dev/null
done

# The seeded fleet, each terminal enrolled with its own one-time token.
seed_args=()
for name in shimin-01 shimin-02 shimin-03 zeimu-01 zeimu-02; do
  group=市民課; [[ $name == zeimu-* ]] && group=税務課
  seed_args+=("$name=$(ctl token create --group "$group" 2>/dev/null)")
done
"$build/tests/browser/console_seed" "https://127.0.0.1:$agent_port" "$work/c/ca.pem" "${seed_args[@]}" >"$work/terminals.txt"

# One live agent in 市民課, as the demo runs it (no USB or execution control on this machine).
mkdir -p "$work/empty-sysfs"
printf 'software_control = off\nusb_sysfs_root = %s\n' "$work/empty-sysfs" >"$work/agent.conf"
"$build/agent/mamori-agent" enroll --state-dir "$work/agent" --collector "https://127.0.0.1:$agent_port" \
  --token "$(ctl token create --group 市民課 2>/dev/null)" >/dev/null
"$build/agent/mamori-agent" run --config "$work/agent.conf" --state-dir "$work/agent" 2>"$work/agent.log" &
pids+=($!)
for _ in $(seq 200); do grep -q '^last_upload = [1-9]' "$work/agent/status.conf" 2>/dev/null && break; sleep 0.1; done
live=$(ctl terminals --format json | /usr/bin/python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin)["rows"] if not r["hostname"].startswith(("shimin-","zeimu-"))][0])')

# The browsers trust console-ca.pem as an administrator sets them up, and nothing else: Chromium
# reads the NSS database in $HOME/.pki/nssdb, Firefox its profile's.
export HOME=$work/home
mkdir -p "$HOME/.pki/nssdb"
certutil -N -d "sql:$HOME/.pki/nssdb" --empty-password
certutil -A -n "mamori console" -t "C,," -i "$work/c/console-ca.pem" -d "sql:$HOME/.pki/nssdb"

args=(--url "https://127.0.0.1:$admin_port" --terminals "$work/terminals.txt" --live "$live" --shots "$shots"
      --axe "$axe" --downloads "$work/downloads" --root "$root" --ca "$work/c/ca.pem")
/usr/bin/python3 "$root/tests/browser/console_test.py" "${args[@]}" || { tail -30 "$work/collector.log"; exit 1; }

# Firefox ESR: Debian 12 has no WebDriver for it, so the sign-in page is shot headless through a
# profile that trusts console-ca.pem, as an administrator would set it up. Firefox writes the
# picture only once the page has loaded over TLS; a refused certificate leaves none.
ff=$work/firefox
cp -r "$HOME/.pki/nssdb" "$ff"
timeout 90 firefox-esr --headless --no-remote --profile "$ff" --screenshot "$shots/firefox-login.png" \
  "https://127.0.0.1:$admin_port/console/login" >"$work/firefox.log" 2>&1 || true
if [ ! -s "$shots/firefox-login.png" ] || grep -q "bad certificate" "$work/collector.log"; then
  echo "Firefox ESR could not load the console:"; tail -5 "$work/firefox.log"; grep "TLS handshake" "$work/collector.log" | tail -3
  exit 1
fi
echo "Firefox ESR loaded the sign-in page over TLS ($shots/firefox-login.png)"

# Idle logout: the same collector, restarted with a short idle time.
kill "$collector"; wait "$collector" || true
printf 'console_idle_seconds = 10\n' >>"$work/c/collector.conf"
start_collector
/usr/bin/python3 "$root/tests/browser/console_test.py" "${args[@]}" --only idle || { tail -30 "$work/collector.log"; exit 1; }
echo "console browser test: passed; screenshots in $shots"
