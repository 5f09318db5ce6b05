#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite: ruff, mypy, job lint, then pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh -k sandbox).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export TOOLBELT_HOME="${TOOLBELT_HOME:-$(mktemp -d)}"
mkdir -p test-output
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy (schoology_etl, runner)"
.venv/bin/mypy schoology_etl runner
echo "== toolbelt jobs lint"
.venv/bin/toolbelt jobs lint
echo "== pytest"
.venv/bin/python -m pytest -n 2 --dist loadgroup -p no:cacheprovider -q -ra "$@"
