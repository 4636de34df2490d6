"""The fast paths give the bytes of the slow ones: pydantic's JSON serializer against ``json.dumps``."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from heshan_vetting import Vetter
from heshan_vetting.builtins.render import layout
from heshan_vetting.report import Comparison, FactValue, dumps_json, model_json, model_json_line
from heshan_vetting.results import ReportSet
from heshan_vetting.terms import Text

EXAMPLES = sorted((Path(__file__).parent.parent / "examples" / "projects").glob("*.toml"))


def _slow_line(model: Comparison | FactValue) -> str:
    data = model.model_dump(mode="json", by_alias=True)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


@pytest.fixture(scope="module")
def vetter() -> Vetter:
    return Vetter()


def test_reports_same_bytes_as_json_dumps(vetter: Vetter) -> None:
    reports = [vetter.check(path, explain=explain) for path in EXAMPLES for explain in (False, True)]
    for rep in reports:
        assert rep.to_json() == dumps_json(rep.model_dump(mode="json", by_alias=True))
        assert model_json_line(rep) == _slow_line(rep)  # type: ignore[arg-type]
    batch = ReportSet(items=tuple(reports[:5]))
    assert batch.to_json() == dumps_json(batch.model_dump(mode="json", by_alias=True))


@pytest.mark.parametrize(
    "number", [1.5e-7, 2e-5, 0.0001, 0.00012, 1e16, 1e22, -3.25e-300, 123456789.125, 5.0, -0.0, 0.1 + 0.2]
)
def test_numbers_as_python_writes_them(number: float) -> None:
    cmp = Comparison.model_construct(
        expression="x", op="<", actual=number, threshold=-number, threshold_name=None, unit="", passed=None, gap=None
    )
    assert model_json(cmp) == dumps_json(cmp.model_dump(mode="json", by_alias=True))
    assert model_json_line(cmp) == _slow_line(cmp)
    assert repr(number) in model_json(cmp)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_nan_still_refused(bad: float) -> None:
    cmp = Comparison.model_construct(
        expression="x", op="<", actual=bad, threshold=None, threshold_name=None, unit="", passed=None, gap=None
    )
    with pytest.raises(ValueError, match="JSON compliant"):
        model_json(cmp)
    with pytest.raises(ValueError, match="JSON compliant"):
        model_json_line(cmp)


def test_strings_escaped_as_python_does() -> None:
    odd = 'a\x01\x1f\x7f\u2028"\\\n\t\b\f\r 亩 e-1 1e-5 NaN Infinity 0.00001 ✓ \U0001f600'
    fact = FactValue(name=odd, title=Text(zh=odd, en=odd), value=odd, unit="", source=None)
    assert model_json(fact) == dumps_json(fact.model_dump(mode="json", by_alias=True))
    assert model_json_line(fact) == _slow_line(fact)
    fast = '\x00\x1b\x7f\u2028"\\\n\t\b\f\r ✓ \U0001f600 e-commerce'
    plain = FactValue(name="x", title=Text(zh="亩", en=fast), value="\u0085\ud7ff", unit="", source=None)
    assert model_json(plain) == dumps_json(plain.model_dump(mode="json", by_alias=True))


def _reference_pieces(text: str) -> list[tuple[str, int]]:
    """The atoms as the first, character-by-character version cut them (the reference for the fast one)."""
    protected = [False] * len(text)
    for m in layout._NUMBER.finditer(text):
        for i in range(m.start(), m.end()):
            protected[i] = True
    atoms: list[tuple[str, int]] = []
    cur: list[str] = []
    cur_space = 0
    cur_narrow = False  # the current atom is open for more narrow characters
    space = 0
    glue_next = False  # the last atom ends with opening punctuation: the next character joins it
    for i, ch in enumerate(text):
        if ch.isspace() and not (protected[i] and i > 0 and protected[i - 1]):
            if cur:
                atoms.append(("".join(cur), cur_space))
                cur, cur_narrow = [], False
            space += 1
            continue
        wide = layout._char_width(ch) == 2
        joins = bool(cur) and (
            (protected[i] and i > 0 and protected[i - 1])
            or glue_next
            or (not space and ch in layout.NO_LINE_START)
            or (not space and not wide and cur_narrow)
        )
        if not cur and atoms and not space and ch in layout.NO_LINE_START:
            # closing punctuation after a finished atom: reopen it
            last, last_space = atoms.pop()
            cur, cur_space = [last], last_space
            joins = True
        if not joins and cur:
            atoms.append(("".join(cur), cur_space))
            cur = []
        if not cur:
            cur_space = space
        cur.append(ch)
        space = 0
        cur_narrow = not wide
        glue_next = ch in layout.NO_LINE_END
        if wide and not glue_next and not protected[i]:
            atoms.append(("".join(cur), cur_space))
            cur, cur_narrow = [], False
    if cur:
        atoms.append(("".join(cur), cur_space))
    return atoms


def _reference_wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        atoms = [(atom, space, layout.display_width(atom)) for atom, space in _reference_pieces(paragraph)]
        lines.extend(layout._fill_measured(atoms, max(1, width)))
    return lines


_ALPHABET = [
    *"ab19.,-+% \t\u3000\n汉字，。；：、）（《》“”≥≤<>=亩号e\u0301\u200bｱ",
    "万元/亩",
    "≥ 20 万元/亩",
    "  ",
    "kWh",
    "HS-2H-001",
]


def test_wrap_same_lines_as_the_reference() -> None:
    rng = random.Random(7)
    for _ in range(4000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 50)))
        width = rng.randint(1, 30)
        assert layout.pieces(text) == _reference_pieces(text), text
        assert layout.wrap(text, width) == _reference_wrap(text, width), (text, width)
        assert layout.display_width(text) == sum(layout._char_width(ch) for ch in text)
