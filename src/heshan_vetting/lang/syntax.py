"""The syntax tree of the condition language: its node types, the names a tree reads, and unparsing."""

from __future__ import annotations

from dataclasses import dataclass

from heshan_vetting.errors import BilingualValueError


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
    op: str
    operand: Node
    pos: int


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class BoolOp:
    op: str
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
        if isinstance(n, Name):
            out.append(n)
        elif isinstance(n, Index):
            out.append(n.table)
            walk(n.key)
        elif isinstance(n, ListLit):
            for item in n.items:
                walk(item)
        elif isinstance(n, (Unary, Not)):
            walk(n.operand)
        elif isinstance(n, (BinOp, Compare, Member, Prefix)):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, BoolOp):
            for v in n.values:
                walk(v)
        elif isinstance(n, Present):
            out.append(n.name)

    walk(node)
    return out


def _prec(node: Node) -> int:
    if isinstance(node, BoolOp):
        return 1 if node.op == "or" else 2
    if isinstance(node, Not):
        return 3
    if isinstance(node, (Compare, Member, Prefix, Present)):
        return 4
    if isinstance(node, BinOp):
        return 5 if node.op in ("+", "-") else 6
    if isinstance(node, Unary):
        return 7
    return 8


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
    if isinstance(node, Num):
        text = repr(node.value).removesuffix(".0")
        if node.unit == "%":
            return text + "%"
        return f"{text}[{node.unit}]" if node.unit else text
    if isinstance(node, Str):
        return f"'{node.value}'" if '"' in node.value else f'"{node.value}"'
    if isinstance(node, BoolLit):
        return "true" if node.value else "false"
    if isinstance(node, Name):
        return node.id
    if isinstance(node, Index):
        return f"{node.table.id}[{unparse(node.key)}]"
    if isinstance(node, ListLit):
        return "[" + ", ".join(unparse(i) for i in node.items) + "]"
    me = _prec(node)
    if isinstance(node, Unary):
        return f"-{_sub(node.operand, me)}"
    if isinstance(node, BinOp):
        return f"{_sub(node.left, me)} {node.op} {_sub(node.right, me, right=True)}"
    if isinstance(node, Compare):
        return f"{_sub(node.left, me)} {node.op} {_sub(node.right, me, right=True)}"
    if isinstance(node, BoolOp):
        return f" {node.op} ".join(_sub(v, me, right=True) for v in node.values)
    if isinstance(node, Not):
        return f"not {_sub(node.operand, me)}"
    if isinstance(node, Member):
        word = "not in" if node.negated else "in"
        return f"{_sub(node.left, me)} {word} {_sub(node.right, me, right=True)}"
    if isinstance(node, Prefix):
        return f"{_sub(node.left, me)} startswith {_sub(node.right, me, right=True)}"
    return f"{_sub(node.name, me)} is {'missing' if node.negated else 'present'}"
