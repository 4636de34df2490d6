"""Type-check a condition tree against a pack's names and units, and compile it to closures.

Values at run time are plain floats (in a unit fixed at compile time), normalised strings, tuples
of strings and bools, or an :class:`Unknown` marker: ``MISSING`` (a fact is absent), ``NA`` (a
table has no row for this key, or a threshold has no value in force) or an error (division by
zero). Unknowns propagate through arithmetic and comparisons; ``and``/``or``/``not`` use
three-valued (Kleene) logic, so ``false and <missing>`` is false but ``true and <missing>`` is
unknown. pint is used here, at compile time, and never inside the closures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast

from heshan_vetting.errors import BilingualValueError, did_you_mean
from heshan_vetting.lang import ops
from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.syntax import assert_never
from heshan_vetting.lang.types import BoolFn, CompileError, Fn, Kind, Namespace, NumFn, TextFn, TextsFn, VType
from heshan_vetting.lang.values import NA, Env, Unknown, norm
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

    def _need(self, t: VType, kind: Kind, pos: int, role: str) -> None:
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
    def compile_bool(self, node: ast.Node) -> BoolFn:
        """Compile a condition that must be a true/false test."""
        fn, t = self.compile(node)
        self._need(t, "bool", ast_pos(node), "A condition")
        return cast(BoolFn, fn)

    def compile(self, node: ast.Node) -> tuple[Fn, VType]:
        """Compile any expression; returns the closure and its static type."""
        match node:
            case ast.Num():
                return self._num(node)
            case ast.Str():
                return self._str(node)
            case ast.BoolLit():
                return self._bool_lit(node)
            case ast.Name():
                return self._name(node)
            case ast.Index():
                return self._index(node)
            case ast.ListLit():
                return self._list_lit(node)
            case ast.Unary():
                return self._unary(node)
            case ast.BinOp():
                return self._bin_op(node)
            case ast.Compare():
                return self._compare(node)
            case ast.Member():
                return self._member(node)
            case ast.Prefix():
                return self._prefix(node)
            case ast.Present():
                return self._present(node)
            case ast.Not():
                return self._not(node)
            case ast.BoolOp():
                return self._bool_op(node)
            case _:
                assert_never(node)

    def _num_operands(self, node: ast.BinOp | ast.Compare) -> tuple[NumFn, NumFn, VType, VType]:
        """Compile both sides of ``node``, which must be numbers."""
        lf, lt = self.compile(node.left)
        rf, rt = self.compile(node.right)
        self._need(lt, "num", ast_pos(node.left), f"The left side of '{node.op}'")
        self._need(rt, "num", ast_pos(node.right), f"The right side of '{node.op}'")
        return cast(NumFn, lf), cast(NumFn, rf), lt, rt

    # -- atoms ----------------------------------------------------------------------------------
    def _num(self, node: ast.Num) -> tuple[Fn, VType]:
        value = node.value
        if node.unit is None:
            unit = self.units.unit("")
        else:
            try:
                unit = self.units.unit(node.unit)
            except ValueError:
                raise CompileError(f"Unknown unit {node.unit!r}.", f"未知的单位 {node.unit!r}。", node.pos) from None
        return (lambda env: value), VType("num", unit)

    def _str(self, node: ast.Str) -> tuple[Fn, VType]:
        value = norm(node.value)
        return (lambda env: value), VType("str")

    def _bool_lit(self, node: ast.BoolLit) -> tuple[Fn, VType]:
        value = node.value
        return (lambda env: value), VType("bool")

    def _name(self, node: ast.Name) -> tuple[Fn, VType]:
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

    def _index(self, node: ast.Index) -> tuple[Fn, VType]:
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
        key_fn = cast(TextFn, kf)

        def lookup(env: Env) -> float | Unknown:
            key = key_fn(env)
            if isinstance(key, Unknown):
                return key
            v = table.lookup(key)
            return NA if v is None else v

        return lookup, VType("num", table.unit)

    def _list_items(self, node: ast.ListLit) -> tuple[str, ...]:
        values: list[str] = []
        for item in node.items:
            if not isinstance(item, ast.Str):
                raise CompileError("A list may hold only quoted texts.", "列表中只能是带引号的文本。", ast_pos(item))
            values.append(norm(item.value))
        return tuple(values)

    def _list_lit(self, node: ast.ListLit) -> tuple[Fn, VType]:
        frozen = self._list_items(node)
        return (lambda env: frozen), VType("list")

    # -- arithmetic -----------------------------------------------------------------------------
    def _unary(self, node: ast.Unary) -> tuple[Fn, VType]:
        f, t = self.compile(node.operand)
        self._need(t, "num", node.pos, "The operand of '-'")
        return ops.negative(cast(NumFn, f)), t

    def _bin_op(self, node: ast.BinOp) -> tuple[Fn, VType]:
        lf, rf, lt, rt = self._num_operands(node)
        op = node.op
        if op in ("+", "-"):
            self._no_bare_percent(node.left, lt, node.right, rt)
            k = self._check_same_dim(lt, rt, node.pos, "add" if op == "+" else "subtract")
            return ops.add_sub(lf, rf, 1.0 if op == "+" else -1.0, k), lt
        if op == "*":
            return ops.multiply(lf, rf), VType("num", lt.unit * rt.unit)
        if isinstance(node.right, ast.Num) and node.right.value == 0:
            raise CompileError("Division by the constant 0.", "除数为常数 0。", node.right.pos)
        return ops.divide(lf, rf, _describe(node.right)), VType("num", lt.unit / rt.unit)

    # -- tests ----------------------------------------------------------------------------------
    def compile_compare(self, node: ast.Compare) -> tuple[NumFn, NumFn, Any, ast.CmpOp]:
        """Compile both sides of a numeric comparison into the comparison unit.

        Returns ``(left, right, unit, op)``; the closures give floats (or :class:`Unknown`).
        """
        lf, rf, lt, rt = self._num_operands(node)
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
        return ops.scaled(lf, k_left), ops.scaled(rf, k_right), unit, node.op

    def _compare(self, node: ast.Compare) -> tuple[Fn, VType]:
        lt_probe = self.probe_kind(node.left)
        if lt_probe in ("str",):
            return self._compare_str(node)
        lf, rf, _unit, op = self.compile_compare(node)
        return ops.compare_numbers(lf, rf, op, self.precision), VType("bool")

    def probe_kind(self, node: ast.Node) -> Kind | Literal["?"]:
        """The kind :meth:`compile` gives ``node`` when it compiles, found without compiling it.

        (Compiling the operand once to look and again to use it took time exponential in how deeply
        comparisons nest.) ``"?"`` for a name that is not known.
        """
        match node:
            case ast.Name():
                if node.id in self.ns.values:
                    return self.ns.values[node.id].kind
                return "set" if node.id in self.ns.sets else "?"
            case ast.Num() | ast.Index() | ast.Unary() | ast.BinOp():
                return "num"
            case ast.Str():
                return "str"
            case ast.ListLit():
                return "list"
            case ast.BoolLit() | ast.Compare() | ast.Member() | ast.Prefix() | ast.Present() | ast.Not() | ast.BoolOp():
                return "bool"
            case _:
                assert_never(node)

    def _compare_str(self, node: ast.Compare) -> tuple[Fn, VType]:
        lf, _lt = self.compile(node.left)
        rf, rt = self.compile(node.right)
        if rt.kind != "str" or node.op not in ("==", "!="):
            raise CompileError(
                "Texts can only be compared with '==' or '!=' to another text.",
                "文本只能用“==”或“!=”与另一文本比较。",
                node.pos,
            )
        return ops.compare_texts(cast(TextFn, lf), cast(TextFn, rf), node.op == "=="), VType("bool")

    def members(self, right: ast.Node) -> tuple[frozenset[str], tuple[str, ...], bool]:
        """(exact members, prefixes, is_prefix_match) of the right side of ``in``: a set name, list or string."""
        match right:
            case ast.Name() if right.id in self.ns.sets:
                s = self.ns.sets[right.id]
                self.reads.append(right.id)
                return s.members, s.prefixes, s.match == "prefix"
            case ast.ListLit():
                items = self._list_items(right)
                return frozenset(items), tuple(sorted(set(items), key=lambda p: (-len(p), p))), False
            case ast.Str():
                v = norm(right.value)
                return frozenset([v]), (v,), False
            case ast.Name() if right.id not in self.ns.values and right.id not in self.ns.tables:
                raise self._unknown_name(right.id, right.pos)
            case (
                ast.Name() | ast.Num() | ast.BoolLit() | ast.Index() | ast.Unary() | ast.BinOp() | ast.Compare()
                | ast.BoolOp() | ast.Not() | ast.Member() | ast.Prefix() | ast.Present()
            ):  # fmt: skip
                raise CompileError(
                    'The right side must be a named set, a list such as ["C25", "C26"] or a quoted text.',
                    '右侧应为命名集合、列表（如 ["C25", "C26"]）或带引号的文本。',
                    ast_pos(right),
                )
            case _:
                assert_never(right)

    def _member(self, node: ast.Member) -> tuple[Fn, VType]:
        lf, lt = self.compile(node.left)
        if lt.kind not in ("str", "strs"):
            self._need(lt, "str", ast_pos(node.left), "The left side of 'in'")
        members, prefixes, by_prefix = self.members(node.right)

        def one(v: str) -> bool:
            if by_prefix:
                return v.startswith(prefixes)
            return v in members

        if lt.kind == "strs":
            return ops.any_member_of(cast(TextsFn, lf), one, node.negated), VType("bool")
        return ops.member_of(cast(TextFn, lf), one, node.negated), VType("bool")

    def _prefix(self, node: ast.Prefix) -> tuple[Fn, VType]:
        lf, lt = self.compile(node.left)
        self._need(lt, "str", ast_pos(node.left), "The left side of 'startswith'")
        members, prefixes, _ = self.members(node.right)
        return ops.starts_with(cast(TextFn, lf), tuple(sorted(set(prefixes) | set(members)))), VType("bool")

    def _present(self, node: ast.Present) -> tuple[Fn, VType]:
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
        return ops.presence(name, node.negated), VType("bool")

    def _not(self, node: ast.Not) -> tuple[Fn, VType]:
        f, t = self.compile(node.operand)
        self._need(t, "bool", ast_pos(node.operand), "The operand of 'not'")
        return ops.negation(cast(BoolFn, f)), VType("bool")

    def _bool_op(self, node: ast.BoolOp) -> tuple[Fn, VType]:
        fns: list[BoolFn] = []
        for v in node.values:
            f, t = self.compile(v)
            self._need(t, "bool", ast_pos(v), f"Each side of '{node.op}'")
            fns.append(cast(BoolFn, f))
        return ops.kleene(node.op, fns), VType("bool")


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


def _describe(node: ast.Node) -> str:
    """How a division-by-zero error names the divisor."""
    match node:
        case ast.Name():
            return node.id
        case ast.Num():
            return f"{node.value:g}"
        case (
            ast.Str() | ast.BoolLit() | ast.Index() | ast.ListLit() | ast.Unary() | ast.BinOp() | ast.Compare()
            | ast.BoolOp() | ast.Not() | ast.Member() | ast.Prefix() | ast.Present()
        ):  # fmt: skip
            return "the divisor"
        case _:
            assert_never(node)


def ast_pos(node: ast.Node) -> int:
    """The source offset a node starts at (for error columns)."""
    match node:
        case ast.BinOp() | ast.Compare() | ast.Member() | ast.Prefix():
            return ast_pos(node.left)
        case ast.BoolOp():
            return ast_pos(node.values[0])
        case ast.Present():
            return node.name.pos
        case ast.Num() | ast.Str() | ast.BoolLit() | ast.Name() | ast.Index() | ast.ListLit() | ast.Unary() | ast.Not():
            return node.pos
        case _:
            assert_never(node)
