"""A stored outbox row turned into the Bot API call that sends it (the payload conversion).

A row's payload is JSON: the call's arguments without chat_id, keyboards as dicts (inline or reply
keyboards, or a reply keyboard's removal), `reply_to` as a message id. Calls read back only the
message ids, and they are `CallerRetries`: the session makes one attempt, the outbox owns the retry.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.methods import (
    EditMessageText,
    SendDocument,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    SendVideo,
    SetMessageReaction,
)
from aiogram.types import (
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    ReactionTypeEmoji,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from pydantic import BaseModel, ConfigDict

from database.outbox import Method, OutboxItem
from runtime.session import CallerRetries

_MEDIA_TYPES = {"photo": InputMediaPhoto, "video": InputMediaVideo, "document": InputMediaDocument}
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


# --- sends that read back only the message id -------------------------------------------------
# aiogram parses every answer into a full Message: the chat, the sender, the entities, each a
# model with its own hooks. The outbox keeps only the id, so its calls declare a smaller answer.


class Receipt(BaseModel):
    model_config = ConfigDict(extra="ignore")
    message_id: int


class SendMessageReceipt(SendMessage, CallerRetries):
    __returning__ = Receipt


class SendPhotoReceipt(SendPhoto, CallerRetries):
    __returning__ = Receipt


class SendVideoReceipt(SendVideo, CallerRetries):
    __returning__ = Receipt


class SendDocumentReceipt(SendDocument, CallerRetries):
    __returning__ = Receipt


class SendMediaGroupReceipt(SendMediaGroup, CallerRetries):
    __returning__ = list[Receipt]


class SetMessageReactionOnce(SetMessageReaction, CallerRetries):
    pass


class EditMessageTextOnce(EditMessageText, CallerRetries):
    pass


_SENDS = {
    Method.MESSAGE: SendMessageReceipt,
    Method.PHOTO: SendPhotoReceipt,
    Method.VIDEO: SendVideoReceipt,
    Method.DOCUMENT: SendDocumentReceipt,
}


def markup_from(stored: dict[str, Any]) -> Markup:
    """A stored keyboard: inline buttons, a reply keyboard under the input field, or its removal."""
    if "inline_keyboard" in stored:
        return InlineKeyboardMarkup.model_validate(stored)
    if "remove_keyboard" in stored:
        return ReplyKeyboardRemove.model_validate(stored)
    return ReplyKeyboardMarkup.model_validate(stored)


async def send_item(bot: Bot, item: OutboxItem, args: dict[str, Any]) -> list[int]:
    """Make the call for `item` with its (converted) payload `args`; the ids of the messages sent."""
    args = dict(args)  # a retry must find the stored payload untouched
    markup = args.pop("reply_markup", None)
    reply_to = args.pop("reply_to", None)
    common: dict[str, Any] = {"chat_id": item.chat_id}
    if markup is not None:
        common["reply_markup"] = markup_from(markup)
    if reply_to is not None:
        common["reply_parameters"] = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
    if item.method is Method.REACTION:  # on a message already in the chat: nothing new is sent
        reaction = [ReactionTypeEmoji(emoji=part["emoji"]) for part in args.pop("reaction")]
        await bot(SetMessageReactionOnce(chat_id=item.chat_id, reaction=reaction, **args))
        return []
    if item.method is Method.EDIT_TEXT:  # args carry the message_id the outbox looked up
        common.pop("reply_parameters", None)
        await bot(EditMessageTextOnce(**common, **args))
        return []
    if item.method is Method.MEDIA_GROUP:
        common.pop("reply_markup", None)
        media = [_MEDIA_TYPES[part["type"]](**_without(part, "type")) for part in args.pop("media")]
        return [
            receipt.message_id for receipt in await bot(SendMediaGroupReceipt(**common, media=media, **args))
        ]
    return [(await bot(_SENDS[item.method](**common, **args))).message_id]


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in mapping.items() if name != key}
