"""The report to the employee: one message per filed message or album, replying to it."""

from __future__ import annotations

from typing import Any

import texts
from database.outbox import Batch, Delivery, Method, Status

REPORT_KIND = "media"


def media_report(batch: Batch) -> Delivery | None:
    """Outbox reporter "media": one message per filed message/album, replying to it."""
    if batch.report_to is None:
        return None
    params = batch.params
    by_client: dict[int, set[Status]] = {}
    for outcome in batch.outcomes:
        by_client.setdefault(outcome.chat_id, set()).add(outcome.status)
    sent = sum(1 for statuses in by_client.values() if statuses == {Status.SENT})
    blocked = sum(1 for statuses in by_client.values() if Status.BLOCKED in statuses)
    failed = len(by_client) - sent - blocked
    text = texts.media_report(
        saved=int(params.get("saved", 0)),
        total=int(params.get("total", 0)),
        order=str(params.get("order", "")),
        stage=str(params.get("stage", "")),
        reach=str(params.get("reach", "")),
        too_big=int(params.get("too_big", 0)),
        failed_saves=int(params.get("failed", 0)),
        gone=bool(params.get("gone", False)),
        local_api=bool(params.get("local_api", False)),
        clients_sent=sent,
        clients_blocked=blocked,
        clients_failed=failed,
        already_sent=not by_client,
    )
    if params.get("unsafe"):
        text += "\n" + texts.share_link_refused(int(params["unsafe"]), str(params.get("order", "")))
    payload: dict[str, Any] = {"text": text}
    if params.get("reply_to"):
        payload["reply_to"] = params["reply_to"]
    return Delivery(batch.report_to, Method.MESSAGE, payload, f"media-report-msg:{batch.id}")
