#!/usr/bin/env bash
# The main job on this machine: a collector on its embedded SQLite store, this machine's agent
# enrolled in it, the My Number profile applied, and today's compliance report printed.
# Everything lives in ./demo (or $MAMORI_DEMO_DIR); it is recreated on each run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Each step says what it does when it starts and how long it took when it ends: on a fresh
# machine the first two take minutes, and a silent terminal looks like a hung one.
current="" started=$SECONDS
step() {
  step_done
  current=$*
  step_t0=$SECONDS
  printf '\n\033[1m==> %s\033[0m\n' "$*"
}
step_done() { [ -z "$current" ] || printf '    (%d s)\n' $((SECONDS - step_t0)); current=""; }

step "0a. Debian packages (scripts/install-deps.sh)"
bash scripts/install-deps.sh

step "0b. build mamori-agent, mamori-collector and mamorictl (CMake + Ninja)"
cmake -S . -B build -G Ninja >/dev/null
# On a terminal ninja keeps its [done/total] status on one line. Into a file or a pipe it
# would print a line per object, several hundred; there one line per tenth of the build is
# shown instead, and every line that is not a status line (a warning, an error) as it is.
export NINJA_STATUS='[%f/%t %es] '
if [ -t 1 ]; then
  ninja -C build mamori-agent mamori-collector mamorictl
else
  ninja -C build mamori-agent mamori-collector mamorictl | awk '
    /^\[[0-9]+\/[0-9]+ / {
      split(substr($1, 2), n, "/")
      if (n[1] == n[2] || int(10 * n[1] / n[2]) > shown) { shown = int(10 * n[1] / n[2]); print; fflush() }
      next
    }
    { print; fflush() }'
fi

demo=${MAMORI_DEMO_DIR:-$root/demo}
agent_port=${MAMORI_AGENT_PORT:-18443}
admin_port=${MAMORI_ADMIN_PORT:-18444}
metrics_port=${MAMORI_METRICS_PORT:-19464}
bin=$root/build
rm -rf "$demo"
mkdir -p "$demo"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

step "1. create a collector (CA, TLS and policy keys, SQLite store) in $demo/collector"
"$bin/collector/mamori-collector" init --dir "$demo/collector" --organisation "demo city" \
  --agent-listen 127.0.0.1:$agent_port --admin-listen 127.0.0.1:$admin_port --metrics-listen 127.0.0.1:$metrics_port
"$bin/collector/mamori-collector" run --dir "$demo/collector" 2>"$demo/collector.log" &
pids+=($!)
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$admin_port) 2>/dev/null && break; sleep 0.1; done
export MAMORI_CTL_CONFIG=$demo/collector/mamorictl.conf

step "2. create a one-time enrollment token for section 市民課"
token=$("$bin/collector/mamorictl" token create --group 市民課)
echo "$token"

step "3. enroll this machine's agent (key generated here, only a CSR leaves)"
"$bin/agent/mamori-agent" enroll --state-dir "$demo/agent" --collector "https://127.0.0.1:$agent_port" --token "$token"
ls -l "$demo/agent/terminal.key"

step "4. push installer/profiles/mynumber.yaml to 市民課 (validated, versioned, signed)"
"$bin/collector/mamorictl" policy push installer/profiles/mynumber.yaml --group 市民課

step "5. run the agent briefly"
# The demo leaves execution control off: mynumber.yaml enforces it on "/", which on a build
# machine would refuse the compilers and this script's own commands while the agent runs.
printf 'software_control = off\n' > "$demo/agent.conf"
"$bin/agent/mamori-agent" run --config "$demo/agent.conf" --state-dir "$demo/agent" 2>"$demo/agent.log" &
agent=$!
pids+=($agent)
for _ in $(seq 100); do
  grep -q '^policy_version = [1-9]' "$demo/agent/status.conf" 2>/dev/null && break
  sleep 0.1
done
kill -TERM $agent; wait $agent || true
# Stopped by now, so it exits 4 (not running) after showing what the agent last wrote.
"$bin/agent/mamori-agent" status --config /dev/null --state-dir "$demo/agent" || true

step "6. terminals, and today's violations (今日の違反端末)"
"$bin/collector/mamorictl" terminals
echo
"$bin/collector/mamorictl" violations --today
echo

step "7. monitoring: the collector's health and metrics for Prometheus"
echo "health:  http://127.0.0.1:$metrics_port/healthz -> $(curl -sS "http://127.0.0.1:$metrics_port/healthz")"
echo "metrics: http://127.0.0.1:$metrics_port/metrics (metrics_listen in collector.conf), for example:"
curl -sS "http://127.0.0.1:$metrics_port/metrics" | grep -E '^mamori_(terminals|violations_today|events_received_total)' | grep -v ' 0$' || true
echo "agent:   $demo/agent/metrics.prom (for node_exporter's textfile collector)"
echo
echo "console: https://127.0.0.1:$admin_port/console/ (管理コンソール) once you give the first administrator a"
echo "         password: MAMORI_CTL_CONFIG=$demo/collector/mamorictl.conf $bin/collector/mamorictl user password"
echo "         (trust $demo/collector/console-ca.pem as an authority in the browser, or use the city's CA)"
echo
echo "files: collector state, keys and store in $demo/collector (store.db is SQLite);"
echo "       agent state, key, journal and policy in $demo/agent; logs in $demo/*.log"
step_done
printf '\n==> demo finished in %d s\n' $((SECONDS - started))
