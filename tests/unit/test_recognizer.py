"""services.recognition.worker: recognition in a 'spawn' process pool, off the event loop, errors logged."""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor

import pytest

import services.recognition.barcodes
import services.recognition.plates
from services.recognition import plates as plates_module
from services.recognition.worker import RecognitionUnavailable, Recognizer, UnreadableImage
from tests.synth import generate_barcode_set, generate_plate_set


@pytest.fixture(scope="module")
def plate_photo(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    path, expected = generate_plate_set(tmp_path_factory.mktemp("plates"), 1, seed=5102)[0]
    return path.read_bytes(), expected


@pytest.fixture(scope="module")
def barcode_photo(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    path, expected = generate_barcode_set(tmp_path_factory.mktemp("barcodes"), 1, seed=5101)[0]
    return path.read_bytes(), expected


def threads() -> Executor:
    """A pool in this process, so monkeypatching the recognition functions reaches it."""
    return ThreadPoolExecutor(max_workers=1)


async def test_process_pool_reads_photos_without_blocking_the_loop(
    plate_photo: tuple[bytes, str], barcode_photo: tuple[bytes, str]
) -> None:
    recognizer = Recognizer()
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    try:
        recognizer.warm_up()
        started = time.monotonic()
        codes, plates = await asyncio.gather(
            recognizer.barcodes(barcode_photo[0]), recognizer.plates(plate_photo[0])
        )
        elapsed = time.monotonic() - started
        with pytest.raises(UnreadableImage):
            await recognizer.plates(b"not an image at all")
    finally:
        ticking.cancel()
        await recognizer.close()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert codes == [barcode_photo[1]]
    assert plates == plates_module.read_plates(plate_photo[0]), "the same answer as in this process"
    assert plates and plates[0] == plate_photo[1]
    # the worker start-up (imports of cv2 and friends) and both recognitions took a while...
    assert elapsed > 0.1
    # ...and the loop kept ticking all along: no gap anywhere near the recognition time
    assert len(ticks) > elapsed / 0.05
    assert max(gaps) < 0.25


async def test_unavailable_engine_is_reported_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_tesseract(image: object, *args: object) -> list[str]:
        raise RecognitionUnavailable("tesseract is not installed or not on PATH")

    monkeypatch.setattr(services.recognition.plates, "read_plates", no_tesseract)
    monkeypatch.setattr(services.recognition.barcodes, "decode_barcodes", lambda image: ["4810000000001"])
    recognizer = Recognizer("/nowhere/tesseract", executor_factory=threads)
    caplog.set_level(logging.DEBUG, logger="services.recognition.worker")
    try:
        for _ in range(3):
            with pytest.raises(RecognitionUnavailable):
                await recognizer.plates(b"jpeg")
        assert await recognizer.barcodes(b"jpeg") == ["4810000000001"], "barcodes still work"
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1
        assert "Plates recognition is unavailable" in errors[0].getMessage()
        assert "tesseract" in errors[0].getMessage()

        monkeypatch.setattr(services.recognition.plates, "read_plates", lambda image, *args: ["1234AB7"])
        assert await recognizer.plates(b"jpeg") == ["1234AB7"]
        assert any("works again" in r.getMessage() for r in caplog.records)
    finally:
        await recognizer.close()


async def test_pool_that_cannot_start_means_unavailable(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> Executor:
        raise OSError(24, "Too many open files")

    recognizer = Recognizer(executor_factory=broken)
    caplog.set_level(logging.ERROR, logger="services.recognition.worker")
    recognizer.warm_up()  # never raises
    for _ in range(2):
        with pytest.raises(RecognitionUnavailable):
            await recognizer.barcodes(b"jpeg")
    assert len(caplog.records) == 1 and "could not start" in caplog.records[0].getMessage()
    await recognizer.close()


async def test_engine_failure_on_one_photo_is_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(image: object) -> list[str]:
        raise ZeroDivisionError("bad luck")

    monkeypatch.setattr(services.recognition.barcodes, "decode_barcodes", crash)
    recognizer = Recognizer(executor_factory=threads)
    with pytest.raises(UnreadableImage):
        await recognizer.barcodes(b"jpeg")
    await recognizer.close()
    with pytest.raises(RecognitionUnavailable):  # closed at shutdown: no new pool
        await recognizer.barcodes(b"jpeg")


async def test_known_plates_and_engine_reach_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple] = []

    def reader(image: object, tesseract_cmd: str, engine: str, known: tuple[str, ...]) -> list[str]:
        calls.append((tesseract_cmd, engine, set(known)))
        return ["1234AB7"]

    monkeypatch.setattr(services.recognition.plates, "read_plates", reader)
    recognizer = Recognizer("/t", ocr_engine="tesseract", executor_factory=threads)
    assert await recognizer.plates(b"jpeg", {"1234AB7", "AB12347"}) == ["1234AB7"]
    await recognizer.close()
    assert calls == [("/t", "tesseract", {"1234AB7", "AB12347"})]


async def test_an_answer_too_late_counts_as_nothing_read_once_the_worker_is_warm(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    release = threading.Event()

    def stuck(image: object) -> list[str]:
        release.wait(10)
        return ["4810000000001"]

    monkeypatch.setattr(services.recognition.barcodes, "decode_barcodes", stuck)
    recognizer = Recognizer(timeout=0.05, executor_factory=threads)
    caplog.set_level(logging.WARNING, logger="services.recognition.worker")
    try:
        # cold: the worker's start-up is not the photo's fault, the answer is awaited
        cold = asyncio.create_task(recognizer.barcodes(b"jpeg"))
        await asyncio.sleep(0.3)
        release.set()
        assert await cold == ["4810000000001"]
        # warm: a stuck reader gives "nothing read" at once instead of a wait
        release.clear()
        assert await recognizer.barcodes(b"jpeg") == []
    finally:
        release.set()
        await recognizer.close()
    assert sum("answered as nothing read" in r.getMessage() for r in caplog.records) == 1


class _HeldExecutor(Executor):
    """Hands out futures the test completes itself."""

    def __init__(self) -> None:
        self.futures: list[Future] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[no-untyped-def]
        future: Future = Future()
        self.futures.append(future)
        return future


async def test_a_cancel_that_meets_the_answer_is_not_swallowed() -> None:
    """At shutdown the cancel may land in the tick the worker's answer arrives: the waiting caller must
    still end cancelled (asyncio.wait_for on Python 3.11 returned the answer instead)."""
    pool = _HeldExecutor()
    recognizer = Recognizer(executor_factory=lambda: pool)
    task = asyncio.create_task(recognizer.barcodes(b"photo"))
    while not pool.futures:
        await asyncio.sleep(0)
    pool.futures[0].set_result(["4812345678901"])
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
