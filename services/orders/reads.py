"""content.txt reads of a whole share with a time budget per folder: a hung SMB server costs the
folder whose read stalls, not the scan (see ContentReaders).
"""

from __future__ import annotations

import threading
import time

from services.orders import content as order_content
from services.orders.content import PROBLEM_UNREADABLE, ContentData

MAX_STUCK = 8  # reads that may hang at once before the share is not read at all


class _Chunk:
    """Reads a run of content.txt files in a daemon thread of its own, reporting progress as it
    goes (a daemon: a read stuck on a hung share never keeps the bot from exiting)."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self.results: dict[str, ContentData] = {}
        self.current = -1  # index being read
        self.since = time.monotonic()  # when that read started
        self.abandoned = False
        self.finished = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> None:
        threading.Thread(target=self._run, name="content-reader", daemon=True).start()

    def _run(self) -> None:
        try:
            for index, path in enumerate(self.paths):
                with self._lock:
                    if self.abandoned:
                        return
                    self.current = index
                    self.since = time.monotonic()
                content = order_content.read_content(path)
                with self._lock:
                    self.results[path] = content
        finally:
            self.finished.set()

    def stalled_for(self) -> float:
        """Seconds the read under way has taken so far."""
        with self._lock:
            return time.monotonic() - self.since

    def abandon(self) -> tuple[dict[str, ContentData], int]:
        """Stop after the read under way; the results so far and the index that is stuck."""
        with self._lock:
            self.abandoned = True
            return dict(self.results), self.current


class ContentReaders:
    """content.txt reads with a time budget per folder: a stalled read (a hung SMB server) costs
    its folder, not the scan. Reads go in runs to a reader thread (one hand-off per run, not per
    file); a run whose current read has taken `budget` seconds is abandoned at that file, which
    is flagged, and the rest of the run goes on in a new thread. A file whose read is still stuck
    from an earlier scan is not read again until that read returns; with MAX_STUCK reads stuck,
    the share is not read at all until one returns."""

    CHUNK = 256

    def __init__(self) -> None:
        self._stuck: dict[str, _Chunk] = {}
        self._lock = threading.Lock()

    def read_all(self, paths: list[str], budget: float) -> dict[str, ContentData]:
        results: dict[str, ContentData] = {}
        queue = self._skip_stuck(paths, results)
        while queue:
            chunk, queue = queue[: self.CHUNK], queue[self.CHUNK :]
            queue = self._read_chunk(chunk, budget, results) + queue
        return results

    def _skip_stuck(self, paths: list[str], results: dict[str, ContentData]) -> list[str]:
        with self._lock:
            self._stuck = {path: c for path, c in self._stuck.items() if not c.finished.is_set()}
            for path in paths:
                if path in self._stuck:
                    results[path] = ContentData(PROBLEM_UNREADABLE, "an earlier read has not finished yet")
        return [path for path in paths if path not in results]

    def _read_chunk(self, paths: list[str], budget: float, results: dict[str, ContentData]) -> list[str]:
        """Read `paths` into `results`; returns the ones left after a stuck read."""
        with self._lock:
            if len(self._stuck) >= MAX_STUCK:
                for path in paths:
                    results[path] = ContentData(PROBLEM_UNREADABLE, "other reads of the share are stuck")
                return []
        chunk = _Chunk(paths)
        chunk.start()
        tick = min(budget, 0.5)
        while not chunk.finished.wait(tick):
            if chunk.stalled_for() >= budget:
                break  # the read under way has had its whole budget: it is stuck
        else:
            results.update(chunk.results)
            for path in paths:  # a reader that failed unexpectedly: retried next scan
                results.setdefault(path, ContentData(PROBLEM_UNREADABLE, "not read"))
            return []
        done, stuck = chunk.abandon()
        results.update(done)
        if stuck < 0:  # the thread never got going (an overloaded machine): retried next scan
            for path in paths:
                results.setdefault(path, ContentData(PROBLEM_UNREADABLE, "no reader started"))
            return []
        results[paths[stuck]] = ContentData(PROBLEM_UNREADABLE, f"no answer within {budget:.0f} s")
        with self._lock:
            self._stuck[paths[stuck]] = chunk
        return paths[stuck + 1 :]
