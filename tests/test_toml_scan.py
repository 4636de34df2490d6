"""The position-keeping TOML scanner against tomllib (issue 9): on any valid document the scan finds exactly the key
paths of tomllib's data, and every position it reports points at what it names."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heshan_vetting import ProjectError
from heshan_vetting.inputs.toml import TomlDocument, parse_toml
from heshan_vetting.testing import fuzz_examples

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PathKey = tuple[str | int, ...]

# -- a generator of valid TOML, written in every style TOML allows -------------------------------------------------

BARE = re.compile(r"[A-Za-z0-9_-]+")
keys = st.one_of(
    st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True),
    st.sampled_from(
        ["a", "b", "true", "1", "1.5", "a.b", "", " ", "é", "键", "x y", 'q"', "q'", "\\", "\t", "\n", "#"]
    ),
    st.text(max_size=5),
)
scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["", "'", "''", '"', '""', "\\", "[", "]", "{", "}", "#", "=", ",", "a\nb", "'''", '"""', "\r\n"]),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, timezone.utc, timezone(timedelta(hours=8, minutes=30))])),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(keys, inner, max_size=4)
        | st.lists(st.dictionaries(keys, inner, max_size=3), min_size=1, max_size=3)
    ),  # arrays of tables
    max_leaves=16,
)
documents = st.dictionaries(keys, values, max_size=6)

_CONTROL = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def _is_control(c: str) -> bool:
    return (ord(c) < 0x20 and c != "\t") or c == "\x7f"


