"""Running the bot at a dealer: one copy at a time, health check and heartbeat, backups, demo mode.

bot.py wires these in: `--check` (health.run_check), `--backup` (backup.backup_now), `--demo` (demo)."""
