"""The owner's message per order status, from `status_messages.txt` next to bot.py, edited without code.

The file is UTF-8, one `[status key]` heading per message, `#` lines are comments:

    [ready]
    Заказ-наряд {order}: автомобиль {plate} готов к выдаче.

It is created with the defaults of texts.STATUS_MESSAGE_DEFAULTS when missing and read again whenever
its modification time or size changes. A template is plain text (no HTML: everything in it, the
values too, is escaped); placeholders are {order}, {plate}, {status}, {organization}. A broken one
(an unknown placeholder, a lone brace, `{order.attr}`, empty) is replaced by the default and logged
once per version of the file; so is an unreadable file.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import texts

log = logging.getLogger(__name__)

PLACEHOLDERS = frozenset({"order", "plate", "status", "organization"})
MAX_FILE_BYTES = 256 * 1024  # a dealer's text file; anything bigger is not ours
_HEADING = re.compile(r"^\[([A-Za-z0-9_]{1,16})\]\s*$")


def check_template(template: str) -> str | None:
    """Why `template` cannot be used (for the log), or None when it is fine."""
    if not template.strip():
        return "empty"
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return str(exc)
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in PLACEHOLDERS:
            return f"unknown placeholder {{{field}}}"
        if spec or conversion:
            return f"formatting in {{{field}}} is not allowed"
    return None


def render(template: str, values: Mapping[str, str]) -> str:
    """A checked template filled in, as HTML: its own text and every value escaped."""
    out = []
    for literal, field, _, _ in string.Formatter().parse(template):
        out.append(html.escape(literal, quote=False))
        if field is not None:
            out.append(html.escape(values.get(field, ""), quote=False))
    return "".join(out).strip()


def parse(text: str) -> tuple[dict[str, str], list[str]]:
    """Sections of the file: status key -> its template (checked), and what was wrong, for the log."""
    sections: dict[str, list[str]] = {}
    problems: list[str] = []
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        heading = _HEADING.match(line.strip())
        if heading:
            current = sections.setdefault(heading.group(1), [])
            continue
        if current is None:
            if line.strip():
                problems.append(f"line {number}: text before any [status] heading")
            continue
        current.append(line)
    templates: dict[str, str] = {}
    for key, lines in sections.items():
        template = "\n".join(lines).strip()
        why = check_template(template)
        if why is None:
            templates[key] = template
        else:
            problems.append(f"[{key}]: {why}")
    return templates, problems


def default_file(statuses: Mapping[str, str]) -> str:
    """The file written when there is none: every configured status with its default message."""
    blocks = [texts.STATUS_FILE_HEADER]
    for key, label in statuses.items():
        template = texts.STATUS_MESSAGE_DEFAULTS.get(key, texts.STATUS_MESSAGE_FALLBACK)
        blocks.append(f"# {label}\n[{key}]\n{template}\n")
    return "\n".join(blocks)


def _heading_of(line: str) -> str | None:
    heading = _HEADING.match(line.strip())
    return heading.group(1) if heading else None


def with_template(text: str, key: str, template: str) -> str:
    """The file's text with section [key] holding `template` (appended when missing); every other
    line (comments, other sections) kept as it was."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _heading_of(line) == key), None)
    body = template.strip().splitlines()
    if start is None:
        return "\n".join([*lines, "", f"[{key}]", *body]).strip("\n") + "\n"
    end = start + 1
    while end < len(lines) and _heading_of(lines[end]) is None:
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1  # blank lines and the next section's comment stay with the next section
    return "\n".join([*lines[: start + 1], *body, *lines[end:]]).strip("\n") + "\n"


@dataclass(frozen=True, slots=True)
class _Loaded:
    stamp: tuple[int, int] | None  # (mtime_ns, size) of the file read; None: defaults only
    templates: dict[str, str]


