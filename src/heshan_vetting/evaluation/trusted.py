"""Report models built from values the check itself made, without pydantic's validation.

A check builds some 70-220 frozen models (findings, comparisons, facts, texts, score parts) from values that are
already of the field's type: a compiled rule's title is a :class:`~heshan_vetting.terms.Text`, a comparison's
figures are floats, its passed flag a bool. Validating them again cost a fifth of a check. :func:`trusted` sets
the fields directly, as pydantic's own validation would leave them (the same ``__dict__``, in field order, so the
same ``==``, ``repr``, JSON and pickle).

The callers pass every field, in declaration order, with the value validation would give (floats as floats,
tuples as tuples, enums as members). Never for anything from outside the library (a project, a plugin's result):
those stay validated. :data:`VALIDATE` makes :func:`trusted` validate instead and check the call (every field,
in order, nothing changed by validation): ``tests/test_trusted.py`` runs the examples both ways.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

VALIDATE = False
"""True: :func:`trusted` validates and checks its call (for the tests); never set in production code."""

_FIELDS_SET: dict[type[BaseModel], set[str]] = {}
_new = object.__new__
_set = object.__setattr__


def trusted(cls: type[M], values: dict[str, Any]) -> M:
    """An instance of ``cls`` with ``values`` (every field, in declaration order), not validated.

    Only for values the library made itself, of exactly the field's type (see the module docstring)."""
    if VALIDATE:
        return _checked(cls, values)
    model = _new(cls)
    _set(model, "__dict__", values)
    fields = _FIELDS_SET.get(cls)
    if fields is None:
        fields = _FIELDS_SET[cls] = set(cls.model_fields)
    # one set per class: every field is set, so pydantic's only in-place change (adding a field name on
    # assignment, and the models are frozen) changes nothing; copies get their own set. Fewer objects for the
    # garbage collector to walk (it walked a third of a check's time in a batch that keeps its reports)
    _set(model, "__pydantic_fields_set__", fields)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def _checked(cls: type[M], values: dict[str, Any]) -> M:
    names = list(cls.model_fields)
    if list(values) != names:
        raise AssertionError(f"trusted({cls.__name__}): fields {list(values)}, declared {names}")
    model = cls.model_validate(values)
    for name, value in values.items():
        got = getattr(model, name)
        if type(got) is not type(value) or repr(got) != repr(value):
            raise AssertionError(f"trusted({cls.__name__}).{name}: {value!r} validates to {got!r}")
    return model


def all_of(cls: type, items: Iterable[Any]) -> bool:
    """Whether every item is exactly a ``cls`` (not a subclass): what validation would keep as it is."""
    return all(type(item) is cls for item in items)
