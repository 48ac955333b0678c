"""Clients: replies to staff and requests to customer care."""

from __future__ import annotations

from aiogram import Router

from database.users import Level
from handlers.client import messages, orders, report
from handlers.filters import RoleFilter


def build_router() -> Router:
    router = Router(name=__name__)
    role = RoleFilter(Level.CLIENT)
    router.message.filter(role)
    router.callback_query.filter(role)
    router.include_router(report.router)  # before messages: its button text is not a message to staff
    router.include_router(orders.router)  # before messages: "Мои заказы" is not a message to staff
    router.include_router(messages.router)
    return router
