"""Tiny Code 128 and EAN-13 encoders for synthetic test images (no external barcode package).

Both return a list of module widths starting with a bar: ``[bar, space, bar, ...]``.
"""

from __future__ import annotations

_CODE128 = (  # noqa: SIM905 - widths of the 107 symbols: bar, space, bar, ... (stop has 7)
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 "
    "122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 "
    "322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 "
    "112133 112331 132131 113123 113321 133121 313121 211331 231131 213113 213311 213131 311123 311321 "
    "331121 312113 312311 332111 314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 111242 121142 121241 114212 "
    "124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 114311 411113 "
    "411311 113141 114131 311141 411131 211412 211214 211232 2331112"
).split()
_START_B, _START_C, _CODE_B, _CODE_C, _STOP = 104, 105, 100, 99, 106


def code128_values(data: str) -> list[int]:
    """Symbol values (start .. checksum, without stop): code set C for digit pairs, B otherwise."""
    if not data or any(not (32 <= ord(ch) < 127) for ch in data):
        raise ValueError("Code 128 encoder handles printable ASCII only")
    values: list[int] = []
    mode = ""
    i = 0
    while i < len(data):
        run = 0
        while i + run < len(data) and data[i + run].isdigit():
            run += 1
        if run >= 4 or (run >= 2 and run == len(data) - i and run % 2 == 0):
            if run % 2:  # odd run: put the first digit in set B
                if mode != "B":
                    values.append(_START_B if not values else _CODE_B)
                    mode = "B"
                values.append(ord(data[i]) - 32)
                i += 1
                run -= 1
            if mode != "C":
                values.append(_START_C if not values else _CODE_C)
                mode = "C"
            for _ in range(run // 2):
                values.append(int(data[i : i + 2]))
                i += 2
        else:
            if mode != "B":
                values.append(_START_B if not values else _CODE_B)
                mode = "B"
            values.append(ord(data[i]) - 32)
            i += 1
    checksum = values[0] + sum(pos * v for pos, v in enumerate(values[1:], start=1))
    values.append(checksum % 103)
    return values


def code128_modules(data: str) -> list[int]:
    widths: list[int] = []
    for value in [*code128_values(data), _STOP]:
        widths.extend(int(ch) for ch in _CODE128[value])
    return widths


_EAN_L = (
    "0001101",
    "0011001",
    "0010011",
    "0111101",
    "0100011",
    "0110001",
    "0101111",
    "0111011",
    "0110111",
    "0001011",
)
_EAN_PARITY = (
    "LLLLLL",
    "LLGLGG",
    "LLGGLG",
    "LLGGGL",
    "LGLLGG",
    "LGGLLG",
    "LGGGLG",
    "LGLGLL",
    "LGLGGL",
    "LGGLGL",
)


def ean13_check_digit(first12: str) -> str:
    total = sum(int(ch) * (3 if i % 2 else 1) for i, ch in enumerate(first12))
    return str((10 - total % 10) % 10)


def ean13_bits(code: str) -> str:
    """'1'/'0' module string of a 13-digit EAN (check digit verified), without quiet zones."""
    if len(code) != 13 or not code.isdigit() or ean13_check_digit(code[:12]) != code[12]:
        raise ValueError(f"bad EAN-13: {code!r}")
    parity = _EAN_PARITY[int(code[0])]
    bits = "101"
    for kind, ch in zip(parity, code[1:7], strict=True):
        left = _EAN_L[int(ch)]
        if kind == "G":  # G code = reversed complement of L
            left = "".join("1" if b == "0" else "0" for b in left)[::-1]
        bits += left
    bits += "01010"
    for ch in code[7:]:
        bits += "".join("1" if b == "0" else "0" for b in _EAN_L[int(ch)])
    return bits + "101"


def bits_to_widths(bits: str) -> list[int]:
    widths: list[int] = []
    prev = ""
    for b in bits:
        if b == prev:
            widths[-1] += 1
        else:
            widths.append(1)
            prev = b
    return widths
