"""What a Belarusian plate is (``1234 AB-7`` and ``AB 1234-7``), what an OCR read of one can be, and
which plate a photo's reads add up to.

Reads are matched against both layouts with look-alikes repaired by position and priced; the plates
are ranked by votes (``decide``): a plate needs one nearly clean read, and a leader with a close rival
one or two characters away gives no answer rather than a wrong one, unless exactly one of them is an
open order's plate (``known``).
"""

from __future__ import annotations

from collections.abc import Collection

from services.plate_text import normalize_plate

MIN_READ = 2.0  # a plate needs one read this good (3.0 = exact 7-glyph read)
RIVAL_SHARE = 0.7  # a near-identical plate with this share of the leader's votes: no answer
PLATE_LETTERS = "ABEIKMHOPCTX"
_TO_DIGIT = str.maketrans({"O": "0", "I": "1", "B": "8", "T": "7", "A": "4", "E": "3"})
_TO_LETTER = str.maketrans({"0": "O", "1": "I", "8": "B", "7": "T", "4": "A", "3": "E"})
_LAYOUTS = ("DDDDLLR", "LLDDDDR")
_REPAIR_COST = {"O0": 0.2, "0O": 0.2, "I1": 0.3, "1I": 0.3, "B8": 0.5, "8B": 0.5}  # others: 1.0
_EXTRA_COST = 0.3
KNOWN_SHARE = 0.6  # a read of an open order's plate counts from this share of the minimum read
# RapidOCR: the read a plate needs, cost of the repairs in confidence, the repairs a read may need at most
RAPID_MIN_READ = 0.75
RAPID_COST = 0.3
RAPID_MAX_COST = 1.0


def match_read(text: str) -> list[tuple[str, float]]:
    """Plates a tesseract line can be, with the cost of the repairs (look-alikes, extra characters).

    Repairs cost what the confusion is worth as evidence: O/0 and I/1 are the same shape in plate fonts,
    B/8 nearly so, while reading T as 7 or E as 3 is a real change; an extra character (the border, the
    flag or "BY" read as a glyph) costs a little.
    """
    clean = "".join(ch for ch in text.upper() if ch.isalnum())
    found: dict[str, float] = {}
    for start in range(max(1, len(clean) - 6)):
        chunk = clean[start : start + 7]
        if len(chunk) != 7:
            break
        extra = _EXTRA_COST * min(len(clean) - 7, 3)
        for layout in _LAYOUTS:
            plate, cost = repair(chunk, layout, extra)
            if plate is not None and cost - extra <= 2.0:
                plate = normalize_plate(plate)
                found[plate] = round(min(cost, found.get(plate, 99.0)), 2)
    return sorted(found.items(), key=lambda kv: kv[1])


def scores(reads: list[tuple[str, float, int]]) -> tuple[dict[str, float], dict[str, float]]:
    """(summed score, best single read) per plate the tesseract reads can be."""
    score: dict[str, float] = {}
    best: dict[str, float] = {}
    for text, _conf, glyphs in reads:
        for plate, cost in match_read(text):
            s = 3.0 - cost - 0.3 * abs(glyphs - 7)
            score[plate] = score.get(plate, 0.0) + max(s, 0.2)
            best[plate] = max(best.get(plate, -9.0), s)
    return score, best


def decide(
    score: dict[str, float], best: dict[str, float], min_read: float, known: Collection[str] = ()
) -> list[str]:
    """Plates best first from summed scores and best single reads.

    A plate is only returned when at least one read matched it well (``min_read``), and nothing is
    returned when the leader has a close rival a character or two away (RIVAL_SHARE of its score):
    better no answer (the user types the plate) than a confident wrong one. ``known`` (the open
    orders' plates) settles such a tie when exactly one of the rivals is known, and lets a weaker read
    (``KNOWN_SHARE`` of ``min_read``) of a known plate count: a wrong read rarely lands on one.
    """
    ranked = sorted(score, key=lambda p: -score[p])
    good = [p for p in ranked if best[p] >= min_read]
    weak_known = [p for p in ranked if p in known and best[p] >= KNOWN_SHARE * min_read]
    if not good:
        return weak_known[:1]
    top = good[0]
    close = [p for p in good[1:] if _distance(p, top) <= 2 and score[p] >= RIVAL_SHARE * score[top]]
    if close:
        named = [p for p in (top, *close) if p in known]
        return named if len(named) == 1 else []
    return sorted(good, key=lambda p: p not in known)


