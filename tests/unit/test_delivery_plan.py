"""services.delivery: album splitting, documents apart, captions within Telegram's limit."""

from __future__ import annotations

import texts
from config import load_settings
from database.outbox import Method
from services.delivery import OutgoingFile, build_deliveries, fit_caption, plan_groups
from services.telegram_text import CAPTION_LIMIT, plain_length, utf16_len


def _files(kinds: str) -> list[OutgoingFile]:
    names = {"p": "photo", "v": "video", "d": "document"}
    return [OutgoingFile(i, names[k], f"F{i}", "") for i, k in enumerate(kinds, start=1)]


def test_album_of_12_photos_is_split_10_and_2() -> None:
    groups = plan_groups(_files("p" * 12))
    assert [len(g) for g in groups] == [10, 2]
    assert [f.ref for g in groups for f in g] == list(range(1, 13))


def test_documents_go_apart_from_photos_and_videos() -> None:
    groups = plan_groups(_files("pvdpd"))
    assert [[f.kind for f in g] for g in groups] == [["photo", "video", "photo"], ["document", "document"]]


def test_documents_first_when_they_came_first() -> None:
    groups = plan_groups(_files("dp"))
    assert [[f.kind for f in g] for g in groups] == [["document"], ["photo"]]


def test_single_and_group_payloads() -> None:
    deliveries = build_deliveries(5, _files("ppd"), "<b>H</b>", "media:1:5")
    (group, group_refs), (single, single_refs) = deliveries
    assert group.method is Method.MEDIA_GROUP and group_refs == [1, 2]
    assert [part["type"] for part in group.payload["media"]] == ["photo", "photo"]
    assert group.payload["media"][0]["caption"] == "<b>H</b>"
    assert "caption" not in group.payload["media"][1]
    assert single.method is Method.DOCUMENT and single.payload["document"] == "F3" and single_refs == [3]
    assert single.payload["caption"] == "<b>H</b>"
    assert group.dedup_key == "media:1:5:1.2" and single.dedup_key == "media:1:5:3"
    assert all(d.chat_id == 5 for d, _ in deliveries)


def test_eleven_photos_leave_a_single_photo() -> None:
    methods = [d.method for d, _ in build_deliveries(1, _files("p" * 11), "", "k")]
    assert methods == [Method.MEDIA_GROUP, Method.PHOTO]


def test_caption_keeps_header_and_cuts_employee_text() -> None:
    header = texts.media_header("a000177322", "Прием автомобилей", "Иван <Петров>", "Сервис & Ко")
    caption = fit_caption(header, "Царапина " * 300)
    assert caption.startswith(header)
    assert plain_length(caption) <= CAPTION_LIMIT
    assert caption.endswith("…")


def test_caption_escapes_employee_text() -> None:
    assert fit_caption("<b>H</b>", "1 < 2 & <i>") == "<b>H</b>\n1 &lt; 2 &amp; &lt;i&gt;"


def test_caption_limit_counts_utf16_units() -> None:
    caption = fit_caption("", "😀" * 1000)  # each emoji is 2 UTF-16 units
    assert utf16_len(caption) <= CAPTION_LIMIT


def test_escaping_does_not_eat_the_budget() -> None:
    caption = fit_caption("H", "&" * 2000)
    assert plain_length(caption) == CAPTION_LIMIT


def test_hidden_type_is_recognized() -> None:
    settings = load_settings({"BOT_TOKEN": "1:abcdef"}, env_file=None)
    assert settings.is_hidden_folder("Service") and settings.is_hidden_folder("service")
    assert not settings.is_hidden_folder("Inspection")
