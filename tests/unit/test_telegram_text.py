"""services.telegram_text: Telegram's lengths in UTF-16 units after HTML parsing, cutting and splitting."""

from __future__ import annotations

from services.telegram_text import ELLIPSIS, cut, plain_length, prefix_within, split_text, utf16_len


def test_an_emoji_outside_the_basic_plane_counts_two_units() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("ж") == 1
    assert utf16_len("😀") == 2
    assert utf16_len("a😀b") == 4


def test_plain_length_drops_tags_and_decodes_entities() -> None:
    assert plain_length("<b>Заказ</b> &lt;1&gt;") == len("Заказ <1>")
    assert plain_length('<a href="tg://user?id=1">😀</a>') == 2


def test_prefix_within_never_splits_a_surrogate_pair() -> None:
    assert prefix_within("😀😀", 3) == 1
    assert prefix_within("😀😀", 1) == 0
    assert prefix_within("abc", 10) == 3


def test_cut_keeps_short_text_and_ends_a_cut_one_with_an_ellipsis_within_budget() -> None:
    assert cut("abc", 3) == "abc"
    assert cut("abcdef", 4) == "abc" + ELLIPSIS
    assert cut("😀😀😀", 4) == "😀" + ELLIPSIS
    assert utf16_len(cut("😀" * 600, 1024)) <= 1024
    assert cut("😀", 1) == ELLIPSIS
    assert cut("abc", 0) == ""


def test_split_text_prefers_a_newline_then_a_space_and_counts_units() -> None:
    assert split_text("x" * 10, 4, 4) == ["xxxx", "xxxx", "xx"]
    assert split_text("😀" * 3, 4, 4) == ["😀😀", "😀"]
    assert split_text("aaaa bbbb\ncc", 10, 10) == ["aaaa bbbb", "cc"]
    assert split_text("aaa bbb ccc", 8, 8) == ["aaa bbb", "ccc"]
    parts = split_text("😀" * 5000, 100, 4096)
    assert utf16_len(parts[0]) <= 100
    assert all(utf16_len(part) <= 4096 for part in parts)
    assert "".join(parts) == "😀" * 5000


def test_split_text_always_makes_progress_even_with_no_room() -> None:
    assert split_text("abc", 0, 1) == ["a", "b", "c"]
