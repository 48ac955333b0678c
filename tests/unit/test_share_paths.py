"""services.share_paths: nothing in BRANCH_PHOTO is followed out of it, special files never stall."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from services import share_paths
from services.share_paths import TooBig, UnsafePath, append_text, check_dir, inside, is_link, read_regular

posix = pytest.mark.skipif(os.name == "nt" or not hasattr(os, "mkfifo"), reason="POSIX links and FIFOs")


def test_windows_reparse_points_that_name_another_path_are_links() -> None:
    folder, file = stat.S_IFDIR | 0o755, stat.S_IFREG | 0o644
    junction = SimpleNamespace(st_mode=folder, st_file_attributes=0x410, st_reparse_tag=0xA0000003)
    symlink = SimpleNamespace(st_mode=file, st_file_attributes=0x400, st_reparse_tag=0xA000000C)
    unknown = SimpleNamespace(st_mode=folder, st_file_attributes=0x410)  # no tag: assume a link
    dedup = SimpleNamespace(st_mode=file, st_file_attributes=0x400, st_reparse_tag=0x80000013)
    cloud = SimpleNamespace(st_mode=file, st_file_attributes=0x400, st_reparse_tag=0x9000001A)
    plain = SimpleNamespace(st_mode=folder, st_file_attributes=0x10, st_reparse_tag=0)
    for st in (junction, symlink, unknown):
        assert is_link(st)  # type: ignore[arg-type]
    for st in (dedup, cloud, plain):
        assert not is_link(st), "a deduplicated or cloud file is the file itself"  # type: ignore[arg-type]


def test_names_are_single_plain_names(tmp_path: Path) -> None:
    assert inside(tmp_path, "a\\\\b" if os.name != "nt" else "ab", "Inspection").parent.parent == tmp_path
    for bad in ("..", ".", "", "a/b", "x\x00y"):
        with pytest.raises(UnsafePath):
            inside(tmp_path, bad)


def test_check_dir(tmp_path: Path) -> None:
    (tmp_path / "A-1" / "Inspection").mkdir(parents=True)
    (tmp_path / "A-1" / "file").write_text("x")
    assert check_dir(tmp_path, "A-1", "Inspection")
    assert not check_dir(tmp_path, "A-1", "Other", missing_ok=True)
    with pytest.raises(FileNotFoundError):
        check_dir(tmp_path, "A-2")
    with pytest.raises(UnsafePath):
        check_dir(tmp_path, "A-1", "file")


@posix
def test_links_are_refused_and_logged_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    share_paths.forget_logged()
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "Photo"
    (root / "A-1").mkdir(parents=True)
    (root / "A-1" / "Inspection").symlink_to(outside, target_is_directory=True)
    with caplog.at_level(logging.WARNING, logger="services.share_paths"):
        for _ in range(3):
            with pytest.raises(UnsafePath):
                check_dir(root, "A-1", "Inspection")
    assert len([r for r in caplog.records if "Inspection" in r.getMessage()]) == 1


@posix
def test_the_root_itself_may_be_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "A-1").mkdir(parents=True)
    (tmp_path / "Photo").symlink_to(real, target_is_directory=True)
    assert check_dir(tmp_path / "Photo", "A-1"), "BRANCH_PHOTO is the dealer's setting (a mapped share)"


@posix
def test_read_regular_refuses_fifos_devices_and_links_and_caps(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    for path in (tmp_path / "fifo", tmp_path / "zero", Path("/dev/zero")):
        with pytest.raises(UnsafePath):
            read_regular(path, 100)
    (tmp_path / "big").write_bytes(b"x" * 101)
    with pytest.raises(TooBig):
        read_regular(tmp_path / "big", 100)
    (tmp_path / "ok").write_bytes(b"x" * 100)
    assert read_regular(tmp_path / "ok", 100) == b"x" * 100


@posix
def test_append_text_never_through_a_link_or_into_a_fifo(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (tmp_path / "link.txt").symlink_to(victim)
    os.mkfifo(tmp_path / "fifo.txt")
    for path in (tmp_path / "link.txt", tmp_path / "fifo.txt"):
        with pytest.raises(UnsafePath):
            append_text(path, "line\n")
    assert victim.read_text() == "keep"
    append_text(tmp_path / "new.txt", "one\n")
    append_text(tmp_path / "new.txt", "two\n")
    assert (tmp_path / "new.txt").read_text() == "one\ntwo\n"


@posix
def test_without_o_nofollow_the_file_is_checked_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(share_paths, "_NOFOLLOW", 0)  # as on Windows
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (tmp_path / "link.txt").symlink_to(victim)
    with pytest.raises(UnsafePath):
        append_text(tmp_path / "link.txt", "line\n")
    with pytest.raises(UnsafePath):
        read_regular(tmp_path / "link.txt", 100)
    assert victim.read_text() == "keep"
    append_text(tmp_path / "plain.txt", "ok\n")
    assert read_regular(tmp_path / "plain.txt", 100) == b"ok\n"
