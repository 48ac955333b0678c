"""Read queries of the admins' daily digest (services/digest.py): what happened since a moment."""

from __future__ import annotations

from dataclasses import dataclass

from database.connection import Database

DIGEST_KEY = "digest"  # outbox dedup keys `digest:<local day>:<admin id>`: the record of a day sent

# A client's message (protocol, sender_role 3 = client) counts as answered once staff wrote later in
# the same order's conversation or to that client ("клиент <phone>"): anything else waits.
_UNANSWERED = (
    "SELECT COUNT(*) FROM protocol c WHERE c.at >= ? AND c.sender_role = 3 AND NOT EXISTS ("
    " SELECT 1 FROM protocol s WHERE s.id > c.id AND s.sender_role IN (1, 2, 4)"
    " AND (s.order_id = c.order_id"
    " OR s.recipient LIKE '%' || (SELECT phone FROM users WHERE telegram_id = c.sender_id) || '%'))"
)
# Files filed to clients and delivered: one row per file and client, its outbox row sent.
_DELIVERED = (
    "SELECT COUNT(*) FROM media_deliveries d JOIN outbox o ON o.dedup_key = d.outbox_key"
    " WHERE o.status = 'sent' AND o.sent_at >= ?"
)
_ORDERS_TOUCHED = (
    "SELECT COUNT(*) FROM (SELECT order_id FROM media WHERE created_at >= ?"
    " UNION SELECT order_id FROM protocol WHERE at >= ? AND order_id IS NOT NULL)"
)


@dataclass(frozen=True, slots=True)
class DigestFigures:
    orders_touched: int
    files_filed: int
    files_delivered: int
    clients_connected: int
    unanswered: int
    attention_alerts: int
    failed_deliveries: int


class DigestRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def figures(self, since: float, since_local: str) -> DigestFigures:
        """Counts since the unix time `since`; `since_local` is the same moment as users.created_at
        writes it (local "YYYY-MM-DD HH:MM:SS")."""
        db = self._db
        alert_keys = await db.fetchall(
            "SELECT dedup_key FROM outbox WHERE dedup_key LIKE 'aw:%' AND created_at >= ?", (since,)
        )
        # one alert goes to every admin, in chunks: `aw:<message key>:<admin>:<chunk>`
        alerts = {row[0].rsplit(":", 2)[0] for row in alert_keys}
        return DigestFigures(
            orders_touched=await db.fetchval(_ORDERS_TOUCHED, (since, since)),
            files_filed=await db.fetchval("SELECT COUNT(*) FROM media WHERE created_at >= ?", (since,)),
            files_delivered=await db.fetchval(_DELIVERED, (since,)),
            clients_connected=await db.fetchval(
                "SELECT COUNT(*) FROM users WHERE level = 3 AND created_at >= ?", (since_local,)
            ),
            unanswered=await db.fetchval(_UNANSWERED, (since,)),
            attention_alerts=len(alerts),
            failed_deliveries=await db.fetchval(
                "SELECT COUNT(*) FROM outbox WHERE status IN ('failed', 'blocked') AND sent_at >= ?"
                " AND method != 'edit_text'"  # the bot's own notices, not messages to people
                f" AND (dedup_key IS NULL OR dedup_key NOT LIKE '{DIGEST_KEY}:%')",
                (since,),
            ),
        )

    async def sent_on(self, day: str) -> bool:
        """Whether the digest of local day `day` (YYYY-MM-DD) was queued: its outbox rows stay."""
        prefix = f"{DIGEST_KEY}:{day}:"  # a range, not LIKE: it uses the dedup key's index
        row = await self._db.fetchone(
            "SELECT 1 FROM outbox WHERE dedup_key >= ? AND dedup_key < ? LIMIT 1", (prefix, prefix[:-1] + ";")
        )
        return row is not None
