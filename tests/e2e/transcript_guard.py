"""A guard run after every e2e test: nothing the bot showed anyone may read like a program's insides.

The emulator records every text, caption, button label, alert and document name the bot sent
(``TelegramEmulator.transcript``). A person must never see:
  * a stage's folder name (``TYPE_ORDER`` values, the client-files folder) as a word - "папка Inspection",
    "Inspection/"; the Russian labels are what people read;
  * a Telegram file_id / file_unique_id the emulator issued;
  * a raw Telegram user id (a name or phone belongs there);
  * HTML left over: a tag shown literally ("<b>") or an entity shown literally ("&lt;");
  * a Python repr, error or an unformatted template: "None", "True"/"False", "['", "{'", "[]",
    "[Errno 13]", "ValueError:", "{name}".

HTML, repr and template look-alikes that people themselves typed (a name "<b>&", a message "[1]") are
theirs, shown escaped as typed: excused. A folder name or an id is never excused that way; a test that
deliberately makes people type one opts out for those exact tokens:
``@pytest.mark.transcript_allow("Inspection")`` (on a test, or in a module's ``pytestmark``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tests.emulator import TelegramEmulator
from tests.emulator.transcript import Said

__all__ = ["FOLDER_NAMES", "findings"]

# config.TYPE_ORDER's folders and CLIENT_FILES_FOLDER (the defaults the e2e bots run with)
FOLDER_NAMES = ("Inspection", "Recommendation", "BodyDamage", "Other", "Service", "Client")

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("folder name", re.compile(r"\b(?:" + "|".join(FOLDER_NAMES) + r")\b")),
    # in any case too ("inspection/" made by hand on a Windows share), where the word is no English word
    ("folder name", re.compile(r"(?i)\b(?:inspection|recommendation|bodydamage)\b")),
    ("HTML tag shown literally", re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")),
    ("HTML entity shown literally", re.compile(r"&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);")),
    ("Python repr", re.compile(r"\b(?:None|True|False)\b|\[['\"\]]|\{['\"}]|\b\w+\(\w*=")),
    ("Python error", re.compile(r"\[Errno \d+\]|Traceback \(most recent|\b\w+(?:Error|Exception):")),
    ("unformatted template", re.compile(r"\{[a-z_][a-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}")),
    ("file id", re.compile(r"\b(?:AgACAg|BAACAg|BQACAg|AwACAg|CAACAg|CQACAg|CgACAg)\d{7}-\w+|\bAQAD\d{7}")),
)


_LONG_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,}")  # file ids are such tokens: looked up, not searched for


def _user_ids(emu: TelegramEmulator) -> re.Pattern[str] | None:
    ids = sorted({str(uid) for uid in emu.users}, key=len, reverse=True)
    return re.compile(r"(?<![\d+])(?:" + "|".join(ids) + r")(?!\d)") if ids else None


def _issued_ids(emu: TelegramEmulator) -> set[str]:
    files = emu._files.values()
    return {f.file_id for f in files} | {f.file_unique_id for f in files}


_TYPED_RULES = frozenset({"HTML tag shown literally", "HTML entity shown literally", "Python repr"})


def _typed(emu: TelegramEmulator) -> list[str]:
    """Everything people put in: names, texts, captions, file names, shared contacts."""
    out: list[str] = []
    for user in emu.users.values():
        out += [user.first_name, user.last_name or "", user.username or ""]
        for message in user.sent:
            out += [message.get("text") or "", message.get("caption") or ""]
            out += [(message.get(k) or {}).get("file_name") or "" for k in ("document", "video")]
            contact = message.get("contact") or {}
            out += [contact.get("first_name") or "", contact.get("last_name") or ""]
    return [text for text in out if text]


def findings(emu: TelegramEmulator, said: Iterable[Said], allowed: Iterable[str] = ()) -> list[str]:
    """One line per leak: rule, the token, where it was shown, the whole text."""
    allow = set(allowed)
    typed = _typed(emu)
    users = _user_ids(emu)
    issued = _issued_ids(emu)
    out: list[str] = []
    for item in said:
        hits: list[tuple[str, str]] = [
            (rule, m.group(0)) for rule, rx in _RULES for m in rx.finditer(item.text)
        ]
        if users is not None:
            hits += [("raw user id", m.group(0)) for m in users.finditer(item.text)]
        hits += [("file id", token) for token in _LONG_TOKEN.findall(item.text) if token in issued]
        for rule, token in hits:
            if rule in _TYPED_RULES and any(token in text for text in typed):
                continue
            if token not in allow:
                out.append(
                    f"{rule} {token!r} in a {item.kind} ({item.method}, chat {item.chat_id}): {item.text!r}"
                )
    return list(dict.fromkeys(out))
