#!/bin/sh
# Installs and enrolls mamori-agent with no prompt, for a script-based rollout:
#   install-agent.sh --collector https://collector.city.local:8443 --token TOKEN [--package FILE]
# The package defaults to the newest mamori-agent_*.deb beside this script. If the collector
# cannot enroll the terminal now, the agent is installed anyway, keeps trying in the background,
# and runs the built-in default policy meanwhile.
set -eu

usage() {
    cat <<'USAGE'
usage: install-agent.sh --collector URL --token TOKEN [--package FILE]
  --collector URL   the collector's agent endpoint, https://HOST:PORT
  --token TOKEN     a one-time token from: mamorictl token create --group GROUP
  --package FILE    the mamori-agent .deb (default: the newest one beside this script)
USAGE
}

collector="" token="" package=""
while [ $# -gt 0 ]; do
    case "$1" in
        --collector) collector=${2:-}; shift 2 ;;
        --token) token=${2:-}; shift 2 ;;
        --package) package=${2:-}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install-agent.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
if [ -z "$collector" ] || [ -z "$token" ]; then
    echo "install-agent.sh: --collector and --token are required" >&2
    usage >&2
    exit 2
fi
if [ -z "$package" ]; then
    package=$(ls -1 "$(dirname "$0")"/mamori-agent_*.deb 2>/dev/null | sort -V | tail -n 1)
fi
if [ -z "$package" ] || [ ! -f "$package" ]; then
    echo "install-agent.sh: no mamori-agent package found (give one with --package FILE)" >&2
    exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-agent.sh: run as root (it installs a package)" >&2
    exit 2
fi
case "$package" in /*) ;; *) package=./$package ;; esac

MAMORI_COLLECTOR=$collector MAMORI_ENROLL_TOKEN=$token DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q "$package" </dev/null
# Shown, not judged: right after installation the agent has not synced yet (exit 2).
mamori-agent status || true
