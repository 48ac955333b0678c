"""The material files of one order folder, as the folder watcher (folder_watch.watcher) sees them.

Stage folders and up to MAX_DEPTH levels below them are listed without following a link
(share_paths); hidden, temporary and system files are not materials; `file_kind` says how a file
would go to Telegram (photo, video or document).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from database.folder_files import WatchedOrder
from services.share_paths import SYSTEM_DIRS, check_dir, is_junction_entry, is_link, refuse

MAX_DEPTH = 3  # stage folder / sub / sub
MAX_FILES_PER_ORDER = 5000  # a runaway folder costs the watcher a bounded walk
PHOTO_LIMIT = 10 * 1024 * 1024  # sendPhoto, cloud Bot API
_PHOTO_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp"})
_VIDEO_EXTENSIONS = frozenset({".mp4"})
_TEMP_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db", "icon\r"})
_TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".lck", ".swp", "~")


def is_temporary(name: str) -> bool:
    """Files that are not materials: hidden, Office lock files, partial downloads, thumbnails."""
    folded = name.casefold()
    return (
        name.startswith((".", "~$", "~"))
        or folded in _TEMP_NAMES
        or folded.endswith(_TEMP_SUFFIXES)
        or folded.startswith("._")
    )


@dataclass(frozen=True, slots=True)
class FoundFile:
    rel_path: str
    order_id: int
    stage: str  # the first-level subfolder it is in
    size: int
    mtime_ns: int
    arrived_at: float  # creation time where the OS keeps one, else ctime (set by a copy or move)


def arrival_time(st: os.stat_result) -> float:
    """When the file arrived here: a copy keeps the original's mtime, not its creation time."""
    birth = getattr(st, "st_birthtime", None)
    if birth:
        return float(birth)
    return max(st.st_ctime, st.st_mtime)


def walk_order(
    root: Path, order: WatchedOrder, skipped: frozenset[str], known: frozenset[str] | set[str] = frozenset()
) -> list[FoundFile]:
    """The material files of one order folder not in `known` (blocking). Links are never followed;
    a known path costs no `stat`."""
    try:
        if not check_dir(root, order.number, missing_ok=True):
            return []
        stages = [
            entry
            for entry in os.scandir(root / order.number)
            if _plain_dir(entry)
            and entry.name.casefold() not in skipped
            and not is_temporary(entry.name)
            and entry.name.casefold() not in SYSTEM_DIRS
        ]
    except OSError:
        return []
    walk = _Walk(order.id, known)
    for stage in stages:
        walk.folder(Path(stage.path), f"{order.number}/{stage.name}", stage.name, 1)
    return walk.found


def _plain_dir(entry: os.DirEntry[str]) -> bool:
    try:
        if not entry.is_dir(follow_symlinks=False):
            if entry.is_symlink():
                refuse(entry.path, "a link (symlink); its files are not sent")
            return False
        if is_junction_entry(entry):
            refuse(entry.path, "a link (junction); its files are not sent")
            return False
    except OSError:
        return False
    return True


@dataclass(slots=True)
class _Walk:
    order_id: int
    known: frozenset[str] | set[str]
    found: list[FoundFile] = field(default_factory=list)

    def folder(self, folder: Path, rel: str, stage: str, depth: int) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if len(self.found) >= MAX_FILES_PER_ORDER or is_temporary(entry.name):
                continue
            path = f"{rel}/{entry.name}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth < MAX_DEPTH and not is_junction_entry(entry):
                        self.folder(Path(entry.path), path, stage, depth + 1)
                    continue
                if path in self.known:
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and not is_link(st):
                self.found.append(
                    FoundFile(path, self.order_id, stage, st.st_size, st.st_mtime_ns, arrival_time(st))
                )


def file_kind(path: Path, size: int) -> str:
    """photo for an image Telegram will take as a photo, video for mp4, else document (blocking)."""
    ext = path.suffix.casefold()
    if ext in _VIDEO_EXTENSIONS:
        return "video"
    if ext not in _PHOTO_EXTENSIONS or size > PHOTO_LIMIT:
        return "document"
    try:
        from PIL import Image

        with Image.open(path) as image:
            width, height = image.size
    except Exception:  # not an image after all, or one Pillow cannot read: sent as it is
        return "document"
    if width + height > 10000 or max(width, height) / max(1, min(width, height)) > 20:
        return "document"
    return "photo"
