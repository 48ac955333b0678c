#!/usr/bin/env bash
# Installs the bot as a systemd service that starts at boot and restarts whenever it stops.
# Usage (as root, from the bot folder): sudo bash scripts/install-service.sh [user]
#   user: the system account the bot runs as (created if missing), dealer-bot by default.
# Then: systemctl status dealer-bot; journalctl -u dealer-bot -f
set -euo pipefail
cd "$(dirname "$0")/.."
BOT_DIR="$(pwd -P)"
BOT_USER="${1:-dealer-bot}"
UNIT=/etc/systemd/system/dealer-bot.service

if [ "$(id -u)" -ne 0 ]; then
  echo "Запустите от root: sudo bash scripts/install-service.sh" >&2
  exit 1
fi
if ! command -v systemctl >/dev/null; then
  echo "systemd не найден: эта установка только для Linux с systemd." >&2
  exit 1
fi
if [ ! -f .env ] && [ -z "${BOT_TOKEN:-}" ]; then
  echo "Нет файла .env с BOT_TOKEN в $BOT_DIR: создайте его (см. README, «Установка»)." >&2
  exit 1
fi

bash scripts/setup.sh

if ! id "$BOT_USER" >/dev/null 2>&1; then
  echo "Создаю системного пользователя $BOT_USER"
  useradd --system --no-create-home --home-dir "$BOT_DIR" --shell /usr/sbin/nologin "$BOT_USER"
fi
# The code stays root's and read-only for the bot; the folder itself is the bot's, so that it can
# create bot.db (with its -wal/-shm), logs/, backups/, the lock and the heartbeat next to bot.py.
chown "$BOT_USER:$BOT_USER" "$BOT_DIR"
for path in bot.db bot.db-wal bot.db-shm bot.db.lock bot.db.heartbeat logs backups Photo; do
  [ -e "$path" ] && chown -R "$BOT_USER:$BOT_USER" "$path"
done
if [ -f .env ]; then
  chown "root:$BOT_USER" .env
  chmod 640 .env
fi

echo "Проверяю настройки от имени $BOT_USER (python bot.py --check)…"
if ! runuser -u "$BOT_USER" -- .venv/bin/python bot.py --check; then
  echo "Проверка нашла ошибки (выше). Исправьте их и запустите установку снова." >&2
  echo "Папке заказ-нарядов (BRANCH_PHOTO) нужны чтение и запись для пользователя $BOT_USER." >&2
  exit 1
fi

sed -e "s|@BOT_DIR@|$BOT_DIR|g" -e "s|@BOT_USER@|$BOT_USER|g" deploy/dealer-bot.service >"$UNIT"
systemctl daemon-reload
systemctl enable dealer-bot.service
systemctl restart dealer-bot.service
sleep 3
systemctl --no-pager status dealer-bot.service || true
echo "Готово: служба dealer-bot установлена и запущена."
echo "Состояние: systemctl status dealer-bot   Журнал: journalctl -u dealer-bot -f"
