"""The readers' command lines run as ops and the README run them: ``python -m MODULE FILE...``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_reader(module: str, *files: Path) -> tuple[list[str], str]:
    """(stdout lines, stderr) of ``python -m module files...``, which always exits 0."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0
    return proc.stdout.splitlines(), proc.stderr
