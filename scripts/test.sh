#!/usr/bin/env bash
# Install everything the tests need, then run them (the README's second quick-start command).
# The browser tests use Debian's Chromium (browsers cannot be downloaded by playwright) and
# axe-core from npm (package-lock.json); ruff and mypy run inside the test suite.
# apt installs only what is missing (never upgrades other packages), waits a bounded time for
# another apt or dpkg to finish, and writes its output to build/test-apt.log.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -f node_modules/axe-core/axe.min.js ] || command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
    mkdir -p build
    log=build/test-apt.log
    wait="${VIMANUAL_APT_WAIT:-600}"
    echo "Installing${missing} with apt (a few minutes; waits up to ${wait}s for another apt; log: $log)"
    apt=(-o "DPkg::Lock::Timeout=$wait" -q)
    if ! { $sudo apt-get "${apt[@]}" update && \
           $sudo apt-get "${apt[@]}" install -y --no-upgrade $missing; } >"$log" 2>&1; then
        echo "apt-get failed; the end of $log:" >&2
        tail -n 15 "$log" >&2
        exit 1
    fi
fi
[ -f node_modules/axe-core/axe.min.js ] || npm ci --no-audit --no-fund --loglevel=error
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
# The tests run on every core (pytest-xdist): most of a test waits on pandoc or WeasyPrint.
exec .venv/bin/python -m pytest -n auto "$@"
