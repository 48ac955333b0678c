"""The bot's profile: command menus per scope and language, descriptions, the menu button."""

from __future__ import annotations

import re
from typing import Any

from .common import (
    _COMMAND_RE,
    _InvalidJson,
    bad,
)
from .state import EmulatorState
from .users import SimUser


class ProfileMixin(EmulatorState):
    def commands_for(self, user: SimUser) -> list[dict]:
        langs = [user.language_code or "", ""] if user.language_code else [""]
        for scope in (("chat", user.id), ("all_private_chats", None), ("default", None)):
            for lang in langs:
                cmds = self._commands.get((scope[0], scope[1], lang))
                if cmds:
                    return list(cmds)
        return []

    def _scope_key(self, p: dict) -> tuple[str, int | None, str]:
        scope = p.get("scope") or {"type": "default"}
        if isinstance(scope, _InvalidJson) or not isinstance(scope, dict):
            raise bad("can't parse BotCommandScope JSON object")
        stype = scope.get("type")
        if stype not in (
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        ):
            raise bad("wrong bot command scope type specified")
        chat_id = None
        if stype in ("chat", "chat_administrators", "chat_member"):
            chat_id = self._chat({"chat_id": scope.get("chat_id")}, sending=False).id
        lang = str(p.get("language_code") or "")
        if lang and not re.match(r"^[a-z]{2}$", lang):
            raise bad("invalid language code specified")
        return stype, chat_id, lang

    async def _m_setMyCommands(self, p: dict, files: dict) -> Any:
        commands = p.get("commands")
        if isinstance(commands, _InvalidJson) or not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad("too many commands specified")
        for cmd in commands:
            if not isinstance(cmd, dict) or not _COMMAND_RE.match(str(cmd.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", "")).strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(p)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    async def _m_deleteMyCommands(self, p: dict, files: dict) -> Any:
        self._commands.pop(self._scope_key(p), None)
        return True

    async def _m_getMyCommands(self, p: dict, files: dict) -> Any:
        return list(self._commands.get(self._scope_key(p), []))

    def _description_lang(self, p: dict) -> str:
        lang = str(p.get("language_code") or "")
        if lang and not re.match(r"^[a-z]{2}$", lang):
            raise bad("invalid language code specified")
        return lang

    def _set_description(self, p: dict, kind: str, limit: int) -> bool:
        text = p.get(kind)
        if text is not None and not isinstance(text, str):
            raise bad(f"can't parse {kind}")
        if text and len(text) > limit:  # Telegram: 0-512 / 0-120 characters
            raise bad(f"{kind.upper()}_INVALID")
        lang = self._description_lang(p)
        if text:
            self.descriptions[(kind, lang)] = text
        else:
            self.descriptions.pop((kind, lang), None)
        return True

    async def _m_setMyDescription(self, p: dict, files: dict) -> Any:
        return self._set_description(p, "description", 512)

    async def _m_getMyDescription(self, p: dict, files: dict) -> Any:
        return {"description": self.descriptions.get(("description", self._description_lang(p)), "")}

    async def _m_setMyShortDescription(self, p: dict, files: dict) -> Any:
        return self._set_description(p, "short_description", 120)

    async def _m_getMyShortDescription(self, p: dict, files: dict) -> Any:
        lang = self._description_lang(p)
        return {"short_description": self.descriptions.get(("short_description", lang), "")}

    async def _m_setChatMenuButton(self, p: dict, files: dict) -> Any:
        button = p.get("menu_button") or {"type": "default"}
        if (
            isinstance(button, _InvalidJson)
            or not isinstance(button, dict)
            or button.get("type") not in ("default", "commands", "web_app")
        ):
            raise bad("can't parse menu button JSON object")
        if p.get("chat_id"):
            self._chat(p, sending=False).menu_button = button
        return True