class Writer:
    """Writes a dict as TOML, drawing every choice of style from hypothesis."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.lines: list[str] = []

    def pick(self, options: list[str]) -> str:
        return str(self.data.draw(st.sampled_from(options)))

    def flag(self) -> bool:
        return bool(self.data.draw(st.booleans()))

    def ws(self) -> str:
        return self.pick(["", " ", "  ", "\t"])

    def comment(self) -> str:
        return self.pick(["", "", " # note", "\t# [x] = {y}", '#\'"""#'])

    # -- strings and keys ----------------------------------------------------------------------------------------
    def basic(self, text: str, multiline: bool = False) -> str:
        out = []
        for c in text:
            if multiline and c == "\n":
                out.append(c)
            elif c in _CONTROL:
                out.append(_CONTROL[c])
            elif _is_control(c) or (ord(c) > 127 and self.flag()):
                out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
            else:
                out.append(c)
        body = "".join(out)
        if multiline:
            return '"""' + ("\n" if text.startswith("\n") or self.flag() else "") + body + '"""'
        return f'"{body}"'

    def string(self, text: str) -> str:
        forms = ["basic", "multiline-basic"]
        if "'" not in text and "\n" not in text and not any(_is_control(c) for c in text):
            forms.append("literal")
        if "'''" not in text and "\r" not in text and not any(_is_control(c) and c != "\n" for c in text):
            forms.append("multiline-literal")
        form = self.pick(forms)
        if form == "basic":
            return self.basic(text)
        if form == "multiline-basic":
            return self.basic(text, multiline=True)
        if form == "literal":
            return f"'{text}'"
        return "'''" + ("\n" if text.startswith("\n") or self.flag() else "") + text + "'''"

    def key(self, k: str) -> str:
        if BARE.fullmatch(k) and self.flag():
            return k
        if "'" not in k and "\n" not in k and not any(_is_control(c) for c in k) and self.flag():
            return f"'{k}'"
        return self.basic(k)

    def dotted(self, parts: PathKey) -> str:
        return (self.ws() + "." + self.ws()).join(self.key(str(p)) for p in parts)

    # -- values --------------------------------------------------------------------------------------------------
    def value(self, v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            forms = [str(v)]
            if v >= 0:
                forms += [f"+{v}", hex(v), oct(v), bin(v)]
            if abs(v) >= 1000:
                forms.append(f"{v:_}")
            return self.pick(forms)
        if isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                return {float("inf"): self.pick(["inf", "+inf"]), float("-inf"): "-inf"}[v]
            return repr(v)
        if isinstance(v, str):
            return self.string(v)
        if isinstance(v, datetime):
            text = v.isoformat(sep=self.pick(["T", " "]))
            return text.replace("+00:00", "Z") if text.endswith("+00:00") and self.flag() else text
        if isinstance(v, (date, time)):
            return v.isoformat()
        if isinstance(v, list):
            return self.array(v)
        assert isinstance(v, dict)
        return self.inline_table(v)

    def array(self, items: list[Any]) -> str:
        if not items:
            return "[" + self.ws() + "]"
        if self.flag():  # one line
            inner = ("," + self.ws()).join(self.value(x) for x in items)
            return "[" + self.ws() + inner + ("," if self.flag() else "") + self.ws() + "]"
        parts = ["["]
        for x in items:
            parts.append("\n" + self.pick(["  ", "\t", ""]) + self.value(x) + "," + self.pick(["", " # c"]))
        return "".join(parts) + "\n]"

    def inline_table(self, table: dict[str, Any]) -> str:
        pairs: list[str] = []
        self._inline_pairs((), table, pairs)
        return "{" + self.ws() + ("," + self.ws()).join(pairs) + self.ws() + "}"

    def _inline_pairs(self, prefix: PathKey, table: dict[str, Any], pairs: list[str]) -> None:
        for k, v in table.items():
            if isinstance(v, dict) and v and self.flag():  # a dotted key inside the inline table
                self._inline_pairs((*prefix, k), v, pairs)
            else:
                pairs.append(f"{self.dotted((*prefix, k))}{self.ws()}={self.ws()}{self.value(v)}")

    # -- tables --------------------------------------------------------------------------------------------------
    def line(self, text: str) -> None:
        if self.flag() and self.flag():
            self.lines.append(self.pick(["", "# a comment", "  ", "#[[x]]"]))
        self.lines.append(self.pick(["", " ", "\t"]) + text + self.comment())

    def section(self, table: dict[str, Any], path: PathKey) -> None:
        later: list[tuple[str, PathKey, Any]] = []
        for k, v in table.items():
            if isinstance(v, dict):
                style = self.pick(["inline", "dotted", "section"] if v else ["inline", "section"])
                if style == "section":
                    later.append(("table", (*path, k), v))
                elif style == "dotted":
                    self.dotted_lines((k,), v)
                else:
                    self.line(f"{self.key(k)}{self.ws()}={self.ws()}{self.value(v)}")
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v) and self.flag():
                later.append(("array", (*path, k), v))
            else:
                self.line(f"{self.key(k)}{self.ws()}={self.ws()}{self.value(v)}")
        for kind, sub, v in later:
            if kind == "table":
                self.line(f"[{self.ws()}{self.dotted(sub)}{self.ws()}]")
                self.section(v, sub)
            else:
                for item in v:
                    self.line(f"[[{self.ws()}{self.dotted(sub)}{self.ws()}]]")
                    self.section(item, sub)

    def dotted_lines(self, prefix: PathKey, table: dict[str, Any]) -> None:
        for k, v in table.items():
            if isinstance(v, dict) and v and self.flag():
                self.dotted_lines((*prefix, k), v)
            else:
                self.line(f"{self.dotted((*prefix, k))}{self.ws()}={self.ws()}{self.value(v)}")

    def document(self, table: dict[str, Any]) -> str:
        self.section(table, ())
        newline = "\r\n" if self.flag() and not self.flag() else "\n"
        return newline.join(self.lines) + (newline if self.flag() else "")


# -- what the positions must point at ------------------------------------------------------------------------------


def all_paths(data: Any, prefix: PathKey = ()) -> set[PathKey]:
    out: set[PathKey] = set()
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for k, v in items:
        out.add((*prefix, k))
        out |= all_paths(v, (*prefix, k))
    return out


def text_at(text: str, pos: tuple[int, int]) -> str:
    line, column = pos
    return text.split("\n")[line - 1][column - 1 :]


_BASIC_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def written_key(at: str) -> str | None:
    """The key written at the start of ``at`` (bare, basic-quoted or literal-quoted), decoded."""
    if at.startswith('"'):
        m = _BASIC_TOKEN.match(at)
        return None if m is None else str(tomllib.loads("k = " + m.group())["k"])
    if at.startswith("'"):
        end = at.find("'", 1)
        return None if end < 0 else at[1:end]
    m = BARE.match(at)
    return None if m is None else m.group()


def value_starts(v: Any) -> tuple[str, ...]:
    """What the text of a value may start with."""
    if isinstance(v, bool):
        return ("true",) if v else ("false",)
    if isinstance(v, (int, float)):
        return tuple("+-0123456789in")
    if isinstance(v, str):
        return ('"', "'")
    if isinstance(v, (date, time)):
        return tuple("0123456789")
    if isinstance(v, list):
        return ("[",)  # an inline array, or the [[header]] of an array of tables
    return ("[", "{")  # a [header] or an inline table (or, implied by a dotted key: checked apart)


