"""Saving a status message from the admin menu (services/inspection/status_templates.py): the same
checks as reading the file, one section replaced, the rest of the file kept, written atomically."""

from __future__ import annotations

from pathlib import Path

from services.inspection.status_templates import StatusTemplates, parse

STATUSES = {"accepted": "Принят", "ready": "Готов к выдаче"}


async def test_saved_into_its_section_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "status_messages.txt"
    path.write_text("# мой комментарий\n[accepted]\nПринят {order}\n\n# готов\n[ready]\nГотов\n", "utf-8")
    templates = StatusTemplates(path, STATUSES)
    assert await templates.save("ready", "  Готов {plate}\nЖдём!  ") is None
    text = path.read_text("utf-8")
    assert text == "# мой комментарий\n[accepted]\nПринят {order}\n\n# готов\n[ready]\nГотов {plate}\nЖдём!\n"
    assert await templates.template("ready") == "Готов {plate}\nЖдём!"
    assert await templates.message("ready", {"plate": "<1>"}) == "Готов &lt;1&gt;\nЖдём!"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


async def test_a_missing_file_or_section_is_created(tmp_path: Path) -> None:
    path = tmp_path / "status_messages.txt"
    templates = StatusTemplates(path, STATUSES)
    assert await templates.save("accepted", "Принят {order}") is None
    found, problems = parse(path.read_text("utf-8"))
    assert found["accepted"] == "Принят {order}" and "ready" in found and not problems


async def test_what_the_file_would_not_read_back_is_refused_and_nothing_written(tmp_path: Path) -> None:
    path = tmp_path / "status_messages.txt"
    path.write_text("[ready]\nГотов\n", "utf-8")
    templates = StatusTemplates(path, STATUSES)
    bad_ones = ("", "Готов {color}", "Готов {", "Готов {plate!r}", "Готов\n# не комментарий", "a\n[accepted]")
    for bad in bad_ones:
        assert await templates.save("ready", bad) is not None, bad
    assert await templates.save("nonexistent", "Текст") is not None
    assert path.read_text("utf-8") == "[ready]\nГотов\n"
