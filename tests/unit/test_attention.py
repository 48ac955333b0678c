"""Attention words: parsing the dealer's file with ast, hot reload, matching; message splitting."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from services.attention import AlertWindow, AttentionFileError, AttentionWords, parse_words
from services.conversations import compose
from services.telegram_text import plain_length, split_text


def test_parse_reads_only_the_list_and_never_runs_code() -> None:
    source = "import os\nos.remove('x')\nATTENTION_WORDS = ['Плох', 'ЁЖ', '  ', 'плох']\n"
    assert parse_words(source) == ("плох", "еж")


@pytest.mark.parametrize(
    "source",
    ["ATTENTION_WORDS = ['a',", "WORDS = ['a']", "ATTENTION_WORDS = [open('x')]", "ATTENTION_WORDS = 5"],
)
def test_broken_files_are_refused(source: str) -> None:
    with pytest.raises(AttentionFileError):
        parse_words(source)


def test_reload_on_change_keeps_previous_list_when_broken(tmp_path: Path, caplog) -> None:
    path = tmp_path / "attention_words.py"
    path.write_text("ATTENTION_WORDS = ['дорог']\n", encoding="utf-8")
    words = AttentionWords(path, check_every=0)
    assert words.find("Очень ДОРОГО") == "дорог"
    assert words.find("Всё хорошо") is None

    path.write_text("ATTENTION_WORDS = ['ёлк']\n", encoding="utf-8")
    os.utime(path, ns=(1, 10**18))
    assert words.find("Елка") == "елк"

    path.write_text("ATTENTION_WORDS = ['broken'\n", encoding="utf-8")
    os.utime(path, ns=(1, 2 * 10**18))
    with caplog.at_level(logging.ERROR):
        assert words.find("ёлка") == "елк"
        assert words.find("ёлка") == "елк"
    assert len([r for r in caplog.records if "broken" in r.getMessage()]) == 1


def test_match_is_case_insensitive_substring_with_yo() -> None:
    words = AttentionWords(Path("database/attention_words.py"), check_every=0)
    assert words.find("Мне НЕ   нравится") == "не нрав"
    assert words.find("Разочарован") == "разочаров"
    assert words.find("") is None


def test_long_texts_split_under_the_limit_and_escape() -> None:
    header = "<b>Сообщение от A &amp; B</b>"
    text = "a < b " * 1000
    chunks = compose(header, text)
    assert len(chunks) == 2
    assert all(plain_length(chunk) <= 4096 for chunk in chunks)
    assert "&lt;" in chunks[0] and "<b>" in chunks[0]
    assert split_text("x" * 10, 4, 4) == ["xxxx", "xxxx", "xx"]
    assert split_text("😀" * 3, 4, 4) == ["😀😀", "😀"]


def test_one_alert_per_client_and_window() -> None:
    now = [0.0]
    window = AlertWindow(600.0, clock=lambda: now[0])
    assert window.due(1)
    window.note(1)
    now[0] = 599.0
    assert not window.due(1) and window.due(2)  # another client is not held back
    now[0] = 600.0
    assert window.due(1)