class StatusTemplates:
    def __init__(self, path: Path, statuses: Mapping[str, str]) -> None:
        self._path = path
        self._statuses = dict(statuses)
        self._loaded: _Loaded | None = None
        self._lock = asyncio.Lock()

    @property
    def path(self) -> Path:
        return self._path

    async def message(self, key: str, values: Mapping[str, str]) -> str:
        """The owner's message for status `key`, values filled in (HTML, escaped)."""
        async with self._lock:  # one reload at a time
            self._loaded = await asyncio.to_thread(self._fresh, self._loaded)
        template = self._loaded.templates.get(key) or self.default(key)
        return render(template, values)

    def default(self, key: str) -> str:
        return texts.STATUS_MESSAGE_DEFAULTS.get(key, texts.STATUS_MESSAGE_FALLBACK)

    async def template(self, key: str) -> str:
        """The template in force for `key` (the file's, or the default), as written: for editing."""
        async with self._lock:
            self._loaded = await asyncio.to_thread(self._fresh, self._loaded)
        return self._loaded.templates.get(key) or self.default(key)

    async def save(self, key: str, template: str) -> str | None:
        """Write `template` for status `key` into the file (atomically, the rest of the file kept):
        None when saved, else why it cannot be used (the same checks as reading the file) or written."""
        template = template.strip()
        why = check_template(template) or (None if key in self._statuses else "unknown status")
        if why is not None:
            return why
        if parse(with_template(f"[{key}]", key, template))[0].get(key) != template:
            return "a line starting with # or looking like a [heading]"  # it would not read back whole
        async with self._lock:
            try:
                await asyncio.to_thread(self._write, key, template)
            except (OSError, UnicodeDecodeError) as exc:
                log.error("Could not save the [%s] status message into %s: %s", key, self._path, exc)
                return str(exc)
            self._loaded = await asyncio.to_thread(self._fresh, None)
        log.info("Status message [%s] saved into %s", key, self._path)
        return None

    def _write(self, key: str, template: str) -> None:
        """Blocking (a thread): read, change one section, write under a temporary name, rename."""
        try:
            text = self._path.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            text = default_file(self._statuses)
        temporary = self._path.with_name(self._path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8", newline="\n") as out:
            out.write(with_template(text, key, template))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self._path)

    def _fresh(self, loaded: _Loaded | None) -> _Loaded:
        """The templates as the file is now (blocking: runs in a thread)."""
        try:
            info = self._path.stat()
        except FileNotFoundError:
            return self._create()
        except OSError as exc:
            return self._unusable(loaded, f"cannot be read: {exc}")
        stamp = (info.st_mtime_ns, info.st_size)
        if loaded is not None and loaded.stamp == stamp:
            return loaded
        if info.st_size > MAX_FILE_BYTES:
            return self._unusable(loaded, f"is larger than {MAX_FILE_BYTES} bytes", stamp)
        try:
            text = self._path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            return self._unusable(loaded, f"cannot be read as UTF-8: {exc}", stamp)
        templates, problems = parse(text)
        for problem in problems:
            log.warning("%s %s: the default message is used instead", self._path, problem)
        for key in templates.keys() - self._statuses.keys():
            log.warning("%s: [%s] is not a status of ORDER_STATUSES; ignored", self._path, key)
        log.info("Status messages read from %s (%d templates)", self._path, len(templates))
        return _Loaded(stamp, templates)

    def _create(self) -> _Loaded:
        """No file: written with the defaults (atomically), so the dealer has one to edit."""
        try:
            temporary = self._path.with_name(self._path.name + ".tmp")
            temporary.write_text(default_file(self._statuses), encoding="utf-8")
            os.replace(temporary, self._path)
            log.info("Created %s with the default status messages", self._path)
        except OSError as exc:
            log.warning("Could not create %s (%s): the default status messages are used", self._path, exc)
        return _Loaded(None, {})

    def _unusable(self, loaded: _Loaded | None, why: str, stamp: tuple[int, int] | None = None) -> _Loaded:
        if loaded is None or loaded.stamp != stamp or loaded.templates:
            log.warning("%s %s: the default status messages are used", self._path, why)
        return _Loaded(stamp, {})
