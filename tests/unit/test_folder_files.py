"""services.folder_watch.watcher: files put into order folders by other means reach the client once."""

from __future__ import annotations

import asyncio
import io
import os
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from config import Settings, load_settings
from database.connection import Database
from database.folder_files import FolderFileRepo
from database.media import MediaRecord, MediaRepo, NewMedia
from database.protocol import ProtocolEntry
from runtime.share_uploads import share_file
from services.folder_watch import walk as folder_walk
from services.folder_watch import watcher as folder_files
from services.folder_watch.walk import file_kind, is_temporary
from services.folder_watch.watcher import FolderWatcher, local_ref
from services.share_paths import UnsafePath

ORDER = "A-1"
PHONE = "+375291234567"


def _jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class FakeUsers:
    clients: list[int] = field(default_factory=lambda: [501])

    async def active_clients_with_phone(self, phone: str) -> list[object]:
        return [type("U", (), {"telegram_id": client})() for client in self.clients]


@dataclass
class FakeDeliveries:
    """Claims files as MediaService does (media_deliveries), records what would be queued."""

    media: MediaRepo | None = None
    sent: list[tuple[int, list[str], str]] = field(default_factory=list)
    crash: bool = False  # the bot dies between recording files and queueing them

    async def send_files(
        self, client_id: int, records: Sequence[MediaRecord], header: str, key_prefix: str
    ) -> None:
        if self.crash:
            return
        assert self.media is not None
        won = await self.media.claim(client_id, [r.id for r in records], key_prefix)
        if won:
            self.sent.append((client_id, [r.rel_path for r in records if r.id in won], header))

    def paths(self) -> list[str]:
        return [path for _, paths, _ in self.sent for path in paths]


@dataclass
class FakeProtocol:
    entries: list[ProtocolEntry] = field(default_factory=list)

    async def record(self, entry: ProtocolEntry) -> None:
        self.entries.append(entry)


@dataclass
class World:
    root: Path
    db: Database
    settings: Settings
    deliveries: FakeDeliveries
    protocol: FakeProtocol

    def watcher(self) -> FolderWatcher:
        return FolderWatcher(
            settings=self.settings,
            repo=FolderFileRepo(self.db),
            media=MediaRepo(self.db),
            users=FakeUsers(),  # type: ignore[arg-type]
            deliveries=self.deliveries,  # type: ignore[arg-type]
            protocol=self.protocol,
        )

    def put(self, rel: str, data: bytes = b"data") -> Path:
        path = self.root / ORDER / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    root = tmp_path / "Photo"
    (root / ORDER / "Inspection").mkdir(parents=True)
    (root / ORDER / "Inspection" / "old.jpg").write_bytes(b"there before the bot")
    db = await Database.open(tmp_path / "bot.db")
    await db.write(
        "INSERT INTO orders (id, number, number_fold, phone, calendar_date, first_seen, updated_at)"
        " VALUES (1, ?, ?, ?, '2026-11-26', ?, 0)",
        (ORDER, ORDER.casefold(), PHONE, int(time.time()) - 100),
    )
    await db.write(
        "INSERT INTO users (telegram_id, phone, tg_name, level, created_at, updated_at)"
        " VALUES (501, ?, 'client', 3, 0, 0)",
        (PHONE,),
    )
    # The watcher first ran after old.jpg arrived and before anything the test puts later (the
    # pauses step over the file system's coarse clock).
    await asyncio.sleep(0.05)
    await db.write("INSERT INTO folder_watch (id, started_at) VALUES (1, ?)", (time.time(),))
    await asyncio.sleep(0.05)
    settings = load_settings(
        env={"BOT_TOKEN": "123456:TEST-TOKEN-abcdef", "BRANCH_PHOTO": str(root)},
        env_file=tmp_path / "missing.env",
    )
    yield World(root, db, settings, FakeDeliveries(MediaRepo(db)), FakeProtocol())
    await db.close()


async def _two_looks(watcher: FolderWatcher) -> int:
    return await watcher.look() + await watcher.look()


async def test_a_file_copied_by_hand_is_sent_once_after_two_looks(world: World) -> None:
    watcher = world.watcher()
    assert await watcher.look() == 0, "old.jpg arrived before the watcher: history, not news"
    world.put("Inspection/by-hand.pdf")
    assert await watcher.look() == 0, "seen once: maybe still being copied"
    assert await watcher.look() == 1
    assert world.deliveries.paths() == [f"{ORDER}/Inspection/by-hand.pdf"]
    client, _, header = world.deliveries.sent[0]
    assert client == 501 and ORDER in header and "Прием автомобилей" in header
    assert [e.file_path for e in world.protocol.entries] == [f"{ORDER}/Inspection/by-hand.pdf"]
    assert await _two_looks(watcher) == 0
    assert await _two_looks(world.watcher()) == 0, "a restart sends nothing again"
    assert len(world.deliveries.sent) == 1
    [record] = await MediaRepo(world.db).for_order(1)
    assert record.file_id == local_ref(f"{ORDER}/Inspection/by-hand.pdf") and record.kind == "document"


