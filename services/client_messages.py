"""What a client sends, as use cases: a message (or an album) to whoever should answer it, a request to
customer care, and a message held for care when nobody else could take it.

Each keeps the client's files about their open order in its folder (within the client's upload quotas:
a file over them still reaches staff by file id), raises the attention alert, routes and forwards, and
returns what the client is to be told. No aiogram here: files come in through a `Fetch`, the buttons
under a forwarded message through `Buttons` (keyboards.conversations.ClientRouteButtons).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from database.orders import Order
from database.users import User
from services.conversations import ClientRoute, Conversations, Incoming, RouteKind
from services.media import Fetch, IncomingFile, MediaService
from services.uploads import ClientUploads, QuotaExceeded

log = logging.getLogger(__name__)

NO_ROUTE = ClientRoute(RouteKind.NOBODY, [])


class Buttons(Protocol):
    """Inline keyboards (as the outbox stores them) under a client's message forwarded to staff."""

    def about_order(self, order: Order) -> dict[str, Any]:
        """For the employee of the order: switch to it."""

    def reply_to(self, client: User) -> dict[str, Any]:
        """For customer care and the admins: answer the client."""


@dataclass(frozen=True, slots=True)
class ClientPart:
    """One message of what the client sent (an album has several): its text or caption, its file."""

    message: Incoming
    file: IncomingFile | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """The files of one message or album that one quota kept out of the order folder (they still
    reached staff): the client is told once, not once per album item."""

    quota: QuotaExceeded
    files: int  # how many were refused
    of: int  # files in the message or album


@dataclass(frozen=True, slots=True)
class Kept:
    """The client's files kept in their order's folder: a relative path per part (None: not kept)."""

    paths: list[str | None]
    refused: list[Refusal]  # the files over the client's quotas: one answer per quota, not per file


@dataclass(frozen=True, slots=True)
class ClientMessageResult:
    forwarded: bool  # False: nobody can answer; the message waits in `pending` for the client's choice
    refused: list[Refusal] = field(default_factory=list)
    pending: list[Incoming] = field(default_factory=list)
    pending_paths: list[str | None] = field(default_factory=list)
    has_orders: bool = False  # (not forwarded) the client has an open order


@dataclass(frozen=True, slots=True)
class CareRequestResult:
    sent: bool  # False: nobody does customer care (nor admins)
    refused: list[Refusal] = field(default_factory=list)


class ClientMessages:
    def __init__(
        self,
        conversations: Conversations,
        media: MediaService,
        uploads: ClientUploads,
        fetch: Fetch,
        buttons: Buttons,
    ) -> None:
        self._conversations = conversations
        self._media = media
        self._uploads = uploads
        self._fetch = fetch
        self._buttons = buttons

    async def handle(
        self, client: User, parts: Sequence[ClientPart], replied_to: int | None = None, album: bool = False
    ) -> ClientMessageResult:
        """A client's message or album (whole): routed (services.conversations.client_route), checked
        for attention words, its files kept in the client's open order whoever it goes to (before any
        answer: nothing is lost), and forwarded; or, with nobody to take it, held for the client's
        choice (customer care)."""
        talk = self._conversations
        route = await talk.client_route(client, replied_to)
        items = [part.message for part in parts]
        for item in items:
            await talk.check_attention(client, item, route.order)
        kept = await self._keep(client, parts, await talk.file_order(client, route))
        if route.kind is RouteKind.NOBODY:
            has_orders = bool(await talk.client_orders(client))
            return ClientMessageResult(False, kept.refused, items, kept.paths, has_orders)
        markup = self._markup(client, route)
        if album:  # re-sent as an album, whole
            await talk.forward_album_from_client(client, route, items, markup, kept.paths)
        else:
            await talk.forward_from_client(client, route, items[0], markup, kept.paths[0])
        return ClientMessageResult(True, kept.refused)

    async def to_care(self, client: User, parts: Sequence[ClientPart]) -> CareRequestResult:
        """A request to customer care (/support, the care button); its files kept like any other."""
        kept = await self._keep(client, parts, await self._conversations.file_order(client, NO_ROUTE))
        sent = await self.pending_to_care(client, [part.message for part in parts], kept.paths)
        return CareRequestResult(sent, kept.refused)

    async def pending_to_care(self, client: User, items: list[Incoming], paths: list[str | None]) -> bool:
        """Messages (already kept) to customer care; False when nobody does customer care."""
        for item in items:
            await self._conversations.check_attention(client, item, None)
        markup = self._buttons.reply_to(client)
        if len(items) == 1:
            return await self._conversations.send_care_request(client, items[0], markup, paths[0])
        return await self._conversations.send_care_album(client, items, markup, paths)

    # --- inside -------------------------------------------------------------------------------

    def _markup(self, client: User, route: ClientRoute) -> dict[str, Any]:
        if route.kind is RouteKind.STAFF:
            assert route.order is not None
            return self._buttons.about_order(route.order)
        return self._buttons.reply_to(client)

    async def _keep(self, client: User, parts: Sequence[ClientPart], order: Order | None) -> Kept:
        paths: list[str | None] = []
        refused: dict[QuotaExceeded, int] = {}  # in the order first met
        for part in parts:
            path, refusal = await self._keep_one(client, part.file, order)
            paths.append(path)
            if refusal is not None:
                refused[refusal] = refused.get(refusal, 0) + 1
        files = sum(part.file is not None for part in parts)
        return Kept(paths, [Refusal(quota, count, files) for quota, count in refused.items()])

    async def _keep_one(
        self, client: User, file: IncomingFile | None, order: Order | None
    ) -> tuple[str | None, QuotaExceeded | None]:
        """A client's photo, video or document about an open order, in the order's folder, within the
        client's upload quotas; the relative path, or None and why not (a quota)."""
        if file is None or order is None:
            return None, None
        refusal = await self._uploads.reserve(file.key, client.telegram_id, order.id, file.file_size)
        if refusal is not None:
            log.warning("Client %s over the upload quota; %s not saved", client.telegram_id, file.key)
            return None, refusal
        saved = await self._media.save_client_file(order, file, self._fetch)
        await self._uploads.settle(file.key, None if saved is None else (file.file_size or 0))
        return saved, None
