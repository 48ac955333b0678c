"""Staff working in a work order: choosing it, filing media, writing to its client."""

from __future__ import annotations

from aiogram import Router

from database.users import STAFF_LEVELS
from handlers.employee import chat, invite_status, marks, media, orders, recognition, recommendations, report
from handlers.filters import RoleFilter


def build_router() -> Router:
    router = Router(name=__name__)
    role = RoleFilter(*STAFF_LEVELS)
    router.message.filter(role)
    router.callback_query.filter(role)
    # chat first: a plain text outside any dialog is what staff send most, and its filters exclude
    # everything the others take (commands, texts in a dialog state, files)
    router.include_router(chat.router)
    router.include_router(marks.router)
    router.include_router(recommendations.router)
    router.include_router(orders.router)
    router.include_router(invite_status.router)
    router.include_router(report.router)
    router.include_router(recognition.router)  # before media: photos in its states are searches
    router.include_router(media.router)
    return router
