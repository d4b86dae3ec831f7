#!/usr/bin/env bash
# Lists every include of an operating-system header in the product's sources outside the two
# places allowed to use the OS: platform/ and common/posix/. Exit 1 when there is one.
#   os_headers.sh ROOT              check the tree at ROOT
#   os_headers.sh --self-test ROOT  plant a violation in a copy of ROOT's libraries and expect it found
set -uo pipefail
os='#[[:space:]]*include[[:space:]]*<(sys/|arpa/|netinet/|net/|linux/|systemd/|X11/|xcb/|unistd\.h|fcntl\.h|pwd\.h|grp\.h|dirent\.h|poll\.h|signal\.h|pthread\.h|termios\.h|dlfcn\.h|utmpx?\.h|syslog\.h|libudev\.h|mntent\.h|spawn\.h|sched\.h|ifaddrs\.h|netdb\.h|windows\.h)'
libraries=(proto common policy platform agent collector)

check() {
  local root=$1 found
  found=$(cd "$root" && grep -rnE "$os" --include='*.cpp' --include='*.h' --include='*.cc' "${libraries[@]}" 2>/dev/null |
          grep -vE '^(platform/|common/posix/)')
  if [ -n "$found" ]; then
    echo "OS headers outside platform/ and common/posix/ (move the call behind the OS seam):"
    echo "$found"
    return 1
  fi
  echo "no OS header outside platform/ and common/posix/"
}

if [ "${1:-}" = "--self-test" ]; then
  root=$2 tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  for l in "${libraries[@]}"; do cp -r "$root/$l" "$tmp/"; done
  printf '#include <unistd.h>\n' > "$tmp/agent/Planted.cpp"
  if check "$tmp" >/dev/null; then echo "the check missed a planted <unistd.h> in agent/"; exit 1; fi
  rm "$tmp/agent/Planted.cpp"
  printf '#include <unistd.h>\n' > "$tmp/common/posix/Allowed.cpp"
  printf '#include <sys/stat.h>\n' > "$tmp/platform/linux/Allowed.cpp"
  # The real tree may still hold violations of its own; only the planted files matter here.
  if check "$tmp" | grep -q 'Allowed.cpp'; then echo "the check refused an allowed place"; exit 1; fi
  echo "the check finds a planted violation and allows platform/ and common/posix/"
  exit 0
fi
check "${1:-.}"
