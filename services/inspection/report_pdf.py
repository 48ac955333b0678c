"""The PDF of an order's report, laid out with fpdf2 (blocking: runs in the report worker process).

`build_pdf(job)` reads the photos (never following a link, share_paths), shrinks each to a small
JPEG with Pillow (JPEG draft mode decodes at 1/2..1/8 scale, so a 12-megapixel photo costs
milliseconds), lays the report out and writes it atomically: a temporary `.tmp` name in the order
folder, then a rename. Everything it needs comes in the picklable `ReportJob`; it reads no database.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from fpdf import FPDF

import texts
from services.share_paths import check_dir, read_regular

THUMB_PX = 360  # long side of a thumbnail: sharp at 60 mm wide, ~15 KB as JPEG
THUMB_QUALITY = 70
PHOTO_READ_CAP = 60 * 1024 * 1024  # a photo larger than this is listed, not drawn
COLUMNS = 3
GAP = 4.0  # mm between thumbnails
BOX_H = 45.0  # mm: the thumbnail's box
CAPTION_H = 11.0  # mm under it: the mark and two short lines of note
NOTE_CHARS = 80

# The three condition marks (migration 0010): fill colour and the colour of the word.
MARK_COLOURS = {"ok": (46, 160, 67), "soon": (240, 180, 0), "now": (214, 39, 40)}
MARK_TEXT_COLOURS = {"ok": (30, 120, 50), "soon": (160, 110, 0), "now": (180, 20, 20)}


@dataclass(frozen=True, slots=True)
class FileView:
    rel_path: str  # inside BRANCH_PHOTO, '/' separators
    kind: str  # photo | video | document
    mark: str | None
    note: str
    caption: str

    @property
    def name(self) -> str:
        return PurePosixPath(self.rel_path).name


@dataclass(frozen=True, slots=True)
class StageView:
    label: str  # the TYPE_ORDER label, never the folder name
    files: tuple[FileView, ...]


@dataclass(frozen=True, slots=True)
class StatusView:
    label: str
    who: str
    at: float


@dataclass(frozen=True, slots=True)
class RecommendationView:
    title: str
    reason: str
    price: int  # kopecks: the price the owner decided on, else the current one
    decision: str | None  # approved | declined | None
    who: str
    at: float | None
    photos: int


@dataclass(frozen=True, slots=True)
class ReportJob:
    root: str  # BRANCH_PHOTO
    order_number: str  # the order folder's name
    file_name: str  # the report's name inside the order folder
    font: str  # a TTF with Cyrillic
    bold_font: str | None
    organization: str
    plate: str
    phone: str  # already masked
    status: str  # the current status's label, "" when none was set
    generated_at: float
    statuses: tuple[StatusView, ...]
    stages: tuple[StageView, ...]
    recommendations: tuple[RecommendationView, ...]


@dataclass(frozen=True, slots=True)
class BuiltReport:
    path: str
    pages: int
    photos: int  # thumbnails drawn
    size: int  # bytes


def stamp(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%d.%m.%Y %H:%M")


def money(kopecks: int) -> str:
    """12345678 -> '123 456,78 руб.' (a thin space would be missing from some fonts: a plain one)."""
    rubles, kop = divmod(kopecks, 100)
    return f"{rubles:,}".replace(",", " ") + f",{kop:02d} руб."


def thumbnail(data: bytes) -> tuple[bytes, int, int]:
    """A small JPEG of a photo, turned upright by its EXIF orientation: (jpeg, width, height)."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (THUMB_PX, THUMB_PX))  # JPEG: decode at the smallest scale still big enough
        small = ImageOps.exif_transpose(image).convert("RGB")
        small.thumbnail((THUMB_PX, THUMB_PX))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=THUMB_QUALITY, optimize=True)
        return out.getvalue(), small.width, small.height


class _Pdf(FPDF):
    def __init__(self, job: ReportJob) -> None:
        super().__init__(format="A4")
        self.job = job
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=14)
        self.add_font("body", "", job.font)
        self.add_font("body", "B", job.bold_font or job.font)
        self._glyphs: set[int] = set()

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("body", "", 7)
        self.set_text_color(120, 120, 120)
        line = texts.report_pdf_footer(self.job.order_number, self.page_no())
        self.cell(0, 5, self.clean(line), align="C")

    def clean(self, text: str) -> str:
        """Characters the font lacks (emoji in a note) are dropped rather than drawn as boxes."""
        if not self._glyphs:
            self.set_font("body", "", 10)
            self._glyphs = set(self.current_font.cmap)
        return "".join(ch if ord(ch) in self._glyphs or ch == "\n" else "" for ch in text)


