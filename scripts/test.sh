#!/usr/bin/env bash
# Sets everything up (once) and runs the linter and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Test files run in parallel, one bot per file: 2 workers, up to 4 on a machine with more cores.
WORKERS="${TEST_WORKERS:-$(.venv/bin/python -c 'import os; print(max(2, min(4, os.cpu_count() or 2)))')}"
.venv/bin/python -m pytest -q -n "$WORKERS" --dist loadfile "$@"
