"""The command menu each user sees, set per chat so it always matches their role."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

import texts
from database.users import Level

log = logging.getLogger(__name__)

_STAFF = ("order", "type", "help", "cancel")
COMMANDS_BY_LEVEL: dict[Level | None, tuple[str, ...]] = {
    None: ("start", "help"),
    Level.ADMIN: ("order", "type", "admin", "help", "cancel"),
    Level.EMPLOYEE: _STAFF,
    Level.CARE: _STAFF,
    Level.CLIENT: ("support", "help", "cancel"),
}


def commands_for(level: Level | None) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=texts.COMMAND_DESCRIPTIONS[name])
        for name in COMMANDS_BY_LEVEL[level]
    ]


async def set_default_commands(bot: Bot) -> None:
    await bot.set_my_commands(commands_for(None), scope=BotCommandScopeDefault())


async def set_user_commands(bot: Bot, chat_id: int, level: Level) -> None:
    """Best effort: a menu that could not be set must not fail the action that changed the role."""
    try:
        await bot.set_my_commands(commands_for(level), scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as exc:
        log.warning("Could not set the command menu of chat %s: %s", chat_id, exc)