def build_pdf(job: ReportJob) -> BuiltReport:
    """Lay the report out and write it into the order folder (blocking). OSError when the order
    folder is gone or unsafe (a link), or the disk refuses."""
    root = Path(job.root)
    check_dir(root, job.order_number)
    pdf = _Pdf(job)
    pdf.set_title(pdf.clean(texts.report_pdf_title(job.order_number)))
    pdf.set_author(pdf.clean(job.organization))
    pdf.set_creator("dealer-bot")
    pdf.add_page()
    _header(pdf, job)
    _statuses(pdf, job.statuses)
    photos = sum(_stage(pdf, root, stage) for stage in job.stages)
    if not job.stages:
        _line(pdf, texts.REPORT_PDF_NO_FILES)
    _recommendations(pdf, job.recommendations)
    data = bytes(pdf.output())
    target = root / job.order_number / job.file_name
    _write_atomically(target, data)
    return BuiltReport(str(target), pdf.page_no(), photos, len(data))


REPLACE_PAUSES_S = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # about 6 s: an upload of the old report ends


def _write_atomically(target: Path, data: bytes, pauses: Sequence[float] = REPLACE_PAUSES_S) -> None:
    for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a crash mid-write: ours to remove
        with contextlib.suppress(OSError):  # one still open (Windows) goes at a later build
            stale.unlink(missing_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")  # hidden and temporary: never a material
    try:
        with open(temp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _replace(temp, target, pauses)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _replace(temp: Path, target: Path, pauses: Sequence[float]) -> None:
    """Rename over the old report. On Windows that fails while the old one is open (the outbox is
    uploading it to someone): the old file stays whole and the rename is tried again shortly (this runs
    in the worker, never on the event loop). Still refused after the pauses: the OSError is raised."""
    for pause in (*pauses, None):
        try:
            os.replace(temp, target)
            return
        except PermissionError:
            if pause is None:
                raise
            time.sleep(pause)


# --- parts of the page ----------------------------------------------------------------------------


def _heading(pdf: _Pdf, text: str, size: float = 13, keep: float = 20) -> None:
    """A section title; a new page first when `keep` mm of what follows would not fit under it."""
    if pdf.get_y() + 12 + keep > pdf.page_break_trigger:  # a heading never ends a page alone
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("body", "B", size)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, 7, pdf.clean(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(180, 180, 180)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1.5)


def _line(pdf: _Pdf, text: str, size: float = 10, bold: bool = False) -> None:
    pdf.set_font("body", "B" if bold else "", size)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, size * 0.5, pdf.clean(text), new_x="LMARGIN", new_y="NEXT")


def _header(pdf: _Pdf, job: ReportJob) -> None:
    pdf.set_font("body", "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 5, pdf.clean(job.organization), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", "B", 17)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, 9, pdf.clean(texts.report_pdf_title(job.order_number)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    for label, value in texts.report_pdf_facts(job.plate, job.phone, job.status, stamp(job.generated_at)):
        pdf.set_font("body", "B", 10)
        pdf.cell(42, 6, pdf.clean(label))
        pdf.set_font("body", "", 10)
        pdf.multi_cell(0, 6, pdf.clean(value), new_x="LMARGIN", new_y="NEXT")


def _statuses(pdf: _Pdf, statuses: tuple[StatusView, ...]) -> None:
    _heading(pdf, texts.REPORT_PDF_STATUSES)
    if not statuses:
        _line(pdf, texts.REPORT_PDF_NO_STATUSES)
        return
    for status in statuses:
        pdf.set_font("body", "", 10)
        pdf.cell(34, 6, stamp(status.at))
        pdf.set_font("body", "B", 10)
        pdf.cell(60, 6, pdf.clean(status.label))
        pdf.set_font("body", "", 10)
        pdf.multi_cell(0, 6, pdf.clean(status.who), new_x="LMARGIN", new_y="NEXT")


def _mark(pdf: _Pdf, mark: str | None, x: float, y: float) -> float:
    """A coloured dot and the mark's word at (x, y); returns the x after it."""
    if mark not in MARK_COLOURS:
        return x
    pdf.set_fill_color(*MARK_COLOURS[mark])
    pdf.ellipse(x, y + 0.9, 3.2, 3.2, style="F")
    pdf.set_xy(x + 4.2, y)
    pdf.set_font("body", "B", 8)
    pdf.set_text_color(*MARK_TEXT_COLOURS[mark])
    word = texts.REPORT_PDF_MARKS[mark]
    pdf.cell(pdf.get_string_width(word) + 1, 5, word)
    pdf.set_text_color(0, 0, 0)
    return pdf.get_x() + 1


def _stage(pdf: _Pdf, root: Path, stage: StageView) -> int:
    """One stage: its photos three to a row, then its videos and documents by name."""
    listed: list[tuple[FileView, str]] = []
    thumbs: list[tuple[FileView, tuple[bytes, int, int]]] = []
    for file in stage.files:
        if file.kind != "photo":
            listed.append((file, texts.REPORT_PDF_KINDS.get(file.kind, file.kind)))
            continue
        try:
            thumbs.append((file, thumbnail(read_regular(root / file.rel_path, PHOTO_READ_CAP))))
        except Exception:  # gone, a link, too big, not an image Pillow reads: named in the list instead
            listed.append((file, texts.REPORT_PDF_UNREADABLE_PHOTO))
    _heading(pdf, stage.label, keep=BOX_H + CAPTION_H if thumbs else 10)
    width = (pdf.epw - GAP * (COLUMNS - 1)) / COLUMNS
    for start in range(0, len(thumbs), COLUMNS):
        if pdf.get_y() + BOX_H + CAPTION_H > pdf.page_break_trigger:
            pdf.add_page()
        top = pdf.get_y()
        for column, (file, thumb) in enumerate(thumbs[start : start + COLUMNS]):
            _thumbnail(pdf, file, thumb, pdf.l_margin + column * (width + GAP), top, width)
        pdf.set_xy(pdf.l_margin, top + BOX_H + CAPTION_H + 2)
    for file, kind in listed:
        _listed_file(pdf, file, kind)
    return len(thumbs)


def _thumbnail(
    pdf: _Pdf, file: FileView, thumb: tuple[bytes, int, int], x: float, y: float, width: float
) -> None:
    data, px_w, px_h = thumb
    scale = min(width / px_w, BOX_H / px_h)
    w, h = px_w * scale, px_h * scale
    pdf.image(io.BytesIO(data), x + (width - w) / 2, y + (BOX_H - h) / 2, w, h)
    after = _mark(pdf, file.mark, x, y + BOX_H + 0.5)
    note = file.note or file.caption
    if len(note) > NOTE_CHARS:
        note = note[: NOTE_CHARS - 1] + "…"
    pdf.set_font("body", "", 7)
    if file.mark is None:
        note = note or file.name
        after = x
    pdf.set_xy(after, y + BOX_H + 0.5)
    pdf.multi_cell(x + width - after, 3.4, pdf.clean(note), max_line_height=3.4)


def _listed_file(pdf: _Pdf, file: FileView, kind: str) -> None:
    pdf.set_font("body", "", 9)
    pdf.set_text_color(0, 0, 0)
    pdf.cell(pdf.get_string_width(f"• {kind}: ") + 1, 5, pdf.clean(f"• {kind}: "))
    pdf.set_font("body", "B", 9)
    pdf.cell(pdf.get_string_width(pdf.clean(file.name)) + 2, 5, pdf.clean(file.name))
    after = _mark(pdf, file.mark, pdf.get_x() + 1, pdf.get_y())
    note = file.note or file.caption
    pdf.set_font("body", "", 8)
    pdf.set_xy(after, pdf.get_y())
    pdf.multi_cell(0, 5, pdf.clean(note), new_x="LMARGIN", new_y="NEXT")


def _recommendations(pdf: _Pdf, items: tuple[RecommendationView, ...]) -> None:
    _heading(pdf, texts.REPORT_PDF_RECOMMENDATIONS)
    if not items:
        _line(pdf, texts.REPORT_PDF_NO_RECOMMENDATIONS)
        return
    totals = {"approved": 0, "declined": 0, None: 0}
    for number, item in enumerate(items, 1):
        totals[item.decision] += item.price
        _line(pdf, f"{number}. {item.title} — {money(item.price)}", 10, bold=True)
        if item.reason:
            _line(pdf, item.reason, 9)
        if item.photos:
            _line(pdf, texts.report_pdf_linked_photos(item.photos), 8)
        decision = texts.report_pdf_decision(item.decision, item.who, stamp(item.at) if item.at else "")
        colour = {"approved": "ok", "declined": "now"}.get(item.decision or "", "soon")
        pdf.set_font("body", "B", 9)
        pdf.set_text_color(*MARK_TEXT_COLOURS[colour])
        pdf.multi_cell(0, 5, pdf.clean(decision), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1)
    pdf.ln(1)
    for label, key in texts.REPORT_PDF_TOTALS:
        pdf.set_font("body", "B", 10)
        pdf.cell(60, 6, pdf.clean(label))
        pdf.set_font("body", "", 10)
        pdf.cell(0, 6, money(totals[key]), new_x="LMARGIN", new_y="NEXT")
