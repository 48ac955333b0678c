"""The emulator's state: users, files, updates, calls, faults, limits (one place to read it)."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from .common import (
    SENDING,
    _Fault,
    _Poll,
)
from .models import CallRecord, StoredFile
from .transcript import Said
from .users import SimUser


class EmulatorState:
    """Everything the mixins read and change; public attributes may be changed while running."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN-abcdef",
        flood_control: bool = True,
        local_mode: bool = False,
        *,
        seed: int | None = None,
        bot_username: str = "emu_test_bot",
        bot_first_name: str = "Emulated Bot",
        validate_images: bool = True,
        strict_ampersand: bool = True,
    ) -> None:
        self.token = token
        self.flood_control = flood_control
        self.local_mode = local_mode
        self.validate_images = validate_images  # photos the bot uploads must be real images (Pillow)
        self.strict_ampersand = strict_ampersand
        self.fault_rate = 0.0
        self.fault_kinds: tuple[str, ...] = ("500", "502", "429", "drop")
        self.fault_retry_after = 1
        self.fault_methods: frozenset[str] = SENDING  # lower-case method names, DOWNLOAD for downloads
        self.fault_kinds_for: dict[str, tuple[str, ...]] = {}  # per lower-case method: its own kinds
        self.flood_global_per_sec = 30
        self.flood_chat_burst = 3
        self.flood_chat_per_10s = 20
        self.callback_timeout: float | None = None  # seconds after which a query is "too old"
        self.rng = random.Random(seed)
        self.calls: list[CallRecord] = []
        self.transcript: list[Said] = []  # what people read (transcript.py), in order
        self.users: dict[int, SimUser] = {}
        self.groups: dict[int, dict] = {}  # group/channel chats the bot was shown, by id
        self.left_chats: list[int] = []  # leaveChat calls, in order
        self.bot_started = asyncio.Event()
        self.base_url = ""
        self.port = 0
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self._me = {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._counter = Counter()
        self._by_username: dict[str, SimUser] = {}
        self._user_ids = itertools.count(100001)
        self._ids = itertools.count(1)
        self._files: dict[str, StoredFile] = {}
        self._paths: dict[str, StoredFile] = {}
        self._updates: deque[tuple[int, str, dict]] = deque()
        self._next_update_id = 500000001
        self._pushed: dict[int, tuple[str, dict]] = {}  # every update pushed, for replay_update
        self._replays: deque[dict] = deque()  # updates delivered again whatever the offset
        self._allowed: frozenset[str] | None = None
        self._active_poll: _Poll | None = None
        self._poll_event = asyncio.Event()
        self.last_poll_at: float | None = None
        self._changed = asyncio.Event()
        self._callbacks: dict[str, tuple[SimUser, float, bool]] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._global_hits: deque[tuple[float, int]] = deque()
        self._global_units = 0
        self._chat_hits: dict[int, list] = {}  # chat -> [deque[(t, units)], units_sum]
        self._commands: dict[tuple[str, int | None, str], list[dict]] = {}
        # getMyDescription / getMyShortDescription: (kind, language_code) -> text; "" = not set
        self.descriptions: dict[tuple[str, str], str] = {}
        self._webhook_url = ""
        self._tmpdir: Path | None = None
        self._runner: web.AppRunner | None = None
        self._stopping = False
        self._methods: dict[str, Callable] = {
            name[3:].replace("_", "").lower(): getattr(self, name)
            for name in dir(self)
            if name.startswith("_m_")
        }
