"""Running the plugins' per-project hooks so that a failing plugin fails closed.

Each plugin fact, check, findings processor and report observer is called on its own: one that
raises becomes an ``error`` finding naming the plugin and the exception (the verdict cannot be
``approve`` then, by :mod:`.verdict`), and the others still run. With ``strict=True`` the exception is raised as a
:class:`~heshan_vetting.PluginError` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any

from heshan_vetting.errors import PluginError
from heshan_vetting.evaluation.verdict import Decision, decide
from heshan_vetting.extension import Check, CheckContext, CheckResult, FactProvider
from heshan_vetting.lang.values import Unknown
from heshan_vetting.model import Project
from heshan_vetting.packs.compiled import CompiledPack, in_force
from heshan_vetting.packs.env import plugin_fact_env
from heshan_vetting.report import Citation, CitationStatus, Finding, Outcome, Report, Severity, Skipped, Text

__all__ = ["PluginRunner"]

_CHECK_ERROR = Text(zh="插件检查", en="plugin check")


def _message(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _error_finding(
    plugin: str,
    rule_id: str,
    title: Text,
    severity: Severity,
    citation: Citation | None,
    what: Text,
    detail: str,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        pack_id=f"plugin:{plugin}",
        title=title,
        severity=severity,
        outcome=Outcome.ERROR,
        explanation=Text(
            zh=f"插件 {plugin} 出错（{what.zh}）：{detail}。结论不完整。",
            en=f"Plugin {plugin} failed ({what.en}): {detail}. The result is incomplete.",
        ),
        citation=citation,
        unverified=citation is not None and not citation.verified,
        figure_status=citation.status if citation is not None else CitationStatus.VERIFIED,
    )


class PluginRunner:
    """The plugins' facts, checks, findings processors and report observers for one Vetter."""

    def __init__(
        self,
        pack: CompiledPack,
        providers: Sequence[tuple[str, FactProvider]],
        checks: Sequence[tuple[str, Check]],
        processors: Sequence[tuple[str, Callable[[Project, Sequence[Finding]], Any]]],
        observers: Sequence[tuple[str, Callable[[Report], Any]]],
        options: Mapping[str, Any],
        *,
        strict: bool = False,
    ) -> None:
        self.pack = pack
        self.providers = tuple(providers)
        self.checks = tuple(checks)
        self.processors = tuple(processors)
        self.observers = tuple(observers)
        self.options = MappingProxyType(dict(options))
        self.strict = strict
        seen = {r.id: f"rule of pack {r.pack_id}" for r in pack.rules}
        for plugin, check in self.checks:
            if check.id in seen:
                raise PluginError(
                    f"check id {check.id!r} is already used by a {seen[check.id]}; choose another id", plugin=plugin
                )
            seen[check.id] = f"check of plugin {plugin}"

    @property
    def active(self) -> bool:
        """Whether any per-project plugin hook is implemented."""
        return bool(self.providers or self.checks or self.observers or self.processors)

    # -- facts ----------------------------------------------------------------------------------
    def facts(self, project: Project) -> tuple[dict[str, Any], list[Finding]]:
        """The plugin facts' values for ``project`` and an error finding for each that failed."""
        env: dict[str, Any] = {}
        errors: list[Finding] = []
        for plugin, p in self.providers:
            try:
                env[p.name] = plugin_fact_env(self.pack.fact_types[p.name], p.compute(project))
            except Exception as exc:
                detail = _message(exc)
                if self.strict:
                    raise PluginError(f"fact {p.name!r} raised {detail}", plugin=plugin) from exc
                env[p.name] = Unknown("error", f"plugin {plugin} could not compute {p.name} ({detail})")
                what = Text(zh=f"计算事实 {p.name}", en=f"computing fact {p.name}")
                errors.append(_error_finding(plugin, f"plugin:{plugin}:{p.name}", p.title, Severity.ADVISORY,
                                             None, what, detail))  # fmt: skip
        return env, errors

    # -- checks ---------------------------------------------------------------------------------
    def run_checks(self, project: Project, as_of: date, env: Mapping[str, Any]) -> list[Finding]:
        """One finding per plugin check in force on ``as_of``."""
        active = [(plugin, c) for plugin, c in self.checks if in_force(c.effective_from, c.effective_until, as_of)]
        if not active:
            return []
        facts = MappingProxyType({k: None if isinstance(v, Unknown) else v for k, v in env.items()})
        ctx = CheckContext(project=project, as_of=as_of, facts=facts, options=self.options)
        return [self._run(plugin, check, ctx) for plugin, check in active]

    def not_in_force(self, as_of: date) -> list[Skipped]:
        """The plugin checks not in force on ``as_of`` (listed in the report like pack rules)."""
        return [
            Skipped(kind="rule", id=c.id, effective_from=c.effective_from, effective_until=c.effective_until)
            for _plugin, c in self.checks
            if not in_force(c.effective_from, c.effective_until, as_of)
        ]

    def _run(self, plugin: str, check: Check, ctx: CheckContext) -> Finding:
        try:
            result = check.run(ctx)
            if not isinstance(result, CheckResult):
                raise TypeError(f"run() must return a CheckResult, not {type(result).__name__}")
        except Exception as exc:
            detail = _message(exc)
            if self.strict:
                raise PluginError(f"check {check.id!r} raised {detail}", plugin=plugin) from exc
            what = Text(zh=f"检查 {check.id}", en=f"check {check.id}")
            return _error_finding(plugin, check.id, check.title, check.severity, check.citation, what, detail)
        citation = check.citation
        return Finding(
            rule_id=check.id,
            pack_id=f"plugin:{plugin}",
            title=check.title,
            severity=check.severity,
            outcome=result.outcome,
            explanation=result.explanation,
            comparisons=result.comparisons,
            facts=result.facts,
            missing=result.missing,
            citation=citation,
            unverified=citation is not None and not citation.verified,
            figure_status=citation.status if citation is not None else CitationStatus.VERIFIED,
            tags=check.tags,
        )

    # -- post-processing ------------------------------------------------------------------------
    def process(self, project: Project, findings: list[Finding]) -> list[Finding]:
        """Findings after each ``heshan_process_findings`` implementation, in turn."""
        for plugin, fn in self.processors:
            what = Text(zh="处理评审结果", en="processing findings")
            try:
                result = fn(project, findings)
                if result is None:
                    continue
                result = list(result)
                if not all(isinstance(f, Finding) for f in result):
                    raise TypeError("heshan_process_findings must return Finding objects")
                if [f.rule_id for f in result] != [f.rule_id for f in findings]:
                    raise ValueError(
                        "heshan_process_findings must keep every finding, in order (same rule ids); "
                        "add findings with heshan_checks instead"
                    )
            except Exception as exc:
                detail = _message(exc)
                if self.strict:
                    raise PluginError(f"heshan_process_findings raised {detail}", plugin=plugin) from exc
                findings = [*findings, _error_finding(plugin, f"plugin:{plugin}:process_findings", _CHECK_ERROR,
                                                      Severity.ADVISORY, None, what, detail)]  # fmt: skip
                continue
            findings = result
        return findings

    # -- observers ------------------------------------------------------------------------------
    def observe(self, report: Report) -> Report:
        """Show ``report`` to each observer; one that raises marks the report incomplete."""
        failed: list[Finding] = []
        for plugin, fn in self.observers:
            try:
                fn(report)
            except Exception as exc:
                detail = _message(exc)
                if self.strict:
                    raise PluginError(f"heshan_report_finished raised {detail}", plugin=plugin) from exc
                what = Text(zh="接收评审报告", en="observing the report")
                failed.append(_error_finding(plugin, f"plugin:{plugin}:report_finished", _CHECK_ERROR,
                                             Severity.ADVISORY, None, what, detail))  # fmt: skip
        if not failed:
            return report
        names = [f.pack_id.removeprefix("plugin:") for f in failed]
        prior = Decision(report.verdict, list(report.reasons), list(report.conditions),
                         list(report.missing_fields), report.incomplete)  # fmt: skip
        decision = decide((), failed_observers=names, prior=prior)
        return report.model_copy(
            update={
                "findings": (*report.findings, *failed),
                "incomplete": decision.incomplete,
                "verdict": decision.verdict,
                "reasons": tuple(decision.reasons),
            }
        )
