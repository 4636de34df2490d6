"""The durable-rules engine (``Vetter(engine="durable")``): the conditions of a compiled pack decided by a Rete network.

This is the only module that touches durable-rules (2.0.28). It is imported only when a durable Vetter is built,
and durable-rules itself only on first use, so ``import heshan_vetting`` neither needs it nor starts its threads.
The network itself (translation of the pack, layout over facts) is built by :mod:`heshan_vetting.durable.translate`.

Hazards of durable-rules and how they are contained (docs/engines.md has the full table): one private process-wide
``Host`` with its background timer threads disabled and every call serialised by a lock; a network registered once
per content hash and never again (rulesets can never be freed); one state per check under a fresh ``sid``, deleted
afterwards; facts (seen by every rule, unlike events) asserted one by one (the batch call hides errors and returns
a garbage handle) and written as JSON here (durable-rules cannot read Python's ``1e+16``); a catch-all rule so no
fact is unhandled; the actions taken from the C core by this module, so no Python action runs (none can hide an
exception in the state) and an action of an unknown rule is an error; a ruleset durable-rules failed on is never
touched again; long texts compared by digest (durable-rules compares at most 65,535 bytes).
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import itertools
import json
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from heshan_vetting.engines.durable.layout import Plan
from heshan_vetting.engines.durable.translate import RulePlan, Stage, internal_error
from heshan_vetting.engines.protocol import LabelResults, RuleResults
from heshan_vetting.errors import UsageError
from heshan_vetting.lang.values import MISSING, RANK, Unknown
from heshan_vetting.packs.compiled import CompiledLabel, CompiledPack, CompiledRule

__all__ = ["REASON_ZH", "DurableDecider", "require", "unavailable_reason"]


# -- availability ---------------------------------------------------------------------------------------------------

_LOADED: tuple[Any, Any, str] | None = None
_LOAD_LOCK = threading.Lock()


def _version() -> str:
    from importlib import metadata

    for dist in ("durable-rules", "durable_rules"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def _load() -> tuple[Any, Any, str]:
    """``(durable.engine, durable_rules_engine, version)``; raises ``ImportError`` (or whatever a broken build does)."""
    global _LOADED
    with _LOAD_LOCK:
        if _LOADED is None:
            engine: Any = importlib.import_module("durable.engine")
            native = importlib.import_module("durable_rules_engine")
            if hasattr(engine, "_unix_now"):
                engine._unix_now = _unix_now
            _LOADED = (engine, native, _version())
        return _LOADED


_EPOCH = datetime.datetime(1970, 1, 1)


def _unix_now() -> float:
    """durable-rules' own clock for its action timeouts, computed the same way without ``utcfromtimestamp``.

    durable-rules calls ``datetime.utcfromtimestamp(0)`` for every action; from Python 3.12 on that is a
    ``DeprecationWarning`` each time (under pytest, which keeps every warning, memory grew by 70 MB over 1,500
    checks). ``_load`` puts this function in its place."""
    return (datetime.datetime.now() - _EPOCH).total_seconds()


#: Why the durable engine cannot run, in Chinese (the English reason from :func:`unavailable_reason` is more precise).
REASON_ZH = (
    "需要 durable-rules（pip install 'heshan-vetting[durable]'，从源码编译，需要 C 编译器，仅支持 CPython 3.10–3.12）。"
    "也可使用 native 引擎，结论完全相同。"
)


def unavailable_reason() -> str | None:
    """Why the durable engine cannot run here (an English sentence with what to do), or ``None`` if it can."""
    try:
        _load()
    except Exception as exc:
        too_new = sys.version_info >= (3, 13)
        if isinstance(exc, ModuleNotFoundError):
            return (
                "durable-rules is not installed. Install it with: pip install 'heshan-vetting[durable]' (it builds "
                "from source, so a C compiler is needed; CPython 3.10-3.12"
                + (f", not this Python {sys.version_info[0]}.{sys.version_info[1]}" if too_new else "")
                + "), or use the native engine, which gives the same findings."
            )
        if too_new:
            return (
                "durable-rules 2.0.28 does not work on Python 3.13 or later (its C extension calls "
                f"PyEval_CallObject, which 3.13 removed; here: {type(exc).__name__}: {exc}). Use CPython 3.10-3.12 "
                "for the durable engine, or the native engine, which gives the same findings."
            )
        return (
            f"durable-rules is installed but cannot be loaded ({type(exc).__name__}: {exc}). Reinstall it with a "
            "working C compiler (pip install --force-reinstall 'heshan-vetting[durable]'), or use the native engine."
        )
    return None


def require() -> str:
    """durable-rules' version; raises :class:`UsageError` saying why and what to do when it cannot run here."""
    reason = unavailable_reason()
    if reason is not None:
        raise UsageError(
            f"The durable engine is not available: {reason}",
            message_zh=f"durable 引擎不可用：{REASON_ZH}",
            field="engine",
        )
    return _load()[2]


