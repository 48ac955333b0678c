"""Self-tests of the Bot API emulator, driven by a real aiogram Bot over HTTP."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    ChatFullInfo,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    KeyboardButton,
    MenuButtonCommands,
    Message,
    ReactionTypeEmoji,
    ReplyKeyboardMarkup,
    Update,
)
from PIL import Image

from tests.e2e.harness import BotProcess
from tests.emulator import BotMessage, SimUser, TelegramEmulator
from tests.emulator.server import DOWNLOAD

TOKEN = "123456:TEST-TOKEN-abcdef"


def jpeg(color: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG")
    return buf.getvalue()


def make_bot(emu: TelegramEmulator, token: str = TOKEN, parse_mode: str | None = "HTML") -> Bot:
    api = TelegramAPIServer.from_base(emu.base_url, is_local=emu.local_mode)
    return Bot(token, session=AiohttpSession(api=api), default=DefaultBotProperties(parse_mode=parse_mode))


async def close_bot(bot: Bot) -> None:
    session = bot.session._session  # skip AiohttpSession.close()'s 250 ms sleep
    if session is not None:
        await session.close()


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    emulator = TelegramEmulator(token=TOKEN, flood_control=False, seed=1)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    b = make_bot(emu)
    yield b
    await close_bot(b)


async def started_user(emu: TelegramEmulator, bot: Bot, **kwargs) -> SimUser:
    user = emu.add_user(**kwargs)
    await user.send_text("/start")
    updates = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return user


# ---------------------------------------------------------------------------- basics


async def test_get_me_updates_and_message_shape(emu: TelegramEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == 123456
    user = emu.add_user(first_name="Иван", phone="+375296112233")
    assert user.id == 100001
    await user.send_text("/start a000177322")
    updates = await bot.get_updates(timeout=0)
    msg = updates[0].message
    assert msg.text == "/start a000177322" and msg.chat.type == "private" and msg.chat.id == user.id
    assert msg.from_user.language_code == "ru" and not msg.from_user.is_bot
    assert msg.entities[0].type == "bot_command" and msg.entities[0].length == len("/start")

    sent = await bot.send_message(user.id, "<b>Заказ</b> №&nbsp;1".replace("&nbsp;", "&#160;"))
    assert sent.from_user.is_bot and sent.chat.id == user.id
    assert sent.text == "Заказ №\xa01" and sent.entities[0].type == "bold"
    bm = user.messages[-1]
    assert isinstance(bm, BotMessage)
    assert bm.text == "Заказ №\xa01" and bm.html.startswith("<b>") and bm.kind == "text"
    assert Message.model_validate(bm.raw).message_id == sent.message_id

    # without parse_mode the text is literal
    plain_bot = make_bot(emu, parse_mode=None)
    try:
        lit = await plain_bot.send_message(user.id, "<foo> & <bar>")
        assert lit.text == "<foo> & <bar>" and not lit.entities
    finally:
        await close_bot(plain_bot)


async def test_wrong_token_and_unknown_method(emu: TelegramEmulator, bot: Bot) -> None:
    wrong = make_bot(emu, token="654321:WRONG-TOKEN")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await wrong.get_me()
    finally:
        await close_bot(wrong)
    async with aiohttp.ClientSession() as http, http.post(f"{emu.base_url}/bot{TOKEN}/fooBar") as resp:
        assert resp.status == 404
        assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert emu.count("getMe", 401) == 1 and emu.count(status=404) == 1


# ---------------------------------------------------------------------------- strictness


@pytest.mark.parametrize(
    "text",
    [
        "<foo>x</foo>",
        "a < b",
        "<b>x",
        "<b><i>x</b></i>",
        "x</b>",
        "a & b",
        "&nbsp;",
        '<span class="x">s</span>',
        "<br/>",
    ],
)
async def test_html_errors(emu: TelegramEmulator, bot: Bot, text: str) -> None:
    user = await started_user(emu, bot)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(user.id, text)
    assert emu.calls[-1].status == 400
    assert emu.calls[-1].description.startswith("Bad Request: can't parse entities: ")


async def test_html_valid_tags(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    html = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>"
        '<span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler><a href="https://x.y/?a=1&amp;b=2">l</a>'
        '<code>c</code><pre><code class="language-python">x = 1</code></pre><blockquote>q</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&amp;&quot;&#33;&#x1F600;'
    )
    msg = await bot.send_message(user.id, html)
    assert msg.text.endswith(' <>&"!😀')
    types = [e.type for e in msg.entities]
    assert {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "text_link",
        "code",
        "pre",
        "blockquote",
        "custom_emoji",
    } <= set(types)
    pre = next(e for e in msg.entities if e.type == "pre")
    assert pre.language == "python"
    link = next(e for e in msg.entities if e.type == "text_link")
    assert link.url == "https://x.y/?a=1&b=2"
    # UTF-16 lengths: U+1F44D is a surrogate pair
    emoji_entity = next(e for e in msg.entities if e.type == "custom_emoji")
    assert emoji_entity.length == 2


async def test_text_and_caption_limits(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    await bot.send_message(user.id, "x" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    await bot.send_message(user.id, "😀" * 2048)  # 4096 UTF-16 units
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user.id, "😀" * 2049)
    await bot.send_message(user.id, "<b>" + "x" * 4096 + "</b>")  # limit is after entity parsing
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(user.id, "   ")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(user.id, "<b></b>")
    photo = BufferedInputFile(jpeg(), "p.jpg")
    await bot.send_photo(user.id, photo, caption="c" * 1024)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(user.id, photo, caption="c" * 1025)


async def test_keyboard_validation(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)

    def kb(data: str, text: str = "Да") -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)]])

    await bot.send_message(user.id, "ok", reply_markup=kb("x" * 64))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "no", reply_markup=kb("x" * 65))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "no", reply_markup=kb("ж" * 33))  # 66 bytes
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(user.id, "no", reply_markup=kb("ok", text=""))
    reply = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Телефон", request_contact=True)]], resize_keyboard=True
    )
    await bot.send_message(user.id, "share", reply_markup=reply)
    assert user.messages[-1].reply_buttons() == [("Телефон", True)]
    assert user.reply_keyboard is not None
    assert user.messages[0].buttons() == [("Да", "x" * 64)]


async def test_forbidden_and_unknown_chats(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    silent = emu.add_user(first_name="Молчун")
    user.block_bot()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(user.id, "hi")
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation with a user"):
        await bot.send_message(silent.id, "hi")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999999999, "hi")
    user.unblock_bot()
    await bot.send_message(user.id, "welcome back")
    updates = await bot.get_updates(timeout=0, allowed_updates=["message", "my_chat_member"])
    statuses = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert statuses == ["kicked", "member"]


async def test_flood_control(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    emu.flood_control = True
    for i in range(3):
        await bot.send_message(user.id, f"m{i}")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(user.id, "too fast")
    assert info.value.retry_after >= 1
    assert emu.calls[-1].status == 429 and "retry after" in emu.calls[-1].description

    # global: 30 units per second across chats
    emu.flood_control = False
    others = [await started_user(emu, bot, first_name=f"U{i}") for i in range(31)]
    emu.flood_control = True
    emu._global_hits.clear()
    emu._global_units = 0
    for other in others[:30]:
        await bot.send_message(other.id, "x")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(others[30].id, "x")

    # albums count as their items toward the 20-per-10s chat window
    emu._global_hits.clear()
    emu._global_units = 0
    album = [InputMediaPhoto(media=BufferedInputFile(jpeg(c), f"{c}.jpg")) for c in ("red", "blue")] * 5
    target = others[0]
    emu._chat_hits.pop(target.id, None)
    await bot.send_media_group(target.id, album)
    emu._global_hits.clear()
    emu._global_units = 0
    await bot.send_media_group(target.id, album)
    emu._global_hits.clear()
    emu._global_units = 0
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_media_group(target.id, album)
    assert 1 <= info.value.retry_after <= 10


# ---------------------------------------------------------------------------- polling


async def test_long_poll_wakes_quickly(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.add_user()
    task = asyncio.create_task(bot.get_updates(timeout=20))
    await emu.wait_polling(5)
    await asyncio.sleep(0.05)
    t0 = time.perf_counter()
    await user.send_text("ping")
    updates = await asyncio.wait_for(task, 5)
    elapsed = time.perf_counter() - t0
    assert updates[0].message.text == "ping"
    assert elapsed < 1.0, elapsed  # generous; typically ~ms
    assert emu.bot_started.is_set()


async def test_offset_semantics_and_redelivery(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.add_user()
    await user.send_text("one")
    await user.send_text("two")
    first = await bot.get_updates(timeout=0)
    assert [u.message.text for u in first] == ["one", "two"]
    again = await bot.get_updates(timeout=0)  # not confirmed -> redelivered
    assert [u.update_id for u in again] == [u.update_id for u in first]
    partial = await bot.get_updates(offset=first[1].update_id, timeout=0)  # confirms "one" only
    assert [u.message.text for u in partial] == ["two"]
    assert await bot.get_updates(offset=first[1].update_id + 1, timeout=0) == []
    assert emu.pending_updates == 0
    await user.send_text("three")
    limited = await bot.get_updates(limit=1, timeout=0)
    assert [u.message.text for u in limited] == ["three"]


async def test_replayed_update_and_callback_come_again_whatever_the_offset(
    emu: TelegramEmulator, bot: Bot
) -> None:
    user = emu.add_user()
    await user.send_text("one")
    [first] = await bot.get_updates(timeout=0)
    assert await bot.get_updates(offset=first.update_id + 1, timeout=0) == []
    emu.replay_update(first.update_id)
    [again] = await bot.get_updates(offset=first.update_id + 1, timeout=0)
    assert again.update_id == first.update_id and again.message.text == "one"
    assert await bot.get_updates(offset=first.update_id + 1, timeout=0) == []
    sent = await bot.send_message(
        user.id,
        "card",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="x")]]
        ),
    )
    qid = await user.press("x", sent.message_id)
    [press] = await bot.get_updates(offset=first.update_id + 1, timeout=0)
    emu.replay_callback(qid)
    [replayed] = await bot.get_updates(offset=press.update_id + 1, timeout=0)
    assert replayed.update_id == press.update_id and replayed.callback_query.id == qid


async def test_concurrent_get_updates_conflict(emu: TelegramEmulator, bot: Bot) -> None:
    other = make_bot(emu)
    try:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await emu.wait_polling(5)
        await asyncio.sleep(0.05)
        second = asyncio.create_task(other.get_updates(timeout=0))
        with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, 5)
        assert await asyncio.wait_for(second, 5) == []
    finally:
        await close_bot(other)


async def test_allowed_updates(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.add_user()
    await user.send_text("hello")
    await bot.send_message(
        user.id,
        "q",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
        ),
    )
    await user.press("a")
    updates = await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    assert len(updates) == 1 and updates[0].callback_query.data == "a"


# ---------------------------------------------------------------------------- user-side updates


async def test_user_updates_validate(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.add_user(first_name="Пётр", last_name="Петров", username="petr", phone="+375291112233")
    other = emu.add_user(first_name="Анна")
    await user.send_contact()
    await user.send_contact(user_id=other.id, phone="+375447654321", first_name="Анна")
    await user.send_contact(user_id=0, phone="+375290000000")
    await user.send_photo(jpeg(), caption="фото")
    await user.send_video(b"\x00\x00\x00\x18ftypmp42video", caption="видео")
    await user.send_document(b"%PDF-1.4 doc", "act.pdf", mime_type="application/pdf")
    await user.send_sticker()
    await user.send_voice(b"OggS voice")
    await user.send_location(53.9, 27.56)
    await user.send_poll("q", ["a", "b"])
    await user.reply_keyboard_press("Мои заказы")
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 11
    for update in updates:
        Update.model_validate(update.model_dump(mode="json", exclude_none=True, by_alias=True))
    c1, c2, c3, photo, video, doc, sticker, voice, loc, poll, text = (u.message for u in updates)
    assert c1.contact.user_id == user.id and c1.contact.phone_number == "+375291112233"
    assert c2.contact.user_id == other.id
    assert c3.contact.user_id is None
    assert len(photo.photo) >= 2 and photo.caption == "фото"
    assert len({p.file_id for p in photo.photo}) == len(photo.photo)
    assert video.video.file_name == "video.mp4" and video.caption == "видео"
    assert doc.document.file_name == "act.pdf" and doc.document.mime_type == "application/pdf"
    assert sticker.sticker and voice.voice and loc.location.latitude == 53.9 and poll.poll.question == "q"
    assert text.text == "Мои заказы"


async def test_replies_groups_channels_and_leave_chat(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.add_user(first_name="Пётр")
    await user.send_text("hello")
    sent = await bot.send_message(user.id, "ответьте мне")
    await user.send_text("отвечаю", reply_to=sent.message_id)
    group, channel = emu.group_chat(-100200, "supergroup"), emu.group_chat(-100300, "channel")
    emu.push_added_to_group(user, group)
    emu.push_group_message(user, group, "/admin")
    emu.push_group_message(user, channel, "пост")  # channel_post: not in the allowed updates below
    updates = await bot.get_updates(timeout=0, allowed_updates=["message", "my_chat_member"])
    for update in updates:
        Update.model_validate(update.model_dump(mode="json", exclude_none=True, by_alias=True))
    _hello, reply, added, command = updates
    assert reply.message.reply_to_message.message_id == sent.message_id
    assert reply.message.reply_to_message.text == "ответьте мне"
    assert added.my_chat_member.chat.type == "supergroup" and added.my_chat_member.new_chat_member
    assert command.message.chat.id == -100200 and command.message.text == "/admin"
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-100200, "в группу")
    assert await bot.leave_chat(-100200) is True
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.leave_chat(-999)
    assert emu.left_chats == [-100200]


async def test_user_album(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.add_user()
    parts = await user.send_album(
        [("photo", jpeg("red")), ("video", b"vid-bytes", "clip.mp4"), ("photo", jpeg("blue"))],
        caption="альбом",
    )
    assert len(parts) == 3
    updates = await bot.get_updates(timeout=0)
    msgs = [u.message for u in updates]
    assert len({m.media_group_id for m in msgs}) == 1 and msgs[0].media_group_id
    assert msgs[0].caption == "альбом" and msgs[1].caption is None
    assert msgs[1].video.file_name == "clip.mp4"


# ---------------------------------------------------------------------------- media and files


async def test_media_group_send(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    media = [
        InputMediaPhoto(media=BufferedInputFile(jpeg("red"), "a.jpg"), caption="<b>Первое</b>"),
        InputMediaVideo(media=BufferedInputFile(b"mp4-bytes", "b.mp4"), caption="второе"),
        InputMediaPhoto(media=BufferedInputFile(jpeg("green"), "c.jpg")),
    ]
    sent = await bot.send_media_group(user.id, media)
    assert len(sent) == 3 and len({m.media_group_id for m in sent}) == 1
    assert sent[0].caption == "Первое" and sent[0].caption_entities[0].type == "bold"
    assert sent[1].caption == "второе" and sent[2].caption is None
    parts = user.messages[-3:]
    assert [m.kind for m in parts] == ["photo", "video", "photo"]
    assert all(m.media_group_id == sent[0].media_group_id for m in parts)
    # re-send by file_id works, unknown file_id fails
    again = await bot.send_media_group(
        user.id,
        [InputMediaPhoto(media=sent[0].photo[-1].file_id), InputMediaPhoto(media=sent[2].photo[-1].file_id)],
    )
    assert again[0].photo[-1].file_id == sent[0].photo[-1].file_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.send_photo(user.id, "AgACAgNOPE")
    with pytest.raises(TelegramBadRequest):
        await bot.send_media_group(user.id, [InputMediaPhoto(media=sent[0].photo[-1].file_id)])
    with pytest.raises(TelegramBadRequest):
        await bot.send_media_group(
            user.id,
            [
                InputMediaPhoto(media=sent[0].photo[-1].file_id),
                InputMediaDocument(media=BufferedInputFile(b"doc", "d.txt")),
            ],
        )
    docs = await bot.send_media_group(
        user.id,
        [
            InputMediaDocument(media=BufferedInputFile(b"d1", "1.txt")),
            InputMediaDocument(media=BufferedInputFile(b"d2", "2.txt")),
        ],
    )
    assert docs[0].document.file_name == "1.txt"
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(user.id, BufferedInputFile(b"not an image", "x.jpg"))


async def test_get_file_and_download_identical(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.add_user()
    data = jpeg("purple", (800, 600))
    await user.send_photo(data)
    blob = bytes(range(256)) * 4000
    await user.send_document(blob, "blob.bin")
    updates = await bot.get_updates(timeout=0)
    sizes = updates[0].message.photo
    assert emu.file_bytes(sizes[-1].file_id) == data
    assert all(emu.file_bytes(s.file_id) != data for s in sizes[:-1])
    downloaded = await bot.download(sizes[-1].file_id)
    assert downloaded.read() == data
    doc = updates[1].message.document
    info = await bot.get_file(doc.file_id)
    assert info.file_size == len(blob) and info.file_path
    assert (await bot.download_file(info.file_path)).read() == blob
    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.get_file("BQACAgNOPE")
    # the bot can send the user's file on by file_id
    await bot.send_document(user.id, doc.file_id) if user.started else None
    assert user.messages[-1].file_id == doc.file_id


async def test_file_too_big_and_local_mode(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.add_user()
    await user.send_document(b"", "huge.mp4", declared_size=25 * 1024 * 1024)
    update = (await bot.get_updates(timeout=0))[0]
    assert update.message.document.file_size == 25 * 1024 * 1024
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(update.message.document.file_id)

    local = TelegramEmulator(token=TOKEN, flood_control=False, local_mode=True)
    await local.start()
    local_bot = make_bot(local)
    try:
        luser = local.add_user()
        await luser.send_document(b"", "huge.mp4", declared_size=25 * 1024 * 1024)
        data = jpeg("yellow")
        await luser.send_photo(data)
        u1, u2 = await local_bot.get_updates(timeout=0)
        info = await local_bot.get_file(u1.message.document.file_id)
        path = Path(info.file_path)
        assert path.is_absolute() and path.stat().st_size == 25 * 1024 * 1024
        pinfo = await local_bot.get_file(u2.message.photo[-1].file_id)
        assert Path(pinfo.file_path).read_bytes() == data
        assert (await local_bot.download(u2.message.photo[-1].file_id)).read() == data
    finally:
        await close_bot(local_bot)
        await local.stop()
    assert not path.exists()


async def test_upload_size_limit(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    with pytest.raises(TelegramEntityTooLarge):
        await bot.send_document(user.id, BufferedInputFile(b"\0" * (50 * 1024 * 1024 + 1), "big.bin"))


# ---------------------------------------------------------------------------- callbacks, edits, misc


async def test_callbacks_edits_deletes(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    kb = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Да, подтвердить", callback_data="y"),
                InlineKeyboardButton(text="Нет", callback_data="n"),
            ]
        ]
    )
    sent = await bot.send_message(user.id, "Подтвердить?", reply_markup=kb)
    qid = await user.press_button("подтвердить")
    update = (await bot.get_updates(timeout=0))[-1]
    query = update.callback_query
    assert query.id == qid and query.data == "y" and query.message.message_id == sent.message_id
    assert query.from_user.id == user.id and query.message.reply_markup is not None
    await bot.answer_callback_query(qid, text="Готово")
    assert user.callback_answers[-1]["text"] == "Готово"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(qid)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("nope")
    q2 = await user.press("n")
    with pytest.raises(TelegramBadRequest):
        await bot.answer_callback_query(q2, text="x" * 201)

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Подтвердить?", chat_id=user.id, message_id=sent.message_id, reply_markup=kb
        )
    edited = await bot.edit_message_text("<i>Подтверждено</i>", chat_id=user.id, message_id=sent.message_id)
    assert edited.text == "Подтверждено" and edited.reply_markup is None  # no markup -> keyboard removed
    bm = user.message(sent.message_id)
    assert bm.edited and bm.text == "Подтверждено" and bm.buttons() == []
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=9999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=user.sent[0]["message_id"])
    await bot.delete_message(user.id, sent.message_id)
    assert bm.deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("y", chat_id=user.id, message_id=sent.message_id)
    photo = await bot.send_photo(user.id, BufferedInputFile(jpeg(), "p.jpg"), caption="old")
    await bot.edit_message_caption(chat_id=user.id, message_id=photo.message_id, caption="new")
    assert user.messages[-1].caption == "new"


async def test_commands_pins_chat_and_actions(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    await bot.set_my_commands([BotCommand(command="start", description="Начать")])
    assert user.commands == [{"command": "start", "description": "Начать"}]
    await bot.set_my_commands(
        [BotCommand(command="admin", description="Админка")], scope=BotCommandScopeChat(chat_id=user.id)
    )
    assert [c["command"] for c in user.commands] == ["admin"]
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=user.id))
    assert [c["command"] for c in user.commands] == ["start"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
    await bot.set_chat_menu_button(chat_id=user.id, menu_button=MenuButtonCommands())
    assert user.menu_button == {"type": "commands"}

    m1 = await bot.send_message(user.id, "pin me")
    await bot.pin_chat_message(user.id, m1.message_id)
    assert user.pinned is not None and user.pinned.message_id == m1.message_id
    await bot.unpin_chat_message(user.id)
    assert user.pinned is None
    await bot.pin_chat_message(user.id, m1.message_id)
    await bot.unpin_all_chat_messages(user.id)
    assert user.pinned is None

    chat = await bot.get_chat(user.id)
    assert isinstance(chat, ChatFullInfo) and chat.id == user.id and chat.type == "private"
    assert await bot.send_chat_action(user.id, "typing")
    assert user.chat_actions == ["typing"]
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""


async def test_message_reaction_only_allowed_emoji_one_per_message(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    own = await user.send_text("Машина готова")
    assert await bot.set_message_reaction(user.id, own["message_id"], [ReactionTypeEmoji(emoji="👍")])
    assert user.reactions[own["message_id"]] == ["👍"]
    for emoji in ("✅", "🚗", "x"):  # not in Telegram's list of reaction emoji
        with pytest.raises(TelegramBadRequest, match="REACTION_INVALID"):
            await bot.set_message_reaction(user.id, own["message_id"], [ReactionTypeEmoji(emoji=emoji)])
    with pytest.raises(TelegramBadRequest, match="REACTIONS_TOO_MANY"):
        await bot.set_message_reaction(
            user.id, own["message_id"], [ReactionTypeEmoji(emoji="👍"), ReactionTypeEmoji(emoji="🔥")]
        )
    with pytest.raises(TelegramBadRequest, match="message to react not found"):
        await bot.set_message_reaction(user.id, 9999, [ReactionTypeEmoji(emoji="👍")])
    assert await bot.set_message_reaction(user.id, own["message_id"], [])
    assert user.reactions[own["message_id"]] == []


async def test_copy_and_forward(emu: TelegramEmulator, bot: Bot) -> None:
    client = await started_user(emu, bot, first_name="Клиент")
    staff = await started_user(emu, bot, first_name="Мастер")
    src = await client.send_photo(jpeg("red"), caption="царапина")
    copied = await bot.copy_message(staff.id, client.id, src["message_id"], caption="От клиента")
    msg = staff.message(copied.message_id)
    assert msg.kind == "photo" and msg.caption == "От клиента"
    assert msg.copied_from == (client.id, src["message_id"])
    fwd = await bot.forward_message(staff.id, client.id, src["message_id"])
    assert fwd.forward_origin is not None and fwd.photo
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(staff.id, client.id, 9999)


# ---------------------------------------------------------------------------- faults and waiting


async def test_fault_injection(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    emu.fail_next("sendMessage", status=500)
    with pytest.raises(TelegramServerError):
        await bot.send_message(user.id, "a")
    emu.fail_next("sendMessage", status=429, retry_after=2)
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(user.id, "b")
    assert info.value.retry_after == 2
    emu.fail_next("sendMessage", status="drop")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.id, "c")
    emu.fail_next("sendMessage", status="502html")
    with pytest.raises(ClientDecodeError):
        await bot.send_message(user.id, "d")
    emu.fail_next("sendMessage", status="drop_after")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.id, "delivered but unanswered")
    assert user.messages[-1].text == "delivered but unanswered"
    assert [m.text for m in user.messages] == ["delivered but unanswered"]
    await bot.send_message(user.id, "ok")

    emu.fault_rate = 1.0
    emu.fault_kinds = ("500", "502")
    for _ in range(5):
        with pytest.raises(TelegramServerError):
            await bot.send_message(user.id, "x")
    assert await bot.get_me()  # non-sending calls are not faulted
    emu.fault_rate = 0.3
    emu.fault_kinds = ("500", "502", "429", "drop")
    failures = 0
    for _ in range(60):
        try:
            await bot.send_message(user.id, "y")
        except (TelegramServerError, TelegramRetryAfter, TelegramNetworkError):
            failures += 1
    assert 5 <= failures <= 35
    assert emu.count("sendMessage", 200) == 1 + 60 - failures  # "ok" + successes (drop_after is 0)
    assert emu.count("sendMessage") == len([c for c in emu.calls if c.method == "sendMessage"])


async def test_proxy_pages_and_cut_connections(emu: TelegramEmulator, bot: Bot) -> None:
    """502/504 come as nginx's HTML page; a cut may come before or after the call took effect."""
    user = await started_user(emu, bot)
    emu.fail_next("sendMessage", status="504html")
    with pytest.raises(ClientDecodeError):
        await bot.send_message(user.id, "a")
    assert emu.calls[-1].status == 504 and not user.messages
    async with aiohttp.ClientSession() as http:
        emu.fail_next("sendMessage", status="502html")
        async with http.post(f"{emu.base_url}/bot{TOKEN}/sendMessage", json={"chat_id": user.id}) as resp:
            assert resp.status == 502 and resp.content_type == "text/html"
            assert "<center>nginx" in await resp.text()
    emu.fail_next("sendMessage", status="drop")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.id, "never arrives")
    assert not user.messages
    emu.fault_methods = frozenset({"getfile"})
    emu.fault_kinds = ("502html",)
    emu.fault_rate = 1.0
    update = user._deliver(user._media_content("document", b"x" * 1000, "a.bin", None, None))
    with pytest.raises(ClientDecodeError):
        await bot.get_file(update["document"]["file_id"])
    await bot.send_message(user.id, "sending is not faulted now")
    emu.fault_rate = 0.0


