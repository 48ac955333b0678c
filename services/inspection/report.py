"""One PDF report per order (issue 15.5): built in a worker process, saved into the order folder as
`Отчет_<order>.pdf`, sent as a document through the outbox (durable, a `share-file:` upload).

What goes in: the order, the car, the client's phone masked, the organization, the status history,
every stage except Service (HIDDEN_TYPE_FOLDER) and the client's own uploads (CLIENT_FILES_FOLDER),
labelled by TYPE_ORDER, with thumbnails and condition marks, and the recommendations with their
decisions and totals. The report file sits directly in the order folder, where neither the folder
watcher (stage folders only) nor the order index (content.txt only) look.

Building never runs on the event loop: the layout and the Pillow work go to one 'spawn' worker
process (one report at a time, the bot's own process keeps its GIL). A report is rebuilt only when
what it shows changed; two requests for one order wait for one build.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import texts
from config import Settings
from database.orders import Order, OrderRepo
from database.outbox import Delivery, Method
from database.protocol import ProtocolEntry
from database.report import ReportFile, ReportRepo, ReportRows
from database.users import Level, User, UserRepo
from services.folder_watch.watcher import local_ref
from services.inspection.report_pdf import (
    BuiltReport,
    FileView,
    RecommendationView,
    ReportJob,
    StageView,
    StatusView,
    build_pdf,
)
from services.ports import Deliveries, Recorder

log = logging.getLogger(__name__)

BUILD_TIMEOUT_S = 120.0  # a hung share must not hold the report worker for ever
READY_STATUS = "ready"  # ORDER_STATUSES key: ready for pickup; the owner gets the report then

ExecutorFactory = Callable[[], Executor]
Builder = Callable[[ReportJob], BuiltReport]  # runs in the worker: picklable (a module-level function)

# Where a TTF with Cyrillic usually is: Debian/Ubuntu (fonts-dejavu-core), Fedora, Arch, Windows, macOS.
_FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    (str(Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts" / "arial.ttf"), "arialbd.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "Arial Bold.ttf"),
)


class ReportUnavailable(Exception):
    """The report could not be built; `font_missing` says whether an admin must install a font."""

    def __init__(self, order: Order, font_missing: bool) -> None:
        super().__init__(order.number)
        self.order = order
        self.font_missing = font_missing


def report_name(number: str) -> str:
    return f"Отчет_{number}.pdf"


def mask_phone(phone: str | None) -> str:
    """+375296112233 -> +37529*****33: the owner recognises it, a forwarded PDF does not leak it."""
    if not phone:
        return ""
    digits = phone.lstrip("+")
    if len(digits) < 7:
        return "*" * len(phone)
    plus = "+" if phone.startswith("+") else ""
    return f"{plus}{digits[:-7]}{'*' * 5}{digits[-2:]}"


def find_font(configured: Path | None) -> tuple[str, str | None] | None:
    """(regular, bold or None) TTF paths; the configured one only, when REPORT_FONT is set (blocking)."""
    candidates = ((str(configured), ""),) if configured else _FONT_CANDIDATES
    for regular, bold_name in candidates:
        path = Path(regular)
        if path.is_file():
            bold = path.with_name(bold_name) if bold_name else None
            return str(path), str(bold) if bold is not None and bold.is_file() else None
    return None


def _spawn_pool() -> Executor:
    context = multiprocessing.get_context("spawn")  # the same on Windows and Linux; no forked threads
    return ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_worker_init)


def _worker_init() -> None:
    """Ctrl+C reaches the whole console / process group: the bot shuts the worker down itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop_workers(pool: Executor) -> None:
    """Shut `pool` down, terminating its worker processes if it has any (a thread pool's threads
    cannot be stopped: they end when their task does)."""
    # ProcessPoolExecutor has no public way to end a busy worker before Python 3.14 (terminate_workers);
    # its `_processes` (pid -> Process) is the way until then
    processes = list((getattr(pool, "_processes", None) or {}).values())
    terminate = getattr(pool, "terminate_workers", None)
    if callable(terminate):
        terminate()
    else:
        for process in processes:
            if process.is_alive():
                process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            log.error("Report worker %s did not end when asked; killed", process.pid)
            process.kill()
            process.join(timeout=10)


