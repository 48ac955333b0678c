#!/usr/bin/env bash
# Sets everything up (once) and runs the linter and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Test files run in parallel, one bot per file. The end-to-end tests mostly wait on the bot and the
# emulator (about a third of a core each), so 4 workers suit even 2 cores: 7 min instead of 11.
WORKERS="${TEST_WORKERS:-4}"
.venv/bin/python -m pytest -q -n "$WORKERS" --dist loadfile "$@"
