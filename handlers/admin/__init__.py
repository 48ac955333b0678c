"""Admin menu: admins only (every message and every button, by the router's filter)."""

from __future__ import annotations

from aiogram import Router

from database.users import Level
from handlers.admin import invites, menu, reports, templates
from handlers.admin.dialog import stale_router
from handlers.filters import RoleFilter


def build_router() -> Router:
    router = Router(name=__name__)
    role = RoleFilter(Level.ADMIN)
    router.message.filter(role)
    router.callback_query.filter(role)
    router.include_routers(reports.router, invites.router, templates.router, menu.router, stale_router)
    return router
