"""Type-check a condition tree against a pack's names and units, and compile it to closures.

Values at run time are plain floats (in a unit fixed at compile time), normalised strings, tuples
of strings and bools, or an :class:`Unknown` marker: ``MISSING`` (a fact is absent), ``NA`` (a
table has no row for this key, or a threshold has no value in force) or an error (division by
zero). Unknowns propagate through arithmetic and comparisons; ``and``/``or``/``not`` use
three-valued (Kleene) logic, so ``false and <missing>`` is false but ``true and <missing>`` is
unknown. pint is used here, at compile time, and never inside the closures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from heshan_vetting.errors import BilingualValueError, did_you_mean
from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.types import CompileError, Fn, Namespace, VType
from heshan_vetting.lang.values import NA, Unknown, finite, norm, round_half_up, worst
from heshan_vetting.units import Units, dimension_label


@dataclass
class Compiler:
    """Compiles one condition. ``precision`` is the number of decimals comparisons round to;
    ``target_unit``, if set, is the unit numeric comparisons are made (and reported) in."""

    units: Units
    ns: Namespace
    precision: int = 4
    target_unit: Any = None
    reads: list[str] = field(default_factory=list)

    # -- helpers --------------------------------------------------------------------------------
    def _dim(self, unit: Any) -> str:
        return self.units.dimensionality(unit)

    def _unit_text(self, unit: Any) -> str:
        sym = self.units.symbol(unit)
        return sym or "dimensionless"

    def _check_same_dim(self, lt: VType, rt: VType, pos: int, what: str) -> float:
        ld, rd = self._dim(lt.unit), self._dim(rt.unit)
        if ld != rd:
            raise CompileError(
                f"Cannot {what} {self._unit_text(lt.unit)} ({dimension_label(ld)}) and "
                f"{self._unit_text(rt.unit)} ({dimension_label(rd)}): the dimensions differ.",
                f"无法{ {'compare': '比较', 'add': '相加', 'subtract': '相减'}[what] } "
                f"{self._unit_text(lt.unit)}（{dimension_label(ld, 'zh')}）与 "
                f"{self._unit_text(rt.unit)}（{dimension_label(rd, 'zh')}）：量纲不同。",
                pos,
            )
        return self._factor(rt.unit, lt.unit, pos)

    def _factor(self, src: Any, dst: Any, pos: int) -> float:
        """The conversion factor from ``src`` to ``dst``; a :class:`CompileError` when it is out of range."""
        try:
            return self.units.factor(src, dst)
        except BilingualValueError as exc:
            raise CompileError(exc.message_en + ".", exc.message_zh + "。", pos) from None

    def _no_bare_percent(self, left: ast.Node, lt: VType, right: ast.Node, rt: VType) -> None:
        """``building_coefficient <= 20`` would mean 2000%: a plain number next to a percentage is an error."""
        pct = self.units.unit("%")
        for node, other in ((left, rt), (right, lt)):
            if isinstance(node, ast.Num) and node.unit is None and other.unit == pct:
                raise CompileError(
                    f"Write {node.value:g} with its unit, e.g. {node.value:g}%: the other side is a percentage.",
                    f"请写明单位，如 {node.value:g}%：另一侧是百分比。",
                    node.pos,
                )

    def _need(self, t: VType, kind: str, pos: int, role: str) -> None:
        role_zh = _ROLE_ZH.get(role, role)
        if t.kind != kind:
            names = {"num": "a number", "str": "a text value", "bool": "a true/false test", "strs": "a list of texts"}
            names_zh = {"num": "数值", "str": "文本", "bool": "真假判断", "strs": "文本列表"}
            raise CompileError(
                f"{role} must be {names.get(kind, kind)}, not {names.get(t.kind, t.kind)}.",
                f"{role_zh}应为{names_zh.get(kind, kind)}，而不是{names_zh.get(t.kind, t.kind)}。",
                pos,
            )

    # -- entry ----------------------------------------------------------------------------------
    def compile_bool(self, node: ast.Node) -> Fn:
        """Compile a condition that must be a true/false test."""
        fn, t = self.compile(node)
        self._need(t, "bool", ast_pos(node), "A condition")
        return fn

    def compile(self, node: ast.Node) -> tuple[Fn, VType]:
        """Compile any expression; returns the closure and its static type."""
        method = getattr(self, "_c_" + type(node).__name__)
        result: tuple[Fn, VType] = method(node)
        return result

    # -- atoms ----------------------------------------------------------------------------------
    def _c_Num(self, node: ast.Num) -> tuple[Fn, VType]:
        value = node.value
        if node.unit is None:
            unit = self.units.unit("")
        else:
            try:
                unit = self.units.unit(node.unit)
            except ValueError:
                raise CompileError(f"Unknown unit {node.unit!r}.", f"未知的单位 {node.unit!r}。", node.pos) from None
        return (lambda env: value), VType("num", unit)

    def _c_Str(self, node: ast.Str) -> tuple[Fn, VType]:
        value = norm(node.value)
        return (lambda env: value), VType("str")

    def _c_BoolLit(self, node: ast.BoolLit) -> tuple[Fn, VType]:
        value = node.value
        return (lambda env: value), VType("bool")

    def _c_Name(self, node: ast.Name) -> tuple[Fn, VType]:
        name = node.id
        if name in self.ns.values:
            self.reads.append(name)
            t = self.ns.values[name]
            return (lambda env: env[name]), t
        if name in self.ns.sets:
            return (lambda env: None), VType("set")
        if name in self.ns.tables:
            raise CompileError(
                f"{name!r} is a table; look a value up with {name}[industry_code].",
                f"{name!r} 是查找表，请写成 {name}[industry_code] 取值。",
                node.pos,
            )
        raise self._unknown_name(name, node.pos)

    def _unknown_name(self, name: str, pos: int) -> CompileError:
        known = [*self.ns.values, *self.ns.sets, *self.ns.tables]
        hint, hint_zh = did_you_mean(name, known)
        return CompileError(
            f"Unknown name {name!r}: it is not a project fact, derived metric, threshold, set or table{hint}",
            f"未知的名称 {name!r}：它不是项目字段、派生指标、阈值、集合或查找表{hint_zh}",
            pos,
        )

    def _c_Index(self, node: ast.Index) -> tuple[Fn, VType]:
        name = node.table.id
        table = self.ns.tables.get(name)
        if table is None:
            if name in self.ns.values or name in self.ns.sets:
                raise CompileError(
                    f"Only tables can be indexed with [...]; {name!r} is not a table.",
                    f"只有查找表可以用 [...] 取值；{name!r} 不是查找表。",
                    node.pos,
                )
            raise self._unknown_name(name, node.pos)
        self.reads.append(name)
        kf, kt = self.compile(node.key)
        self._need(kt, "str", ast_pos(node.key), "A table key")

        def lookup(env: dict[str, Any]) -> Any:
            key = kf(env)
            if isinstance(key, Unknown):
                return key
            v = table.lookup(key)
            return NA if v is None else v

        return lookup, VType("num", table.unit)

    def _c_ListLit(self, node: ast.ListLit) -> tuple[Fn, VType]:
        values: list[str] = []
        for item in node.items:
            if not isinstance(item, ast.Str):
                raise CompileError("A list may hold only quoted texts.", "列表中只能是带引号的文本。", ast_pos(item))
            values.append(norm(item.value))
        frozen = tuple(values)
        return (lambda env: frozen), VType("list")

    # -- arithmetic -----------------------------------------------------------------------------
    def _c_Unary(self, node: ast.Unary) -> tuple[Fn, VType]:
        f, t = self.compile(node.operand)
        self._need(t, "num", node.pos, "The operand of '-'")

        def neg(env: dict[str, Any]) -> Any:
            v = f(env)
            return v if isinstance(v, Unknown) else -v

        return neg, t

    def _c_BinOp(self, node: ast.BinOp) -> tuple[Fn, VType]:
        lf, lt = self.compile(node.left)
        rf, rt = self.compile(node.right)
        self._need(lt, "num", ast_pos(node.left), f"The left side of '{node.op}'")
        self._need(rt, "num", ast_pos(node.right), f"The right side of '{node.op}'")
        op = node.op
        if op in ("+", "-"):
            self._no_bare_percent(node.left, lt, node.right, rt)
            k = self._check_same_dim(lt, rt, node.pos, "add" if op == "+" else "subtract")
            sign = 1.0 if op == "+" else -1.0

            def addsub(env: dict[str, Any]) -> Any:
                a, b = lf(env), rf(env)
                if isinstance(a, Unknown) or isinstance(b, Unknown):
                    return worst(a, b)
                return finite(a + sign * k * b, "a sum")

            return addsub, lt
        if op == "*":

            def mul(env: dict[str, Any]) -> Any:
                a, b = lf(env), rf(env)
                if isinstance(a, Unknown) or isinstance(b, Unknown):
                    return worst(a, b)
                return finite(a * b, "a product")

            return mul, VType("num", lt.unit * rt.unit)
        if isinstance(node.right, ast.Num) and node.right.value == 0:
            raise CompileError("Division by the constant 0.", "除数为常数 0。", node.right.pos)
        divisor_text = _describe(node.right)

        def div(env: dict[str, Any]) -> Any:
            a, b = lf(env), rf(env)
            if isinstance(a, Unknown) or isinstance(b, Unknown):
                return worst(a, b)
            if b == 0:
                return Unknown("error", f"division by zero: {divisor_text} is 0")
            return finite(a / b, f"a quotient by {divisor_text}")

        return div, VType("num", lt.unit / rt.unit)

    # -- tests ----------------------------------------------------------------------------------
    def compile_compare(self, node: ast.Compare) -> tuple[Fn, Fn, Any, str]:
        """Compile both sides of a numeric comparison into the comparison unit.

        Returns ``(left, right, unit, op)``; the closures give floats (or :class:`Unknown`).
        """
        lf, lt = self.compile(node.left)
        rf, rt = self.compile(node.right)
        self._need(lt, "num", ast_pos(node.left), f"The left side of '{node.op}'")
        self._need(rt, "num", ast_pos(node.right), f"The right side of '{node.op}'")
        self._no_bare_percent(node.left, lt, node.right, rt)
        k_right = self._check_same_dim(lt, rt, node.pos, "compare")
        unit = lt.unit
        k_left = 1.0
        if self.target_unit is not None:
            if not self.units.convertible(self.target_unit, lt.unit):
                shown = self._unit_text(self.target_unit)
                raise CompileError(
                    f"The rule's unit {shown} cannot express this comparison, which is in {self._unit_text(lt.unit)}.",
                    f"规则声明的单位 {shown} 与该比较的单位 {self._unit_text(lt.unit)} 量纲不同。",
                    node.pos,
                )
            k_left = self._factor(lt.unit, self.target_unit, node.pos)
            k_right *= k_left
            unit = self.target_unit
        return scaled(lf, k_left), scaled(rf, k_right), unit, node.op

    def _c_Compare(self, node: ast.Compare) -> tuple[Fn, VType]:
        lt_probe = self.probe_kind(node.left)
        if lt_probe in ("str",):
            return self._compare_str(node)
        lf, rf, _unit, op = self.compile_compare(node)
        places = self.precision
        test = _CMP[op]

        def cmp(env: dict[str, Any]) -> Any:
            a, b = lf(env), rf(env)
            if isinstance(a, Unknown) or isinstance(b, Unknown):
                return worst(a, b)
            return test(round_half_up(a, places), round_half_up(b, places))

        return cmp, VType("bool")

    def probe_kind(self, node: ast.Node) -> str:
        """The kind :meth:`compile` gives ``node`` when it compiles, found without compiling it.

        (Compiling the operand once to look and again to use it took time exponential in how deeply
        comparisons nest.) ``"?"`` for a name that is not known.
        """
        if isinstance(node, ast.Name):
            if node.id in self.ns.values:
                kind: str = self.ns.values[node.id].kind
                return kind
            return "set" if node.id in self.ns.sets else "?"
        return _STATIC_KINDS[type(node)]

    def _compare_str(self, node: ast.Compare) -> tuple[Fn, VType]:
        lf, _lt = self.compile(node.left)
        rf, rt = self.compile(node.right)
        if rt.kind != "str" or node.op not in ("==", "!="):
            raise CompileError(
                "Texts can only be compared with '==' or '!=' to another text.",
                "文本只能用“==”或“!=”与另一文本比较。",
                node.pos,
            )
        equal = node.op == "=="

        def cmp(env: dict[str, Any]) -> Any:
            a, b = lf(env), rf(env)
            if isinstance(a, Unknown) or isinstance(b, Unknown):
                return worst(a, b)
            return (a == b) == equal

        return cmp, VType("bool")

    def _members(self, right: ast.Node) -> tuple[frozenset[str], tuple[str, ...], bool]:
        """(exact members, prefixes, is_prefix_match) of a set name, list or string."""
        if isinstance(right, ast.Name) and right.id in self.ns.sets:
            s = self.ns.sets[right.id]
            self.reads.append(right.id)
            return s.members, s.prefixes, s.match == "prefix"
        if isinstance(right, ast.ListLit):
            fn, _ = self._c_ListLit(right)
            items: tuple[str, ...] = fn({})
            return frozenset(items), tuple(sorted(set(items), key=lambda p: (-len(p), p))), False
        if isinstance(right, ast.Str):
            v = norm(right.value)
            return frozenset([v]), (v,), False
        if isinstance(right, ast.Name) and right.id not in self.ns.values and right.id not in self.ns.tables:
            raise self._unknown_name(right.id, right.pos)
        raise CompileError(
            'The right side must be a named set, a list such as ["C25", "C26"] or a quoted text.',
            '右侧应为命名集合、列表（如 ["C25", "C26"]）或带引号的文本。',
            ast_pos(right),
        )

    def _c_Member(self, node: ast.Member) -> tuple[Fn, VType]:
        lf, lt = self.compile(node.left)
        if lt.kind not in ("str", "strs"):
            self._need(lt, "str", ast_pos(node.left), "The left side of 'in'")
        members, prefixes, by_prefix = self._members(node.right)
        negated = node.negated

        def one(v: str) -> bool:
            if by_prefix:
                return v.startswith(prefixes)
            return v in members

        if lt.kind == "strs":

            def member_any(env: dict[str, Any]) -> Any:
                vs = lf(env)
                if isinstance(vs, Unknown):
                    return vs
                return any(one(v) for v in vs) != negated

            return member_any, VType("bool")

        def member(env: dict[str, Any]) -> Any:
            v = lf(env)
            if isinstance(v, Unknown):
                return v
            return one(v) != negated

        return member, VType("bool")

    def _c_Prefix(self, node: ast.Prefix) -> tuple[Fn, VType]:
        lf, lt = self.compile(node.left)
        self._need(lt, "str", ast_pos(node.left), "The left side of 'startswith'")
        members, prefixes, _ = self._members(node.right)
        allp = tuple(sorted(set(prefixes) | set(members)))

        def prefix(env: dict[str, Any]) -> Any:
            v = lf(env)
            if isinstance(v, Unknown):
                return v
            return v.startswith(allp)

        return prefix, VType("bool")

    def _c_Present(self, node: ast.Present) -> tuple[Fn, VType]:
        name = node.name.id
        if name not in self.ns.presence:
            if name in self.ns.values or name in self.ns.sets or name in self.ns.tables:
                raise CompileError(
                    f"Only project facts and derived metrics can be tested with 'is present'; {name!r} cannot.",
                    f"只有项目字段和派生指标可以用 is present 判断；{name!r} 不行。",
                    node.name.pos,
                )
            raise self._unknown_name(name, node.name.pos)
        self.reads.append(name)
        want_missing = node.negated

        def present(env: dict[str, Any]) -> Any:
            v = env[name]
            is_missing = isinstance(v, Unknown) and v.kind == "missing"
            return is_missing == want_missing

        return present, VType("bool")

    def _c_Not(self, node: ast.Not) -> tuple[Fn, VType]:
        f, t = self.compile(node.operand)
        self._need(t, "bool", ast_pos(node.operand), "The operand of 'not'")

        def negate(env: dict[str, Any]) -> Any:
            v = f(env)
            return v if isinstance(v, Unknown) else not v

        return negate, VType("bool")

    def _c_BoolOp(self, node: ast.BoolOp) -> tuple[Fn, VType]:
        fns: list[Fn] = []
        for v in node.values:
            f, t = self.compile(v)
            self._need(t, "bool", ast_pos(v), f"Each side of '{node.op}'")
            fns.append(f)
        decisive = node.op == "or"  # the value that settles the result at once

        def boolop(env: dict[str, Any]) -> Any:
            unknown: Unknown | None = None
            for f in fns:
                v = f(env)
                if isinstance(v, Unknown):
                    unknown = v if unknown is None else worst(unknown, v)
                elif v is decisive:
                    return decisive
            return unknown if unknown is not None else (not decisive)

        return boolop, VType("bool")


_STATIC_KINDS: dict[type, str] = {
    ast.Num: "num", ast.Str: "str", ast.BoolLit: "bool", ast.Index: "num", ast.ListLit: "list", ast.Unary: "num",
    ast.BinOp: "num", ast.Compare: "bool", ast.Member: "bool", ast.Prefix: "bool", ast.Present: "bool",
    ast.Not: "bool", ast.BoolOp: "bool",
}  # fmt: skip
"""The kind each node type compiles to (names excepted: theirs is in the namespace)."""

_ROLE_ZH: dict[str, str] = {
    "A condition": "条件",
    "A table key": "查找表的键",
    "The operand of '-'": "“-”的操作数",
    "The operand of 'not'": "“not”的操作数",
    "The left side of 'in'": "“in”的左侧",
    "The left side of 'startswith'": "“startswith”的左侧",
    **{f"The left side of '{op}'": f"“{op}”的左侧" for op in ("+", "-", "*", "/", "<", "<=", ">", ">=", "==", "!=")},
    **{f"The right side of '{op}'": f"“{op}”的右侧" for op in ("+", "-", "*", "/", "<", "<=", ">", ">=", "==", "!=")},
    "Each side of 'and'": "“and”的两侧",
    "Each side of 'or'": "“or”的两侧",
}

_CMP: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def scaled(f: Fn, k: float) -> Fn:
    """``f`` with its numeric result multiplied by ``k`` (unknowns pass through)."""
    if k == 1.0:
        return f

    def scaled(env: dict[str, Any]) -> Any:
        v = f(env)
        return v if isinstance(v, Unknown) else finite(v * k, "a value converted to the comparison unit")

    return scaled


def _describe(node: ast.Node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Num):
        return f"{node.value:g}"
    return "the divisor"


def ast_pos(node: ast.Node) -> int:
    """The source offset a node starts at (for error columns)."""
    if isinstance(node, (ast.BinOp, ast.Compare, ast.Member, ast.Prefix)):
        return ast_pos(node.left)
    if isinstance(node, ast.BoolOp):
        return ast_pos(node.values[0])
    if isinstance(node, ast.Present):
        return node.name.pos
    return node.pos
