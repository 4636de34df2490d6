"""The public entry object: :class:`Vetter` owns its plugins, unit registry and compiled pack."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from ._evaluate import IndicatorInput, RuleDecider, evaluate, native_decider
from ._plugin_run import PluginRunner
from .default_loader import project_from_mapping
from .engine import CompiledPack, compile_pack
from .errors import ProjectError, UsageError
from .industry import classification
from .model import Project
from .plugins import Hooks, PluginInfo, make_plugin_manager
from .report import Finding, Provenance, Report, ReportSet, Score
from .rulepack import VerdictDef, load_pack
from .units import Units

__all__ = ["DEFAULT_PACK", "ENGINES", "ProjectInput", "Vetter"]

#: The pack used when none is named: Heshan's, which extends Jiangmen → Guangdong → national.
DEFAULT_PACK = "heshan"
ENGINES = ("native", "durable")

ProjectInput = Project | Mapping[str, Any] | str | Path


class Vetter:
    """Vets projects against one rule pack.

    A Vetter is built once (plugins registered, units defined, the pack and its parents loaded,
    checked and compiled) and then used for any number of checks. It holds no global state and is
    immutable after construction, so one Vetter may serve many threads.

    :param pack: a pack id found in the pack paths (default ``"heshan"``) or a path to a pack file.
    :param engine: the evaluation engine: ``"native"`` (default) or ``"durable"`` (the same findings decided on
        durable-rules; needs ``pip install 'heshan-vetting[durable]'``, see docs/engines.md).
    :param plugins: extra plugin objects (modules or instances with ``@hookimpl`` functions),
        registered after the built-ins and the entry-point plugins, so their hooks are asked first.
    :param disable_plugins: names of plugins to block, built-ins included (e.g. ``"renderers"``);
        added to those in the ``HESHAN_VETTING_DISABLE_PLUGINS`` environment variable.
    :param pack_paths: extra directories to search for packs, before the plugins' ones.
    :param options: plugin options by name (the same names as the plugins' CLI options), passed to
        the ``heshan_facts`` and ``heshan_checks`` hooks.
    :param strict: raise :class:`PluginError` when a plugin fails during a check, instead of
        recording an ``error`` finding.
    :param autoload: load the plugins of the ``heshan_vetting`` entry-point group; default true
        unless ``HESHAN_VETTING_DISABLE_PLUGIN_AUTOLOAD`` is set.
    """

    def __init__(
        self,
        pack: str | Path = DEFAULT_PACK,
        *,
        engine: str = "native",
        plugins: Sequence[object] = (),
        disable_plugins: Iterable[str] = (),
        pack_paths: Sequence[str | Path] = (),
        options: Mapping[str, Any] | None = None,
        strict: bool = False,
        autoload: bool | None = None,
    ) -> None:
        if engine not in ENGINES:
            raise UsageError(
                f"Unknown engine {engine!r}; available: {', '.join(ENGINES)}.",
                message_zh=f"未知的引擎 {engine!r}；可用：{'、'.join(ENGINES)}。",
                field="engine",
            )
        self.engine = engine
        self._decider: RuleDecider = native_decider
        self._engine_version: str | None = None
        if engine == "durable":
            from . import _durable

            self._engine_version = _durable.require()  # fails fast, saying why and what to do
        self._pm, infos = make_plugin_manager(plugins, disable_plugins, autoload=autoload)
        self.hooks = Hooks(self._pm, infos)
        self.options: Mapping[str, Any] = MappingProxyType(dict(options or {}))
        self.strict = strict
        definitions = self.hooks.unit_definitions()
        if not definitions:
            raise UsageError(
                "No plugin supplies unit definitions; is the built-in 'units' plugin disabled?",
                message_zh="没有插件提供单位定义；是否禁用了内置插件 units？",
                field="disable_plugins",
            )
        self.units = Units(definitions)
        self.pack_paths = [Path(p) for p in pack_paths] + self.hooks.rule_pack_paths()
        providers = self.hooks.facts(self.options)
        self.pack: CompiledPack = compile_pack(load_pack(pack, self.pack_paths), self.units, providers)
        self._runner = PluginRunner(
            self.pack,
            providers,
            self.hooks.checks(self.options),
            self.hooks.finding_processors(),
            self.hooks.report_observers(),
            self.options,
            strict=strict,
        )
        if engine == "durable":
            self._decider = _durable.DurableDecider(self.pack)
        self.not_configured = tuple(self.hooks.not_configured)
        """Plugins that are installed but not configured (they check nothing; every report lists them)."""
        self.renderers = self.hooks.renderers()
        self._plugin_refs = self.hooks.plugin_refs()

    @property
    def plugins(self) -> list[PluginInfo]:
        """Every plugin this Vetter knows (built-in, entry point or explicit; blocked ones marked), by name."""
        return sorted(self.hooks.infos.values(), key=lambda i: i.name)

    # -- projects -------------------------------------------------------------------------------
    def load(self, path: str | Path) -> list[Project]:
        """The projects in a file, read by the first loader plugin that handles its format."""
        p = Path(path)
        if not p.exists():
            raise ProjectError("The file does not exist.", message_zh="文件不存在。", file=str(path))
        if p.is_dir():
            raise ProjectError(
                "This is a directory; give the project files in it (e.g. dir/*.toml).",
                message_zh="这是一个目录；请指定其中的项目文件（如 dir/*.toml）。",
                file=str(path),
            )
        projects = self.hooks.load_project(p, self.units)
        if projects is None:
            if p.suffix.lower() == ".toml":
                raise UsageError(
                    "No loader plugin reads .toml project files; is the built-in 'toml_loader' plugin disabled?",
                    message_zh="没有加载器插件可读取 .toml 项目文件；是否禁用了内置插件 toml_loader？",
                    file=str(path),
                )
            raise ProjectError(
                f"No loader plugin reads {p.suffix or 'files without an extension'}; the built-in loader reads "
                ".toml project files, and plugins add formats (e.g. heshan-vetting-xlsx for .xlsx).",
                message_zh=f"没有可读取 {p.suffix or '无扩展名文件'} 的加载器插件；内置加载器读取 .toml 项目文件，"
                "其他格式由插件提供（如 heshan-vetting-xlsx 读取 .xlsx）。",
                file=str(path),
            )
        return projects

    def project(self, data: Mapping[str, Any]) -> Project:
        """Validate a project dict (quantities as strings such as ``"180 亩"``) with this Vetter's units."""
        return project_from_mapping(data, self.units)

    def _projects(self, item: ProjectInput) -> list[tuple[Project, str | None]]:
        if isinstance(item, Project):
            return [(item, None)]
        if isinstance(item, (str, Path)):
            return [(p, str(item)) for p in self.load(item)]
        return [(self.project(item), None)]

    # -- checking -------------------------------------------------------------------------------
    def check(self, project: ProjectInput, *, as_of: date | None = None) -> Report:
        """Vet one project (a :class:`Project`, a dict, or a path to a project file).

        :param as_of: the date whose rules apply; default the project's application date, else today.
        """
        items = self._projects(project)
        if len(items) != 1:
            raise UsageError(
                f"{project} holds {len(items)} projects; use check_many().",
                message_zh=f"{project} 含 {len(items)} 个项目；请使用 check_many()。",
            )
        return self._check_one(*items[0], as_of)

    def check_many(self, projects: Iterable[ProjectInput], *, as_of: date | None = None) -> ReportSet:
        """Vet several projects; reports come in input order."""
        reports = [self._check_one(p, src, as_of) for item in projects for p, src in self._projects(item)]
        return ReportSet(reports=reports)

    def _score(self, inputs: Sequence[IndicatorInput], verdict: VerdictDef | None) -> Score | None:
        return self.hooks.score(inputs, verdict)

    def _check_one(self, project: Project, source: str | None, as_of: date | None) -> Report:
        if as_of is not None:
            day, how = as_of, "option"
        elif project.application_date is not None:
            day, how = project.application_date, "application_date"
        else:
            day, how = date.today(), "today"
        runner = self._runner
        extra_env, fact_errors = runner.facts(project) if runner.providers else ({}, [])

        def plugin_findings(env: dict[str, Any]) -> list[Finding]:
            return [*fact_errors, *runner.run_checks(project, day, env)]

        def process(findings: list[Finding]) -> list[Finding]:
            return runner.process(project, findings)

        ev = evaluate(
            self.pack,
            project,
            day,
            self._score,
            self._decider,
            extra_env=extra_env,
            extra_findings=plugin_findings if runner.checks or fact_errors else None,
            process=process if runner.processors else None,
        )
        from . import __version__

        provenance = Provenance(
            library_version=__version__,
            engine=self.engine,
            engine_version=self._engine_version,
            packs=list(self.pack.packs),
            plugins=self._plugin_refs,
            as_of=day,
            as_of_source=_as_of_source(how),
        )
        from .report import ProjectRef

        report = Report(
            project=ProjectRef(
                id=project.id,
                name=project.name,
                applicant=project.applicant,
                industry_code=project.industry_code,
                industry_name=classification().name(project.industry_code) if project.industry_code else None,
                source=source,
            ),
            verdict=ev.verdict,
            incomplete=ev.incomplete,
            reasons=ev.reasons,
            conditions=ev.conditions,
            missing_fields=ev.missing_fields,
            labels=ev.labels,
            unverified_basis=ev.unverified_basis,
            score=ev.score,
            findings=ev.findings,
            not_in_force=[*ev.skipped, *runner.not_in_force(day)] if runner.checks else ev.skipped,
            not_configured=self.not_configured,
            provenance=provenance,
        )
        return runner.observe(report) if runner.observers else report

    # -- output ---------------------------------------------------------------------------------
    def render(self, reports: Report | ReportSet, format: str = "text", lang: str = "zh") -> str:
        """Render reports with a renderer plugin (``text`` or ``json`` built in)."""
        renderer = self.renderers.get(format)
        if renderer is None:
            raise unknown_format(format, self.renderers)
        rs = reports if isinstance(reports, ReportSet) else ReportSet(reports=[reports])
        out: str = renderer(rs, lang)
        return out


def unknown_format(name: str, renderers: Mapping[str, Any], field: str = "format") -> UsageError:
    """The error for an output format no renderer plugin provides."""
    if not renderers:
        return UsageError(
            f"No renderer plugin is registered, so there is no format {name!r}; "
            "is the built-in 'renderers' plugin disabled?",
            message_zh=f"没有注册任何输出插件，无法输出 {name!r} 格式；是否禁用了内置插件 renderers？",
            field=field,
        )
    return UsageError(
        f"Unknown format {name!r}; available: {', '.join(sorted(renderers))}.",
        message_zh=f"未知的输出格式 {name!r}；可用：{'、'.join(sorted(renderers))}。",
        field=field,
    )


def _as_of_source(how: str) -> Literal["option", "application_date", "today"]:
    if how == "option":
        return "option"
    if how == "application_date":
        return "application_date"
    return "today"
