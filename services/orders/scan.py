"""One walk of BRANCH_PHOTO (blocking, run in a thread by services.orders.index): which order folders
are new, changed, closed or back, against what the index remembers.

A rescan does one `os.scandir` of BRANCH_PHOTO and one `lstat` of each folder's content.txt; only
new or changed folders are read (services/orders/reads.py). The result is a `Plan` the index
writes to SQLite in one transaction, with the warnings it logs.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from database.orders import NewOrder, OrderData, OrderFingerprint
from services.orders.content import (
    CONTENT_FILE,
    PROBLEM_MALFORMED,
    PROBLEM_MISSING,
    PROBLEM_UNREADABLE,
    ContentData,
)
from services.orders.reads import ContentReaders
from services.share_paths import SYSTEM_DIRS, is_junction_entry, is_link, refuse

_readers = ContentReaders()

Fingerprint = tuple[int, int]  # (st_mtime_ns, st_size) of content.txt
_RETRY: Any = object()  # a remembered fingerprint that never matches: read again next scan
_STAT_FAILED: Any = ("stat failed",)


def creation_timestamp(st: os.stat_result, platform: str = sys.platform) -> float:
    """When a folder was created, where the OS records it; otherwise its mtime (see services.orders.index)."""
    birth = getattr(st, "st_birthtime", None)
    if birth is not None and birth > 0:
        return float(birth)
    if platform == "win32":
        return st.st_ctime
    return st.st_mtime


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
class Known:
    fp: Any  # Fingerprint | None (no content.txt) | _RETRY
    is_open: bool
    problem: str | None  # last problem seen (for log de-duplication)


class RootError(Exception):
    pass


@dataclass(slots=True)
class Plan:
    scanned: int = 0
    added: list[NewOrder] = field(default_factory=list)
    changed: list[OrderData] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    flagged: int = 0
    state: dict[str, Known] = field(default_factory=dict)
    warnings: list[tuple[Any, ...]] = field(default_factory=list)


def scan_tree(root: Path, closed_suffix: str, known: dict[str, Known], budget: float) -> Plan:
    """Walk BRANCH_PHOTO once (blocking) and work out what changed against `known`."""
    plan = Plan()
    seen: set[str] = set()
    suffix = closed_suffix.casefold()
    listed = 0
    now = time.time()
    tail = os.sep + CONTENT_FILE
    remembered = known.get
    to_read: list[tuple[str, str, str, Any, Known | None]] = []  # new or changed folders
    try:
        with os.scandir(root) as entries:
            for entry in entries:
                listed += 1
                name = entry.name
                folded = name.casefold()
                if (suffix and folded.endswith(suffix)) or folded in SYSTEM_DIRS or name.startswith("."):
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
                        plan.state[name] = Known(old.fp, True, old.problem)
                    continue
                to_read.append((entry.path, name, content_path, fp, old))
    except OSError as exc:
        raise RootError(f"BRANCH_PHOTO {root} cannot be listed: {exc.strerror or exc}") from exc
    readable = [item[2] for item in to_read if item[3] is not None and not _is_special(item[3])]
    contents = _readers.read_all(readable, budget)
    for path, name, content_path, fp, old in to_read:
        if _read_folder(
            plan, path, name, content_path, fp, old, now, _content_of(content_path, fp, contents)
        ):
            seen.add(name)
    if listed == 0 and any(k.is_open for k in known.values()):
        raise RootError(
            f"BRANCH_PHOTO {root} is empty while orders are open (share not mounted?); nothing closed"
        )
    for name, old in known.items():
        if old.is_open and name not in seen:
            plan.closed.append(name)
            plan.state[name] = Known(old.fp, False, old.problem)
    plan.scanned = len(seen)
    return plan


def _read_folder(
    plan: Plan,
    path: str,
    name: str,
    content_path: str,
    fp: Any,
    old: Known | None,
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
    plan.state[name] = Known(remembered, True, problem)
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


def remembered(fp: OrderFingerprint) -> Known:
    if fp.content_mtime_ns is None or fp.content_size is None:
        return Known(None, fp.is_open, fp.problem)
    return Known((fp.content_mtime_ns, fp.content_size), fp.is_open, fp.problem)
