#!/usr/bin/env bash
# Install everything the tests need, then run them (the README's second quick-start command).
# The browser tests use Debian's Chromium (browsers cannot be downloaded by playwright) and
# axe-core from npm (package-lock.json); ruff and mypy run inside the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"
if [ -n "$missing" ]; then
    $sudo apt-get update -qq && $sudo apt-get install -y -qq $missing
fi
[ -f node_modules/axe-core/axe.min.js ] || npm ci --no-audit --no-fund
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
exec .venv/bin/python -m pytest "$@"