# -- facts as JSON ---------------------------------------------------------------------------------------------------


def _json(value: Any) -> str:
    if isinstance(value, bool):  # pragma: no cover - facts hold no bools (they are sent as 0/1)
        raise TypeError("bool")
    if isinstance(value, float):
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        # durable-rules reads "1e+16" as the integer 1 followed by garbage: give every mantissa a decimal point
        return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text
    if isinstance(value, list):
        return "[" + ",".join(_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_json(v)}" for k, v in value.items()) + "}"
    if not isinstance(value, (int, str)):  # pragma: no cover - a bug here, not a user mistake
        raise TypeError(f"cannot send {type(value).__name__} to durable-rules")
    return json.dumps(value, ensure_ascii=False)


_CATCH_ALL = (-1, -1, -1, None)
"""The code of the rule that every fact matches (so no fact is ever "not handled"); it decides nothing."""


def _action_name(message: str) -> str:
    """The name of the rule whose action a message of durable-rules starts: the message's first key.

    The message is ``{"NAME": {...the facts that matched...}}`` and this engine's rule names are plain ASCII
    (``r0.s1.n0.T.0``, ``catch_all``), so the name is read without parsing the facts."""
    if not message.startswith('{"'):
        return ""
    end = message.find('"', 2)
    return message[2:end] if end > 0 else ""


# -- the process-wide host ------------------------------------------------------------------------------------------