def _distance(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True)) if len(a) == len(b) else 9


def rank(reads: list[tuple[str, float, int]], known: Collection[str] = ()) -> list[str]:
    """Plates from tesseract's (text, confidence, glyphs in the row) reads, best first."""
    score, best = scores(reads)
    return decide(score, best, MIN_READ, known)


_GROUPS = {"DDDDLLR": (4, 6), "LLDDDDR": (2, 6)}  # where the printed spaces and dashes fall


def match_rapid_read(text: str) -> list[tuple[str, float]]:
    """Plates a network read can be, with the cost of the repairs.

    Like ``match_read`` (layouts, priced look-alikes), plus what the network's spacing tells: it keeps
    the printed gaps ("CO0 3435-1"), so up to two stray characters may be dropped (0.25 each) and a
    reading whose gaps fall inside a layout's groups costs 0.5 more.
    """
    text = text.replace("l", "I").replace("|", "I")
    chars: list[tuple[str, int]] = []  # (character, group number)
    group = 0
    for ch in text:
        norm = normalize_plate(ch)
        if norm:
            chars.append((norm, group))
        elif chars and chars[-1][1] == group:
            group += 1
    if len(chars) > 7 and "".join(c for c, g in chars if g == chars[0][1]) == "BY":
        chars = chars[2:]  # the country code printed under the flag
    if not 7 <= len(chars) <= 9:
        return []
    found: dict[str, float] = {}
    for drop in _drops(len(chars)):
        kept = [c for i, c in enumerate(chars) if i not in drop]
        cuts = {i for i in range(1, 7) if kept[i][1] != kept[i - 1][1]}
        for layout, groups in _GROUPS.items():
            plate, cost = repair("".join(c for c, _ in kept), layout)
            if plate is None:
                continue
            cost += 0.25 * len(drop) + (0.5 if cuts - set(groups) else 0.0)
            found[plate] = round(min(cost, found.get(plate, 99.0)), 2)
    return sorted(found.items(), key=lambda kv: kv[1])


def _drops(n: int) -> list[tuple[int, ...]]:
    if n == 7:
        return [()]
    if n == 8:
        return [(i,) for i in range(8)]
    return [(i, j) for i in range(9) for j in range(i + 1, 9)]


def repair(chunk: str, layout: str, cost: float = 0.0) -> tuple[str | None, float]:
    """``chunk`` (7 characters) as a plate of ``layout`` with look-alikes repaired: (plate, ``cost`` plus
    the repairs' cost)."""
    out = []
    for ch, kind in zip(chunk, layout, strict=True):
        want = ch.translate(_TO_DIGIT) if kind in "DR" else ch.translate(_TO_LETTER)
        if want != ch:
            cost += _REPAIR_COST.get(ch + want, 1.0)
        out.append(want)
    plate = "".join(out)
    ok = all(
        (c.isdigit() if k == "D" else c in PLATE_LETTERS if k == "L" else c in "1234567")
        for c, k in zip(plate, layout, strict=True)
    )
    return (plate, cost) if ok else (None, 0.0)


def rapid_score(text: str, conf: float) -> list[tuple[str, float]]:
    """The plate(s) one network read most likely is, scored by its confidence less the repairs it
    needed (the read's costlier readings are not votes: they would be rivals of its best one)."""
    found = match_rapid_read(text)
    if not found or found[0][1] > RAPID_MAX_COST:
        return []
    return [(p, conf - RAPID_COST * cost) for p, cost in found if cost <= found[0][1] + 0.1]
