"""Strict Telegram Bot API emulator for tests and benchmarks (see server.py for the rules)."""

from .models import ApiError, BotMessage, CallRecord, StoredFile
from .server import TelegramEmulator
from .users import SimUser

__all__ = ["ApiError", "BotMessage", "CallRecord", "SimUser", "StoredFile", "TelegramEmulator"]
