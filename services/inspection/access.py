"""Whose order is whose: the one check every owner-facing handler makes before showing anything."""

from __future__ import annotations

from database.orders import Order
from database.users import Level, User


def owns(user: User | None, order: Order | None) -> bool:
    """True when `user` is the connected client holding the order's phone.

    A client account is the only holder of its phone (migration 0006), so an equal, non-empty phone is
    ownership; a forged callback naming another owner's order fails here."""
    if user is None or order is None or user.level is not Level.CLIENT:
        return False
    return bool(order.phone) and order.phone == user.phone
