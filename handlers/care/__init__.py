"""Customer care: answering clients who wrote to care (admins stand in when there is no care user)."""

from __future__ import annotations

from aiogram import Router

from database.users import CARE_LEVELS
from handlers.care import queue, replies
from handlers.filters import RoleFilter


def build_router() -> Router:
    router = Router(name=__name__)
    role = RoleFilter(*CARE_LEVELS)
    router.message.filter(role)
    router.callback_query.filter(role)
    router.include_routers(queue.router, replies.router)
    return router
