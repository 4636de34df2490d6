"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

18 characters from a 31-character alphabet (digits and capital letters without I, O, S, V, Z):
registration authority (1), organisation type (1), administrative division code (6 digits), the
organisation's own code (9), and a check character. The check character is
``31 - (Σ value(cᵢ) × 3ⁱ mod 31) mod 31`` over the first 17 characters (weights 1, 3, 9, 27, 19,
26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), with 31 written as ``0``.
"""

from __future__ import annotations

import unicodedata

__all__ = ["ALPHABET", "WEIGHTS", "check_character", "normalise", "problem"]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def normalise(code: str) -> str:
    """Upper case, half-width, without spaces or hyphens (as codes are often copied)."""
    text = unicodedata.normalize("NFKC", code)
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise ValueError(f"expected 17 characters from {ALPHABET}, got {first17!r}")
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> tuple[str, str] | None:
    """``None`` for a valid (normalised) code, else what is wrong as ``(english, chinese)``."""
    if len(code) != 18:
        return (f"has {len(code)} characters, not 18", f"长度为 {len(code)} 位，应为 18 位")
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        shown = " ".join(bad)
        return (
            f"contains {shown}, which no code uses (I, O, S, V and Z are excluded)",
            f"含有无效字符 {shown}（代码不使用 I、O、S、V、Z）",
        )
    if not code[2:8].isdigit():
        return (
            f"characters 3–8 ({code[2:8]}) must be the administrative division code (digits)",
            f"第 3–8 位（{code[2:8]}）应为行政区划码（数字）",
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return (
            f"check character is {code[17]}, but GB 32100-2015 gives {expected}",
            f"校验码为 {code[17]}，按 GB 32100-2015 应为 {expected}",
        )
    return None
