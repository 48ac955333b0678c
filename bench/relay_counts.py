"""SQL statements, database round trips and Bot API calls per relayed text (employee → client).

In-process (the middle tier's mocked Telegram, no emulator, no inbox): counts, not speed, so the
figures do not depend on the machine. The inbox adds one batched transaction per getUpdates and a
grouped "handled" mark per update on top.

    python bench/relay_counts.py [--messages 300]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config import load_settings  # noqa: E402
from database.connection import Database  # noqa: E402
from database.users import Level  # noqa: E402
from runtime.app import build_dispatcher, build_services  # noqa: E402
from tests.conftest import ORDERS_FIXTURE, detach_routers  # noqa: E402
from tests.middle.conftest import ADMIN_PHONE, App, FakeRecognizer  # noqa: E402
from tests.middle.mocked import MockedBot  # noqa: E402
from tests.middle.test_flows import CLIENT_PHONE, _connect, _open_order  # noqa: E402


def _shape(sql: str) -> str:
    sql = re.sub(r"'(?:[^']|'')*'", "?", " ".join(sql.split()))
    return re.sub(r"\b-?\d+(\.\d+)?\b", "?", sql)[:120]


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="relay-counts-"))
    shutil.copytree(ORDERS_FIXTURE, tmp / "orders")
    env = {"BOT_TOKEN": "424242:MIDDLE-tier-token", "BRANCH_PHOTO": str(tmp / "orders"),
           "DATABASE_PATH": str(tmp / "bot.db"), "ADMIN_PHONES": ADMIN_PHONE, "LOG_LEVEL": "ERROR",
           "BACKUP_DIR": str(tmp / "backups"), "LOG_DIR": str(tmp / "logs")}  # fmt: skip
    settings = load_settings(env=env, env_file=tmp / "none.env", base_dir=tmp)
    db = await Database.open(settings.database_path)
    bot = MockedBot()
    services = replace(build_services(settings, db, bot), recognizer=FakeRecognizer())
    dp = build_dispatcher(services)
    sender = asyncio.create_task(services.outbox.run())
    app = App(dp, bot, services, tmp / "orders", services.recognizer)  # type: ignore[arg-type]
    await _connect(app, 5611, "Владелец", CLIENT_PHONE)
    employee = await _connect(app, 5612, "Мастер", "+375447000629", Level.EMPLOYEE)
    await _open_order(employee)
    await employee.send_text("warm-up")
    reactions = lambda: len(app.session.calls("setMessageReaction", employee.id))  # noqa: E731
    await app.session.wait_for(lambda: reactions() >= 1)

    statements: collections.Counter[str] = collections.Counter()
    trips = 0
    execute = db._conn._execute

    async def counted(*call: object) -> object:
        nonlocal trips
        trips += 1
        return await execute(*call)  # type: ignore[arg-type]

    await db.read(lambda conn: conn.set_trace_callback(lambda sql: statements.update([_shape(sql)])))
    db._conn._execute = counted  # type: ignore[method-assign]
    before, n = len(app.session.requests), args.messages
    for seq in range(n):
        await employee.send_text(f"Проверка {seq}")
    await app.session.wait_for(lambda: reactions() >= n + 1, timeout=120)
    await services.outbox.flush()
    db._conn._execute = execute  # type: ignore[method-assign]
    await db.read(lambda conn: conn.set_trace_callback(None))

    calls = collections.Counter(m.__api_method__ for m in app.session.requests[before:])
    total, commits = sum(statements.values()), statements["COMMIT"]
    print(f"per relayed text ({n} texts, one at a time): {trips / n:.2f} database round trips, "
          f"{total / n:.2f} SQL statements, {commits / n:.2f} explicit transactions")  # fmt: skip
    for sql, count in statements.most_common():
        print(f"  {count / n:5.2f}  {sql}")
    print("Bot API calls per text:", ", ".join(f"{k} {v / n:.2f}" for k, v in calls.items()))
    sender.cancel()
    await services.close()
    await db.close()
    detach_routers(dp)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    asyncio.run(main(parser.parse_args()))
