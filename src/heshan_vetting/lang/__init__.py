"""The condition language of rule packs, knowing nothing of packs: syntax, parser, values, types, ops and compiler.

The face of the language is :func:`parse`, :func:`unparse`, :func:`names_in`, the node types and
:class:`ExprSyntaxError`; :mod:`.compiler` type-checks a tree against a :class:`~.types.Namespace` and compiles it
to the closures of :mod:`.ops`. Every walk over a tree is a ``match`` ending in ``assert_never``
(tests/test_walkers.py), so a new node kind is a mypy error wherever it must be handled.
"""

from __future__ import annotations

from heshan_vetting.lang.parser import parse
from heshan_vetting.lang.syntax import (
    BinOp,
    BoolLit,
    BoolOp,
    Compare,
    ExprSyntaxError,
    Index,
    ListLit,
    Member,
    Name,
    Node,
    Not,
    Num,
    Prefix,
    Present,
    Str,
    Unary,
    names_in,
    unparse,
)

__all__ = [
    "BinOp",
    "BoolLit",
    "BoolOp",
    "Compare",
    "ExprSyntaxError",
    "Index",
    "ListLit",
    "Member",
    "Name",
    "Node",
    "Not",
    "Num",
    "Prefix",
    "Present",
    "Str",
    "Unary",
    "names_in",
    "parse",
    "unparse",
]
