"""The syntax tree of the condition language: its node types, the names a tree reads, and unparsing."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal, NoReturn

from heshan_vetting.errors import BilingualValueError

if sys.version_info >= (3, 11):
    from typing import assert_never
else:

    def assert_never(value: NoReturn, /) -> NoReturn:
        """Unreachable: mypy reports a call whose argument is not ``NoReturn`` (a node kind a walker missed)."""
        raise AssertionError(f"Expected code to be unreachable, but got: {value!r}")


ArithOp = Literal["+", "-", "*", "/"]
CmpOp = Literal["<", "<=", ">", ">=", "==", "!="]
LogicOp = Literal["and", "or"]


class ExprSyntaxError(BilingualValueError):
    """A condition could not be parsed; ``pos`` is the 0-based offset in the source."""

    def __init__(self, message_en: str, message_zh: str, pos: int) -> None:
        super().__init__(message_en, message_zh)
        self.pos = pos
        self.args = (f"{message_en} (at offset {pos})",)


@dataclass(frozen=True)
class Num:
    value: float
    unit: str | None
    pos: int


@dataclass(frozen=True)
class Str:
    value: str
    pos: int


@dataclass(frozen=True)
class BoolLit:
    value: bool
    pos: int


@dataclass(frozen=True)
class Name:
    id: str
    pos: int


@dataclass(frozen=True)
class Index:
    table: Name
    key: Node
    pos: int


@dataclass(frozen=True)
class ListLit:
    items: tuple[Node, ...]
    pos: int


@dataclass(frozen=True)
class Unary:
    op: Literal["-"]
    operand: Node
    pos: int


@dataclass(frozen=True)
class BinOp:
    op: ArithOp
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class Compare:
    op: CmpOp
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class BoolOp:
    op: LogicOp
    values: tuple[Node, ...]
    pos: int


@dataclass(frozen=True)
class Not:
    operand: Node
    pos: int


@dataclass(frozen=True)
class Member:
    left: Node
    right: Node
    negated: bool
    pos: int


@dataclass(frozen=True)
class Prefix:
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class Present:
    name: Name
    negated: bool
    pos: int


Node = Num | Str | BoolLit | Name | Index | ListLit | Unary | BinOp | Compare | BoolOp | Not | Member | Prefix | Present


def names_in(node: Node) -> list[Name]:
    """Every :class:`Name` in the tree (tables included), in source order."""
    out: list[Name] = []

    def walk(n: Node) -> None:
        match n:
            case Name():
                out.append(n)
            case Index():
                out.append(n.table)
                walk(n.key)
            case ListLit():
                for item in n.items:
                    walk(item)
            case Unary() | Not():
                walk(n.operand)
            case BinOp() | Compare() | Member() | Prefix():
                walk(n.left)
                walk(n.right)
            case BoolOp():
                for v in n.values:
                    walk(v)
            case Present():
                out.append(n.name)
            case Num() | Str() | BoolLit():
                pass
            case _:
                assert_never(n)

    walk(node)
    return out


def _prec(node: Node) -> int:
    match node:
        case BoolOp():
            return 1 if node.op == "or" else 2
        case Not():
            return 3
        case Compare() | Member() | Prefix() | Present():
            return 4
        case BinOp():
            return 5 if node.op in ("+", "-") else 6
        case Unary():
            return 7
        case Num() | Str() | BoolLit() | Name() | Index() | ListLit():
            return 8
        case _:
            assert_never(node)


def _sub(node: Node, parent: int, *, right: bool = False) -> str:
    """``node`` as an operand of an operator of precedence ``parent``, parenthesised when needed."""
    text = unparse(node)
    mine = _prec(node)
    # comparisons do not chain and "-", "/" are not associative, so equal precedence on the right wraps
    if mine < parent or (mine == parent and (right or parent == 4)):
        return f"({text})"
    return text


def unparse(node: Node) -> str:
    """Write a tree back as condition text (normalised spacing, minimal parentheses)."""
    match node:
        case Num():
            text = repr(node.value).removesuffix(".0")
            if node.unit == "%":
                return text + "%"
            return f"{text}[{node.unit}]" if node.unit else text
        case Str():
            return f"'{node.value}'" if '"' in node.value else f'"{node.value}"'
        case BoolLit():
            return "true" if node.value else "false"
        case Name():
            return node.id
        case Index():
            return f"{node.table.id}[{unparse(node.key)}]"
        case ListLit():
            return "[" + ", ".join(unparse(i) for i in node.items) + "]"
        case Unary():
            return f"-{_sub(node.operand, _prec(node))}"
        case BinOp() | Compare():
            me = _prec(node)
            return f"{_sub(node.left, me)} {node.op} {_sub(node.right, me, right=True)}"
        case BoolOp():
            me = _prec(node)
            return f" {node.op} ".join(_sub(v, me, right=True) for v in node.values)
        case Not():
            return f"not {_sub(node.operand, _prec(node))}"
        case Member():
            me = _prec(node)
            word = "not in" if node.negated else "in"
            return f"{_sub(node.left, me)} {word} {_sub(node.right, me, right=True)}"
        case Prefix():
            me = _prec(node)
            return f"{_sub(node.left, me)} startswith {_sub(node.right, me, right=True)}"
        case Present():
            return f"{_sub(node.name, _prec(node))} is {'missing' if node.negated else 'present'}"
        case _:
            assert_never(node)