async def test_download_faults(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    data = bytes(range(256)) * 400
    update = user._deliver(user._media_content("document", data, "a.bin", None, None))
    info = await bot.get_file(update["document"]["file_id"])
    assert info.file_path is not None
    emu.fail_next(DOWNLOAD, status="truncate")
    with pytest.raises(aiohttp.ClientPayloadError):
        await bot.download_file(info.file_path)
    emu.fail_next(DOWNLOAD, status="504html")
    with pytest.raises(aiohttp.ClientResponseError) as failed:
        await bot.download_file(info.file_path)
    assert failed.value.status == 504
    emu.fail_next(DOWNLOAD, status="drop", count=2)  # aiohttp itself repeats a GET cut on a reused connection
    with pytest.raises(aiohttp.ClientError):
        await bot.download_file(info.file_path)
    assert (await bot.download_file(info.file_path)).read() == data
    assert emu.count(DOWNLOAD, 200) == 1 and emu.count(DOWNLOAD) == 5
    emu.fault_methods = frozenset({DOWNLOAD})
    emu.fault_kinds_for = {DOWNLOAD: ("502html",)}
    emu.fault_rate = 1.0
    with pytest.raises(aiohttp.ClientResponseError):
        await bot.download_file(info.file_path)
    emu.fault_rate = 0.0


async def test_wait_for_cursor(emu: TelegramEmulator, bot: Bot) -> None:
    user = await started_user(emu, bot)
    await bot.send_message(user.id, "first")
    await bot.send_message(user.id, "second")
    got = await user.wait_for(count=2, timeout=1)
    assert [m.text for m in got] == ["first", "second"]

    async def later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(user.id, "third")

    task = asyncio.create_task(later())
    assert (await user.wait_text("thi", timeout=3)).text == "third"
    await task
    with pytest.raises(AssertionError, match="timed out") as info:
        await user.wait_for(timeout=0.1)
    assert "third" in str(info.value)  # the dump shows recent messages


# ---------------------------------------------------------------------------- harness


async def test_bot_process_harness(emu: TelegramEmulator, tmp_path: Path) -> None:
    script = Path(__file__).with_name("standin_bot.py")
    proc = BotProcess(emu, tmp_path / "a", script=script, organization_name="Орг")
    env = proc.env()
    assert env["TELEGRAM_API_URL"] == emu.base_url and env["BOT_TOKEN"] == TOKEN
    assert env["ADMIN_PHONES"] == "[]" and Path(env["BRANCH_PHOTO"]).is_dir()
    await proc.start(timeout=60)  # importing aiogram alone can take several seconds on a busy machine
    try:
        assert proc.running
        user = emu.add_user()
        await user.send_text("привет")
        msg = await user.wait_text("echo: привет", timeout=10)
        assert "(Орг)" in msg.text
    finally:
        code = await proc.stop()
    assert code == 0, proc.log_tail()
    assert "standin bot stopped" in proc.log_text()

    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text("import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n")
    crash = BotProcess(emu, tmp_path / "b", script=sleeper, name="sleeper")
    await crash.start(wait_polling=False)
    with pytest.raises(TimeoutError):
        await crash.wait(0.2)
    crash.kill()
    assert crash.returncode == -9 and not crash.running
    assert "sleeping" in crash.log_text()
