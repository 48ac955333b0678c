#!/usr/bin/env bash
# Sets everything up (once) and starts the bot. BOT_TOKEN comes from the environment or .env.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python bot.py
