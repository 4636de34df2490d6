"""JSON text of frozen pydantic models, byte for byte what ``json.dumps`` gives for their ``model_dump``.

:func:`write` returns ``json.dumps(model.model_dump(mode="json", by_alias=True), ensure_ascii=False,
allow_nan=False, indent=2)`` (``indent=None``: the compact form with ``separators=(",", ":")``) without building
the dict: a writer generated once per model class (:func:`writer_of`) reads the instance's fields and writes
their text with ``json``'s own C string encoder and ``float.__repr__`` (what ``json.dumps`` uses), so no scan or
decode is needed afterwards.

Parts that many reports share by identity (a rule's title, a citation, a pack reference: objects the compiled
pack owns and every report reuses) are written once and their text kept (:func:`share`, :func:`share_fields`),
keyed by the identity of the object, which the cache keeps alive (so the identity cannot be reused by another
object while the entry exists), and by the indentation it was written at. Consecutive shared fields of a model
(a finding's rule id, pack, title, severity and outcome) are kept as one text, keyed by the identities of all
their values (kept alive with it) and the indentation. Only frozen models whose fields hold immutable values
are kept, so a kept text cannot go stale; a changed copy or a model validated again is another object. Each
table is bounded (:data:`LIMIT` entries, the oldest dropped first).

The first model of a class is left to the reference path (generating a writer costs some tens of milliseconds,
which a run that writes one report would not win back); the writer is generated for the second.

Whenever a value is not one the writer knows it writes exactly as ``json.dumps`` would (a NaN or an infinity,
an ``int`` where the field is declared ``float``, a subclass instance, a type it does not know, a class with a
custom serializer), :func:`write` returns ``None`` and the caller takes the reference path (``model_dump`` +
``json.dumps``), which also keeps its errors (``ValueError`` for a NaN).
"""

from __future__ import annotations

import datetime as _dt
import enum
import json.encoder
import re
import sys
import threading
import types
import typing
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

__all__ = ["LIMIT", "cache_size", "cache_tables", "clear_cache", "share", "share_fields", "write", "writer_of"]

LIMIT = 4096
"""The most entries of each table of kept texts (the oldest entry is dropped first)."""

Writer = Callable[[Any, str], str]

_encode = json.encoder.encode_basestring  # the C encoder json.dumps(ensure_ascii=False) uses
_float = float.__repr__
_int = int.__repr__
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Unlike(Exception):
    """A value the generated writers do not write as ``json.dumps`` would: the caller takes the reference path."""


# --- the cache of shared parts ----------------------------------------------------------------------------------

_KEEP: dict[int, object] = {}
_BY_INDENT: dict[str, dict[int, str]] = {}
_LOCK = threading.Lock()
MAX_INDENTS = 64
"""The most indentations at which kept texts are written (deeper ones are not kept)."""
_SHARED_CLASSES: set[type[BaseModel]] = set()
_SHARED_FIELDS: dict[type[BaseModel], frozenset[str]] = {}
_WRITERS: dict[tuple[type[BaseModel], bool], Writer | None] = {}


def share(*classes: type[BaseModel]) -> None:
    """Keep the text of every instance of ``classes`` (frozen models of immutable values) wherever it appears."""
    for cls in classes:
        _check_shareable(cls)
        _SHARED_CLASSES.add(cls)
    _WRITERS.clear()


def share_fields(cls: type[BaseModel], *names: str) -> None:
    """Keep the text of the values of ``cls``'s fields ``names``: fields that hold objects the pack owns, the same
    object for the same rule in every report (a title, a rule id), not ones each report makes (an explanation).
    A model or tuple value of immutable values is kept by its identity; two or more consecutive such fields of
    immutable types, as one text by the identities of all their values."""
    for name in names:
        if name not in cls.model_fields and name not in cls.model_computed_fields:
            raise ValueError(f"{cls.__name__} has no field {name!r}")
    _SHARED_FIELDS[cls] = _SHARED_FIELDS.get(cls, frozenset()) | frozenset(names)
    _WRITERS.clear()


def clear_cache() -> None:
    """Drop every kept text (and the objects kept with them)."""
    with _LOCK:
        for texts in _BY_INDENT.values():
            texts.clear()
        _KEEP.clear()
        for runs in _RUNS:
            runs.clear()


