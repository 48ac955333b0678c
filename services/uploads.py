"""Per-client upload quotas: how much a client may store in order folders, per order and per day.

Staff are not limited. A file over the quota still reaches staff (it is re-sent by Telegram file id);
only storing it in the order folder is refused, and the client is told why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from database.routing import RoutingRepo

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class QuotaExceeded:
    per_order: bool  # False: the daily quota
    limit_mb: float


class ClientUploads:
    def __init__(self, routing: RoutingRepo, per_order_mb: float, per_day_mb: float) -> None:
        self._routing = routing
        self._per_order_mb = per_order_mb
        self._per_day_mb = per_day_mb

    async def reserve(
        self, key: str, client_id: int, order_id: int, size: int | None
    ) -> QuotaExceeded | None:
        """Count `size` bytes (Telegram's declared size) against the client's quotas before the download;
        None when it fits. Atomic, so a burst of files cannot all pass the same check."""
        refusal = await self._routing.reserve_upload(
            key,
            client_id,
            order_id,
            date.today().isoformat(),
            size or 0,
            int(self._per_order_mb * MIB),
            int(self._per_day_mb * MIB),
        )
        if refusal is None:
            return None
        per_order = refusal == "order"
        return QuotaExceeded(per_order, self._per_order_mb if per_order else self._per_day_mb)

    async def settle(self, key: str, size: int | None) -> None:
        """After the download: the real size (None: the file was not saved, the reservation goes)."""
        await self._routing.settle_upload(key, size)
