#!/usr/bin/env bash
# Regenerates requirements.lock and requirements-dev.lock (exact versions + sha256 of every file PyPI
# serves, for every transitive dependency, Linux and Windows) from the human-edited requirements*.txt.
# Run after editing requirements.txt or requirements-dev.txt, and commit the .lock files.
# Usage: bash scripts/lock.sh            (needs network access to PyPI)
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${LOCK_PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY="${PYTHON:-python3}"
UV_VERSION=0.13.9
if ! "$PY" -m uv --version 2>/dev/null | grep -q "$UV_VERSION"; then
  "$PY" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi

for name in requirements requirements-dev; do
  # --no-config: uv's default index (PyPI) and nothing a local config adds, so the hashes are PyPI's.
  "$PY" -m uv pip compile "$name.txt" --universal --python-version 3.11 --generate-hashes \
    --no-config --no-cache --quiet \
    --custom-compile-command "bash scripts/lock.sh" -o "$name.lock"
  # setup.sh compares this with the .txt files to refuse a lock that no longer matches them.
  echo "# source-sha256: $(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)" >>"$name.lock"
done
echo "Готово: requirements.lock и requirements-dev.lock обновлены."
