"""Role filters. Each role router applies one to messages *and* callback queries."""

from __future__ import annotations

from aiogram.filters import BaseFilter
from aiogram.types import TelegramObject

from database.users import Level, User


class RoleFilter(BaseFilter):
    """Passes only registered, active users whose level is one of `levels`."""

    def __init__(self, *levels: Level) -> None:
        self.levels = frozenset(levels)

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return user is not None and user.is_active and user.level in self.levels


class RegisteredFilter(BaseFilter):
    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return user is not None and user.is_active


STAFF = (Level.ADMIN, Level.EMPLOYEE, Level.CARE)
