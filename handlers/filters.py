"""Role filters. Each role router applies one to messages *and* callback queries."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import BaseFilter
from aiogram.types import TelegramObject
from aiogram.utils.magic_filter import MagicFilter

from database.users import Level, User


class RoleFilter(BaseFilter):
    """Passes only registered, active users whose level is one of `levels`."""

    def __init__(self, *levels: Level) -> None:
        self.levels = frozenset(levels)

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return user is not None and user.is_active and user.level in self.levels


class Match(BaseFilter):
    """A magic filter (`F.text`, `F.photo | F.video`) checked right in the event loop.

    aiogram runs a bare `F` filter, being a plain function, through `asyncio.to_thread`: a thread
    hop for every check of every message. Wrapped here it is a coroutine and costs microseconds.
    """

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self.magic.resolve(event))


NOT_COMMAND = Match(~F.text.startswith("/"))  # anything but a /command (photos included)
PLAIN_TEXT = Match(F.text & ~F.text.startswith("/"))  # a typed text that is not a /command
FILE = Match(F.photo | F.video | F.document)
