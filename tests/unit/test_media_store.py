"""services.media.store: safe names, collisions, atomic publication, clean-up of temp files."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from services.media.store import (
    MAX_NAME_LENGTH,
    FetchFailed,
    MediaStore,
    OrderFolderGone,
    cleanup_partial_files,
    is_part_file,
    media_file_name,
    numbered,
    safe_file_name,
)
from services.share_paths import UnsafePath


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../evil.txt", "evil.txt"),
        ("..\\..\\evil.txt", "evil.txt"),
        ("C:\\Windows\\system32\\evil.dll", "evil.dll"),
        ("/etc/passwd", "passwd"),
        ("CON.txt", "_CON.txt"),
        ("con", "_con"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("LPT1", "_LPT1"),
        ("COM1 .txt", "_COM1.txt"),
        ("Отчёт №1 (итог).pdf", "Отчёт №1 (итог).pdf"),
        ('a:b*c?d"e<f>g|h.doc', "a_b_c_d_e_f_g_h.doc"),
        ("tab\there\x00.txt", "tab_here_.txt"),
        ("bidi\u202etxt.exe", "bidi_txt.exe"),
        ("report. . .", "report"),
        ("   .hidden", "hidden"),
        ("..", "file"),
        ("", "file"),
        (None, "file"),
        ("...", "file"),
    ],
)
def test_safe_file_name(raw: str | None, expected: str) -> None:
    assert safe_file_name(raw) == expected


def test_safe_file_name_limits_length_and_keeps_extension() -> None:
    name = safe_file_name("я" * 500 + ".jpeg")
    assert len(name) <= MAX_NAME_LENGTH
    assert name.endswith(".jpeg")


def test_safe_file_name_never_leaves_folder(tmp_path: Path) -> None:
    for raw in ["../../evil.txt", "a/../../b", "\\\\server\\share\\x", "~/.ssh/id", "..\\..", "./.part"]:
        name = safe_file_name(raw)
        assert (tmp_path / name).resolve().parent == tmp_path.resolve()
        assert not is_part_file(name)


def test_media_file_name() -> None:
    assert media_file_name(datetime(2026, 11, 26, 14, 25, 1), 77, "JPG") == "20261126_142501_77.jpg"
    assert media_file_name(datetime(2026, 1, 2, 3, 4, 5), 1, "../x") == "20260102_030405_1.x"


def test_numbered() -> None:
    assert numbered("a.pdf", 1) == "a.pdf"
    assert numbered("a.pdf", 2) == "a (2).pdf"
    assert numbered("archive.tar.gz", 3) == "archive.tar (3).gz"
    assert numbered("README", 2) == "README (2)"


def _writer(data: bytes):
    async def fetch(temp: Path) -> None:
        assert is_part_file(temp.name)
        temp.write_bytes(data)

    return fetch


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "a0001").mkdir()
    return tmp_path


async def test_save_creates_subfolder_and_file(root: Path) -> None:
    saved = await MediaStore(root).save("a0001", "Inspection", "photo.jpg", _writer(b"abc"))
    assert saved.path == root / "a0001" / "Inspection" / "photo.jpg"
    assert saved.rel_path == "a0001/Inspection/photo.jpg"
    assert saved.path.read_bytes() == b"abc"
    assert saved.size == 3
    assert os.listdir(saved.path.parent) == ["photo.jpg"]


async def test_collisions_get_numbered(root: Path) -> None:
    store = MediaStore(root)
    first = await store.save("a0001", "Other", "act.pdf", _writer(b"1"))
    second = await store.save("a0001", "Other", "act.pdf", _writer(b"2"))
    third = await store.save("a0001", "Other", "act.pdf", _writer(b"3"))
    assert [first.path.name, second.path.name, third.path.name] == ["act.pdf", "act (2).pdf", "act (3).pdf"]
    assert first.path.read_bytes() == b"1"  # never overwritten
    assert third.path.read_bytes() == b"3"


async def test_unicode_and_unsafe_names(root: Path) -> None:
    store = MediaStore(root)
    evil = await store.save("a0001", "Other", "../../evil.txt", _writer(b"x"))
    assert evil.path == root / "a0001" / "Other" / "evil.txt"
    con = await store.save("a0001", "Other", "CON.txt", _writer(b"x"))
    assert con.path.name == "_CON.txt"
    ru = await store.save("a0001", "Other", "Акт приёмки.pdf", _writer(b"x"))
    assert ru.path.name == "Акт приёмки.pdf"
    assert not (root / "evil.txt").exists() and not (root.parent / "evil.txt").exists()


async def test_failed_fetch_leaves_nothing(root: Path) -> None:
    async def broken(temp: Path) -> None:
        temp.write_bytes(b"half of it")
        raise FetchFailed("connection reset")

    with pytest.raises(FetchFailed):
        await MediaStore(root).save("a0001", "Inspection", "photo.jpg", broken)
    assert os.listdir(root / "a0001" / "Inspection") == []


async def test_removed_order_folder_is_not_recreated(root: Path) -> None:
    called = False

    async def fetch(temp: Path) -> None:
        nonlocal called
        called = True

    with pytest.raises(OrderFolderGone):
        await MediaStore(root).save("a0999", "Inspection", "photo.jpg", fetch)
    assert not called
    assert not (root / "a0999").exists()


async def test_folder_removed_during_download(root: Path) -> None:
    async def fetch(temp: Path) -> None:
        temp.write_bytes(b"x")
        temp.unlink()
        (root / "a0001" / "Inspection").rmdir()
        (root / "a0001").rmdir()

    with pytest.raises((OrderFolderGone, FileNotFoundError)):
        await MediaStore(root).save("a0001", "Inspection", "photo.jpg", fetch)
    assert not (root / "a0001").exists()


async def test_order_number_must_be_a_folder_name(root: Path) -> None:
    with pytest.raises(UnsafePath):
        await MediaStore(root).save("../a0001", "Inspection", "p.jpg", _writer(b"x"))


@pytest.mark.skipif(os.name == "nt", reason="a backslash cannot be in a Windows folder name")
async def test_backslash_in_an_order_folder_name_is_a_plain_character(root: Path) -> None:
    (root / "a\\0002").mkdir()
    saved = await MediaStore(root).save("a\\0002", "Client", "скан.pdf", _writer(b"doc"))
    assert saved.path == root / "a\\0002" / "Client" / "скан.pdf"
    assert saved.path.read_bytes() == b"doc"


@pytest.mark.parametrize(
    "raw",
    ["😀" * 300 + ".pdf", "汉字" * 200 + ".docx", "я" * 130 + ".jpeg", "😀" * 80 + "." + "😀" * 10],
    ids=["emoji", "cjk", "cyrillic", "emoji-extension"],
)
def test_long_names_fit_in_255_bytes_and_keep_the_extension(raw: str) -> None:
    name = safe_file_name(raw)
    assert len(name.encode("utf-8")) <= 200 and name
    ext = raw.rpartition(".")[2]
    if ext.isascii():
        assert name.endswith("." + ext)
    assert "\ufffd" not in name  # cut on whole characters


async def test_300_byte_emoji_document_name_is_saved(root: Path) -> None:
    store = MediaStore(root)
    first = await store.save("a0001", "Client", "📄" * 100 + ".pdf", _writer(b"1"))
    second = await store.save("a0001", "Client", "📄" * 100 + ".pdf", _writer(b"2"))
    assert first.path.read_bytes() == b"1" and second.path.read_bytes() == b"2"
    assert first.path.suffix == second.path.suffix == ".pdf"
    assert first.path != second.path


async def test_a_file_already_there_is_never_overwritten(root: Path) -> None:
    folder = root / "a0001" / "Other"
    folder.mkdir()
    (folder / "act.pdf").write_bytes(b"put there by hand")
    saved = await MediaStore(root).save("a0001", "Other", "act.pdf", _writer(b"from the bot"))
    assert saved.path.name == "act (2).pdf"
    assert (folder / "act.pdf").read_bytes() == b"put there by hand"


needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX links")


@needs_symlinks
async def test_a_linked_stage_folder_is_refused_and_nothing_is_written_outside(
    root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (root / "a0001" / "Inspection").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePath):
        await MediaStore(root).save("a0001", "Inspection", "p.jpg", _writer(b"x"))
    assert list(outside.iterdir()) == []


@needs_symlinks
async def test_a_linked_order_folder_is_refused(root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (root / "a0009").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePath):
        await MediaStore(root).save("a0009", "Inspection", "p.jpg", _writer(b"x"))
    assert list(outside.rglob("*")) == []


@needs_symlinks
async def test_a_link_at_the_target_name_is_not_followed(
    root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "victim.jpg"
    outside.write_bytes(b"keep me")
    folder = root / "a0001" / "Inspection"
    folder.mkdir()
    (folder / "p.jpg").symlink_to(outside)
    saved = await MediaStore(root).save("a0001", "Inspection", "p.jpg", _writer(b"new"))
    assert saved.path.name == "p (2).jpg" and saved.path.read_bytes() == b"new"
    assert outside.read_bytes() == b"keep me"


@needs_symlinks
async def test_a_stage_folder_swapped_for_a_link_during_the_download_is_refused(
    root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    folder = root / "a0001" / "Inspection"

    async def swap(temp: Path) -> None:
        temp.write_bytes(b"x")
        folder.rename(root / "a0001" / "moved")
        folder.symlink_to(outside, target_is_directory=True)

    with pytest.raises(UnsafePath):
        await MediaStore(root).save("a0001", "Inspection", "p.jpg", swap)
    assert list(outside.iterdir()) == []


def test_cleanup_partial_files(root: Path) -> None:
    folder = root / "a0001" / "Inspection"
    folder.mkdir()
    (folder / ".photo.jpg.1a2b3c4d.part").write_bytes(b"half")
    (folder / "photo.jpg").write_bytes(b"whole")
    (folder / "notes.part").write_bytes(b"a user's file, not ours")
    (root / "a0001" / ".top.part").write_bytes(b"outside BRANCH_PHOTO/*/*: left alone")
    assert cleanup_partial_files(root) == 1
    assert sorted(os.listdir(folder)) == ["notes.part", "photo.jpg"]
    assert (root / "a0001" / ".top.part").exists()


def test_cleanup_keeps_files_newer_than_start(root: Path) -> None:
    folder = root / "a0001" / "Other"
    folder.mkdir()
    part = folder / ".x.jpg.00000000.part"
    part.write_bytes(b"x")
    os.utime(part, (1_000, 1_000))
    fresh = folder / ".y.jpg.00000000.part"
    fresh.write_bytes(b"y")
    assert cleanup_partial_files(root, older_than=2_000) == 1
    assert os.listdir(folder) == [fresh.name]


def test_cleanup_missing_root(tmp_path: Path) -> None:
    assert cleanup_partial_files(tmp_path / "nope") == 0


async def test_replayed_save_of_the_same_bytes_keeps_one_copy(tmp_path: Path) -> None:
    """A crash after the file was published but before its row was written must not leave two copies."""
    (tmp_path / "a1").mkdir()
    store = MediaStore(tmp_path)

    async def fetch(temp: Path) -> None:
        temp.write_bytes(b"same scan")

    first = await store.save("a1", "Other", "act.pdf", fetch)
    again = await store.save("a1", "Other", "act.pdf", fetch)
    assert again.path == first.path
    assert sorted(p.name for p in (tmp_path / "a1" / "Other").iterdir()) == ["act.pdf"]
