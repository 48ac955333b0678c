"""The root router: errors, common, one router per role, and the catch-all last."""

from __future__ import annotations

from aiogram import Router

from handlers import admin, care, client, common, employee, errors, fallback


def build_root_router() -> Router:
    root = Router(name="root")
    root.include_routers(
        errors.router,
        common.router,
        admin.build_router(),
        care.build_router(),
        employee.build_router(),
        client.build_router(),
        fallback.router,
    )
    return root