class _Backend:
    """The one durable-rules ``Host`` of the process: registered rulesets by content key, all calls under a lock."""

    def __init__(self) -> None:
        engine, native, self.version = _load()

        class _QuietHost(engine.Host):  # type: ignore[misc,name-defined]
            def _run(self) -> None:
                # Host() starts two self-re-arming timer threads that call into C outside any lock (segfaults
                # under concurrency). They only serve timers and queued actions, which this engine does not use.
                pass

        self.native = native
        self.not_handled = engine.MessageNotHandledException
        self.host = _QuietHost()
        self.lock = threading.Lock()
        self.rulesets: dict[str, Any] = {}
        self.codes: dict[Any, dict[str, tuple[int, int, int, Any]]] = {}
        """For each registered ruleset (by handle): the code of each of its rules, by name."""
        self.broken: set[Any] = set()
        """Handles of rulesets whose assert failed inside durable-rules: refused from then on (fail closed)."""
        self.sids = itertools.count(1)

    @staticmethod
    def _action(code: tuple[int, int, int, Any]) -> Callable[[Any], None]:
        def action(c: Any) -> None:  # durable-rules wants a function for each rule; :meth:`run` takes the actions
            raise AssertionError(f"durable-rules ran the action of {code} itself")

        return action

    def ruleset(self, plan: Plan) -> Any:
        """The registered ruleset of a plan's content, registering it the first time (never again)."""
        with self.lock:
            rs = self.rulesets.get(plan.key)
            if rs is None:
                name = f"heshan_{plan.key[:32]}"
                rules: dict[str, Any] = {
                    n: {**cond, "run": self._action(code)} for n, (code, cond) in plan.definition.items()
                }
                rules["catch_all"] = {"all": [{"m": {"$ex": {"g": 1}}}], "run": self._action(_CATCH_ALL)}
                try:
                    self.host.register_rulesets({name: rules})
                except Exception as exc:
                    raise UsageError(
                        f"durable-rules cannot build this pack's network ({exc}); use the native engine.",
                        message_zh=f"durable-rules 无法为该规则包建立网络（{exc}）；请使用 native 引擎。",
                        field="engine",
                    ) from None
                rs = self.rulesets[plan.key] = self.host.get_ruleset(name)
                self.codes[rs._handle] = {n: code for n, (code, _cond) in plan.definition.items()}
                self.codes[rs._handle]["catch_all"] = _CATCH_ALL
            return rs

    def run(self, rs: Any, facts: list[dict[str, Any]]) -> list[tuple[int, int, int, Any]]:
        """Assert ``facts`` in a fresh state, take the actions it starts, delete the state; the rules that fired.

        The actions are taken here, straight from durable-rules' C core (``start_action_for_state``, then
        ``complete_and_start_action`` until none is left), not through its Python ``do_actions``: that builds a
        closure, parses the whole state and writes it back, and reads the clock, for each action, and it is
        nearly all of a check's cost on durable-rules, while this engine's actions only say which rule fired (the
        first key of the action's message is the rule's name). No Python action runs, so none can leave an
        exception in the state."""
        sid = str(next(self.sids))
        # one assert_fact per fact: the batch assert_facts reports a refused fact as success and hands back a
        # garbage state handle, which crashes the process on first use
        texts = []
        for f in facts:
            fact = {"sid": sid, **f}
            if any(isinstance(v, float) for v in f.values()):
                texts.append(_json(fact))
            else:  # ints, texts and lists of texts: the standard encoder writes them as durable-rules reads them
                texts.append(json.dumps(fact, ensure_ascii=False))
        handle = rs._handle
        codes = self.codes.get(handle, {})  # a ruleset registered elsewhere: every action it starts is an error
        native = self.native
        errors: list[Any] = []
        collected: list[tuple[int, int, int, Any]] = []
        with self.lock:
            if handle in self.broken:
                raise internal_error(
                    "an earlier internal error left this pack's durable-rules state unusable; restart the process, "
                    "or use the native engine",
                    "此前的内部错误使该规则包的 durable-rules 状态不可用；请重启进程，或使用 native 引擎",
                )
            try:
                state: Any = None
                try:
                    for text in texts:
                        state = rs._handle_result(native.assert_fact(handle, text), text)
                except self.not_handled:
                    state = None
                    errors.append("no rule handled the facts")
                if state is not None:
                    started = native.start_action_for_state(handle, state)
                    message = started[1] if started else None
                    while message:
                        code = codes.get(_action_name(message))
                        if code is None:
                            errors.append(f"an action no rule of this pack names: {message[:80]}")
                        else:
                            collected.append(code)
                        message = native.complete_and_start_action(handle, state)
            except Exception as exc:
                # durable-rules can leave a half-built state behind (deleting it then crashes the process):
                # never touch this ruleset again
                self.broken.add(handle)
                errors.append(exc)
            finally:
                if handle not in self.broken:
                    with contextlib.suppress(Exception):  # error 309: the state was never created, nothing to free
                        native.delete_state(handle, sid)
        if errors:
            raise internal_error(f"durable-rules failed: {errors[0]}", f"durable-rules 出错：{errors[0]}")
        return collected

    def live_rulesets(self) -> int:
        with self.lock:
            return len(self.rulesets)


_BACKEND: _Backend | None = None
_BACKEND_LOCK = threading.Lock()


def _backend() -> _Backend:
    global _BACKEND
    with _BACKEND_LOCK:
        if _BACKEND is None:
            _BACKEND = _Backend()
        return _BACKEND


# -- the decider ----------------------------------------------------------------------------------------------------


