"""requirements.lock / requirements-dev.lock: made from the current requirements*.txt, every package
pinned to one version with hashes (scripts/lock.sh regenerates them; scripts/setup.sh installs them)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PINNED = re.compile(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)")


def _sources_hash() -> str:
    data = b"".join((ROOT / name).read_bytes() for name in ("requirements.txt", "requirements-dev.txt"))
    return hashlib.sha256(data).hexdigest()


def _pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if match := PINNED.match(line):
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_lock_matches_the_requirements_it_was_made_from(lock: str) -> None:
    text = (ROOT / lock).read_text(encoding="utf-8")
    assert f"# source-sha256: {_sources_hash()}" in text.splitlines(), (
        f"{lock} is stale: run `bash scripts/lock.sh` and commit the .lock files"
    )


@pytest.mark.parametrize(
    ("source", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_every_requirement_is_pinned_to_its_version_with_hashes(source: str, lock: str) -> None:
    pins = _pins(ROOT / lock)
    for line in (ROOT / source).read_text(encoding="utf-8").splitlines():
        if match := PINNED.match(line.strip()):
            name = match.group(1).lower().replace("_", "-")
            assert pins.get(name) == match.group(2), f"{name} in {source} vs {lock}"
    blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text(encoding="utf-8"))
    for block in blocks:
        if PINNED.match(block):
            assert "--hash=sha256:" in block, block.splitlines()[0]
