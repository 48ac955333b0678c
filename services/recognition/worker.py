"""Barcode and plate recognition off the event loop, in a small process pool.

``Recognizer(tesseract_cmd, ocr_engine=...)`` hands each photo (bytes) to a ``ProcessPoolExecutor``
created on first use with the 'spawn' start method (the same on Windows and Linux, and safe with the
bot's threads) and ONE worker: both readers live in it, loaded once (RapidOCR adds ~220 MB to it; a
second copy would buy throughput nobody needs at 0.1-0.2 s a photo). The event loop only awaits a
future: ten employees sending photos at once queue in the pool while everyone's messages keep flowing.
Once the worker is warm (started, readers loaded), an answer not ready within ``timeout`` seconds
(queue included) counts as nothing read: the employee is told at once to retake the photo or search
otherwise, instead of waiting. The first photo after a start waits for the worker (a few seconds;
``warm_up`` starts it when the employee presses the photo button).

Errors, as the handlers see them:

- ``RecognitionUnavailable``: the OCR engine or zxing-cpp missing, or the pool cannot start (or its worker
  died). Logged as ONE error line per distinct reason, not one per photo; a later success logs once
  that the search works again. A broken pool is dropped and created afresh on the next photo.
- ``UnreadableImage``: the bytes are not an image (or the engine failed on this one photo).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import importlib
import logging
import multiprocessing
import signal
import sys
from collections.abc import Callable, Collection
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from services.recognition.errors import RecognitionUnavailable, UnreadableImage

__all__ = ["RecognitionUnavailable", "Recognizer", "UnreadableImage", "default_workers"]

log = logging.getLogger(__name__)

PENDING_PER_WORKER = 8  # photos waiting (their bytes held) per worker before callers wait their turn

ExecutorFactory = Callable[[], Executor]


WAIT_S = 2.4  # the employee has the answer within 3 s of sending (download included)...
COLD_WAIT_S = 60.0  # ...once the worker runs: starting it and loading the OCR model take seconds


def default_workers() -> int:
    return 1


def _spawn_pool() -> Executor:
    return ProcessPoolExecutor(
        max_workers=default_workers(),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
    )


# --- run inside the worker process: module-level so 'spawn' can pickle them by name ----------------


def _worker_init() -> None:
    """Ctrl+C reaches the whole console / process group: the bot shuts the workers down itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, None elsewhere (Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _guarded(module: str, function: str, *args: Any) -> list[str]:
    """Call ``module.function(*args)``; anything but our two errors becomes RecognitionUnavailable (a
    library missing) or a plain RuntimeError (third-party exceptions may not unpickle in the bot).

    Afterwards the freed heap goes back to the system: onnxruntime's and OpenCV's buffers for one
    photo otherwise keep the worker ~100 MB above its loaded size (measured: 232 -> 156 MB)."""
    try:
        return _call(module, function, *args)
    finally:
        if (trim := _malloc_trim()) is not None:
            trim(0)


def _call(module: str, function: str, *args: Any) -> list[str]:
    try:
        return getattr(importlib.import_module(module), function)(*args)
    except (RecognitionUnavailable, UnreadableImage):
        raise
    except ImportError as exc:
        raise RecognitionUnavailable(f"recognition library missing: {exc}") from None
    except Exception as exc:
        raise RuntimeError(f"{type(exc).__name__}: {exc}") from None


def _barcodes_job(data: bytes) -> list[str]:
    return _guarded("services.recognition.barcodes", "decode_barcodes", data)


def _plates_job(data: bytes, tesseract_cmd: str, engine: str, known: tuple[str, ...]) -> list[str]:
    return _guarded("services.recognition.plates", "read_plates", data, tesseract_cmd, engine, known)


def _warm_up_job(engine: str) -> None:
    """Pay the imports (cv2, numpy, zxing-cpp, the OCR engine and its model) before the first photo."""
    for module in ("services.recognition.barcodes", "services.recognition.plates", "zxingcpp", "pytesseract"):
        with contextlib.suppress(ImportError):  # a missing one is reported by the real call
            importlib.import_module(module)
    if engine != "tesseract":
        with contextlib.suppress(Exception):
            importlib.import_module("services.recognition.plate_rapid").load()


# --- the service -----------------------------------------------------------------------------------


class Recognizer:
    def __init__(
        self,
        tesseract_cmd: str = "",
        *,
        ocr_engine: str = "",
        timeout: float = WAIT_S,
        executor_factory: ExecutorFactory | None = None,
    ) -> None:
        self._tesseract_cmd = tesseract_cmd
        self._engine = ocr_engine
        self._timeout = timeout
        self._warm = False  # the worker has started and loaded the readers: the timeout applies
        self._factory = executor_factory or _spawn_pool
        self._pool: Executor | None = None
        self._closed = False
        self._pending = asyncio.Semaphore(PENDING_PER_WORKER * default_workers())
        self._unavailable: dict[str, str] = {}  # kind -> the reason already logged

    async def barcodes(self, data: bytes) -> list[str]:
        """Barcodes in the photo, in the order found; [] when none."""
        return await self._run("barcodes", _barcodes_job, data)

    async def plates(self, data: bytes, known: Collection[str] = ()) -> list[str]:
        """Normalized plates in the photo, best first; [] when none. ``known``: the open orders'
        plates, which settle close reads (see services.recognition.plates)."""
        return await self._run("plates", _plates_job, data, self._tesseract_cmd, self._engine, tuple(known))

    def warm_up(self) -> None:
        """Start the workers now (an employee is about to take a photo); never raises."""
        try:
            future = self._executor().submit(_warm_up_job, self._engine)
        except Exception as exc:  # the real call reports it to the user and to ops
            log.debug("Recognition warm-up not started: %s", exc)
            return
        future.add_done_callback(self._warmed)

    async def close(self) -> None:
        """Stop the workers (running jobs finish, queued ones are cancelled). Idempotent."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    # ---------------------------------------------------------------------------------------------

    def _executor(self) -> Executor:
        if self._closed:
            raise RecognitionUnavailable("the recognizer is closed")
        if self._pool is None:
            self._pool = self._factory()
        return self._pool

    async def _run(self, kind: str, job: Callable[..., list[str]], *args: Any) -> list[str]:
        async with self._pending:
            try:
                pool = self._executor()
                future = asyncio.wrap_future(pool.submit(job, *args))
            except RecognitionUnavailable as exc:
                self._report_unavailable(kind, str(exc))
                raise
            except (OSError, RuntimeError) as exc:  # BrokenProcessPool is a RuntimeError too
                self._drop_pool(self._pool)
                reason = f"the recognition pool could not start ({type(exc).__name__}: {exc})"
                self._report_unavailable(kind, reason)
                raise RecognitionUnavailable(reason) from exc
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns an answer that meets a
                # cancel (at shutdown) and swallows the cancel.
                async with asyncio.timeout(self._timeout if self._warm else COLD_WAIT_S):
                    result = await future
            except TimeoutError:
                log.warning(
                    "%s recognition took over %.1f s: answered as nothing read",
                    kind.capitalize(),
                    self._timeout,
                )
                return []
            except RecognitionUnavailable as exc:
                self._report_unavailable(kind, str(exc))
                raise
            except BrokenProcessPool as exc:
                self._drop_pool(pool)
                reason = f"a recognition worker process died ({exc})"
                self._report_unavailable(kind, reason)
                raise RecognitionUnavailable(reason) from exc
            except RuntimeError as exc:  # the engine failed on this one photo (see _guarded)
                log.warning("%s recognition failed on one photo: %s", kind.capitalize(), exc)
                raise UnreadableImage(str(exc)) from exc
        if self._unavailable.pop(kind, None) is not None:
            log.info("%s recognition works again", kind.capitalize())
        self._warm = True
        return result

    def _warmed(self, done: Future) -> None:
        """The warm-up's end (called in the pool's thread): a flag, and its exception retrieved."""
        if not done.cancelled() and done.exception() is None:
            self._warm = True

    def _drop_pool(self, pool: Executor | None) -> None:
        if pool is not None and pool is self._pool:
            self._pool = None
            self._warm = False
            pool.shutdown(wait=False, cancel_futures=True)

    def _report_unavailable(self, kind: str, reason: str) -> None:
        if self._unavailable.get(kind) == reason:
            log.debug("%s recognition still unavailable: %s", kind.capitalize(), reason)
            return
        self._unavailable[kind] = reason
        if kind == "plates" and self._tesseract_cmd:
            reason = f"{reason} (BRANCH_TESSERACT = {self._tesseract_cmd})"
        log.error(
            "%s recognition is unavailable: %s. Employees are offered the calendar and typed search"
            " instead; install requirements.txt (rapidocr, onnxruntime, zxing-cpp), or tesseract and set"
            " BRANCH_TESSERACT when OCR_ENGINE is tesseract.",
            kind.capitalize(),
            reason,
        )