class OrderReports:
    def __init__(
        self,
        *,
        settings: Settings,
        repo: ReportRepo,
        orders: OrderRepo,
        users: UserRepo,
        outbox: Deliveries,
        protocol: Recorder | None = None,
        executor_factory: ExecutorFactory | None = None,
        clock: Callable[[], float] = time.time,
        builder: Builder = build_pdf,
        build_timeout: float = BUILD_TIMEOUT_S,
    ) -> None:
        self._settings = settings
        self._repo = repo
        self._orders = orders
        self._users = users
        self._outbox = outbox
        self._protocol = protocol
        self._factory = executor_factory or _spawn_pool
        self._pool: Executor | None = None
        self._clock = clock
        self._builder = builder
        self._timeout = build_timeout
        self._locks: dict[int, asyncio.Lock] = {}
        self._built: dict[int, tuple[object, BuiltReport]] = {}  # order id -> (what it showed, the file)
        self._font: tuple[str, str | None] | None = None
        self.builds = 0  # reports actually laid out (tests read it: a cached one is not rebuilt)

    # --- for handlers and hooks ---------------------------------------------------------------------

    async def open_orders_of(self, user: User) -> list[Order]:
        """The open orders a client owns (their phone is the orders')."""
        if user.level is not Level.CLIENT or not user.phone:
            return []
        return await self._orders.open_for_phone(user.phone)

    async def send(self, order: Order, chat_id: int, request_key: str) -> BuiltReport:
        """Build (or reuse) the order's report and queue it to `chat_id`; `request_key` makes a
        replayed request (the same update run again) queue it once."""
        built = await self.build(order)
        key = f"report:{chat_id}:{order.id}:{request_key}"
        await self._outbox.enqueue([self._document(order, chat_id, key)])
        await self._record(order, [chat_id], key)
        return built

    async def send_to_client(self, order: Order, chat_id: int, request_key: str) -> bool:
        """`send` for an owner's own request: False when the report cannot be built now (the owner is
        told so by the handler; the admins are told why, here, once per order and hour)."""
        try:
            await self.send(order, chat_id, request_key)
        except ReportUnavailable as exc:
            await self._tell_admins(exc)
            return False
        return True

    async def send_to_owner(self, order_id: int, reason_key: str | None = None) -> int:
        """The order's report to its connected owner(s), e.g. when the status becomes "ready". Returns
        how many it was queued for; a failure is logged, never raised (a status change must not fail).
        `reason_key` (e.g. the status row id) makes a repeated call for one event queue it once."""
        order = await self._orders.get(order_id)
        if order is None or not order.phone:
            return 0
        owners = await self._users.active_clients_with_phone(order.phone)
        if not owners:
            return 0
        try:
            await self.build(order)
        except ReportUnavailable as exc:  # logged by build
            await self._tell_admins(exc)
            return 0
        key = f"report-auto:0:{order.id}:{reason_key or f'{self._clock():.0f}'}"
        await self._outbox.enqueue(
            [self._document(order, owner.telegram_id, f"{key}:{owner.telegram_id}") for owner in owners]
        )
        await self._record(order, [owner.telegram_id for owner in owners], key)
        log.info("Report of order %s queued to its owner (%s)", order.number, key)
        return len(owners)

    async def build(self, order: Order) -> BuiltReport:
        """The order's report file, laid out again only when what it shows changed."""
        lock = self._locks.setdefault(order.id, asyncio.Lock())
        async with lock:
            rows = await self._repo.rows(order.id)
            signature = (order.number, order.plate, order.phone, rows.signature())
            cached = self._built.get(order.id)
            if (
                cached is not None
                and cached[0] == signature
                and await asyncio.to_thread(Path(cached[1].path).is_file)
            ):
                return cached[1]
            built = await self._run(order, rows)
            self._built[order.id] = (signature, built)
            return built

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    # ------------------------------------------------------------------------------------------------

    async def _tell_admins(self, exc: ReportUnavailable) -> None:
        text = texts.REPORT_FONT_MISSING if exc.font_missing else texts.report_folder_failed(exc.order.number)
        hour = int(self._clock() // 3600)
        await self._outbox.enqueue(
            [
                Delivery(
                    admin.telegram_id,
                    Method.MESSAGE,
                    {"text": text},
                    f"report-failed:0:{exc.order.id}:{hour}:{admin.telegram_id}",
                )
                for admin in await self._users.active_with_level(Level.ADMIN)
            ]
        )

    async def _record(self, order: Order, chat_ids: list[int], key: str) -> None:
        """A protocol line per recipient: the report is part of what the order's client was sent."""
        if self._protocol is None:
            return
        for chat_id in chat_ids:
            person = await self._users.get(chat_id)
            if person is None or person.level is Level.CLIENT:
                recipient = texts.protocol_to_client(person.phone if person else order.phone or "")
            else:
                recipient = person.display_name
            await self._protocol.record(
                ProtocolEntry(
                    order_id=order.id,
                    order_number=order.number,
                    sender_id=None,
                    sender_role=None,
                    sender_name=texts.REPORT_PROTOCOL_SENDER,
                    recipient=recipient,
                    kind="document",
                    text=texts.REPORT_PROTOCOL_TEXT,
                    file_path=f"{order.number}/{report_name(order.number)}",
                    dedup_key=f"{key}:{chat_id}",
                )
            )

    def _document(self, order: Order, chat_id: int, key: str) -> Delivery:
        payload = {
            "document": local_ref(f"{order.number}/{report_name(order.number)}"),
            "caption": texts.report_caption(order.number),
        }
        return Delivery(chat_id, Method.DOCUMENT, payload, key)

    async def _run(self, order: Order, rows: ReportRows) -> BuiltReport:
        if self._font is None:
            self._font = await asyncio.to_thread(find_font, self._settings.report_font)
        if self._font is None:
            where = self._settings.report_font or "the usual places (install fonts-dejavu-core)"
            log.error("Report of order %s not built: no TTF font with Cyrillic in %s", order.number, where)
            raise ReportUnavailable(order, font_missing=True)
        job = self._job(order, rows, *self._font)
        started = time.perf_counter()
        try:
            built = await asyncio.wait_for(
                asyncio.wrap_future(self._executor().submit(self._builder, job)), self._timeout
            )
        except TimeoutError as exc:  # a hung share; caught first: TimeoutError is an OSError too
            await asyncio.to_thread(self._drop_pool)  # the build goes on in the worker: ended with it
            log.error(
                "Report of order %s not built in %.0f s: its worker was ended", order.number, self._timeout
            )
            raise ReportUnavailable(order, font_missing=False) from exc
        except OSError as exc:  # the order folder is gone, closed, a link, or the disk is full
            log.error("Report of order %s not built: %s", order.number, exc)
            raise ReportUnavailable(order, font_missing=False) from exc
        except Exception as exc:  # a dead worker (BrokenProcessPool), a bug
            await asyncio.to_thread(self._drop_pool)
            log.exception("Report of order %s not built", order.number)
            raise ReportUnavailable(order, font_missing=False) from exc
        self.builds += 1
        log.info(
            "Report of order %s built: %d page(s), %d photo(s), %d KB in %.1f s",
            order.number, built.pages, built.photos, built.size // 1024, time.perf_counter() - started,
        )  # fmt: skip
        return built

    def _executor(self) -> Executor:
        if self._pool is None:
            self._pool = self._factory()
        return self._pool

    def _drop_pool(self) -> None:
        """The worker is ended, not only left (blocking: runs in a thread). Cancelling a timed-out
        future does not stop a build already running: that worker would go on laying out (and then
        writing) a stale report beside the next one."""
        pool, self._pool = self._pool, None
        if pool is not None:
            stop_workers(pool)

    def _job(self, order: Order, rows: ReportRows, font: str, bold: str | None) -> ReportJob:
        labels = self._settings.order_statuses
        statuses = tuple(StatusView(labels.get(s.status, s.status), s.who or "", s.at) for s in rows.statuses)
        return ReportJob(
            root=str(self._settings.branch_photo),
            order_number=order.number,
            file_name=report_name(order.number),
            font=font,
            bold_font=bold,
            organization=self._settings.organization_name,
            plate=texts.plate_display(order.plate or ""),  # as printed, like every message shows it
            phone=mask_phone(order.phone),
            status=statuses[-1].label if statuses else "",
            generated_at=self._clock(),
            statuses=statuses,
            stages=self._stages(rows.files),
            recommendations=tuple(
                RecommendationView(
                    r.title, r.reason, r.decided_price if r.decided_price is not None else r.price,
                    r.decision, r.decided_by or "", r.decided_at, r.photos,
                )
                for r in rows.recommendations
            ),
        )  # fmt: skip

    def _stages(self, files: Sequence[ReportFile]) -> tuple[StageView, ...]:
        """Stages in TYPE_ORDER's order under their labels; Service and the client's uploads left out;
        files in folders TYPE_ORDER does not name (copied in by hand) last, as "other materials"."""
        settings = self._settings
        skipped = {settings.hidden_type_folder.casefold(), settings.client_files_folder.casefold()}
        by_folder: dict[str, list[FileView]] = {}
        for f in files:
            if f.hidden or f.subfolder.casefold() in skipped:
                continue
            view = FileView(f.rel_path, f.kind, f.mark, f.note, f.caption)
            by_folder.setdefault(f.subfolder.casefold(), []).append(view)
        stages = []
        for label, folder in settings.type_order.items():
            found = by_folder.pop(folder.casefold(), None)
            if found:
                stages.append(StageView(label, tuple(found)))
        rest = [view for views in by_folder.values() for view in views]
        if rest:
            stages.append(StageView(texts.REPORT_PDF_OTHER_STAGE, tuple(rest)))
        return tuple(stages)
