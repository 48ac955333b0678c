"""Read-only SQL of an order's PDF report (services/inspection/report.py): its files with their
condition marks, its status history and its recommendations (tables of migrations 0005 and 0010).

Nothing here writes: the statuses, marks and recommendations are written by their own modules.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from database.connection import Database

# Who did it, as people know them: the admin-given name, else Telegram's name, else the phone.
_WHO = (
    "(SELECT COALESCE(NULLIF(u.name, ''), NULLIF(u.tg_name, ''), u.phone) FROM users u"
    " WHERE u.telegram_id = {})"
)


@dataclass(frozen=True, slots=True)
class ReportFile:
    media_id: int
    subfolder: str
    type_label: str
    rel_path: str
    kind: str  # photo | video | document
    caption: str
    hidden: bool
    mark: str | None  # ok | soon | now
    note: str
    marked_at: float | None


@dataclass(frozen=True, slots=True)
class ReportStatus:
    id: int
    status: str  # a key of ORDER_STATUSES
    who: str | None
    at: float


@dataclass(frozen=True, slots=True)
class ReportRecommendation:
    id: int
    title: str
    reason: str
    price: int  # kopecks
    decision: str | None  # approved | declined | None (waiting)
    decided_by: str | None
    decided_at: float | None
    decided_price: int | None
    photos: int  # marked photos it is about


@dataclass(frozen=True, slots=True)
class ReportRows:
    files: list[ReportFile]
    statuses: list[ReportStatus]
    recommendations: list[ReportRecommendation]

    def signature(self) -> tuple[object, ...]:
        """Changes whenever anything the report shows changes (a rebuild is needed then)."""
        return (
            tuple((f.media_id, f.mark, f.note, f.marked_at) for f in self.files),
            tuple(s.id for s in self.statuses),
            tuple(
                (r.id, r.title, r.reason, r.price, r.decision, r.decided_at, r.photos)
                for r in self.recommendations
            ),
        )


_FILES_SQL = """
SELECT m.id, m.subfolder, m.type_label, m.rel_path, m.kind, m.caption, m.hidden,
       k.mark, COALESCE(k.note, ''), k.marked_at
FROM media m LEFT JOIN media_marks k ON k.media_id = m.id
WHERE m.order_id = ? ORDER BY m.id
"""
_STATUSES_SQL = (
    f"SELECT s.id, s.status, {_WHO.format('s.set_by')}, s.set_at FROM order_statuses s"
    " WHERE s.order_id = ? ORDER BY s.id"
)
_RECOMMENDATIONS_SQL = (
    f"SELECT r.id, r.title, r.reason, r.price, r.decision, {_WHO.format('r.decided_by')}, r.decided_at,"
    " r.decided_price, (SELECT COUNT(*) FROM recommendation_media x WHERE x.recommendation_id = r.id)"
    " FROM recommendations r WHERE r.order_id = ? ORDER BY r.id"
)


class ReportRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def rows(self, order_id: int) -> ReportRows:
        """Everything the report of one order shows, read in one round trip (one consistent view)."""

        def read(conn: sqlite3.Connection) -> ReportRows:
            files = [
                ReportFile(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], r[8], r[9])
                for r in conn.execute(_FILES_SQL, (order_id,))
            ]
            statuses = [ReportStatus(*r) for r in conn.execute(_STATUSES_SQL, (order_id,))]
            recommendations = [
                ReportRecommendation(*r) for r in conn.execute(_RECOMMENDATIONS_SQL, (order_id,))
            ]
            return ReportRows(files, statuses, recommendations)

        return await self._db.read(read)
