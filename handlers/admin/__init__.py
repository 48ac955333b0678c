"""Admin menu: admins only."""

from __future__ import annotations

from aiogram import Router

from database.users import Level
from handlers.admin import menu, reports
from handlers.filters import RoleFilter


def build_router() -> Router:
    router = Router(name=__name__)
    role = RoleFilter(Level.ADMIN)
    router.message.filter(role)
    router.callback_query.filter(role)
    router.include_router(reports.router)  # before menu: its last handler refuses any other button
    router.include_router(menu.router)
    return router
