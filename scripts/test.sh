#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite: job lint, then pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh -k sandbox).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export TOOLBELT_HOME="${TOOLBELT_HOME:-$(mktemp -d)}"
mkdir -p test-output
echo "== toolbelt jobs lint"
.venv/bin/toolbelt jobs lint
echo "== pytest"
.venv/bin/python -m pytest -n 2 --dist loadgroup -p no:cacheprovider -q -ra "$@"