class DurableDecider:
    """A :class:`~heshan_vetting.Engine` that decides a pack's rules and labels on durable-rules.

    Built once per Vetter: translates the pack and registers its ruleset (or reuses the one of identical content).
    Safe to call from many threads."""

    def __init__(self, pack: CompiledPack) -> None:
        self.version = require()
        self.pack = pack
        self.plan = Plan.build(pack)
        self.backend = _backend()
        self.ruleset = self.backend.ruleset(self.plan)

    def __call__(
        self, pack: CompiledPack, rules: Sequence[CompiledRule], labels: Sequence[CompiledLabel], env: dict[str, Any]
    ) -> tuple[RuleResults, LabelResults]:
        plan, ruleset = self.plan, self.ruleset
        if pack is not self.pack:
            plan = Plan.build(pack)
            ruleset = self.backend.ruleset(plan)
        active = [plan.rules[r.id] for r in rules]
        cases = [(label.id, plan.labels[label.id]) for label in labels]
        every = active + [c for _id, cs in cases for c in cs]
        if not every:
            return {}, {}
        values: dict[str, Any] = {}
        unknowns: dict[int, Unknown] = {}
        fed: set[int] = set()
        buckets: set[int] = set()
        for pos, rp in every:
            buckets.update(plan.rule_buckets[pos])
            for stage in (rp.scope, rp.require):
                if stage is not None:
                    for i in stage.leaves - fed:
                        plan.feeders[i](env, values, unknowns)
                    fed |= stage.leaves
        facts = [{"g": b, **{f: values[f] for f in plan.buckets[b] if f in values}} for b in sorted(buckets)]
        fired: dict[tuple[int, int], set[Any]] = {}
        nodes: set[tuple[int, int, int, Any]] = set()
        for code in self.backend.run(ruleset, facts):
            pos, s, n, outcome = code
            nodes.add(code)
            if n == 0:
                fired.setdefault((pos, s), set()).add(outcome)
        out: RuleResults = {}
        for pos, rp in active:
            scope = True if rp.scope is None else _result(rp, pos, 0, rp.scope, fired, nodes, unknowns)
            require_ = _result(rp, pos, 1, rp.require, fired, nodes, unknowns) if scope is True else None
            out[rp.id] = (scope, require_)
        decided = {
            label_id: tuple(_result(rp, pos, 1, rp.require, fired, nodes, unknowns) for pos, rp in cs)
            for label_id, cs in cases
        }
        return out, decided


def _result(
    rp: RulePlan,
    pos: int,
    s: int,
    stage: Stage,
    fired: dict[tuple[int, int], set[Any]],
    nodes: set[tuple[int, int, int, Any]],
    unknowns: dict[int, Unknown],
) -> Any:
    outcomes = fired.get((pos, s), set())
    if len(outcomes) != 1:
        raise internal_error(
            f"rule {rp.id} got {sorted(map(str, outcomes)) or 'no'} outcomes from the Rete network instead of one",
            f"规则 {rp.id} 在 Rete 网络中得到的结论数不是一个（{sorted(map(str, outcomes))}）",
        )
    (outcome,) = outcomes
    if outcome in ("T", "F"):
        return outcome == "T"
    # an unknown: follow the leftmost child holding it down to the leaf it comes from, as the native engine does
    n = stage.root
    while stage.nodes[n].kind != "leaf":
        node = stage.nodes[n]
        can = [c for c in node.children if outcome in stage.nodes[c].kinds]
        if len(can) > 1:
            can = [c for c in can if (pos, s, c, outcome) in nodes][:1]
        if not can:
            raise internal_error(f"rule {rp.id}: an unknown without a source", f"规则 {rp.id}：未知结论找不到来源")
        n = can[0]
    found = unknowns.get(stage.nodes[n].leaf, MISSING)
    if RANK[found.kind] != outcome:
        raise internal_error(f"rule {rp.id}: inconsistent unknown", f"规则 {rp.id}：未知结论不一致")
    return found
