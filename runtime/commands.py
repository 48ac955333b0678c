"""The bot's profile (description, short description) and the command menu each user sees, set per
chat so it always matches their role. At each start only what differs is set: Telegram limits
these calls, and a bot restarted by a service manager must not run into that limit."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, ReplyKeyboardRemove

import texts
from database.outbox import Delivery, Method
from database.users import STAFF_LEVELS, Level, User, UserRepo
from keyboards.menus import main_menu
from services.ports import Deliveries

log = logging.getLogger(__name__)

_STAFF = ("order", "type", "help", "cancel")
COMMANDS_BY_LEVEL: dict[Level | None, tuple[str, ...]] = {
    None: ("start", "help"),
    Level.ADMIN: ("order", "type", "admin", "help", "cancel"),
    Level.EMPLOYEE: _STAFF,
    Level.CARE: _STAFF,
    Level.CLIENT: ("orders", "support", "help", "cancel"),
}


def commands_for(level: Level | None) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=texts.COMMAND_DESCRIPTIONS[name])
        for name in COMMANDS_BY_LEVEL[level]
    ]


PROFILE_LANGUAGES = (None, "ru")  # None: everyone whose app language has no text of its own


def _same(current: list[BotCommand], wanted: list[BotCommand]) -> bool:
    # by value: what Telegram returns also carries the bot it came from
    return [(c.command, c.description) for c in current] == [(c.command, c.description) for c in wanted]


async def set_default_commands(bot: Bot) -> None:
    if not _same(await bot.get_my_commands(scope=BotCommandScopeDefault()), commands_for(None)):
        await bot.set_my_commands(commands_for(None), scope=BotCommandScopeDefault())


async def set_bot_profile(bot: Bot) -> None:
    """Description and short description in Russian: who the bot is for, before anyone presses Start.
    Best effort: a profile Telegram refused today is retried at the next start, the bot works anyway."""
    try:
        for lang in PROFILE_LANGUAGES:
            if (await bot.get_my_description(language_code=lang)).description != texts.BOT_DESCRIPTION:
                await bot.set_my_description(texts.BOT_DESCRIPTION, language_code=lang)
            short = (await bot.get_my_short_description(language_code=lang)).short_description
            if short != texts.BOT_SHORT_DESCRIPTION:
                await bot.set_my_short_description(texts.BOT_SHORT_DESCRIPTION, language_code=lang)
    except TelegramAPIError as exc:
        log.warning("Could not set the bot's description: %s", exc)


async def sync_staff_menus(bot: Bot, users: UserRepo) -> None:
    """A new release may change a role's commands: bring every active staff menu up to date.
    Best effort, in the background: clients keep the default menu and need nothing."""
    for level in STAFF_LEVELS:
        for user in await users.active_with_level(level):
            scope = BotCommandScopeChat(chat_id=user.telegram_id)
            try:
                if not _same(await bot.get_my_commands(scope=scope), commands_for(level)):
                    await bot.set_my_commands(commands_for(level), scope=scope)
            except TelegramAPIError as exc:
                log.warning("Could not check the command menu of chat %s: %s", user.telegram_id, exc)


async def set_user_commands(bot: Bot, chat_id: int, level: Level) -> None:
    """Best effort: a menu that could not be set must not fail the action that changed the role."""
    try:
        await bot.set_my_commands(commands_for(level), scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as exc:
        log.warning("Could not set the command menu of chat %s: %s", chat_id, exc)


async def drop_user_commands(bot: Bot, chat_id: int) -> None:
    """A deactivated user keeps no menu of their former role (best effort, like set_user_commands)."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as exc:
        log.warning("Could not delete the command menu of chat %s: %s", chat_id, exc)


async def sync_role(bot: Bot, storage: BaseStorage, outbox: Deliveries, user: User, notice: str) -> None:
    """After a level or activity change: no dialog of the old role is left half-way (its state would
    swallow the person's next messages), and the command menu and the reply keyboard under the input
    field (sent with `notice`) are the new role's. A deactivated user keeps neither. The notice goes
    to someone other than the admin who acted, so through the outbox: a 429 or a restart delays it."""
    key = StorageKey(bot_id=bot.id, chat_id=user.telegram_id, user_id=user.telegram_id)
    await FSMContext(storage=storage, key=key).clear()
    if user.is_active:
        await set_user_commands(bot, user.telegram_id, user.level)
        keyboard = main_menu(user.level)
    else:
        await drop_user_commands(bot, user.telegram_id)
        keyboard = ReplyKeyboardRemove()
    payload = {"text": notice, "reply_markup": keyboard.model_dump(exclude_none=True)}
    await outbox.enqueue([Delivery(user.telegram_id, Method.MESSAGE, payload)])
