"""The index of work orders: folders directly inside BRANCH_PHOTO, mirrored into SQLite.

Every folder directly inside BRANCH_PHOTO is an order and its name is the order number. Folders
whose name ends with CLOSED_ORDER (any case) are closed and ignored, as are plain files and
system folders (names starting with `.`, `$RECYCLE.BIN`, `System Volume Information`, NAS
`@eaDir` / `#recycle` / `#snapshot`). A folder may hold `content.txt`, a JSON object with
`order`, `barcode`, `phone` and `plate_number`, saved however Windows saved it (UTF-8, UTF-8 with
BOM, cp1251; UTF-16 with a BOM too). An order whose data is missing or bad stays selectable but
is flagged with a short problem code:

- `missing`    no content.txt in the folder;
- `unreadable` content.txt exists but cannot be read (locked, no permission); retried every scan;
- `malformed`  not strict JSON (a trailing comma is malformed), not an object, undecodable, too big;
- `no_phone`   no phone, or one `normalize_phone` cannot make sense of (the raw value is kept).

The folder name always wins over the `order` field; a disagreement is only logged. Each bad
folder gives ops one WARNING line when it is first found bad or its content.txt changes, not one
per scan.

Calendar date. The calendar shows an order on the day its folder was created, where the OS
records a creation time: `st_birthtime` (Windows on Python 3.12+, macOS, BSD), else `st_ctime` on
Windows (its creation time there). Elsewhere (Linux keeps no creation time that Python exposes,
and a folder's mtime moves whenever a photo is added) the date is the folder's mtime at the moment
the bot first saw it. Either way it is computed once, in the local time zone, stored in SQLite
with the row and never moved afterwards, not even when the folder is closed and comes back.

Rescans are incremental: the index keeps each order's content.txt fingerprint (mtime_ns, size)
in memory, loaded from SQLite on the first scan. A rescan does one `os.scandir` of BRANCH_PHOTO
and one `lstat` of each folder's content.txt; only new or changed folders are read, and SQLite is
written only when something changed (one transaction per scan). A folder that disappears (or is
renamed to `...closed`) closes its order; if it comes back the same row is reopened. If
BRANCH_PHOTO cannot be listed, or lists nothing at all while orders are open (an unmounted share
looks like that), the scan reports an error and leaves every order as it was.

The folder walk and file reads run in a worker thread; SQLite writes happen on the event loop.

The share is untrusted input (services/share_paths.py). An order folder that is a link (symlink,
junction) is not an order: it is skipped and logged once. content.txt must be a regular file: a
link (say to /dev/zero), a FIFO or a device is flagged `malformed` without being opened, the file
is opened non-blocking and read with a size cap. Each folder's read has a time budget
(CONTENT_READ_SECONDS; reads run in reader threads watched for progress, see _Readers): a folder
whose read stalls (a hung SMB server) is flagged `unreadable` for this scan and the scan goes on
with the others; while that read is still stuck the folder is not read again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from database.orders import NewOrder, Order, OrderData, OrderFingerprint, OrderRepo
from services import periodic
from services.phones import normalize_phone
from services.plate_text import normalize_plate
from services.share_paths import TooBig, UnsafePath, is_junction_entry, is_link, read_regular, refuse

log = logging.getLogger(__name__)

CONTENT_FILE = "content.txt"
MAX_CONTENT_BYTES = 1 << 20
CONTENT_READ_SECONDS = 5.0  # time budget of one folder's content.txt read
_READERS = 8  # reads that may hang at once before the share is not read at all
_SYSTEM_DIRS = frozenset({"$recycle.bin", "system volume information", "@eadir", "#recycle", "#snapshot"})

PROBLEM_MISSING = "missing"
PROBLEM_UNREADABLE = "unreadable"
PROBLEM_MALFORMED = "malformed"
PROBLEM_NO_PHONE = "no_phone"

Fingerprint = tuple[int, int]  # (st_mtime_ns, st_size) of content.txt
_RETRY: Any = object()  # a remembered fingerprint that never matches: read again next scan
_STAT_FAILED: Any = ("stat failed",)


@dataclass(frozen=True, slots=True)
class ScanReport:
    """One scan. `scanned` counts the open order folders seen; the other counters are this scan's
    events (`flagged`: folders read this scan whose data turned out bad). `error` is set when
    BRANCH_PHOTO could not be scanned; nothing was changed then."""

    scanned: int
    added: int
    changed: int
    closed: int
    reopened: int
    flagged: int
    seconds: float
    error: str | None


@dataclass(frozen=True, slots=True)
class ContentData:
    """content.txt of one folder, parsed and normalized."""

    problem: str | None
    detail: str | None = None
    order: str | None = None
    barcode: str | None = None
    phone: str | None = None
    phone_raw: str | None = None
    plate: str | None = None


def creation_timestamp(st: os.stat_result, platform: str = sys.platform) -> float:
    """When a folder was created, where the OS records it; otherwise its mtime (see module doc)."""
    birth = getattr(st, "st_birthtime", None)
    if birth is not None and birth > 0:
        return float(birth)
    if platform == "win32":
        return st.st_ctime
    return st.st_mtime


def decode_text(raw: bytes) -> str:
    """Text as Windows may have saved it: UTF-16 with a BOM, UTF-8 (BOM or not), else cp1251."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1251")


