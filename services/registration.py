"""Who a person becomes when they share their phone with the bot."""

from __future__ import annotations

from database.users import Level, User


def level_on_connect(
    existing: User | None, phone: str, admin_phones: tuple[str, ...], first_in_demo: bool = False
) -> Level:
    """ADMIN_PHONES always make an administrator; otherwise keep the level an admin gave, or client.
    In the demo the very first person to connect is the administrator (nobody else could make one)."""
    if phone in admin_phones or (first_in_demo and existing is None):
        return Level.ADMIN
    return existing.level if existing else Level.CLIENT


def clean_start_payload(raw: str | None) -> str | None:
    """Deep-link payloads are at most 64 characters of [A-Za-z0-9_-]; anything else is ignored."""
    if not raw:
        return None
    payload = raw.strip()
    if not 0 < len(payload) <= 64 or not all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in payload):
        return None
    return payload