def value_at(data: Any, path: PathKey) -> Any:
    for p in path:
        data = data[p]
    return data


def check_positions(doc: TomlDocument) -> None:
    data, text = doc.data, doc.text
    paths = all_paths(data)
    assert set(doc.positions) == paths
    assert set(doc.key_positions) == {p for p in paths if isinstance(p[-1], str)}
    for path, pos in doc.key_positions.items():
        assert written_key(text_at(text, pos)) == path[-1], (path, pos, text_at(text, pos)[:30])
    for path, pos in doc.positions.items():
        at = text_at(text, pos)
        v = value_at(data, path)
        if isinstance(path[-1], str) and pos == doc.key_positions[path]:
            assert isinstance(v, dict), (path, at[:30])  # a table implied by a dotted key or a header
            continue
        if isinstance(v, dict) and isinstance(path[-1], int):
            assert at.startswith(("[[", "{")), (path, at[:30])  # an entry of an array of tables
            continue
        assert at.startswith(value_starts(v)), (path, v, at[:30])


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.data())
def test_on_any_valid_document_the_scan_finds_tomllibs_paths_and_points_at_them(
    table: dict[str, Any], data: st.DataObject
) -> None:
    text = Writer(data).document(table)
    expected = tomllib.loads(text)
    assert expected == table  # the writer wrote what it was given
    doc = parse_toml(text, "t.toml", ProjectError)
    assert doc.data == expected
    check_positions(doc)


TRICKY = [
    'a = """\nx = 1\n[not.a.table]\n"""\nb = 2\n',
    "a = '''x''''\nb = '''''y'''''\n",
    'a = """a\\"""" \nb = """\\\\"""\n',
    'a = "[# not a comment ]"  # [comment]\nb."c.d".\'e\' = { f = [1, { g = "}" }], h.i = 2 }\n',
    "a = [\n  1, # one\n  [2, 3], # [two]\n  { x = 4 },\n]\nb = 5\n",
    '[t]\n[[t.u]]\nk = 1\n[t.u.v]\nw = 2\n[[t.u]]\nk = 3\n[[t.u.z]]\n[ t . "q k" ]\n',
    "a = 1979-05-27 07:32:00Z\nb = 1979-05-27T00:32:00.999999-07:00\nc = 07:32:00\nd = [1979-05-27 07:32:00, 2]\n",
    'x.y = 1\nx.z = { a = 2 }\n"e" = 3\n\'\' . "" = 4\n',
    "a = 1\r\nb = [\r\n  2,\r\n]\r\n[c]\r\nd = 'e'\r\n",
    'a = "\\u00e9\\U0001F600\\t"\n"\\u00e9" = 1\n',
    "a = +inf\nb = -0.0\nc = 5e-324\nd = 0x_dead if false\n".replace(" if false", "").replace("0x_dead", "0xdead"),
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_documents(text: str) -> None:
    doc = parse_toml(text, "t.toml", ProjectError)
    assert doc.data == tomllib.loads(text)
    check_positions(doc)


def test_positions_of_a_project_file() -> None:
    text = 'id = "P-1"\nname = "n"\nproducts = [\n  "a",\n  "b",\n]\n\n[location]\ntown = "址山镇"\n'
    doc = parse_toml(text, "p.toml", ProjectError)
    assert doc.positions[("products", 1)] == (5, 3)
    assert doc.key_positions[("location", "town")] == (9, 1)
    assert doc.positions[("location", "town")] == (9, 8)
    assert doc.locate(("location", "park")) == (8, 1)  # falls back to the table header
    assert doc.string_column(("location", "town"), 1) == 10


def test_a_syntax_error_names_the_key_of_its_line() -> None:
    with pytest.raises(ProjectError) as info:
        parse_toml('id = "P"\n[location]\ntown = "址山镇\n', "p.toml", ProjectError)
    assert (info.value.line, info.value.field) == (3, "location.town")
    with pytest.raises(ProjectError) as info:
        parse_toml('id = "P"\nthis is not toml\n', "p.toml", ProjectError)
    assert info.value.line == 2
    assert info.value.field is None  # no key on that line
