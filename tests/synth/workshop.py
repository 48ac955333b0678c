"""Workshop-like photos in named conditions, split into a tuning range and a held-out range.

``sample_set(kind, split, n, out_dir)`` writes ``n`` photos of ``kind`` ("plates" or "barcodes") and
returns ``[Sample(path, expected codes, condition)]``; sample ``i`` is drawn from seed
``SPLITS[split] + i`` and condition ``i % len(conditions)``, so every photo is reproducible alone.

The two splits differ in more than the seed: the held-out split uses other plate typefaces (slanted,
serif, stroked regular weights), other colours, wider condition parameters (yaw to 38 degrees, heavier
fog and blur, smaller plates and modules). Nothing that tunes the readers may read the held-out split:
``bench/recognition.py --split tune`` is the tuning loop, ``--split heldout`` only reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from tests.synth.encoders import bits_to_widths, code128_modules, ean13_bits, ean13_check_digit
from tests.synth.render import _barcode_image, _clutter, _gradient, font, random_plate

__all__ = ["BARCODE_CONDITIONS", "PLATE_CONDITIONS", "SPLITS", "Sample", "sample_set"]

SPLITS = {"tune": 10_000, "heldout": 7_000_000}  # first seed of each split; never overlapping

PLATE_CONDITIONS = (
    "street",
    "service_bay",
    "yaw",
    "night_flash",
    "dirt",
    "dealer_frame",
    "fog",
    "motion_blur",
    "small",
    "messenger_jpeg",
    "rolling_shutter",
    "screen_moire",
    "no_plate",  # a car and adverts with phone numbers, but no plate: any answer is a false plate
)
BARCODE_CONDITIONS = (
    "angle",
    "curved",
    "crumpled",
    "glare",
    "shadow",
    "low_light",
    "two_codes",
    "tiny",
    "rotated",
    "messenger_jpeg",
    "screen_moire",
)


@dataclass(frozen=True)
class Sample:
    path: Path
    expected: tuple[str, ...]  # plates: the normalized plate or (); barcodes: every code on the sheet
    condition: str


@dataclass(frozen=True)
class _Style:
    plate_fonts: tuple[str, ...]
    stroke: tuple[int, int]  # extra glyph stroke in px at 2 px/mm
    squeeze: tuple[float, float]  # glyph height share of the plate's text box
    yaw: tuple[float, float]  # degrees, in the "yaw" condition
    fog: tuple[float, float]
    blur: tuple[float, float]  # motion blur length, px
    small: tuple[int, int]  # plate width in px, "small" condition
    module: tuple[float, float]  # photo pixels per barcode module, "tiny" condition
    sheet_font: str


_STYLES = {
    "tune": _Style(
        plate_fonts=("DejaVuSansCondensed-Bold.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono-Bold.ttf"),
        stroke=(0, 1),
        squeeze=(0.9, 1.0),
        yaw=(15, 32),
        fog=(0.25, 0.5),
        blur=(4, 9),
        small=(95, 130),
        module=(1.4, 1.8),
        sheet_font="DejaVuSans.ttf",
    ),
    "heldout": _Style(
        plate_fonts=(
            "DejaVuSansCondensed-BoldOblique.ttf",
            "DejaVuSerifCondensed-Bold.ttf",
            "DejaVuSansCondensed.ttf",
            "DejaVuSansMono.ttf",
        ),
        stroke=(1, 3),
        squeeze=(0.82, 0.98),
        yaw=(20, 38),
        fog=(0.3, 0.6),
        blur=(5, 12),
        small=(85, 120),
        module=(1.3, 1.7),
        sheet_font="DejaVuSerif.ttf",
    ),
}

_ADVERTS = (
    "АВТОЦЕНТР +375 29 611-22-33",
    "AUTO-MIX.BY  +375 44 700-70-70",
    "ATLANT-M  8 017 200-00-00",
    "КРЕДИТ ЛИЗИНГ +375 33 123-45-67",
    "TOYOTA CENTER MINSK",
    "ВАШ ДИЛЕР 7799",
)


def sample_set(kind: str, split: str, n: int, out_dir: Path | str, start: int = 0) -> list[Sample]:
    """``n`` photos of ``kind`` from ``split`` (samples ``start .. start + n - 1``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    style = _STYLES[split]
    conditions = PLATE_CONDITIONS if kind == "plates" else BARCODE_CONDITIONS
    samples = []
    for i in range(start, start + n):
        condition = conditions[i % len(conditions)]
        rng = np.random.default_rng(SPLITS[split] + i)
        if kind == "plates":
            image, expected = plate_photo(rng, style, condition)
        else:
            image, expected = sheet_photo(rng, style, condition)
        quality = int(rng.integers(55, 93))
        if condition == "messenger_jpeg":
            image, quality = _messenger(rng, image), int(rng.integers(38, 60))
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        path = out / f"{kind}_{split}_{i:04d}_{condition}.jpg"
        path.write_bytes(buf.tobytes())
        samples.append(Sample(path, expected, condition))
    return samples


# ------------------------------------------------------------------------------------------ plates


def _plate_image(rng: np.random.Generator, style: _Style, text: str, condition: str) -> Image.Image:
    """A 520x112 mm plate at 2 px/mm in one of the split's typefaces, with wear."""
    m = 2.0
    w, h = int(520 * m), int(112 * m)
    shade = int(rng.integers(215, 256))
    img = Image.new("RGB", (w, h), (shade, shade, max(0, shade - int(rng.integers(0, 25)))))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((3, 3, w - 3, h - 3), radius=10, outline=(15, 15, 15), width=5)
    fx0, fy0 = 16, 28
    d.rectangle((fx0, fy0, fx0 + 68, fy0 + 30), fill=(200, 30, 40))
    d.rectangle((fx0, fy0 + 30, fx0 + 68, fy0 + 46), fill=(40, 140, 60))
    d.text((fx0 + 34, 136), "BY", font=font(44), fill=(20, 20, 20), anchor="mm")
    f = font(160, str(rng.choice(style.plate_fonts)))
    stroke = int(rng.integers(style.stroke[0], style.stroke[1] + 1))
    left, top, right, bottom = f.getbbox(text, stroke_width=stroke)
    txt = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(txt).text(
        (4 - left, 4 - top), text, font=f, fill=255, stroke_width=stroke, stroke_fill=255
    )
    glyph_h = int(132 * rng.uniform(*style.squeeze))
    txt = txt.resize((int(464 * m * rng.uniform(0.93, 1.0)), glyph_h), Image.LANCZOS)
    img.paste(Image.new("RGB", txt.size, (10, 10, 10)), (96, (h - glyph_h) // 2), txt)
    arr = np.asarray(img).astype(np.float32)
    if condition == "dirt" or rng.random() < 0.25:
        arr = _dirt(rng, arr, heavy=condition == "dirt")
    if rng.random() < 0.4:  # screws
        for fx in (rng.uniform(0.25, 0.4), rng.uniform(0.62, 0.8)):
            c = (int(fx * w), int(h * rng.uniform(0.35, 0.65)))
            cv2.circle(arr, c, int(rng.integers(7, 11)), (150, 150, 150), -1, cv2.LINE_AA)
            cv2.circle(arr, c, int(rng.integers(7, 11)), (40, 40, 40), 2, cv2.LINE_AA)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _dirt(rng: np.random.Generator, arr: np.ndarray, heavy: bool) -> np.ndarray:
    h, w = arr.shape[:2]
    dirt = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(4, 12) if heavy else rng.integers(2, 5))):
        cv2.ellipse(
            dirt,
            (int(rng.integers(0, w)), int(rng.integers(h // 4, h))),
            (int(rng.uniform(20, 140)), int(rng.uniform(8, 40))),
            rng.uniform(0, 180),
            0,
            360,
            float(rng.uniform(0.2, 0.55 if heavy else 0.35)),
            -1,
        )
    dirt = cv2.GaussianBlur(dirt, (0, 0), 8)
    specks = (rng.random((h, w)) < (0.01 if heavy else 0.003)).astype(np.float32)
    dirt = np.clip(dirt + cv2.GaussianBlur(specks, (0, 0), 1.2) * 3, 0, 0.65)[..., None]
    return arr * (1 - dirt) + np.float32([90, 75, 55]) * dirt


def _frame(rng: np.random.Generator, plate: Image.Image) -> Image.Image:
    """A dealer's plate frame: a coloured border with an advert and a phone number above and below."""
    pw, ph = plate.size
    band = int(ph * rng.uniform(0.28, 0.4))
    colour = tuple(int(c) for c in rng.choice([[15, 15, 15], [180, 180, 185], [20, 40, 120], [120, 20, 20]]))
    ink = (235, 235, 235) if sum(colour) < 300 else (20, 20, 20)
    out = Image.new("RGB", (pw + 2 * band // 3, ph + 2 * band), colour)
    out.paste(plate, (band // 3, band))
    d = ImageDraw.Draw(out)
    top, bottom = rng.choice(len(_ADVERTS), 2, replace=False)
    f = font(int(band * 0.62))
    d.text((out.width // 2, band // 2), _ADVERTS[top], font=f, fill=ink, anchor="mm")
    d.text((out.width // 2, out.height - band // 2), _ADVERTS[bottom], font=f, fill=ink, anchor="mm")
    return out


def _project(w: float, h: float, yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Corners of a w x h rectangle turned by yaw/pitch/roll (degrees), seen by a pinhole camera."""
    a, b, c = np.deg2rad([yaw, pitch, roll])
    ry = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    pts = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]])
    pts = pts @ (rz @ rx @ ry).T
    f = 1.6 * w
    z = pts[:, 2] + f
    return np.float32(np.stack([pts[:, 0] * f / z, pts[:, 1] * f / z], axis=1))


def _background(rng: np.random.Generator, w: int, h: int, condition: str, split: str) -> np.ndarray:
    bg = np.zeros((h, w, 3), np.uint8)
    if condition == "service_bay":  # dim grey hall, lifts, strip lights
        bg[:] = rng.integers(50, 110)
        for _ in range(int(rng.integers(2, 5))):
            x = int(rng.integers(0, w))
            cv2.rectangle(bg, (x, int(h * 0.2)), (x + w // 30, h), (30, 60, 160), -1)
        for _ in range(int(rng.integers(1, 4))):
            y = int(rng.integers(0, h // 5))
            cv2.rectangle(
                bg, (int(rng.integers(0, w // 2)), y), (int(rng.integers(w // 2, w)), y + 8), (250,) * 3, -1
            )
    else:
        palette = [80, 200] if split == "tune" else [40, 230]
        bg[:] = rng.integers(*palette, 3)
    bg = (bg.astype(np.float32) * _gradient(h, w, rng, 0.55, 1.25)).clip(0, 255).astype(np.uint8)
    _clutter(bg, rng, int(rng.integers(8, 25)))
    return bg


def plate_photo(
    rng: np.random.Generator, style: _Style, condition: str
) -> tuple[np.ndarray, tuple[str, ...]]:
    split = "tune" if style is _STYLES["tune"] else "heldout"
    w = int(rng.choice([1280, 1280, 1600, 2000, 960]))
    h = int(w * rng.choice([0.75, 0.5625, 1.333]))
    scene = _background(rng, w, h, condition, split)
    # the car: body, glass, lights, bumper
    body = tuple(int(c) for c in rng.integers(0, 256, 3))
    cw, cx = int(w * rng.uniform(0.55, 0.95)), int(w / 2 + rng.uniform(-0.15, 0.15) * w)
    ch = int(cw * rng.uniform(0.45, 0.7))
    x0, y0 = cx - cw // 2, int(h * rng.uniform(0.45, 0.7)) - ch // 2
    cv2.rectangle(scene, (x0, y0 + ch // 5), (x0 + cw, y0 + ch), body, -1)
    cv2.ellipse(scene, (cx, y0 + ch // 5), (int(cw * 0.42), ch // 4), 0, 180, 360, body, -1)
    for sx in (-1, 1):
        cv2.ellipse(
            scene,
            (cx + sx * int(cw * 0.36), y0 + int(ch * 0.38)),
            (cw // 11, ch // 16),
            0,
            0,
            360,
            (240,) * 3,
            -1,
        )
    cv2.rectangle(
        scene,
        (x0, y0 + int(ch * 0.6)),
        (x0 + cw, y0 + int(ch * 0.85)),
        tuple(max(0, c - 40) for c in body),
        -1,
    )
    expected: tuple[str, ...] = ()
    if condition == "no_plate":  # a frame with an advert (and phone numbers) where the plate would be
        blank = Image.new("RGB", (1040, 224), tuple(int(c) for c in rng.integers(0, 256, 3)))
        ImageDraw.Draw(blank).text(
            (520, 112), str(rng.choice(_ADVERTS)), font=font(70), fill=(20, 20, 20), anchor="mm"
        )
        plate = blank
    else:
        printed, normalized = random_plate(rng)
        expected = (normalized,)
        plate = _plate_image(rng, style, printed, condition)
        if condition == "dealer_frame" or rng.random() < 0.15:
            plate = _frame(rng, plate)
    src = cv2.cvtColor(np.asarray(plate), cv2.COLOR_RGB2BGR)
    if condition == "small":
        pw = int(rng.integers(*style.small)) * w // 1280
    else:
        pw = int(max(130 * w / 1280, cw * rng.uniform(0.25, 0.45)))
    pw = int(pw * plate.width / 1040)  # a frame makes the whole thing wider than the plate
    yaw = rng.uniform(*style.yaw) * rng.choice([-1, 1]) if condition == "yaw" else rng.uniform(-12, 12)
    quad = _project(pw, pw * plate.height / plate.width, yaw, rng.uniform(-12, 12), rng.uniform(-7, 7))
    quad += np.float32([cx + rng.uniform(-0.1, 0.1) * cw, y0 + ch * rng.uniform(0.66, 0.78)])
    sh, sw = src.shape[:2]
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]]), quad)
    warped = cv2.warpPerspective(src, m, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((sh, sw), 255, np.uint8), m, (w, h))
    if condition == "night_flash":
        warped = cv2.addWeighted(warped, 1.0, np.full_like(warped, 20), 0, 0)
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    scene = (scene * (1 - alpha) + warped * alpha).astype(np.float32)
    scene = _conditions(rng, style, condition, scene, mask)
    return np.clip(scene, 0, 255).astype(np.uint8), expected


def _conditions(
    rng: np.random.Generator, style: _Style, condition: str, img: np.ndarray, plate_mask: np.ndarray | None
) -> np.ndarray:
    """The photographic condition, then the usual sensor noise and optics (float BGR in and out)."""
    h, w = img.shape[:2]
    if condition == "night_flash":  # dark scene, the reflective plate lit by the flash, a glare spot
        lit = cv2.GaussianBlur(
            (plate_mask if plate_mask is not None else np.zeros((h, w), np.uint8)).astype(np.float32) / 255,
            (0, 0),
            3,
        )
        img = img * (rng.uniform(0.12, 0.3) + 0.75 * lit[..., None])
        ys, xs = np.nonzero(plate_mask) if plate_mask is not None else ([h // 2], [w // 2])
        i = int(rng.integers(0, len(xs)))
        glare = np.zeros((h, w), np.float32)
        r = max(6, int((xs.max() - xs.min()) * rng.uniform(0.05, 0.12))) if len(xs) > 1 else 20
        cv2.circle(glare, (int(xs[i]), int(ys[i])), r, 1.0, -1)
        glare = cv2.GaussianBlur(glare, (0, 0), r * 0.8)
        img = img * (1 - glare[..., None]) + 255 * glare[..., None]
        img += rng.normal(0, rng.uniform(6, 14), img.shape)
    elif condition == "low_light":
        img = img * rng.uniform(0.22, 0.4) + rng.normal(0, rng.uniform(5, 10), img.shape)
    elif condition == "fog":
        a = rng.uniform(*style.fog)
        img = cv2.GaussianBlur(img * (1 - a) + rng.uniform(170, 220) * a, (0, 0), 1.2)
    elif condition == "motion_blur":
        k = int(rng.uniform(*style.blur)) | 1
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(-30, 30), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (k, k))
        img = cv2.filter2D(img, -1, kernel / max(1e-6, kernel.sum()))
    elif condition == "rolling_shutter":  # the phone moved while the rows were read out
        shift = rng.uniform(0.03, 0.08) * w * rng.choice([-1, 1])
        wobble = rng.uniform(0, 6)
        ys = np.arange(h, dtype=np.float32)
        dx = shift * ys / h + wobble * np.sin(ys / h * rng.uniform(4, 12))
        map_x = (np.arange(w, dtype=np.float32)[None, :] - dx[:, None]).astype(np.float32)
        map_y = np.repeat(ys[:, None], w, axis=1)
        img = cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    elif condition == "screen_moire":  # the photo shown on a monitor and photographed
        img = _screen(rng, img)
    elif condition == "glare":
        glare = np.zeros((h, w), np.float32)
        cv2.ellipse(
            glare,
            (int(rng.integers(w // 4, 3 * w // 4)), int(rng.integers(h // 4, 3 * h // 4))),
            (int(w * rng.uniform(0.05, 0.15)), int(h * rng.uniform(0.03, 0.08))),
            rng.uniform(0, 180),
            0,
            360,
            float(rng.uniform(0.5, 0.8)),
            -1,
        )
        glare = cv2.GaussianBlur(glare, (0, 0), w * 0.02)[..., None]
        img = img * (1 - glare) + 255 * glare
    elif condition == "shadow":  # a hard-edged shadow (the phone, a hand) across part of the sheet
        pts = np.int32([[0, int(rng.integers(0, h))], [w, int(rng.integers(0, h))], [w, h], [0, h]])
        shadow = np.zeros((h, w), np.float32)
        cv2.fillPoly(shadow, [pts], 1.0)
        shadow = cv2.GaussianBlur(shadow, (0, 0), rng.uniform(2, 12))[..., None]
        img = img * (1 - rng.uniform(0.4, 0.65) * shadow)
    if condition not in ("motion_blur", "fog") and rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.1))
    img = img * _gradient(h, w, rng, rng.uniform(0.7, 1.0), rng.uniform(0.95, 1.1))
    return img + rng.normal(0, rng.uniform(1.5, 6), img.shape)


def _screen(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Subpixel stripes of a monitor resampled by the camera at a slight angle: moire, gamma, glow."""
    h, w = img.shape[:2]
    up = cv2.resize(img, (w * 3, h * 3), interpolation=cv2.INTER_NEAREST)
    mask = np.zeros((h * 3, w * 3, 3), np.float32)
    for ch in range(3):
        mask[:, 2 - ch :: 3, ch] = 1.0  # BGR order, R G B subpixels left to right
    mask[2::3, :, :] *= 0.55  # the gap between pixel rows
    up = up * (0.35 + 0.65 * mask)
    angle, scale = rng.uniform(-4, 4), rng.uniform(0.3, 0.36)
    m = cv2.getRotationMatrix2D((w * 1.5, h * 1.5), angle, scale)
    m[0, 2] += w / 2 - w * 1.5
    m[1, 2] += h / 2 - h * 1.5
    out = cv2.warpAffine(up, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(30, 30, 30))
    out = 255 * (np.clip(out, 0, 255) / 255) ** rng.uniform(0.8, 1.2) * rng.uniform(1.3, 1.7)
    return out


def _messenger(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Forwarded through a messenger: downscaled to <= 1280 px and JPEG-compressed twice."""
    h, w = img.shape[:2]
    scale = min(1.0, float(rng.choice([1280, 1024, 960])) / max(h, w))
    img = cv2.resize(img, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(45, 70))])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


# ------------------------------------------------------------------------------------------ sheets


def _dealer_code(rng: np.random.Generator) -> str:
    if rng.random() < 0.3:
        return _ean13(rng)
    return "".join(str(d) for d in rng.integers(0, 10, int(rng.choice([37, 37, 20, 24, 30]))))


def _ean13(rng: np.random.Generator) -> str:
    body = str(rng.choice(["481", "460", "590"])) + "".join(str(d) for d in rng.integers(0, 10, 9))
    return body + ean13_check_digit(body)


def _sheet(rng: np.random.Generator, style: _Style, codes: list[str], module: int) -> Image.Image:
    sheet = Image.new("L", (1240, 1754), 255)
    d = ImageDraw.Draw(sheet)
    body = font(26, style.sheet_font)
    d.text((100, 90), "ЗАКАЗ-НАРЯД № " + str(int(rng.integers(1000, 99999))), font=font(40), fill=0)
    words = ["Клиент", "Автомобиль", "VIN", "замена", "масла", "фильтр", "итого", "BYN", "колодки", "Дата"]
    for y in range(180, 1700, 44):
        if rng.random() < 0.6:
            d.text(
                (100, y),
                " ".join(str(rng.choice(words)) for _ in range(int(rng.integers(2, 8)))),
                font=body,
                fill=0,
            )
    slots = [int(rng.integers(250, 600)), int(rng.integers(1000, 1400))]
    rng.shuffle(slots)
    for code, y in zip(codes, slots, strict=False):
        widths = bits_to_widths(ean13_bits(code)) if len(code) == 13 else code128_modules(code)
        mod = max(2, min(module, (1240 - 140) // (sum(widths) + 20)))
        bc = _barcode_image(widths, mod, int(rng.integers(90, 170)))
        x = int(rng.integers(60, max(61, 1240 - bc.width - 60)))
        d.rectangle((0, y - 10, 1240, y + bc.height + 40), fill=255)  # printed forms keep quiet zones
        sheet.paste(bc, (x, y))
        d.text(
            (x + bc.width // 2, y + bc.height + 18),
            code,
            font=font(22, "DejaVuSansMono.ttf"),
            fill=0,
            anchor="mm",
        )
    return sheet.convert("RGB")


def _bend(rng: np.random.Generator, src: np.ndarray, crumpled: bool) -> np.ndarray:
    """Curved paper (one smooth bend) or crumpled paper (a random smooth displacement field + shading)."""
    h, w = src.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    if crumpled:
        field = cv2.resize(rng.normal(0, 1, (6, 5)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
        field2 = cv2.resize(
            rng.normal(0, 1, (6, 5)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
        )
        amp = w * rng.uniform(0.006, 0.012)
        map_x, map_y = xs + amp * field, ys + amp * field2
        shade = 1 + 0.1 * cv2.Sobel(field, cv2.CV_32F, 1, 0, ksize=3) / 8 * w / 6
    else:
        amp = h * rng.uniform(0.02, 0.05)
        map_x, map_y = xs, ys + np.float32(amp * rng.choice([-1, 1])) * np.sin(np.pi * xs / w)
        shade = 0.85 + 0.15 * np.sin(np.pi * xs / w)
    out = cv2.remap(
        src,
        map_x.astype(np.float32),
        map_y.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    ).astype(np.float32)
    return np.clip(out * np.clip(shade, 0.6, 1.1)[..., None], 0, 255).astype(np.uint8)


def sheet_photo(
    rng: np.random.Generator, style: _Style, condition: str
) -> tuple[np.ndarray, tuple[str, ...]]:
    codes = [_dealer_code(rng)]
    if condition == "two_codes" or rng.random() < 0.15:  # a supplier's EAN-13 on the same sheet
        codes.append(_ean13(rng))
    long_side = int(rng.choice([1280, 1280, 1600, 2048, 3000]))
    w, h = int(long_side * 0.75), long_side
    fill = rng.uniform(0.75, 1.0)
    sheet_scale = min(w / 1240, h / 1754) * fill
    px_per_module = rng.uniform(*style.module) if condition == "tiny" else rng.uniform(1.9, 3.2)
    module = int(np.ceil(px_per_module / sheet_scale))
    sheet = cv2.cvtColor(np.asarray(_sheet(rng, style, codes, module)), cv2.COLOR_RGB2BGR)
    if condition in ("curved", "crumpled"):
        sheet = _bend(rng, sheet, condition == "crumpled")
    sheet = cv2.resize(sheet, None, fx=sheet_scale, fy=sheet_scale, interpolation=cv2.INTER_AREA)
    sh, sw = sheet.shape[:2]
    corners = np.float32([[-sw, -sh], [sw, -sh], [sw, sh], [-sw, sh]]) * 0.5
    tilt = rng.uniform(0.18, 0.32) if condition == "angle" else rng.uniform(0, 0.1)
    if rng.random() < 0.5:
        corners[:2, 0] *= 1 - tilt
    else:
        corners[[0, 3], 1] *= 1 - tilt
    corners += rng.normal(0, 0.01 * w, corners.shape).astype(np.float32)
    turn = rng.uniform(-10, 10) + (float(rng.choice([90, 180, 270])) if condition == "rotated" else 0)
    a = np.deg2rad(turn)
    corners = corners @ np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32).T
    if turn % 180 > 45 and turn % 180 < 135:  # a sideways sheet: a landscape photo
        w, h = h, w
    desk = np.zeros((h, w, 3), np.uint8)
    desk[:] = rng.integers(40, 200, 3)
    _clutter(desk, rng, int(rng.integers(3, 10)), with_text=False)
    dst = corners + np.float32([w / 2, h / 2])
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]]), dst)
    warped = cv2.warpPerspective(sheet, m, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((sh, sw), 255, np.uint8), m, (w, h))
    img = np.where(mask[..., None] > 0, warped, desk).astype(np.float32)
    return np.clip(_conditions(rng, style, condition, img, None), 0, 255).astype(np.uint8), tuple(codes)
