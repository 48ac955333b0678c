"""Running the bot at a dealer: one copy at a time, health check and heartbeat, backups, demo mode.

bot.py wires these in: `--check` (check.run_check), the heartbeat and alerts (health.Monitor),
`--backup` (backup.backup_command), `--demo` (demo)."""
