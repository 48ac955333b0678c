"""A stand-in report builder for the worker tests: picklable (module level) and cheap to import in a
spawned worker. It hangs, as a build on a dead share would, while `.hang` is in the order folder."""

from __future__ import annotations

import time
from pathlib import Path

from services.inspection.report_pdf import BuiltReport, ReportJob, build_pdf


def hang_or_build(job: ReportJob) -> BuiltReport:
    if (Path(job.root) / job.order_number / ".hang").exists():
        time.sleep(60)  # ended by the bot long before (the test waits 1 s)
    return build_pdf(job)
