#!/usr/bin/env bash
# Install what the toolbelt needs on a fresh Debian machine with Python 3.11:
# a virtualenv in .venv with the pinned, tested versions (constraints.txt), and with
# --test the Debian packages the test suite drives for real (chromium, openssh-server) and
# axe-core from the npm registry (the dashboard's accessibility audit injects it into the page).
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_missing=()
if [ "$want_test" = 1 ]; then
  [ -x /usr/bin/chromium ] || apt_missing+=(chromium)
  [ -x /usr/sbin/sshd ] || apt_missing+=(openssh-server)
  command -v npm >/dev/null 2>&1 || apt_missing+=(nodejs npm)
fi
if [ "${#apt_missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${apt_missing[*]}"
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($python --version)"
  "$python" -m venv .venv
fi

stamp=.venv/.toolbelt-installed
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages into .venv (pinned by constraints.txt)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e '.[dev,redshift,bench]'
  echo "$want" > "$stamp"
fi

# axe-core, pinned: the browser tests inject .venv/axe/node_modules/axe-core/axe.min.js into each view
AXE_VERSION=4.14.1
if [ "$want_test" = 1 ] && ! grep -qs "\"version\": \"$AXE_VERSION\"" .venv/axe/node_modules/axe-core/package.json; then
  echo "setup: installing axe-core $AXE_VERSION (npm) into .venv/axe"
  npm install -q --prefix .venv/axe --no-save --no-audit --no-fund "axe-core@$AXE_VERSION" >/dev/null
fi