def _field(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text or None


def parse_content(raw: bytes) -> ContentData:
    """Parse the bytes of a content.txt; never raises."""
    try:
        data = json.loads(decode_text(raw))
    except UnicodeDecodeError as exc:
        return ContentData(PROBLEM_MALFORMED, f"undecodable text: {exc.reason}")
    except json.JSONDecodeError as exc:
        return ContentData(PROBLEM_MALFORMED, f"not valid JSON: {exc.msg} at line {exc.lineno}")
    except (ValueError, RecursionError) as exc:  # e.g. a number too long to convert
        return ContentData(PROBLEM_MALFORMED, f"not usable JSON: {exc}")
    if not isinstance(data, dict):
        return ContentData(PROBLEM_MALFORMED, "not a JSON object")
    phone_raw = _field(data, "phone")
    phone = normalize_phone(phone_raw)
    detail = None
    if phone is None:
        detail = "no phone" if phone_raw is None else f"phone {phone_raw!r} is not a number"
    return ContentData(
        problem=None if phone else PROBLEM_NO_PHONE,
        detail=detail,
        order=_field(data, "order"),
        barcode=_field(data, "barcode"),
        phone=phone,
        phone_raw=phone_raw,
        plate=normalize_plate(_field(data, "plate_number")) or None,
    )


def read_content(path: str) -> ContentData:
    """Read and parse one content.txt (blocking, but never on a FIFO or device); never raises."""
    try:
        raw = read_regular(Path(path), MAX_CONTENT_BYTES)
    except FileNotFoundError:
        return ContentData(PROBLEM_MISSING, "content.txt vanished while reading")
    except TooBig:
        return ContentData(PROBLEM_MALFORMED, f"larger than {MAX_CONTENT_BYTES} bytes")
    except UnsafePath as exc:
        return ContentData(PROBLEM_MALFORMED, str(exc))
    except OSError as exc:
        return ContentData(PROBLEM_UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")
    return parse_content(raw)


class _Chunk:
    """Reads a run of content.txt files in a daemon thread of its own, reporting progress as it
    goes (a daemon: a read stuck on a hung share never keeps the bot from exiting)."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self.results: dict[str, ContentData] = {}
        self.current = -1  # index being read
        self.since = time.monotonic()  # when that read started
        self.abandoned = False
        self.finished = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> None:
        threading.Thread(target=self._run, name="content-reader", daemon=True).start()

    def _run(self) -> None:
        try:
            for index, path in enumerate(self.paths):
                with self._lock:
                    if self.abandoned:
                        return
                    self.current = index
                    self.since = time.monotonic()
                content = read_content(path)
                with self._lock:
                    self.results[path] = content
        finally:
            self.finished.set()

    def stalled_for(self) -> float:
        """Seconds the read under way has taken so far."""
        with self._lock:
            return time.monotonic() - self.since

    def abandon(self) -> tuple[dict[str, ContentData], int]:
        """Stop after the read under way; the results so far and the index that is stuck."""
        with self._lock:
            self.abandoned = True
            return dict(self.results), self.current


class _Readers:
    """content.txt reads with a time budget per folder: a stalled read (a hung SMB server) costs
    its folder, not the scan. Reads go in runs to a reader thread (one hand-off per run, not per
    file); a run whose current read has taken `budget` seconds is abandoned at that file, which
    is flagged, and the rest of the run goes on in a new thread. A file whose read is still stuck
    from an earlier scan is not read again until that read returns; with _READERS reads stuck,
    the share is not read at all until one returns."""

    CHUNK = 256

    def __init__(self) -> None:
        self._stuck: dict[str, _Chunk] = {}
        self._lock = threading.Lock()

    def read_all(self, paths: list[str], budget: float) -> dict[str, ContentData]:
        results: dict[str, ContentData] = {}
        queue = self._skip_stuck(paths, results)
        while queue:
            chunk, queue = queue[: self.CHUNK], queue[self.CHUNK :]
            queue = self._read_chunk(chunk, budget, results) + queue
        return results

    def _skip_stuck(self, paths: list[str], results: dict[str, ContentData]) -> list[str]:
        with self._lock:
            self._stuck = {path: c for path, c in self._stuck.items() if not c.finished.is_set()}
            for path in paths:
                if path in self._stuck:
                    results[path] = ContentData(PROBLEM_UNREADABLE, "an earlier read has not finished yet")
        return [path for path in paths if path not in results]

    def _read_chunk(self, paths: list[str], budget: float, results: dict[str, ContentData]) -> list[str]:
        """Read `paths` into `results`; returns the ones left after a stuck read."""
        with self._lock:
            if len(self._stuck) >= _READERS:
                for path in paths:
                    results[path] = ContentData(PROBLEM_UNREADABLE, "other reads of the share are stuck")
                return []
        chunk = _Chunk(paths)
        chunk.start()
        tick = min(budget, 0.5)
        while not chunk.finished.wait(tick):
            if chunk.stalled_for() >= budget:
                break  # the read under way has had its whole budget: it is stuck
        else:
            results.update(chunk.results)
            for path in paths:  # a reader that failed unexpectedly: retried next scan
                results.setdefault(path, ContentData(PROBLEM_UNREADABLE, "not read"))
            return []
        done, stuck = chunk.abandon()
        results.update(done)
        if stuck < 0:  # the thread never got going (an overloaded machine): retried next scan
            for path in paths:
                results.setdefault(path, ContentData(PROBLEM_UNREADABLE, "no reader started"))
            return []
        results[paths[stuck]] = ContentData(PROBLEM_UNREADABLE, f"no answer within {budget:.0f} s")
        with self._lock:
            self._stuck[paths[stuck]] = chunk
        return paths[stuck + 1 :]


_readers = _Readers()


def _content_stat(path: str) -> Any:
    """The fingerprint of content.txt without following a link: None if missing."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return _STAT_FAILED
    if is_link(st) or not stat.S_ISREG(st.st_mode):
        return ("special", st.st_mode, st.st_mtime_ns, st.st_size)
    return (st.st_mtime_ns, st.st_size)


@dataclass(frozen=True, slots=True)
class _Known:
    fp: Any  # Fingerprint | None (no content.txt) | _RETRY
    is_open: bool
    problem: str | None  # last problem seen (for log de-duplication)


class _RootError(Exception):
    pass


@dataclass(slots=True)
class _Plan:
    scanned: int = 0
    added: list[NewOrder] = field(default_factory=list)
    changed: list[OrderData] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    flagged: int = 0
    state: dict[str, _Known] = field(default_factory=dict)
    warnings: list[tuple[Any, ...]] = field(default_factory=list)


def _scan_tree(
    root: Path, closed_suffix: str, known: dict[str, _Known], budget: float = CONTENT_READ_SECONDS
) -> _Plan:
    """Walk BRANCH_PHOTO once (blocking) and work out what changed against `known`."""
    plan = _Plan()
    seen: set[str] = set()
    suffix = closed_suffix.casefold()
    listed = 0
    now = time.time()
    tail = os.sep + CONTENT_FILE
    remembered = known.get
    to_read: list[tuple[str, str, str, Any, _Known | None]] = []  # new or changed folders
    try:
        with os.scandir(root) as entries:
            for entry in entries:
                listed += 1
                name = entry.name
                folded = name.casefold()
                if (suffix and folded.endswith(suffix)) or folded in _SYSTEM_DIRS or name.startswith("."):
                    continue
                try:
                    if not entry.is_dir(follow_symlinks=False):
                        if entry.is_symlink():
                            refuse(entry.path, "a link (symlink), not an order folder")
                        continue
                    if is_junction_entry(entry):
                        refuse(entry.path, "a link (junction), not an order folder")
                        continue
                except OSError:
                    continue
                content_path = entry.path + tail
                fp: Any = _content_stat(content_path)
                old = remembered(name)
                if old is not None and old.fp == fp:
                    seen.add(name)
                    if not old.is_open:
                        plan.reopened.append(name)
                        plan.state[name] = _Known(old.fp, True, old.problem)
                    continue
                to_read.append((entry.path, name, content_path, fp, old))
    except OSError as exc:
        raise _RootError(f"BRANCH_PHOTO {root} cannot be listed: {exc.strerror or exc}") from exc
    readable = [item[2] for item in to_read if item[3] is not None and not _is_special(item[3])]
    contents = _readers.read_all(readable, budget)
    for path, name, content_path, fp, old in to_read:
        if _read_folder(
            plan, path, name, content_path, fp, old, now, _content_of(content_path, fp, contents)
        ):
            seen.add(name)
    if listed == 0 and any(k.is_open for k in known.values()):
        raise _RootError(
            f"BRANCH_PHOTO {root} is empty while orders are open (share not mounted?); nothing closed"
        )
    for name, old in known.items():
        if old.is_open and name not in seen:
            plan.closed.append(name)
            plan.state[name] = _Known(old.fp, False, old.problem)
    plan.scanned = len(seen)
    return plan


def _read_folder(
    plan: _Plan,
    path: str,
    name: str,
    content_path: str,
    fp: Any,
    old: _Known | None,
    now: float,
    content: ContentData,
) -> bool:
    """Put a new or changed folder into `plan`; False when the folder vanished meanwhile."""
    try:
        dir_stat: os.stat_result | None = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        dir_stat = None
    problem = content.problem
    if problem == PROBLEM_UNREADABLE or fp is _STAT_FAILED:
        remembered, stored = _RETRY, None
    elif problem == PROBLEM_MISSING:
        remembered = stored = None
    elif _is_special(fp):
        remembered, stored = fp, None  # flagged once; SQLite keeps no fingerprint of a non-file
    else:
        remembered = stored = fp
    repeated = problem == PROBLEM_UNREADABLE and old is not None and old.problem == PROBLEM_UNREADABLE
    if problem is not None and not repeated:
        plan.flagged += 1
        plan.warnings.append(("Order %s: content.txt %s (%s)", name, problem, content.detail))
    if content.order is not None and content.order.casefold() != name.casefold():
        plan.warnings.append(
            ("Order %s: content.txt says order %r; the folder name is used", name, content.order)
        )
    plan.state[name] = _Known(remembered, True, problem)
    if old is not None and not old.is_open:
        plan.reopened.append(name)
    if old is not None and problem == PROBLEM_UNREADABLE:
        return True  # keep the data read before; try again next scan
    data = OrderData(
        number=name,
        barcode=content.barcode,
        phone=content.phone,
        phone_raw=content.phone_raw,
        plate=content.plate,
        problem=problem,
        dir_mtime_ns=None if dir_stat is None else dir_stat.st_mtime_ns,
        content_mtime_ns=None if stored is None else stored[0],
        content_size=None if stored is None else stored[1],
    )
    if old is None:
        created = now if dir_stat is None else creation_timestamp(dir_stat)
        plan.added.append(NewOrder(data, date.fromtimestamp(created), int(now)))
    else:
        plan.changed.append(data)
    return True


def _is_special(fp: Any) -> bool:
    return isinstance(fp, tuple) and len(fp) == 4 and fp[0] == "special"


def _content_of(content_path: str, fp: Any, contents: dict[str, ContentData]) -> ContentData:
    if fp is None:
        return ContentData(PROBLEM_MISSING, "no content.txt")
    if _is_special(fp):
        return ContentData(PROBLEM_MALFORMED, "content.txt is a link or not a regular file; not opened")
    return contents.get(content_path) or ContentData(PROBLEM_UNREADABLE, "not read")


def _remembered(fp: OrderFingerprint) -> _Known:
    if fp.content_mtime_ns is None or fp.content_size is None:
        return _Known(None, fp.is_open, fp.problem)
    return _Known((fp.content_mtime_ns, fp.content_size), fp.is_open, fp.problem)


class OrderIndex:
    def __init__(self, repo: OrderRepo, root: Path, closed_suffix: str) -> None:
        self._repo = repo
        self._root = Path(root)
        self._closed_suffix = closed_suffix.strip()
        self._known: dict[str, _Known] | None = None
        self._lock = asyncio.Lock()
        self._current: asyncio.Future[ScanReport] | None = None
        self._last_error: str | None = None

    @property
    def root(self) -> Path:
        return self._root

    def order_folder(self, order: Order) -> Path:
        return self._root / order.number

    async def refresh(self) -> ScanReport:
        """Bring SQLite up to date with BRANCH_PHOTO. A call made while a scan is running waits
        for that scan and gets its report instead of starting another one."""
        task = self._current
        if task is None:
            task = asyncio.ensure_future(self._scan())
            self._current = task
            task.add_done_callback(self._scan_done)
        return await asyncio.shield(task)

    def _scan_done(self, task: asyncio.Future[ScanReport]) -> None:
        if self._current is task:
            self._current = None
        if not task.cancelled():
            task.exception()  # retrieved by the callers; keeps asyncio from warning when none are left

    async def run_periodically(self, interval: float) -> None:
        """Rescan every `interval` seconds until cancelled; errors are logged, never raised."""
        failure = "Order scan of %s failed; next try in %.0f s"
        await periodic.every(interval, self.refresh, log, failure, self._root, interval)

    async def _scan(self) -> ScanReport:
        async with self._lock:
            started = time.perf_counter()
            if self._known is None:
                self._known = {
                    fp.number: _remembered(fp) for fp in (await self._repo.load_fingerprints()).values()
                }
            try:
                plan = await asyncio.to_thread(
                    _scan_tree, self._root, self._closed_suffix, self._known, CONTENT_READ_SECONDS
                )
            except _RootError as exc:
                error = str(exc)
                if error != self._last_error:
                    log.error("Order scan: %s", error)
                self._last_error = error
                return ScanReport(0, 0, 0, 0, 0, 0, time.perf_counter() - started, error)
            await self._repo.apply_scan(
                added=plan.added,
                changed=plan.changed,
                reopened=plan.reopened,
                closed=plan.closed,
                now=int(time.time()),
            )
            self._known.update(plan.state)
            if self._last_error is not None:
                log.info("Order scan: BRANCH_PHOTO %s is readable again", self._root)
                self._last_error = None
            for message in plan.warnings:
                log.warning(*message)
            report = ScanReport(
                scanned=plan.scanned,
                added=len(plan.added),
                changed=len(plan.changed),
                closed=len(plan.closed),
                reopened=len(plan.reopened),
                flagged=plan.flagged,
                seconds=time.perf_counter() - started,
                error=None,
            )
            if report.added or report.changed or report.closed or report.reopened:
                log.info(
                    "Order scan: %d open folders, %d added, %d changed, %d closed, %d reopened,"
                    " %d flagged, %.2f s",
                    report.scanned,
                    report.added,
                    report.changed,
                    report.closed,
                    report.reopened,
                    report.flagged,
                    report.seconds,
                )
            return report
