"""Transient Telegram errors never cost a file (issue 12.1), end to end.

Telegram's proxies answer 502/504 with an HTML page and cut connections; at 30 % on getFile, the
downloads and the sends, every photo is still filed once and delivered once, and nobody is asked
to send anything again. A connection cut *after* a send took effect is the one case Telegram gives
no way to tell apart from a cut before it: that send may arrive twice (at least once, never lost).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

from tests.e2e.conftest import BotFactory
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import db_rows
from tests.e2e.test_load import _pairs, _photo, _photos_received
from tests.emulator import SimUser, TelegramEmulator
from tests.emulator.server import DOWNLOAD

FAULTED = frozenset({"getfile", DOWNLOAD, "sendphoto", "sendmediagroup", "copymessage"})
# Nothing here takes effect and then fails, so nothing may arrive twice.
CLEAN_KINDS = ("502html", "504html", "500", "drop")
KINDS_FOR = {
    DOWNLOAD: ("502html", "504html", "drop", "truncate"),  # truncate: half the file, then the cut
    "getfile": ("502html", "504html", "drop", "drop_after"),  # a repeated getFile is harmless
}


def _digests(folder: Path) -> Counter[str]:
    return Counter(hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir())


def _settled(bot: BotProcess) -> bool:
    """Nothing left to handle or to send."""
    left = db_rows(
        bot, "SELECT (SELECT COUNT(*) FROM inbox) + (SELECT COUNT(*) FROM outbox WHERE status = 'pending')"
    )
    return left[0][0] == 0


def _asked_to_resend(employee: SimUser) -> list[str]:
    return [m.content for m in employee.messages if "ещё раз" in m.content or "еще раз" in m.content]


async def test_html_502_504_and_cut_connections_cost_no_file(
    emulator: TelegramEmulator, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(send_rate_global=0, send_rate_per_chat=0)
    emulator.flood_control = False
    [(employee, client)] = await _pairs(emulator, bot, 1)
    singles = [_photo(11, index) for index in range(20)]
    albums = [[_photo(12, index) for index in range(3)], [_photo(13, index) for index in range(4)]]
    emulator.fault_methods = FAULTED
    emulator.fault_kinds = CLEAN_KINDS
    emulator.fault_kinds_for = dict(KINDS_FOR)
    emulator.fault_rate = 0.3
    for kind in ("504html", "drop"):  # two albums are few for chance alone: these two always fail first
        emulator.fail_next("sendMediaGroup", status=kind)
    for index, data in enumerate(singles[:10]):
        await employee.send_photo(data, caption=f"фото {index}")
    await employee.send_album([("photo", data) for data in albums[0]])
    for index, data in enumerate(singles[10:], start=10):
        await employee.send_photo(data, caption=f"фото {index}")
    await employee.send_album([("photo", data) for data in albums[1]])
    total = len(singles) + sum(map(len, albums))
    await client.wait_until(lambda: len(set(_photos_received(client))) >= total, timeout=300)
    await emulator.wait_until(lambda: _settled(bot), timeout=60)
    emulator.fault_rate = 0.0

    folder = Path(bot.branch_photo) / "load0" / "Inspection"
    expected = Counter(hashlib.sha256(data).hexdigest() for data in [*singles, *albums[0], *albums[1]])
    assert _digests(folder) == expected  # every file on disk, byte for byte, once
    received = Counter(_photos_received(client))
    assert len(received) == total and set(received.values()) == {1}  # each delivered exactly once
    assert not _asked_to_resend(employee)
    faults = Counter(call.method.lower() for call in emulator.calls if "(fault)" in (call.description or ""))
    print(f"faults injected: {dict(faults)}")
    assert all(faults[method] > 0 for method in ("getfile", DOWNLOAD, "sendphoto", "sendmediagroup"))
    assert "was not handled" not in bot.log_text()


async def test_a_cut_after_the_send_took_effect_sends_again_at_least_once(
    emulator: TelegramEmulator, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(send_rate_global=0, send_rate_per_chat=0)
    emulator.flood_control = False
    [(employee, client)] = await _pairs(emulator, bot, 1)
    emulator.fail_next("getUpdates", status="502html")  # the long poll itself behind a failing proxy
    emulator.fail_next("getUpdates", status="504html")
    emulator.fail_next("sendPhoto", status="drop_after")
    emulator.fail_next(DOWNLOAD, status="truncate")
    emulator.fail_next("getFile", status="504html")
    await employee.send_photo(_photo(14, 0), caption="фото")
    await client.wait_until(lambda: len(_photos_received(client)) >= 2, timeout=60)
    await emulator.wait_until(lambda: _settled(bot), timeout=60)
    received = _photos_received(client)
    assert len(received) == 2 and len(set(received)) == 1  # the cut send, then the retry: one duplicate
    assert len(list((Path(bot.branch_photo) / "load0" / "Inspection").iterdir())) == 1
    assert not _asked_to_resend(employee)


async def test_an_update_that_keeps_failing_is_run_again_from_the_inbox_in_chat_order(
    emulator: TelegramEmulator, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(send_rate_global=0, send_rate_per_chat=0)
    emulator.flood_control = False
    [(employee, client)] = await _pairs(emulator, bot, 1)
    first, second = _photo(15, 0), _photo(15, 1)
    emulator.fail_next(DOWNLOAD, status="502html", count=6)  # more than one handling retries downloads
    await employee.send_photo(first, caption="первое")
    await employee.send_photo(second, caption="второе")
    await client.wait_until(lambda: len(_photos_received(client)) >= 2, timeout=90)
    assert [m.caption.rsplit("\n", 1)[-1] for m in client.messages if m.kind == "photo"] == [
        "первое",
        "второе",
    ]
    await emulator.wait_until(lambda: _settled(bot), timeout=30)
    assert "failed for a transient reason" in bot.log_text()  # the first update was run again
    assert not _asked_to_resend(employee)
    assert _digests(Path(bot.branch_photo) / "load0" / "Inspection") == Counter(
        hashlib.sha256(data).hexdigest() for data in (first, second)
    )
