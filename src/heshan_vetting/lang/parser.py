"""The parser of the condition language: text to the typed syntax tree of :mod:`.syntax`, with its limits.

A condition is a short expression such as::

    industry_code in two_high_industries and not (energy_consumption < 5000[tce])
    investment_intensity >= min_investment_intensity
    min_plot_ratio[industry_code] <= plot_ratio
    annual_tax is present

It is parsed here into an immutable tree; :mod:`.compiler` type-checks it against a pack's names
and units and compiles it to closures. Nothing is ever passed to ``eval`` or ``exec``;
attribute access, calls, subscripts of anything but a table, and names starting with ``_`` are
syntax errors, so a pack cannot reach Python objects.

A condition is at most :data:`~heshan_vetting.limits.MAX_CONDITION_LENGTH` characters and
:data:`~heshan_vetting.limits.MAX_CONDITION_NODES` tree nodes; it nests at most
:data:`~heshan_vetting.limits.MAX_CONDITION_DEPTH` brackets deep and its tree is at most that deep, so
that every walk over a tree (here, in the compiler and in the engines) stays far from Python's
recursion limit. A number literal is finite, at most :data:`~heshan_vetting.limits.MAX_PACK_NUMBER`
in magnitude, and not so small that it would be read as 0.

Grammar (lowest precedence first)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | test
    test    := sum [ cmpop sum | ["not"] "in" sum | "startswith" sum | "is" ["not"] ("present"|"missing") ]
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/" | "×" | "÷") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER ["[" unit "]" | "%"] | STRING | "true" | "false"
             | NAME ["[" expr "]"] | "(" expr ")" | "[" [expr ("," expr)*] "]"
    cmpop   := "<" | "<=" | ">" | ">=" | "==" | "!=" | "≤" | "≥" | "≠"
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from heshan_vetting.lang.syntax import (
    ArithOp,
    BinOp,
    BoolLit,
    BoolOp,
    CmpOp,
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
)
from heshan_vetting.limits import (
    MAX_CONDITION_DEPTH,
    MAX_CONDITION_LENGTH,
    MAX_CONDITION_NODES,
    MAX_PACK_NUMBER,
    number_text,
)

_FORBIDDEN_WORDS = {"import", "lambda", "exec", "eval", "open", "getattr", "setattr", "globals", "locals"}
_KEYWORDS = {"and", "or", "not", "in", "startswith", "is", "present", "missing", "true", "false"}
_CMP_OPS: dict[str, CmpOp] = {
    "<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!=", "≤": "<=", "≥": ">=", "≠": "!=", "＝": "==",
}  # fmt: skip
"""Comparison tokens (aliases included) and the operator each is."""
_ARITH_OPS: dict[str, ArithOp] = {"+": "+", "-": "-", "*": "*", "/": "/", "×": "*", "÷": "/"}
"""Arithmetic tokens (aliases included) and the operator each is."""


@dataclass(frozen=True)
class _Tok:
    kind: str  # NUM, UNIT, STR, NAME, OP, EOF
    text: str
    pos: int


_NUM = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[^\W\d]\w*", re.UNICODE)
_OPS = ["<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",",
        "≤", "≥", "≠", "＝", "×", "÷", "."]  # fmt: skip


def _tokenize(src: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
            continue
        m = _NUM.match(src, i)
        if m:
            toks.append(_Tok("NUM", m.group(0), i))
            i = m.end()
            j = i
            while j < n and src[j] in " \t":
                j += 1
            if j < n and src[j] == "%":
                toks.append(_Tok("UNIT", "%", j))
                i = j + 1
            elif j < n and src[j] == "[":
                end = src.find("]", j)
                if end < 0:
                    raise ExprSyntaxError(
                        "A unit opened with '[' is not closed with ']'.", "单位的“[”缺少对应的“]”。", j
                    )
                unit = src[j + 1 : end].strip()
                if not unit:
                    raise ExprSyntaxError("The unit in '[]' is empty.", "“[]”中的单位为空。", j)
                toks.append(_Tok("UNIT", unit, j + 1))
                i = end + 1
            continue
        if c in "\"'":
            end = src.find(c, i + 1)
            if end < 0:
                raise ExprSyntaxError("A string is not closed.", "字符串缺少结束引号。", i)
            toks.append(_Tok("STR", src[i + 1 : end], i))
            i = end + 1
            continue
        m = _NAME.match(src, i)
        if m:
            toks.append(_Tok("NAME", m.group(0), i))
            i = m.end()
            continue
        for op in _OPS:
            if src.startswith(op, i):
                toks.append(_Tok("OP", op, i))
                i += len(op)
                break
        else:
            for tok in toks:
                if tok.kind == "NAME" and tok.text in _FORBIDDEN_WORDS:
                    raise ExprSyntaxError(
                        f"{tok.text!r} is not part of the condition language.",
                        f"{tok.text!r} 不属于条件语言。",
                        tok.pos,
                    )
            if c == "=":
                raise ExprSyntaxError("Use '==' to compare, not '='.", "比较相等请用“==”，不要用“=”。", i)
            raise ExprSyntaxError(f"Unexpected character {c!r}.", f"意外的字符 {c!r}。", i)
    toks.append(_Tok("EOF", "", n))
    return toks


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = _tokenize(src)
        self.i = 0
        self.open = 0  # brackets open at this point: the parser's own recursion
        self.nodes = 0
        self.heights: dict[int, int] = {}  # id(node) -> height of its subtree (the tree keeps every node alive)

    def mk(self, node: Node, children: tuple[Node, ...] = (), at: int | None = None) -> Node:
        """Count ``node`` (built over ``children``) against the size and depth limits; ``at`` is where to point."""
        self.nodes += 1
        where = node.pos if at is None else at
        if self.nodes > MAX_CONDITION_NODES:
            raise ExprSyntaxError(
                f"The condition is too large: at most {MAX_CONDITION_NODES} names, numbers, texts and operators "
                "are allowed; split it, e.g. into derived metrics.",
                f"条件过大：名称、数值、文本和运算符合计最多 {MAX_CONDITION_NODES} 个；请拆分（例如拆成派生指标）。",
                where,
            )
        height = 1 + max((self.heights[id(c)] for c in children), default=0)
        if height > MAX_CONDITION_DEPTH:
            raise ExprSyntaxError(
                f"The condition nests too deeply here: at most {MAX_CONDITION_DEPTH} levels are allowed (each "
                "operator, 'not' and '-' is one level above its operands, so a + b + c is 3 deep); split it, e.g. "
                "into derived metrics.",
                f"条件在此处嵌套过深：最多 {MAX_CONDITION_DEPTH} 层（每个运算符、not 和负号都比其操作数高一层，"
                "a + b + c 为 3 层）；请拆分（例如拆成派生指标）。",
                where,
            )
        self.heights[id(node)] = height
        return node

    def enter(self, tok: _Tok) -> None:
        """A bracket opens at ``tok``."""
        self.open += 1
        if self.open > MAX_CONDITION_DEPTH:
            raise ExprSyntaxError(
                f"Brackets are nested too deeply: at most {MAX_CONDITION_DEPTH} may be open at once.",
                f"括号嵌套过深：同时最多 {MAX_CONDITION_DEPTH} 层。",
                tok.pos,
            )

    def peek(self, k: int = 0) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        tok = self.peek()
        return tok.kind == kind and (text is None or tok.text == text)

    def expect(self, kind: str, text: str) -> _Tok:
        tok = self.peek()
        if tok.kind != kind or tok.text != text:
            found = "the end of the condition" if tok.kind == "EOF" else repr(tok.text)
            found_zh = "条件结尾" if tok.kind == "EOF" else repr(tok.text)
            raise ExprSyntaxError(
                f"Expected {text!r} but found {found}.", f"此处应为 {text!r}，实际为 {found_zh}。", tok.pos
            )
        return self.next()

    def parse(self) -> Node:
        if self.at("EOF"):
            raise ExprSyntaxError("The condition is empty.", "条件为空。", 0)
        node = self.parse_or()
        tok = self.peek()
        if tok.kind != "EOF":
            raise ExprSyntaxError(
                f"Unexpected {tok.text!r}; the condition should end here.",
                f"意外的 {tok.text!r}，条件应在此结束。",
                tok.pos,
            )
        return node

    def parse_or(self) -> Node:
        first = self.parse_and()
        values = [first]
        at = first.pos
        while self.at("NAME", "or"):
            at = self.next().pos
            values.append(self.parse_and())
        if len(values) == 1:
            return first
        return self.mk(BoolOp("or", tuple(values), first.pos), tuple(values), at)

    def parse_and(self) -> Node:
        first = self.parse_not()
        values = [first]
        at = first.pos
        while self.at("NAME", "and"):
            at = self.next().pos
            values.append(self.parse_not())
        if len(values) == 1:
            return first
        return self.mk(BoolOp("and", tuple(values), first.pos), tuple(values), at)

    def parse_not(self) -> Node:
        # iterative, so that "not not not ..." costs no recursion
        nots: list[int] = []
        while self.at("NAME", "not"):
            nots.append(self.next().pos)
        node = self.parse_test()
        for pos in reversed(nots):
            node = self.mk(Not(node, pos), (node,))
        return node

    def parse_test(self) -> Node:
        left = self.parse_sum()
        tok = self.peek()
        if tok.kind == "OP" and tok.text in _CMP_OPS:
            self.next()
            op = _CMP_OPS[tok.text]
            right = self.parse_sum()
            nxt = self.peek()
            if nxt.kind == "OP" and nxt.text in _CMP_OPS:
                raise ExprSyntaxError(
                    "Comparisons cannot be chained; join them with 'and'.", "比较不能连写，请用 and 连接。", nxt.pos
                )
            return self.mk(Compare(op, left, right, tok.pos), (left, right))
        if tok.kind == "NAME" and tok.text == "in":
            self.next()
            right = self.parse_sum()
            return self.mk(Member(left, right, False, tok.pos), (left, right))
        if tok.kind == "NAME" and tok.text == "not" and self.peek(1).kind == "NAME" and self.peek(1).text == "in":
            self.next()
            self.next()
            right = self.parse_sum()
            return self.mk(Member(left, right, True, tok.pos), (left, right))
        if tok.kind == "NAME" and tok.text == "startswith":
            self.next()
            right = self.parse_sum()
            return self.mk(Prefix(left, right, tok.pos), (left, right))
        if tok.kind == "NAME" and tok.text == "is":
            self.next()
            negated = False
            if self.at("NAME", "not"):
                self.next()
                negated = True
            word = self.next()
            if word.kind != "NAME" or word.text not in ("present", "missing"):
                raise ExprSyntaxError(
                    "After 'is' write 'present' or 'missing'.", "“is”之后应为 present 或 missing。", word.pos
                )
            if not isinstance(left, Name):
                raise ExprSyntaxError(
                    "Only a fact name can be tested with 'is present' / 'is missing'.",
                    "只有事实名称可以用 is present / is missing 判断。",
                    left.pos,
                )
            return self.mk(Present(left, negated != (word.text == "missing"), tok.pos), (left,))
        return left

    def parse_sum(self) -> Node:
        node = self.parse_product()
        while self.peek().kind == "OP" and self.peek().text in ("+", "-"):
            tok = self.next()
            right = self.parse_product()
            node = self.mk(BinOp(_ARITH_OPS[tok.text], node, right, tok.pos), (node, right))
        return node

    def parse_product(self) -> Node:
        node = self.parse_unary()
        while self.peek().kind == "OP" and self.peek().text in ("*", "/", "×", "÷"):
            tok = self.next()
            right = self.parse_unary()
            node = self.mk(BinOp(_ARITH_OPS[tok.text], node, right, tok.pos), (node, right))
        return node

    def parse_unary(self) -> Node:
        # iterative, so that "- - - ..." costs no recursion
        signs: list[int] = []
        while self.at("OP", "-"):
            signs.append(self.next().pos)
        node = self.parse_atom()
        for pos in reversed(signs):
            node = self.mk(Unary("-", node, pos), (node,))
        return node

    def parse_atom(self) -> Node:
        tok = self.next()
        if tok.kind == "NUM":
            unit = None
            if self.at("UNIT"):
                unit = self.next().text
            return self.mk(Num(_number(tok), unit, tok.pos))
        if tok.kind == "STR":
            return self.mk(Str(tok.text, tok.pos))
        if tok.kind == "NAME":
            return self._name(tok)
        if tok.kind == "OP" and tok.text == "(":
            self.enter(tok)
            node = self.parse_or()
            self.expect("OP", ")")
            self.open -= 1
            return node
        if tok.kind == "OP" and tok.text == "[":
            self.enter(tok)
            items: list[Node] = []
            if not self.at("OP", "]"):
                items.append(self.parse_sum())
                while self.at("OP", ","):
                    self.next()
                    if self.at("OP", "]"):
                        break
                    items.append(self.parse_sum())
            self.expect("OP", "]")
            self.open -= 1
            return self.mk(ListLit(tuple(items), tok.pos), tuple(items))
        if tok.kind == "EOF":
            raise ExprSyntaxError("The condition ends too early.", "条件不完整，提前结束。", tok.pos)
        raise ExprSyntaxError(f"Unexpected {tok.text!r}.", f"意外的 {tok.text!r}。", tok.pos)

    def _name(self, tok: _Tok) -> Node:
        word = tok.text
        if word.startswith("_"):
            raise ExprSyntaxError(
                f"Names starting with '_' are not allowed ({word!r}).", f"不允许以“_”开头的名称（{word!r}）。", tok.pos
            )
        if word in _FORBIDDEN_WORDS:
            raise ExprSyntaxError(
                f"{word!r} is not part of the condition language.", f"{word!r} 不属于条件语言。", tok.pos
            )
        if word == "true":
            return self.mk(BoolLit(True, tok.pos))
        if word == "false":
            return self.mk(BoolLit(False, tok.pos))
        if word in _KEYWORDS:
            raise ExprSyntaxError(f"Unexpected keyword {word!r}.", f"意外的关键字 {word!r}。", tok.pos)
        nxt = self.peek()
        if nxt.kind == "OP" and nxt.text == ".":
            raise ExprSyntaxError(
                "Attribute access ('.') is not allowed in a condition.", "条件中不允许访问属性（“.”）。", nxt.pos
            )
        if nxt.kind == "OP" and nxt.text == "(":
            raise ExprSyntaxError(
                f"Function calls are not allowed in a condition ({word}(…)).",
                f"条件中不允许调用函数（{word}(…)）。",
                nxt.pos,
            )
        name = self.mk(Name(word, tok.pos))
        assert isinstance(name, Name)
        if nxt.kind == "OP" and nxt.text == "[":
            self.enter(self.next())
            key = self.parse_or()
            self.expect("OP", "]")
            self.open -= 1
            return self.mk(Index(name, key, tok.pos), (name, key))
        return name


def _number(tok: _Tok) -> float:
    """The value of a number literal, refusing one that is out of range."""
    text = tok.text
    value = float(text)
    shown = text if len(text) <= 40 else text[:37] + "..."
    limit = number_text(MAX_PACK_NUMBER)
    if not math.isfinite(value) or value > MAX_PACK_NUMBER:
        raise ExprSyntaxError(
            f"The number {shown} is too large: numbers in a rule pack are at most {limit} in magnitude.",
            f"数值 {shown} 过大：规则包中的数值绝对值最大为 {limit}。",
            tok.pos,
        )
    mantissa = re.split("[eE]", text, maxsplit=1)[0]
    if value == 0.0 and any(c in "123456789" for c in mantissa):
        raise ExprSyntaxError(
            f"The number {shown} is too small: it is not 0 but would be read as 0.",
            f"数值 {shown} 过小：它不为 0，但会被读成 0。",
            tok.pos,
        )
    return value


def parse(src: str) -> Node:
    """Parse a condition into its syntax tree; raises :class:`ExprSyntaxError`.

    The limits of :mod:`heshan_vetting.limits` (length, size, depth, range of numbers) are errors here too.
    """
    if len(src) > MAX_CONDITION_LENGTH:
        raise ExprSyntaxError(
            f"The condition is {len(src):,} characters long; at most {MAX_CONDITION_LENGTH:,} are allowed.",
            f"条件长 {len(src):,} 个字符，最多允许 {MAX_CONDITION_LENGTH:,} 个。",
            MAX_CONDITION_LENGTH,
        )
    return _Parser(src).parse()