def cache_size() -> int:
    """How many texts of shared objects and of runs of shared fields are kept, in all: at most :data:`LIMIT` in
    each of :func:`cache_tables`' tables."""
    return len(_KEEP) + sum(len(runs) for runs in _RUNS)


def cache_tables() -> int:
    """How many tables keep texts: one of the shared objects, one for each run of shared fields in a writer."""
    return 1 + len(_RUNS)


def _check_shareable(cls: type[BaseModel]) -> None:
    if not cls.model_config.get("frozen"):
        raise ValueError(f"{cls.__name__} is not frozen: its text cannot be kept")
    for name, field in cls.model_fields.items():
        if not _immutable(field.annotation):
            raise ValueError(f"{cls.__name__}.{name} may hold a mutable value: its text cannot be kept")


def _immutable(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return True
    if origin in (typing.Union, types.UnionType):
        return all(_immutable(a) for a in typing.get_args(annotation))
    if origin is tuple:
        args = typing.get_args(annotation)
        return all(_immutable(a) for a in args if a is not Ellipsis)
    if annotation in (str, int, float, bool, type(None), _dt.date):
        return True
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return bool(annotation.model_config.get("frozen")) and all(
            _immutable(f.annotation) for f in annotation.model_fields.values()
        )
    return False


# --- writing ------------------------------------------------------------------------------------------------------


def write(model: BaseModel, indent: bool = True, depth: int = 0) -> str | None:
    """``json.dumps(model.model_dump(mode="json", by_alias=True), ensure_ascii=False, allow_nan=False)`` with
    ``indent=2`` (or, with ``indent=False``, ``separators=(",", ":")``), no trailing newline, its lines after the
    first indented by ``depth`` more levels (as where it sits inside an enclosing object); ``None`` when the
    caller is to take that reference path: the model holds something the generated writers leave to it (see
    the module docstring), or this is the first model of its class written (generating a writer costs some
    tens of milliseconds, which a run that writes one report would not win back)."""
    key = (type(model), indent)
    if key in _WRITERS:
        w = _WRITERS[key]
    elif key not in _SEEN:
        _SEEN.add(key)
        return None
    else:
        w = writer_of(*key)
    if w is None:
        return None
    try:
        return w(model, ("\n" + "  " * depth) if indent else "")
    except (Unlike, KeyError, TypeError):
        return None


_SEEN: set[tuple[type[BaseModel], bool]] = set()


def writer_of(cls: type[BaseModel], indent: bool = True) -> Writer | None:
    """The generated writer of ``cls`` (``None`` when the class cannot have one: a custom serializer, a field
    type it does not know): ``writer(model, nl)`` where ``nl`` is a newline and the indentation of the line
    the model's text starts on (``""`` for the compact form)."""
    key = (cls, indent)
    if key in _WRITERS:
        return _WRITERS[key]
    _BUILDING.add(key)
    try:
        w: Writer | None = _Gen(indent).writer(cls)
    except _Unsupported:
        w = None
    finally:
        _BUILDING.discard(key)
    _WRITERS[key] = w
    return w


class _Unsupported(Exception):
    pass


def _unlike(x: object) -> None:
    raise Unlike(type(x).__name__)


def _texts_at(n: str) -> dict[int, str]:
    """The kept texts written at indentation ``n``, by the id of the object (kept alive in ``_KEEP``)."""
    texts = _BY_INDENT.get(n)
    if texts is None:
        if len(_BY_INDENT) >= MAX_INDENTS:
            return {}  # so deep that it is not kept
        with _LOCK:
            texts = _BY_INDENT.setdefault(n, {})
    return texts


def _keeping(write: Writer) -> Writer:
    """``write``, keeping each object's text (and the object) for the next time it is written at that indentation."""

    def keep(x: Any, n: str) -> str:
        text = write(x, n)
        texts = _BY_INDENT.get(n)
        if texts is not None:
            with _LOCK:
                key = id(x)
                if key not in _KEEP:
                    while len(_KEEP) >= LIMIT:
                        old = next(iter(_KEEP))
                        for kept in _BY_INDENT.values():  # first the texts, then the object they belong to
                            kept.pop(old, None)
                        del _KEEP[old]
                    _KEEP[key] = x
                texts[key] = text
        return text

    return keep


MAX_INLINE = 6
"""How deep nested models are written inline in their parent's writer (deeper ones call their own writer)."""

Entry = tuple[str, str, Any, Any, bool]  # key, attribute, annotation, exclude_if, computed


def _entries(cls: type[BaseModel]) -> list[Entry]:
    """The JSON members of ``cls`` in model_dump's order (fields, then computed fields)."""
    decorators = cls.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers:
        raise _Unsupported(cls)
    if cls.model_config.get("extra") == "allow" or getattr(cls, "__pydantic_root_model__", False):
        raise _Unsupported(cls)
    entries: list[Entry] = []
    for name, field in cls.model_fields.items():
        if field.exclude:
            continue
        key = field.serialization_alias or field.alias or name
        entries.append((key, name, field.annotation, getattr(field, "exclude_if", None), False))
    for name, computed in cls.model_computed_fields.items():
        entries.append((computed.alias or name, name, _return_type(cls, computed), None, True))
    if not entries or entries[0][3] is not None or not all(_KEY.match(e[0]) for e in entries):
        raise _Unsupported(cls)
    return entries


def _return_type(cls: type[BaseModel], computed: Any) -> Any:
    """A computed field's return type; read from the property where pydantic has not resolved it yet (a model
    with ``defer_build`` that was never validated, e.g. a report built without validation)."""
    kind = computed.return_type
    if kind is PydanticUndefined or isinstance(kind, str | typing.ForwardRef):
        prop = computed.wrapped_property
        getter = getattr(prop, "fget", None) or getattr(prop, "func", None)
        try:
            kind = typing.get_type_hints(getter, vars(sys.modules[cls.__module__])).get("return", PydanticUndefined)
        except Exception as exc:  # an annotation that cannot be resolved here: pydantic writes this class
            raise _Unsupported(cls) from exc
        if kind is PydanticUndefined:
            raise _Unsupported(cls)
    return kind


class _Gen:
    """Generates the Python source of one writer: nested models inline, arrays as loops, scalars as expressions
    inside one f-string per model (expressions use no single quote: they sit in a single-quoted f-string)."""

    def __init__(self, indent: bool) -> None:
        self.indent = indent
        self.env: dict[str, Any] = {
            "E": _encode,
            "I": _int,
            "U": _unlike,
            "DATE": _dt.date,
            "Q": '"',
            "F": _float,
            "CD": _texts_at,
        }
        self.lines: list[str] = []
        self.count = 0
        self.stack: list[type[BaseModel]] = []
        self.deepest = 0
        self.kept: set[str] = set()

    def deeper(self, n: str) -> str:
        """The name of the indentation one level below ``n`` (``N0``, ``N1``, … made once per call)."""
        if not self.indent:
            return n
        k = int(n[1:]) + 1
        self.deepest = max(self.deepest, k)
        return f"N{k}"

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, value: object, prefix: str) -> str:
        name = self.fresh(prefix)
        self.env[name] = value
        return name

    def put(self, level: int, line: str) -> None:
        self.lines.append("    " * level + line)

    def finish(self, name: str) -> Writer:
        head = ["def w(m, n):"]
        if self.indent:
            head.append("    N0 = n")
            head += [f"    N{k} = N{k - 1} + '  '" for k in range(1, self.deepest + 1)]
            head += [f"    J{k} = ',' + N{k}" for k in range(1, self.deepest + 1)]
        head += [f"    K{n} = CD({n})" for n in sorted(self.kept)]
        source = "\n".join(head + self.lines) + "\n"
        scope = dict(self.env)
        exec(compile(source, f"<json writer of {name}>", "exec"), scope)
        w: Writer = scope["w"]
        return w

    def writer(self, cls: type[BaseModel]) -> Writer:
        entries = _entries(cls)
        self.stack.append(cls)
        self.model(entries, _SHARED_FIELDS.get(cls, frozenset()), "m", "out", self.root, 1, 0)
        self.put(1, "return out")
        return self.finish(cls.__qualname__)

    def array_writer(self, item: Any) -> Writer:
        self.array(item, "m", "out", self.root, 1, 0)
        self.put(1, "return out")
        return self.finish("an array")

    @property
    def root(self) -> str:
        return "N0" if self.indent else "n"

    def model(self, entries: list[Entry], shared: frozenset[str], x: str, out: str, n: str, level: int,
              depth: int) -> None:  # fmt: skip
        """Statements setting ``out`` to the text of the model ``x`` (of the class of ``entries``) at ``n``."""
        d = self.fresh("d")
        self.put(level, f"{d} = {x}.__dict__")
        n1 = self.deeper(n)
        pieces: list[str] = []
        runs = _runs(entries, shared)
        for i, (key, attr, annotation, exclude_if, computed) in enumerate(entries):
            if i in runs:
                if runs[i]:
                    pieces.append("{" + self.run(entries[i : i + runs[i]], i == 0, d, n, level) + "}")
                continue
            get = f"{x}.{attr}" if computed else f'{d}["{attr}"]'
            sep = "," if i else ""
            head = f'{sep}{{{n1}}}"{key}": ' if self.indent else f'{sep}"{key}":'
            if exclude_if is None:
                expr = self.value(annotation, get, n1, level, depth + 1, attr in shared)
                pieces.append(head + "{" + expr + "}")
                continue
            xv, v = self.fresh("x"), self.fresh("v")
            self.put(level, f"{xv} = {get}")
            self.put(level, f"if {self.const(exclude_if, 'X')}({xv}):")
            self.put(level + 1, f"{v} = ''")
            self.put(level, "else:")
            # a field that is usually left out (e.g. what only --explain adds): its model's own writer, made when met
            expr = self.value(annotation, xv, n1, level + 1, depth + 1, attr in shared, inline=False)
            self.put(level + 1, v + " = f'" + head + "{" + expr + "}'")
            pieces.append("{" + v + "}")
        tail = "{" + n + "}}}" if self.indent else "}}"
        self.put(level, out + " = f'{{" + "".join(pieces) + tail + "'")

    def run(self, entries: list[Entry], first: bool, d: str, n: str, level: int) -> str:
        """Statements setting a variable (its name returned) to the text of a run of fields whose values the pack
        owns: kept by the identities of the values (kept alive with it) and the indentation."""
        names = [self.fresh("x") for _ in entries]
        for name, entry in zip(names, entries, strict=True):
            self.put(level, f'{name} = {d}["{entry[1]}"]')
        runs: dict[tuple[object, ...], tuple[tuple[object, ...], str]] = {}
        _RUNS.append(runs)
        write = self.const(_Gen(self.indent).run_writer(entries, first, runs), "RW")
        table, e, v = self.const(runs, "R"), self.fresh("e"), self.fresh("v")
        ids = "".join(f"id({name}), " for name in names)
        self.put(level, f"{e} = {table}.get(({ids}{n}))")
        self.put(level, f"{v} = {e}[1] if {e} is not None else {write}(({', '.join(names)},), {n})")
        return v

    def run_writer(self, entries: list[Entry], first: bool, runs: dict[Any, Any]) -> Writer:
        """``w(values, n)``: the text of a run of fields (with its separators) of a model at indentation ``n``."""
        n1 = self.deeper(self.root)
        pieces: list[str] = []
        for j, (key, _attr, annotation, _exclude_if, _computed) in enumerate(entries):
            expr = self.value(annotation, f"m[{j}]", n1, 1, 1)
            sep = "" if first and j == 0 else ","
            head = f'{sep}{{{n1}}}"{key}": ' if self.indent else f'{sep}"{key}":'
            pieces.append(head + "{" + expr + "}")
        self.env["STORE"] = _storer(runs)
        self.put(1, f"return STORE(m, {self.root}, f'" + "".join(pieces) + "')")
        return self.finish("a run of fields")

    def value(
        self, annotation: Any, get: str, n: str, level: int, depth: int, shared: bool = False, inline: bool = True
    ) -> str:
        """An expression for the text of the value ``get`` of type ``annotation`` (statements before it where
        needed); a value of any other type is :class:`Unlike`."""
        alternatives = _alternatives(annotation)
        if alternatives == (str,):
            return f"E({get})"  # E raises TypeError on anything but a str: the reference path then
        x = get
        if not _NAME.match(get):
            x = self.fresh("x")
            self.put(level, f"{x} = {get}")
        if shared and len([a for a in alternatives if a is not type(None)]) == 1:
            kept = self.kept_value(next(a for a in alternatives if a is not type(None)), x, n)
            if kept is not None:
                none = f'"null" if {x} is None else ' if type(None) in alternatives else ""
                return f"({none}{kept} if type({x}) is {kept_type(self, alternatives)} else U({x}))"
        simple: list[tuple[str, str]] = []
        complex_: list[tuple[str, Callable[[str, int], None]]] = []
        models = [a for a in alternatives if isinstance(a, type) and issubclass(a, BaseModel)]
        inline = inline and len(models) <= 1  # a union of models calls each one's own writer
        for alt in alternatives:
            for condition, how in self.cases(alt, x, n, depth, inline):
                if isinstance(how, str):
                    simple.append((condition, how))
                else:
                    complex_.append((condition, how))
        if not complex_:
            expr = f"U({x})"
            for condition, how in reversed(simple):
                expr = f"{how} if {condition} else {expr}"
            return "(" + expr + ")"
        v = self.fresh("v")
        keyword = "if"
        for condition, how in simple:
            self.put(level, f"{keyword} {condition}:")
            self.put(level + 1, f"{v} = {how}")
            keyword = "elif"
        for condition, make in complex_:
            self.put(level, f"{keyword} {condition}:")
            make(v, level + 1)
            keyword = "elif"
        self.put(level, "else:")
        self.put(level + 1, f"U({x})")
        return v

    def kept_value(self, alt: Any, x: str, n: str) -> str | None:
        """The expression of a kept text for ``x`` (a shareable model or tuple), or None when it cannot be kept."""
        if isinstance(alt, type) and issubclass(alt, BaseModel):
            if not _shareable(alt):
                return None
            try:
                _entries(alt)
            except _Unsupported:
                return None
            write: Writer = _Lazy(alt, self.indent)
        elif typing.get_origin(alt) is tuple and _immutable(alt):
            args = typing.get_args(alt)
            if len(args) != 2 or args[1] is not Ellipsis:
                return None
            write = _Gen(self.indent).array_writer(args[0])
        else:
            return None
        self.kept.add(n)
        return f"(K{n}.get(id({x})) or {self.const(_keeping(write), 'S')}({x}, {n}))"

    def cases(self, alt: Any, x: str, n: str, depth: int, inline: bool = True) -> list[tuple[str, Any]]:
        """The conditions that ``x`` is of type ``alt``, each with an expression of its text or a function
        emitting statements that set a variable to it; none for a type it does not know."""
        if alt is type(None):
            return [(f"{x} is None", '"null"')]
        if alt is bool:
            return [(f"{x} is True", '"true"'), (f"{x} is False", '"false"')]
        if alt is str:
            return [(f"type({x}) is str", f"E({x})")]
        if alt is int:
            return [(f"type({x}) is int", f"I({x})")]
        if alt is float:
            # x - x is 0.0 for a finite float: NaN and the infinities go on to U (the reference path)
            return [(f"type({x}) is float and {x} - {x} == 0.0", f"F({x})")]
        if alt is _dt.date:
            return [(f"type({x}) is DATE", f"Q + {x}.isoformat() + Q")]
        origin = typing.get_origin(alt)
        if origin is Literal:
            if all(type(v) is str for v in typing.get_args(alt)):
                return [(f"type({x}) is str", f"E({x})")]
            return []
        if isinstance(alt, type) and issubclass(alt, enum.Enum):
            if all(type(m.value) is str for m in alt):
                return [(f"type({x}) is {self.const(alt, 'T')}", f"E({x}._value_)")]
            return []
        if origin is tuple:
            args = typing.get_args(alt)
            if len(args) != 2 or args[1] is not Ellipsis:
                return []
            if args[0] is str:
                n1 = self.deeper(n)
                if self.indent:
                    text = f'(("[" + {n1} + J{n1[1:]}.join(map(E, {x})) + {n} + "]") if {x} else "[]")'
                else:
                    text = f'(("[" + ",".join(map(E, {x})) + "]") if {x} else "[]")'
                return [(f"type({x}) is tuple", text)]

            def array(v: str, level: int) -> None:
                self.array(args[0], x, v, n, level, depth)

            return [(f"type({x}) is tuple", array)]
        if isinstance(alt, type) and issubclass(alt, BaseModel):
            try:
                entries = _entries(alt)
            except _Unsupported:
                return []
            condition = f"type({x}) is {self.const(alt, 'T')}"
            if alt in _SHARED_CLASSES:
                kept = self.kept_value(alt, x, n)
                if kept is not None:
                    return [(condition, kept)]
            if not inline or depth > MAX_INLINE or alt in self.stack:
                return [(condition, f"{self.const(_Lazy(alt, self.indent), 'W')}({x}, {n})")]
            shared = _SHARED_FIELDS.get(alt, frozenset())

            def in_place(v: str, level: int) -> None:
                self.stack.append(alt)
                self.model(entries, shared, x, v, n, level, depth)
                self.stack.pop()

            return [(condition, in_place)]
        return []

    def array(self, item: Any, x: str, out: str, n: str, level: int, depth: int) -> None:
        """Statements setting ``out`` to the JSON array of the tuple ``x`` of ``item`` values."""
        self.put(level, f"if not {x}:")
        self.put(level + 1, f'{out} = "[]"')
        self.put(level, "else:")
        level += 1
        n1 = self.deeper(n)
        parts, i = self.fresh("p"), self.fresh("i")
        self.put(level, f"{parts} = []")
        self.put(level, f"for {i} in {x}:")
        expr = self.value(item, i, n1, level + 1, depth + 1)
        self.put(level + 1, f"{parts}.append({expr})")
        if self.indent:
            self.put(level, f'{out} = "[" + {n1} + J{n1[1:]}.join({parts}) + {n} + "]"')
        else:
            self.put(level, f'{out} = "[" + ",".join({parts}) + "]"')


