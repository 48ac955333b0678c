"""The report worker's failure paths (services/inspection/report.py, report_pdf.py): a build that
timed out ends its worker process; a rename refused while the old report is uploading is retried and
the old report stays whole meanwhile."""

from __future__ import annotations

import os
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest

from config import Settings
from database.connection import Database
from database.orders import Order
from services.inspection import report, report_pdf
from services.inspection.report import ReportUnavailable, report_name
from tests.unit.report_builders import hang_or_build
from tests.unit.test_report import NUMBER, db, order, service, settings  # noqa: F401 (fixtures)


async def test_a_timed_out_build_ends_its_worker_and_the_next_build_gets_a_new_one(
    db: Database,  # noqa: F811
    settings: Settings,  # noqa: F811
    order: Order,  # noqa: F811
) -> None:
    pools: list[Executor] = []
    workers: list[BaseProcess] = []

    def warm_pool() -> Executor:
        """The bot's own spawn pool, its worker up before the build's timeout starts counting."""
        pool = report._spawn_pool()
        pool.submit(os.getpid).result(timeout=120)
        assert isinstance(pool, ProcessPoolExecutor)
        workers.extend(pool._processes.values())  # the worker that will hang
        pools.append(pool)
        return pool

    hang = settings.branch_photo / NUMBER / ".hang"
    hang.write_bytes(b"")
    reports = service(db, settings, factory=warm_pool, builder=hang_or_build, build_timeout=1.0)
    try:
        with pytest.raises(ReportUnavailable) as caught:
            await reports.build(order)
        assert not caught.value.font_missing
        assert workers and not any(worker.is_alive() for worker in workers), "the hung worker was ended"

        hang.unlink()
        reports._timeout = 120.0  # the next build is a real one, on a machine that may be busy
        built = await reports.build(order)
    finally:
        await reports.close()
    assert Path(built.path).name == report_name(NUMBER) and built.photos == 6
    assert len(pools) == 2, "a new worker for the next build"


def test_a_refused_rename_is_retried_and_the_old_report_stays_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / report_name(NUMBER)
    target.write_bytes(b"old report")
    real_replace = os.replace
    refusals = iter([True, True])  # Windows: the outbox is uploading the old one

    def replace(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        if next(refusals, False):
            assert target.read_bytes() == b"old report"
            raise PermissionError(13, "The process cannot access the file")
        real_replace(src, dst)

    monkeypatch.setattr(report_pdf.os, "replace", replace)
    report_pdf._write_atomically(target, b"new report", pauses=(0, 0, 0))
    assert target.read_bytes() == b"new report"
    assert [p.name for p in tmp_path.iterdir()] == [target.name], "no temporary file left"


def test_a_rename_refused_for_good_fails_and_keeps_the_old_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / report_name(NUMBER)
    target.write_bytes(b"old report")

    def replace(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(report_pdf.os, "replace", replace)
    with pytest.raises(PermissionError):
        report_pdf._write_atomically(target, b"new report", pauses=(0, 0))
    assert target.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
