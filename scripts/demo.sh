#!/usr/bin/env bash
# Install what the demo needs, then start the sandbox, a worker and the dashboard on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/toolbelt demo "$@"