async def test_a_growing_file_waits_until_it_is_whole(world: World) -> None:
    watcher = world.watcher()
    await watcher.look()
    path = world.put("Recommendation/video.mp4", b"x" * 10)
    assert await watcher.look() == 0
    with path.open("ab") as file:  # the SMB copy goes on
        file.write(b"y" * 10)
    assert await watcher.look() == 0
    empty = world.put("Recommendation/empty.pdf", b"")
    assert await watcher.look() == 1
    assert world.deliveries.paths() == [f"{ORDER}/Recommendation/video.mp4"]
    assert await _two_looks(watcher) == 0, "an empty file is never complete"
    empty.write_bytes(b"now written")
    assert await _two_looks(watcher) == 1


async def test_service_client_temp_and_root_files_are_never_sent(world: World) -> None:
    watcher = world.watcher()
    await watcher.look()
    for rel in (
        "Service/internal.pdf",
        "service/lowercase.pdf",
        "Client/own.jpg",
        "Inspection/~$report.docx",
        "Inspection/.hidden.jpg",
        "Inspection/Thumbs.db",
        "Inspection/desktop.ini",
        "Inspection/copy.tmp",
        "Inspection/.photo.jpg.1a2b3c4d.part",
        "Inspection/download.crdownload",
        ".git/config",
        "loose-in-the-order-folder.pdf",
    ):
        world.put(rel)
    assert await _two_looks(watcher) == 0
    assert world.deliveries.sent == []


async def test_the_bots_own_files_never_go_out_again(world: World) -> None:
    watcher = world.watcher()
    await watcher.look()
    world.put("Inspection/20261126_142501_7.jpg")
    await watcher.look()
    await MediaRepo(world.db).add(
        NewMedia(
            dedup_key="42:7",
            order_id=1,
            type_label="Прием автомобилей",
            subfolder="Inspection",
            rel_path=f"{ORDER}/Inspection/20261126_142501_7.jpg",
            file_id="telegram-file-id",
            kind="photo",
            caption="",
            employee_id=42,
            chat_id=42,
            message_id=7,
            media_group_id=None,
            size=4,
            hidden=False,
        )
    )
    assert await _two_looks(watcher) == 0, "filed by the bot between two looks"
    assert await _two_looks(world.watcher()) == 0


async def test_hundreds_of_files_go_out_in_bounded_portions(world: World) -> None:
    watcher = world.watcher()
    await watcher.look()
    for index in range(120):
        world.put(f"Other/scan {index:03}.pdf")
    await watcher.look()
    portions = [await watcher.look() for _ in range(4)]
    assert portions == [50, 50, 20, 0]
    assert len(set(world.deliveries.paths())) == 120


