"""Rendering of synthetic plates, car scenes and photographed order sheets (Pillow + OpenCV + numpy).

Everything is driven by a ``numpy.random.Generator`` so a seed reproduces the same images.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tests.synth.encoders import bits_to_widths, code128_modules, ean13_bits

_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path("C:/Windows/Fonts"))
PLATE_LETTERS = "ABEIKMHOPCTX"


@cache
def _font_path(name: str) -> str | None:
    for root in _FONT_DIRS:
        if root.is_dir():
            for found in root.rglob(name):
                return str(found)
    return None


@lru_cache(maxsize=256)
def font(size: int, name: str = "DejaVuSans-Bold.ttf") -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path(name) or _font_path("DejaVuSans-Bold.ttf")
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def random_plate(rng: np.random.Generator) -> tuple[str, str]:
    """(printed text, normalized text) for one of the two Belarusian layouts."""
    digits = "".join(str(d) for d in rng.integers(0, 10, 4))
    letters = "".join(rng.choice(list(PLATE_LETTERS), 2))
    region = str(int(rng.integers(1, 8)))
    if rng.random() < 0.6:
        return f"{digits} {letters}-{region}", f"{digits}{letters}{region}"
    return f"{letters} {digits}-{region}", f"{letters}{digits}{region}"


# --------------------------------------------------------------------------------------------- plates


def render_plate(rng: np.random.Generator, text: str, px_per_mm: float = 2.0) -> Image.Image:
    """A 520x112 mm Belarusian plate: white, black border, flag + BY on the left, black characters."""
    w, h = int(520 * px_per_mm), int(112 * px_per_mm)
    shade = int(rng.integers(225, 256))
    img = Image.new("RGB", (w, h), (shade, shade, max(0, shade - int(rng.integers(0, 15)))))
    d = ImageDraw.Draw(img)
    m = px_per_mm
    d.rounded_rectangle(
        (1.5 * m, 1.5 * m, w - 1.5 * m, h - 1.5 * m),
        radius=int(5 * m),
        outline=(15, 15, 15),
        width=max(2, int(2.5 * m)),
    )
    # flag (red over green) and BY
    fx0, fy0 = 8 * m, 14 * m
    d.rectangle((fx0, fy0, fx0 + 34 * m, fy0 + 15 * m), fill=(200, 30, 40))
    d.rectangle((fx0, fy0 + 15 * m, fx0 + 34 * m, fy0 + 23 * m), fill=(40, 140, 60))
    d.rectangle((fx0, fy0, fx0 + 6 * m, fy0 + 23 * m), fill=(235, 235, 235))
    d.text((fx0 + 17 * m, 68 * m), "BY", font=font(int(22 * m)), fill=(20, 20, 20), anchor="mm")
    # characters: condensed bold, squeezed horizontally to look like the plate typeface
    name = str(rng.choice(["DejaVuSansCondensed-Bold.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono-Bold.ttf"]))
    glyph_h = int(78 * m)
    f = font(glyph_h, name)
    left, top, right, bottom = f.getbbox(text)
    txt = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(txt).text((4 - left, 4 - top), text, font=f, fill=255)
    avail_w, avail_h = int((520 - 56) * m), int(66 * m)
    txt = txt.resize((avail_w, avail_h), Image.LANCZOS)
    ink = Image.new("RGB", txt.size, (10, 10, 10))
    img.paste(ink, (int(48 * m), int((112 - 66) / 2 * m)), txt)
    return _wear(rng, img, m)


def _wear(rng: np.random.Generator, img: Image.Image, m: float) -> Image.Image:
    """What real plates carry: mounting screws, road dirt, a glare spot (each on some plates only)."""
    arr = np.asarray(img).astype(np.float32)
    h, w = arr.shape[:2]
    if rng.random() < 0.5:  # two screws at mid height, often touching a glyph
        for fx in (rng.uniform(0.25, 0.4), rng.uniform(0.62, 0.8)):
            c = (int(fx * w), int(h * rng.uniform(0.35, 0.65)))
            r = max(2, int(rng.uniform(3.5, 5.5) * m))
            metal = float(rng.uniform(120, 210))
            cv2.circle(arr, c, r, (metal, metal, metal), -1, cv2.LINE_AA)
            cv2.circle(arr, c, r, (40, 40, 40), max(1, int(0.8 * m)), cv2.LINE_AA)
            cv2.line(arr, (c[0] - r // 2, c[1]), (c[0] + r // 2, c[1]), (60, 60, 60), max(1, int(m)))
    if rng.random() < 0.5:  # dirt: soft brownish blotches and specks
        dirt = np.zeros((h, w), np.float32)
        for _ in range(int(rng.integers(2, 7))):
            cv2.ellipse(
                dirt,
                (int(rng.integers(0, w)), int(rng.integers(h // 3, h))),
                (int(rng.uniform(10, 60) * m), int(rng.uniform(4, 20) * m)),
                rng.uniform(0, 180),
                0,
                360,
                float(rng.uniform(0.15, 0.45)),
                -1,
            )
        dirt = cv2.GaussianBlur(dirt, (0, 0), 4 * m)
        specks = (rng.random((h, w)) < 0.004).astype(np.float32) * rng.uniform(0.3, 0.7)
        dirt = np.clip(dirt + cv2.GaussianBlur(specks, (0, 0), 0.6 * m) * 4, 0, 0.6)[..., None]
        arr = arr * (1 - dirt) + np.float32([95, 80, 60]) * dirt
    if rng.random() < 0.3:  # glare: a washed-out bright spot
        glare = np.zeros((h, w), np.float32)
        cv2.ellipse(
            glare,
            (int(rng.integers(0, w)), int(rng.integers(0, h))),
            (int(rng.uniform(40, 120) * m), int(rng.uniform(15, 40) * m)),
            rng.uniform(-30, 30),
            0,
            360,
            float(rng.uniform(0.4, 0.75)),
            -1,
        )
        glare = cv2.GaussianBlur(glare, (0, 0), 12 * m)[..., None]
        arr = arr * (1 - glare) + 255 * glare
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


# ----------------------------------------------------------------------------------------- helpers


def _gradient(h: int, w: int, rng: np.random.Generator, lo: float, hi: float) -> np.ndarray:
    ang = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = xx * np.cos(ang) + yy * np.sin(ang)
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    return (lo + (hi - lo) * t)[..., None]


def degrade(
    img: np.ndarray,
    rng: np.random.Generator,
    blur_max: float = 1.6,
    noise_max: float = 9.0,
    light: tuple[float, float] = (0.55, 1.15),
) -> np.ndarray:
    """Lighting gradient, optional motion/gaussian blur, sensor noise (BGR uint8 in, out)."""
    h, w = img.shape[:2]
    shade = _gradient(h, w, rng, rng.uniform(light[0], 1.0), rng.uniform(0.9, light[1]))
    out = img.astype(np.float32) * shade
    sigma = rng.uniform(0, blur_max)
    if sigma > 0.3:
        if rng.random() < 0.3:
            k = max(3, int(sigma * 3) | 1)
            kernel = np.zeros((k, k), np.float32)
            kernel[k // 2, :] = 1.0 / k
            rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(0, 180), 1.0)
            kernel = cv2.warpAffine(kernel, rot, (k, k))
            kernel /= max(1e-6, kernel.sum())
            out = cv2.filter2D(out, -1, kernel)
        else:
            out = cv2.GaussianBlur(out, (0, 0), sigma)
    out += rng.normal(0, rng.uniform(1.0, noise_max), out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def jpeg(img: np.ndarray, rng: np.random.Generator, lo: int = 45, hi: int = 92) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(lo, hi))])
    assert ok
    return buf.tobytes()


def _clutter(canvas: np.ndarray, rng: np.random.Generator, n: int, with_text: bool = True) -> None:
    h, w = canvas.shape[:2]
    for _ in range(n):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        kind = rng.integers(0, 4)
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        if kind == 0:
            x1, y1 = x + int(rng.integers(10, w // 3)), y + int(rng.integers(10, h // 3))
            cv2.rectangle(canvas, (x, y), (x1, y1), colour, -1)
        elif kind == 1:
            cv2.line(
                canvas,
                (x, y),
                (int(rng.integers(0, w)), int(rng.integers(0, h))),
                colour,
                int(rng.integers(1, 8)),
            )
        elif kind == 2:
            cv2.circle(canvas, (x, y), int(rng.integers(5, max(6, w // 10))), colour, -1)
        elif with_text:
            words = [
                "SERVICE",
                "AUTO",
                "24/7",
                "+375 29 611-22-33",
                "ШИНОМОНТАЖ",
                "OPEN",
                "EXIT",
                "PARKING",
                "TOYOTA",
                "LADA",
                "1234",
                "STOP",
                "МОЙКА",
                "ЗАПЧАСТИ",
                "No 17",
            ]
            pil = Image.fromarray(canvas)
            ImageDraw.Draw(pil).text(
                (x, y), str(rng.choice(words)), font=font(int(rng.integers(12, 60))), fill=colour
            )
            canvas[:] = np.asarray(pil)


# -------------------------------------------------------------------------------------- car scenes


def car_scene(rng: np.random.Generator, plate: Image.Image | None) -> np.ndarray:
    """A car front/back with bumper, grille, lights and clutter; the plate (if any) on the bumper."""
    w = int(rng.choice([640, 800, 1024, 1280, 1280, 1600, 2000]))
    h = int(w * rng.choice([0.75, 0.5625, 1.333, 0.75]))
    bg = np.zeros((h, w, 3), np.uint8)
    bg[:] = rng.integers(60, 200, 3)
    bg = (bg.astype(np.float32) * _gradient(h, w, rng, 0.6, 1.2)).clip(0, 255).astype(np.uint8)
    _clutter(bg, rng, int(rng.integers(8, 30)))
    # car body
    body = tuple(int(c) for c in rng.integers(0, 256, 3))
    cw = int(w * rng.uniform(0.55, 0.95))
    ch = int(cw * rng.uniform(0.45, 0.7))
    cx = int(w / 2 + rng.uniform(-0.15, 0.15) * w)
    cy = int(h * rng.uniform(0.45, 0.7))
    x0, y0 = cx - cw // 2, cy - ch // 2
    cv2.rectangle(bg, (x0, y0 + ch // 5), (x0 + cw, y0 + ch), body, -1)
    cv2.ellipse(bg, (cx, y0 + ch // 5), (int(cw * 0.42), ch // 4), 0, 180, 360, body, -1)
    glass = tuple(int(c) for c in rng.integers(20, 90, 3))
    cv2.ellipse(bg, (cx, y0 + ch // 5), (int(cw * 0.33), ch // 6), 0, 180, 360, glass, -1)
    # lights
    light = tuple(int(c) for c in rng.integers(170, 256, 3))
    for sx in (-1, 1):
        cv2.ellipse(
            bg,
            (cx + sx * int(cw * 0.36), y0 + int(ch * 0.38)),
            (int(cw * 0.09), int(ch * 0.06)),
            0,
            0,
            360,
            light,
            -1,
        )
    # grille: dark slats
    gx0, gx1 = cx - int(cw * 0.22), cx + int(cw * 0.22)
    gy0, gy1 = y0 + int(ch * 0.3), y0 + int(ch * 0.5)
    cv2.rectangle(bg, (gx0, gy0), (gx1, gy1), (30, 30, 30), -1)
    for yy in range(gy0 + 4, gy1, max(4, (gy1 - gy0) // int(rng.integers(3, 8)))):
        cv2.line(bg, (gx0, yy), (gx1, yy), (140, 140, 140), max(1, ch // 120))
    # bumper band
    bumper = tuple(max(0, int(c) - 40) for c in body)
    cv2.rectangle(bg, (x0, y0 + int(ch * 0.6)), (x0 + cw, y0 + int(ch * 0.85)), bumper, -1)
    if rng.random() < 0.5:  # brand badge text on the grille
        pil = Image.fromarray(bg)
        ImageDraw.Draw(pil).text(
            (cx, (gy0 + gy1) // 2),
            str(rng.choice(["VW", "KIA", "BMW", "GEELY"])),
            font=font(max(10, ch // 14)),
            fill=(200, 200, 200),
            anchor="mm",
        )
        bg = np.asarray(pil).copy()
    if plate is not None:
        pw = int(cw * rng.uniform(0.22, 0.42))
        pw = max(pw, 110)
        ph = int(pw * plate.height / plate.width)
        src = cv2.cvtColor(np.asarray(plate.resize((pw, ph), Image.LANCZOS)), cv2.COLOR_RGB2BGR)
        # perspective: a random yaw/pitch squeeze of one side, then rotation
        sq = rng.uniform(0, 0.18)
        pitch = rng.uniform(-0.1, 0.1)
        quad = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
        if rng.random() < 0.5:
            dst = np.float32([[0, 0], [pw, ph * sq / 2], [pw, ph * (1 - sq / 2)], [0, ph]])
        else:
            dst = np.float32([[0, ph * sq / 2], [pw, 0], [pw, ph], [0, ph * (1 - sq / 2)]])
        dst[:, 0] *= 1 - sq * 0.5
        dst[0, 0] += pw * pitch
        dst[1, 0] += pw * pitch
        ang = np.deg2rad(rng.uniform(-10, 10))
        c = dst.mean(axis=0)
        rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]], np.float32)
        dst = (dst - c) @ rot.T
        px = cx + rng.uniform(-0.1, 0.1) * cw
        py = y0 + ch * rng.uniform(0.66, 0.78)
        dst += np.float32([px, py])
        m = cv2.getPerspectiveTransform(quad, dst.astype(np.float32))
        warped = cv2.warpPerspective(src, m, (w, h), flags=cv2.INTER_LINEAR)
        mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (w, h))
        # a plate frame around it sometimes
        if rng.random() < 0.5:
            frame = cv2.dilate(mask, np.ones((7, 7), np.uint8), iterations=int(rng.integers(1, 3)))
            bg[frame > 0] = (20, 20, 20)
        alpha = (mask.astype(np.float32) / 255.0)[..., None]
        bg = (bg * (1 - alpha) + warped * alpha).astype(np.uint8)
    return degrade(np.ascontiguousarray(bg[..., ::-1]), rng)


# -------------------------------------------------------------------------------------- order sheets


def _barcode_image(widths: list[int], module: int, height: int) -> Image.Image:
    total = sum(widths) * module
    img = Image.new("L", (total + 20 * module, height), 255)
    d = ImageDraw.Draw(img)
    x = 10 * module
    for i, wd in enumerate(widths):
        if i % 2 == 0:
            d.rectangle((x, 0, x + wd * module - 1, height - 1), fill=0)
        x += wd * module
    return img


def order_sheet(rng: np.random.Generator, code: str, module: int = 0) -> Image.Image:
    """An A4 sheet (150 dpi) with text lines and the barcode of ``code`` (EAN-13 if 13 digits)."""
    sheet = Image.new("L", (1240, 1754), 255)
    d = ImageDraw.Draw(sheet)
    body = font(26, "DejaVuSans.ttf")
    d.text((100, 90), "ЗАКАЗ-НАРЯД № " + str(int(rng.integers(1000, 99999))), font=font(40), fill=0)
    y = 180
    for _ in range(int(rng.integers(6, 16))):
        n = int(rng.integers(2, 9))
        words = [
            "Клиент",
            "Автомобиль",
            "VIN",
            "Работы",
            "замена",
            "масла",
            "фильтр",
            "итого",
            "BYN",
            str(int(rng.integers(1, 9999))),
            "диагностика",
            "колодки",
            "Дата",
            "12.03.2025",
        ]
        d.text((100, y), " ".join(str(rng.choice(words)) for _ in range(n)), font=body, fill=0)
        y += 44
    widths = bits_to_widths(ean13_bits(code)) if len(code) == 13 else code128_modules(code)
    # module width in sheet pixels (150 dpi: 2 px = 0.34 mm); never wider than the sheet allows
    module = max(2, min(module or int(rng.integers(2, 4)), (1240 - 140) // (sum(widths) + 20)))
    bc = _barcode_image(widths, module, int(rng.integers(90, 180)))
    bx = int(rng.integers(60, max(61, 1240 - bc.width - 60)))
    by = int(rng.integers(y + 20, 1480))
    sheet.paste(bc, (bx, by))
    d.text(
        (bx + bc.width // 2, by + bc.height + 18),
        code,
        font=font(22, "DejaVuSansMono.ttf"),
        fill=0,
        anchor="mm",
    )
    for _ in range(int(rng.integers(0, 6))):
        sy = int(rng.integers(by + bc.height + 50, 1710))
        d.text((100, sy), "Подпись ________  М.П.", font=body, fill=0)
    return sheet.convert("RGB")


def photo_format(rng: np.random.Generator) -> tuple[int, bool]:
    """(longer side, portrait?) of a phone photo of a sheet; Telegram photos are 1280 px."""
    long_side = int(rng.choice([1280, 1280, 1600, 2048, 3000]))
    return long_side, long_side == 1280 or rng.random() >= 0.2


def sheet_scale(long_side: int, portrait: bool) -> float:
    """Approximate photo pixels per sheet pixel when the A4 sheet (1240x1754) fills the frame."""
    w, h = (long_side * 0.75, long_side) if portrait else (long_side, long_side * 0.75)
    return min(w / 1240, h / 1754)


def photograph_sheet(
    rng: np.random.Generator, sheet: Image.Image, long_side: int = 0, portrait: bool = True
) -> np.ndarray:
    """The sheet lying on a desk, photographed at an angle: perspective, shadow, blur, noise."""
    if not long_side:
        long_side, portrait = photo_format(rng)
    w, h = (int(long_side * 0.75), long_side) if portrait else (long_side, int(long_side * 0.75))
    desk = np.zeros((h, w, 3), np.uint8)
    desk[:] = rng.integers(40, 200, 3)
    _clutter(desk, rng, int(rng.integers(3, 12)), with_text=False)
    src = cv2.cvtColor(np.asarray(sheet), cv2.COLOR_RGB2BGR)
    scale = min(w / src.shape[1], h / src.shape[0]) * rng.uniform(0.8, 1.05)
    if scale < 1:  # area-resample first, like a lens + sensor would, instead of aliasing in the warp
        src = cv2.resize(src, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        scale = 1.0
    sh, sw = src.shape[:2]
    cx, cy = w / 2 + rng.uniform(-0.05, 0.05) * w, h / 2 + rng.uniform(-0.05, 0.05) * h
    corners = np.float32([[-sw, -sh], [sw, -sh], [sw, sh], [-sw, sh]]) * 0.5 * scale
    tilt = rng.uniform(0, 0.12)
    if rng.random() < 0.5:
        corners[:2, 0] *= 1 - tilt
    else:
        corners[[0, 3], 1] *= 1 - tilt
    corners += rng.normal(0, 0.015 * w, corners.shape).astype(np.float32)
    ang = np.deg2rad(rng.uniform(-12, 12) + (90 * int(rng.integers(0, 4)) if rng.random() < 0.15 else 0))
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]], np.float32)
    dst = corners @ rot.T + np.float32([cx, cy])
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]]), dst.astype(np.float32))
    warped = cv2.warpPerspective(src, m, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((sh, sw), 255, np.uint8), m, (w, h))
    out = np.where(mask[..., None] > 0, warped, desk)
    # a soft shadow blob (a hand / the phone)
    if rng.random() < 0.6:
        # drawn and blurred at 1/8 scale (a blur this wide at full size takes seconds), then upscaled
        k = 8
        shadow = np.zeros(((h + k - 1) // k, (w + k - 1) // k), np.float32)
        cv2.ellipse(
            shadow,
            (int(rng.integers(0, w)) // k, int(rng.integers(0, h)) // k),
            (int(w * rng.uniform(0.2, 0.5)) // k, int(h * rng.uniform(0.1, 0.3)) // k),
            rng.uniform(0, 180),
            0,
            360,
            1.0,
            -1,
        )
        shadow = cv2.GaussianBlur(shadow, (0, 0), w * 0.04 / k)
        shadow = cv2.resize(shadow, (w, h), interpolation=cv2.INTER_LINEAR)
        out = (out.astype(np.float32) * (1 - rng.uniform(0.2, 0.5) * shadow[..., None])).astype(np.uint8)
    return degrade(out, rng, blur_max=1.1, noise_max=8.0)


def pil_blur(img: Image.Image, r: float) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(r))