def _runs(entries: list[Entry], shared: frozenset[str]) -> dict[int, int]:
    """Where runs of two or more consecutive shared fields (plain fields of immutable values) start: index to
    length, and 0 at the other indices of each run."""
    out: dict[int, int] = {}
    i = 0
    while i < len(entries):
        j = i
        while j < len(entries) and _runnable(entries[j], shared):
            j += 1
        if j - i >= 2:
            out[i] = j - i
            out.update((k, 0) for k in range(i + 1, j))
        i = max(j, i + 1)
    return out


def _runnable(entry: Entry, shared: frozenset[str]) -> bool:
    _key, attr, annotation, exclude_if, computed = entry
    return attr in shared and not computed and exclude_if is None and _immutable(annotation)


def _storer(runs: dict[Any, tuple[tuple[object, ...], str]]) -> Callable[[tuple[object, ...], str, str], str]:
    """Keeps a run's text in ``runs`` by the identities of its values (kept with it) and its indentation."""

    def store(values: tuple[object, ...], n: str, text: str) -> str:
        key = (*map(id, values), n)
        with _LOCK:
            while len(runs) >= LIMIT:
                del runs[next(iter(runs))]
            runs[key] = (values, text)
        return text

    return store


_RUNS: list[dict[Any, tuple[tuple[object, ...], str]]] = []


def kept_type(gen: _Gen, alternatives: tuple[Any, ...]) -> str:
    alt = next(a for a in alternatives if a is not type(None))
    return "tuple" if typing.get_origin(alt) is tuple else gen.const(alt, "T")


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _shareable(cls: type[BaseModel]) -> bool:
    try:
        _check_shareable(cls)
    except ValueError:
        return False
    return True


_BUILDING: set[tuple[type[BaseModel], bool]] = set()


class _Lazy:
    """The writer of a model class, generated on first use (a model may contain its own class)."""

    __slots__ = ("cls", "indent", "w")

    def __init__(self, cls: type[BaseModel], indent: bool) -> None:
        self.cls = cls
        self.indent = indent
        self.w: Writer | None = None

    def __call__(self, x: Any, n: str) -> str:
        w = self.w
        if w is None:
            w = writer_of(self.cls, self.indent)
            if w is None:
                raise Unlike(self.cls.__name__)
            self.w = w
        return w(x, n)


def _alternatives(annotation: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)