async def test_a_file_too_big_for_the_bot_api_is_remembered_not_sent(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(folder_files, "CLOUD_UPLOAD_LIMIT", 100)
    watcher = world.watcher()
    await watcher.look()
    world.put("Other/huge.mp4", b"z" * 101)
    assert await _two_looks(watcher) == 0
    assert await world.db.fetchval("SELECT state FROM folder_files WHERE rel_path LIKE '%huge.mp4'") == (
        "too_big"
    )


@pytest.mark.skipif(os.name == "nt", reason="POSIX symlinks")
async def test_a_linked_stage_folder_is_not_walked(world: World, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(b"not the order's")
    (world.root / ORDER / "Linked").symlink_to(outside, target_is_directory=True)
    (world.root / ORDER / "Inspection" / "link.pdf").symlink_to(outside / "secret.pdf")
    watcher = world.watcher()
    assert await _two_looks(watcher) + await _two_looks(watcher) == 0


def test_file_kind(tmp_path: Path) -> None:
    photo = tmp_path / "a.jpg"
    photo.write_bytes(_jpeg())
    assert file_kind(photo, photo.stat().st_size) == "photo"
    panorama = tmp_path / "pano.jpg"
    panorama.write_bytes(_jpeg((2100, 100)))
    assert file_kind(panorama, panorama.stat().st_size) == "document", "Telegram refuses the ratio"
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"not an image")
    assert file_kind(fake, 12) == "document"
    assert file_kind(photo, 11 * 1024 * 1024) == "document", "over 10 MB: not a photo"
    assert file_kind(tmp_path / "clip.MP4", 10) == "video"
    assert file_kind(tmp_path / "act.pdf", 10) == "document"


@pytest.mark.parametrize(
    ("name", "temporary"),
    [
        ("~$act.docx", True),
        ("Thumbs.db", True),
        (".DS_Store", True),
        ("a.tmp", True),
        ("b.part", True),
        ("photo.jpg", False),
        ("Акт.pdf", False),
        ("scan~1.pdf", False),
    ],
)
def test_is_temporary(name: str, temporary: bool) -> None:
    assert is_temporary(name) is temporary


def test_share_upload_refuses_paths_out_of_the_share(tmp_path: Path) -> None:
    root = tmp_path / "Photo"
    (root / ORDER / "Other").mkdir(parents=True)
    (root / ORDER / "Other" / "act.pdf").write_bytes(b"x")
    assert share_file(root, local_ref(f"{ORDER}/Other/act.pdf")).filename == "act.pdf"
    for bad in (f"{ORDER}/../../etc/passwd", "/etc/passwd", f"{ORDER}//Other/act.pdf"):
        with pytest.raises(UnsafePath):
            share_file(root, local_ref(bad))
    with pytest.raises(FileNotFoundError):
        share_file(root, local_ref(f"{ORDER}/Other/gone.pdf"))
    if os.name != "nt":
        (root / ORDER / "Other" / "link.pdf").symlink_to("/etc/passwd")
        with pytest.raises(UnsafePath):
            share_file(root, local_ref(f"{ORDER}/Other/link.pdf"))


async def test_an_order_is_watched_once_its_client_connects(world: World) -> None:
    await world.db.write("UPDATE users SET activity = 2 WHERE telegram_id = 501")
    watcher = world.watcher()
    world.put("Other/before-the-client.pdf")
    assert await _two_looks(watcher) == 0
    assert await world.db.fetchval("SELECT COUNT(*) FROM folder_files") == 0, "not even looked at"
    await world.db.write("UPDATE users SET activity = 1 WHERE telegram_id = 501")
    assert await _two_looks(watcher) == 1, "arrived after the watcher started: news for the client"
    assert world.deliveries.paths() == [f"{ORDER}/Other/before-the-client.pdf"]


async def test_share_uploads_convert_references_and_leave_the_stored_payload_alone(tmp_path: Path) -> None:
    from aiogram.types import FSInputFile

    from runtime.share_uploads import uploads

    root = tmp_path / "Photo"
    (root / ORDER / "Other").mkdir(parents=True)
    (root / ORDER / "Other" / "a.jpg").write_bytes(_jpeg())
    ref = local_ref(f"{ORDER}/Other/a.jpg")
    stored = {"media": [{"type": "photo", "media": ref, "caption": "c"}, {"type": "photo", "media": "tg-id"}]}
    converted = await uploads(root)(dict(stored))
    first, second = converted["media"]
    assert isinstance(first["media"], FSInputFile) and first["caption"] == "c"
    assert second == {"type": "photo", "media": "tg-id"}
    assert stored["media"][0]["media"] == ref, "a retry finds the reference again"
    single = await uploads(root)({"document": ref, "caption": "x"})
    text = {"text": "no files here"}
    assert await uploads(root)(text) is text
    assert isinstance(single["document"], FSInputFile) and single["caption"] == "x"


async def test_files_recorded_just_before_a_crash_are_queued_at_the_next_start(world: World) -> None:
    world.deliveries.crash = True
    watcher = world.watcher()
    await watcher.look()
    world.put("Other/act.pdf")
    assert await _two_looks(watcher) == 1
    assert world.deliveries.sent == []
    world.deliveries.crash = False
    assert await _two_looks(world.watcher()) == 0
    assert world.deliveries.paths() == [f"{ORDER}/Other/act.pdf"]
    assert await _two_looks(world.watcher()) == 0
    assert world.deliveries.paths() == [f"{ORDER}/Other/act.pdf"], "once"


async def test_after_the_first_look_dates_kept_by_a_copy_program_do_not_matter(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.watcher().look()  # the first look at the order, in an earlier run
    monkeypatch.setattr(folder_walk, "arrival_time", lambda st: 0.0)  # robocopy kept old dates
    world.put("Inspection/copied-with-old-dates.jpg")
    assert await _two_looks(world.watcher()) == 1
    assert world.deliveries.paths() == [f"{ORDER}/Inspection/copied-with-old-dates.jpg"]
