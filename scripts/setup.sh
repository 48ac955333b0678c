#!/usr/bin/env bash
# Installs everything the bot needs on Debian/Ubuntu: system packages and a virtualenv in .venv.
# Usage: bash scripts/setup.sh [--dev]   (--dev adds the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(tesseract-ocr tesseract-ocr-rus tesseract-ocr-eng libzbar0 fonts-dejavu-core python3-venv)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Устанавливаю системные пакеты: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Exact versions with hashes (requirements.lock, made by scripts/lock.sh from requirements.txt):
# every server gets the same files PyPI served when the lock was made, nothing newer by surprise.
LOCK=requirements.lock
[ "${1:-}" = "--dev" ] && LOCK=requirements-dev.lock
sources="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
if ! grep -qx "# source-sha256: $sources" "$LOCK"; then
  echo "Ошибка: $LOCK не соответствует requirements.txt / requirements-dev.txt." >&2
  echo "Обновите его командой: bash scripts/lock.sh (и закоммитьте .lock-файлы)." >&2
  exit 1
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$LOCK"
echo "Готово: окружение .venv установлено."
