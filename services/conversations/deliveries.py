"""What a conversation queues and writes: outbox deliveries (texts, files, albums, receipts) and the
protocol lines of a message. Pure functions, no I/O."""

from __future__ import annotations

from typing import Any

import texts
from database.orders import Order
from database.outbox import Batch, Delivery, Method, Status
from database.protocol import ProtocolEntry
from database.users import User
from services.conversations.model import Incoming
from services.delivery import OutgoingFile, build_deliveries
from services.telegram_text import CAPTION_LIMIT, MESSAGE_LIMIT, plain_length, split_text

RELAY_KIND = "relay"
DELIVERED_REACTION = "👍"  # on the employee's message once every client got it (an allowed reaction)
CARE_RECIPIENT = "служба заботы"
# Outbox keys of texts a person wrote to a client: an employee's relay, a care answer.
PERSONAL_KEYS = ("rl:", "ca:")
_MEDIA_METHODS = {"photo": Method.PHOTO, "video": Method.VIDEO, "document": Method.DOCUMENT}
_KIND_LABELS = {"photo": "фото", "video": "видео", "document": "документ"}


def staff_display_name(staff: User) -> str:
    return staff.name or staff.tg_name or staff.phone


def who(client: User) -> str | None:
    return client.name or client.tg_name or None


def origin_key(key: str) -> str:
    """An outbox key without the "again:" prefixes of deliveries made again."""
    while key.startswith("again:"):
        key = key[len("again:") :]
    return key


# --- message composition ----------------------------------------------------------------------


def compose(header: str, text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Header (HTML) + escaped user text, split into messages Telegram accepts."""
    if not text:
        return [header]
    room = limit - plain_length(header) - 1
    parts = split_text(text, room, limit)
    return [f"{header}\n{texts.esc(parts[0])}", *(texts.esc(part) for part in parts[1:])]


def message_deliveries(
    chat_id: int, chunks: list[str], markup: dict[str, Any] | None, key: str
) -> list[Delivery]:
    """One delivery per chunk; the buttons go under the last one."""
    result = []
    for index, chunk in enumerate(chunks):
        payload: dict[str, Any] = {"text": chunk}
        if markup is not None and index == len(chunks) - 1:
            payload["reply_markup"] = markup
        result.append(Delivery(chat_id, Method.MESSAGE, payload, dedup_key=f"{key}:{chat_id}:{index}"))
    return result


def incoming_deliveries(
    chat_id: int, header: str, message: Incoming, markup: dict[str, Any] | None, key: str
) -> list[Delivery]:
    """A text or a file (re-sent by file_id) under `header`; a caption too long goes as text after it."""
    if message.kind == "text" or message.file_id is None:
        return message_deliveries(chat_id, compose(header, message.text), markup, key)
    caption = f"{header}\n{texts.esc(message.text)}" if message.text else header
    tail: list[str] = []
    if plain_length(caption) > CAPTION_LIMIT:
        caption, tail = header, compose("", message.text)
        tail = [chunk.lstrip("\n") for chunk in tail]
    payload: dict[str, Any] = {message.kind: message.file_id, "caption": caption}
    if markup is not None:
        payload["reply_markup"] = markup
    media = Delivery(chat_id, _MEDIA_METHODS[message.kind], payload, dedup_key=f"{key}:{chat_id}:f")
    return [media, *message_deliveries(chat_id, tail, None, f"{key}:t")] if tail else [media]


def album_deliveries(
    chat_id: int, header: str, items: list[Incoming], markup: dict[str, Any] | None, key: str
) -> list[Delivery]:
    """A client's album re-sent whole by file_id (as albums of up to 10, documents apart), the header
    on its first item; an album cannot carry buttons, so they follow in a short note."""
    files = [
        OutgoingFile(index, item.kind, item.file_id, item.text)
        for index, item in enumerate(items)
        if item.file_id is not None
    ]
    out = [delivery for delivery, _ in build_deliveries(chat_id, files, header, f"{key}:{chat_id}:a")]
    if markup is not None:
        payload = {"text": texts.client_album_note(len(files)), "reply_markup": markup}
        out.append(Delivery(chat_id, Method.MESSAGE, payload, dedup_key=f"{key}:{chat_id}:n"))
    return out


def client_deliveries(
    chat_id: int, header: str, items: list[Incoming], markup: dict[str, Any] | None, key: str, album: bool
) -> list[Delivery]:
    """A client's message (the one item) or album (every item, re-sent as an album)."""
    if album:
        return album_deliveries(chat_id, header, items, markup, key)
    return incoming_deliveries(chat_id, header, items[0], markup, key)


# --- receipts ---------------------------------------------------------------------------------


def relay_receipt(chat_id: int, message_id: int) -> Delivery:
    """The quiet "it reached the client": a 👍 reaction on the employee's own message."""
    payload = {"message_id": message_id, "reaction": [{"type": "emoji", "emoji": DELIVERED_REACTION}]}
    return Delivery(chat_id, Method.REACTION, payload, f"rl-ok:{chat_id}:{message_id}")


def relay_report(batch: Batch) -> Delivery | None:
    """Outbox reporter for kind "relay": a problem is said in words; a text that reached every client
    gets a quiet 👍 on the employee's own message (when the batch names it: params["react_to"])."""
    blocked = sum(1 for outcome in batch.outcomes if outcome.status is Status.BLOCKED)
    failed = sum(1 for outcome in batch.outcomes if outcome.status is Status.FAILED)
    if batch.report_to is None:
        return None
    if not (blocked or failed):  # a batch a restart interrupted (else the outbox sent on_success)
        react_to = batch.params.get("react_to")
        return relay_receipt(batch.report_to, int(react_to)) if react_to and batch.outcomes else None
    text = texts.relay_failed(batch.params.get("order"), blocked, failed)
    return Delivery(batch.report_to, Method.MESSAGE, {"text": text})


# --- protocol lines ---------------------------------------------------------------------------


def protocol_text(message: Incoming) -> str:
    """A file not kept in a folder is named by its kind and file name (a document's), never by its
    Telegram file id: admins read protocols."""
    if message.kind == "text":
        return message.text
    kind = _KIND_LABELS.get(message.kind, message.kind)
    label = f"[{kind} {message.file_name}]" if message.file_name else f"[{kind}]"
    return f"{label} {message.text}".rstrip()


def to_client_entry(
    sender: User, sender_name: str, client: User, order: Order | None, message: Incoming, key: str
) -> ProtocolEntry:
    """The protocol line of a text an employee or care wrote to a client."""
    return ProtocolEntry(
        order_id=order.id if order is not None else None,
        order_number=order.number if order is not None else None,
        sender_id=sender.telegram_id,
        sender_role=int(sender.level),
        sender_name=sender_name,
        recipient=f"клиент {client.phone}",
        kind=message.kind,
        text=protocol_text(message),  # a care answer may be a photo: named by its kind and name
        dedup_key=key,
    )


def from_client_entry(
    client: User,
    open_order: Order | None,
    about: Order | None,
    recipient: str,
    message: Incoming,
    key: str,
    file_path: str | None,
) -> ProtocolEntry:
    """The protocol line of a client's message (a kept file is named by its path)."""
    return ProtocolEntry(
        order_id=open_order.id if open_order is not None else None,
        order_number=about.number if about is not None else None,
        sender_id=client.telegram_id,
        sender_role=int(client.level),
        sender_name=f"клиент {client.phone}",
        recipient=recipient,
        kind=message.kind,
        text=message.text if file_path else protocol_text(message),
        file_path=file_path,
        dedup_key=key,
    )
