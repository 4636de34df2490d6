"""The public entry object: :class:`Vetter` owns its plugins, unit registry and compiled pack."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from heshan_vetting.batch import can_fork, run_parallel, worker_arguments
from heshan_vetting.decisions import BATCH_SIZE, DecidedOn, Decision, Entry, decide_in_batches, decision
from heshan_vetting.engines.protocol import Engine, EngineSpec, choose_engine
from heshan_vetting.errors import InputError, PluginError, ProjectError, RulePackError, UsageError, did_you_mean
from heshan_vetting.evaluation.explain import path_to_approval
from heshan_vetting.evaluation.pipeline import Pipeline
from heshan_vetting.evaluation.plugin_run import PluginRunner
from heshan_vetting.extension import LoadedItem, RenderContext
from heshan_vetting.inputs.discover import find_project_files
from heshan_vetting.inputs.files import require_regular_file
from heshan_vetting.model import Project, project_from_mapping
from heshan_vetting.packs.compiled import CompiledPack
from heshan_vetting.packs.compiler import compile_pack
from heshan_vetting.packs.load import find_packs, index_packs, load_pack, shipped_pack_dir
from heshan_vetting.plugins import Hooks, PluginInfo, make_plugin_manager
from heshan_vetting.report import AsOfSource, Notice, Report, Text
from heshan_vetting.results import Item, ItemError, ReportSet
from heshan_vetting.units import Units
from heshan_vetting.waivers import Waiver, WaiverBook

__all__ = ["DEFAULT_PACK", "LANGUAGES", "ProjectInput", "Vetter"]

#: The pack used when none is named: Heshan's, which extends Jiangmen → Guangdong → national.
DEFAULT_PACK = "heshan"
T = TypeVar("T")

#: The languages reports are written in.
LANGUAGES = ("zh", "en")

ProjectInput = Project | Mapping[str, Any] | str | Path


class Vetter:
    """Vets projects against one rule pack.

    A Vetter is built once (plugins registered, units defined, the pack and its parents loaded,
    checked and compiled) and then used for any number of checks. It holds no global state and is
    immutable after construction, so one Vetter may serve many threads.

    :param pack: a pack id found in the pack paths (default ``"heshan"``) or a path to a pack file.
    :param engine: the evaluation engine, by the name a plugin registers it under (``heshan_engines``):
        ``"native"`` (default) or ``"durable"`` (the same findings decided on durable-rules; needs
        ``pip install 'heshan-vetting[durable]'``), or a plugin's (see docs/engines.md). An unknown name,
        or an engine that cannot run here, is a :class:`UsageError` saying why.
    :param plugins: extra plugin objects (modules or instances with ``@hookimpl`` functions),
        registered after the built-ins and the entry-point plugins, so their hooks are asked first.
    :param disable_plugins: names of plugins to block, built-ins included (e.g. ``"renderers"``; one
        name may be given as a string); added to those in the ``HESHAN_VETTING_DISABLE_PLUGINS``
        environment variable. A name that is no plugin is a :class:`UsageError` (with a suggestion).
    :param pack_paths: extra directories to search for packs, before the plugins' ones.
    :param options: plugin options by name (the same names as the plugins' CLI options), passed to
        the ``heshan_facts`` and ``heshan_checks`` hooks.
    :param strict: raise :class:`PluginError` when a plugin fails during a check, instead of
        recording an ``error`` finding; raise :class:`UsageError` for an as-of date outside the period the
        pack covers and :class:`RulePackError` for a pack id found in several files, instead of a notice.
    :param autoload: load the plugins of the ``heshan_vetting`` entry-point group; default true
        unless ``HESHAN_VETTING_DISABLE_PLUGIN_AUTOLOAD`` is set.
    :param hooks: a plugin set already built with :func:`~heshan_vetting.plugins.make_plugin_manager`
        (as the CLI does to read the plugins' options), used instead of building another one, so entry
        points are loaded once; ``plugins``, ``disable_plugins`` and ``autoload`` must then be left out.
        Give each Vetter its own.
    :param waivers: governed waivers to apply (docs/waivers.md): a waiver file's path, a
        :class:`~heshan_vetting.waivers.WaiverBook` or :class:`~heshan_vetting.waivers.Waiver` objects. A waiver
        of a rule the pack does not have or does not mark ``waivable``, or on a ground the rule does not name,
        is a :class:`UsageError` here, before any check.
    :param explain: give every report ``path_to_approval`` (what it would take for the project to be approved;
        ``check --explain``), also in the worker processes of ``check_many(jobs=N)``; :meth:`check` may
        override it per call.
    """

    def __init__(
        self,
        pack: str | Path = DEFAULT_PACK,
        *,
        engine: str = "native",
        plugins: Sequence[object] = (),
        disable_plugins: Iterable[str] | str = (),
        pack_paths: Sequence[str | Path] = (),
        options: Mapping[str, Any] | None = None,
        strict: bool = False,
        autoload: bool | None = None,
        hooks: Hooks | None = None,
        waivers: WaiverBook | str | Path | Iterable[Waiver] | None = None,
        explain: bool = False,
    ) -> None:
        self.waivers: WaiverBook = WaiverBook.of(waivers)
        """The governed waivers this Vetter applies (empty when none were given)."""
        self._arguments: dict[str, Any] = {
            "pack": pack,
            "engine": engine,
            "plugins": tuple(plugins),
            "disable_plugins": (disable_plugins,) if isinstance(disable_plugins, str) else tuple(disable_plugins),
            "pack_paths": tuple(pack_paths),
            "options": dict(options or {}),
            "strict": strict,
            "autoload": autoload,
            "waivers": self.waivers,
            "explain": explain,
        }
        self.explain = explain
        """Whether reports carry ``path_to_approval`` (what approval would take) unless a check says otherwise."""
        if hooks is None:
            self._pm, infos = make_plugin_manager(plugins, disable_plugins, autoload=autoload)
            hooks = Hooks(self._pm, infos)
        elif plugins or disable_plugins or autoload is not None:
            raise UsageError(
                "Give either hooks (an already built plugin set) or plugins/disable_plugins/autoload, not both.",
                message_zh="hooks（已建好的插件集）与 plugins/disable_plugins/autoload 只能二选一。",
                field="hooks",
            )
        else:
            self._pm, infos = hooks.pm, hooks.infos
        self.hooks = hooks
        engines = self.hooks.engines()
        blocked = "engines" in infos and infos["engines"].blocked
        choose_engine(engines, engine, builtin_blocked=blocked)
        self.engine = engine
        """The name of the engine that decides this Vetter's conditions."""
        provider, spec = engines[engine]
        self._engine_version = _engine_version(spec, provider)  # fails fast, saying why and what to do
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
        merged = load_pack(pack, self.pack_paths)
        self._pack_files = tuple(f.absolute() for f in merged.files)
        self.pack: CompiledPack = compile_pack(merged, self.units, providers)
        runner = PluginRunner(
            self.pack,
            providers,
            self.hooks.checks(self.options),
            self.hooks.finding_processors(),
            self.hooks.report_observers(),
            self.options,
            strict=strict,
        )
        self._pack_notices = _pack_notices(self.pack)
        if strict and self.pack.shadowed:
            sh = self.pack.shadowed[0]
            raise RulePackError(
                f"The pack id {sh.pack_id!r} is found in several files: {sh.used} (used) and "
                f"{', '.join(sh.ignored)}; with strict=True (--strict) a pack id must be unambiguous.",
                message_zh=f"规则包编号 {sh.pack_id!r} 对应多个文件：{sh.used}（已使用）与 {'、'.join(sh.ignored)}；"
                "严格模式（--strict）下规则包编号必须唯一。",
                file=sh.used,
                field="pack.id",
            )
        self.not_configured = tuple(self.hooks.not_configured)
        """Plugins that are installed but not configured (they check nothing; every report lists them)."""
        self.renderers = self.hooks.renderers()
        self.waivers.validate(
            {r.id: (r.waivable, r.waiver_grounds) for r in self.pack.rules}, [p.id for p in self.pack.packs]
        )
        self._pipeline = Pipeline(
            self.pack,
            _build_engine(spec, provider, self.pack),
            self.hooks.score,
            runner,
            engine_name=engine,
            engine_version=self._engine_version,
            plugin_refs=self.hooks.plugin_refs(),
            not_configured=self.not_configured,
            waivers=self.waivers,
        )
        self._plugin_inputs = tuple(p.absolute() for _name, p in self.hooks.input_files(self.options))

    @property
    def notices(self) -> tuple[Notice, ...]:
        """Warnings about this Vetter's packs (not shipped, or chosen among several files); every report has them."""
        return self._pack_notices

    @property
    def covers(self) -> tuple[date | None, date | None]:
        """The period the pack chain covers (``covers_from``, ``covers_until``); ``None`` where open."""
        return self.pack.covers

    @property
    def plugins(self) -> list[PluginInfo]:
        """Every plugin this Vetter knows (built-in, entry point or explicit; blocked ones marked), by name."""
        return sorted(self.hooks.infos.values(), key=lambda i: i.name)

    def input_files(self) -> list[Path]:
        """Every file this Vetter reads besides the projects, so no output is written over one of them.

        These are the files of the pack chain (the pack and its parents), every rule pack file in the
        directories searched for packs (they are read to find packs by id), and the files plugins
        declare through ``heshan_input_files`` (such as the credit plugin's list files); absolute
        paths, without duplicates. Pass them, with the project files, as the ``inputs`` of
        :func:`heshan_vetting.output.write_output`.
        """
        out: dict[Path, None] = dict.fromkeys(self._pack_files)
        dirs = dict.fromkeys([*self.pack_paths, *(f.parent for f in self._pack_files)])
        for directory in dirs:
            try:
                found = index_packs([directory])
            except InputError:  # two packs with one id there: not this Vetter's chain, which is kept
                continue
            out.update(dict.fromkeys(f.absolute() for files in found.values() for f in files))
        out.update(dict.fromkeys(self._plugin_inputs))
        out.update(dict.fromkeys(Path(f).absolute() for f in self.waivers.files))
        return list(out)

    # -- projects -------------------------------------------------------------------------------
    def load(self, path: str | Path) -> list[Project]:
        """The projects in a file, read by the first loader plugin that handles its format.

        :raises ProjectError: the first bad item (a ledger row, a JSON line) or the file itself; use
            :meth:`load_items` to keep the good rows of a file with bad ones.
        """
        items = self.load_items(path)
        for item in items:
            if item.error is not None:
                raise item.error
        return [item.project for item in items if item.project is not None]

    def load_items(self, path: str | Path) -> list[LoadedItem]:
        """The items in a file: a project, or the error of a row that is not one, each with its row (if any).

        :raises ProjectError: the file cannot be read at all (missing, a directory, no loader for its format,
            not a ledger).
        """
        p = Path(path)
        if not p.exists():
            raise ProjectError("The file does not exist.", message_zh="文件不存在。", file=str(path))
        if p.is_dir():
            raise ProjectError(
                "This is a directory; give the project files in it (the check command searches directories).",
                message_zh="这是一个目录；请指定其中的项目文件（check 命令可直接搜索目录）。",
                file=str(path),
            )
        require_regular_file(p, ProjectError)  # a named pipe or a device would block or never end
        projects = self.hooks.load_project(p, self.units, self.options)
        if projects is None:
            if p.suffix.lower() == ".toml":
                raise UsageError(
                    "No loader plugin reads .toml project files; is the built-in 'toml_loader' plugin disabled?",
                    message_zh="没有加载器插件可读取 .toml 项目文件；是否禁用了内置插件 toml_loader？",
                    file=str(path),
                )
            known = ", ".join(self.hooks.project_suffixes()) or "none"
            raise ProjectError(
                f"No loader plugin reads {p.suffix or 'files without an extension'}; the loaders installed read: "
                f"{known} (plugins add formats, e.g. heshan-vetting-xlsx for .xlsx).",
                message_zh=f"没有可读取 {p.suffix or '无扩展名文件'} 的加载器插件；已安装的加载器可读取：{known}"
                "（其他格式由插件提供，如 heshan-vetting-xlsx 读取 .xlsx）。",
                file=str(path),
            )
        return projects

    def project_files(self, paths: Iterable[str | Path]) -> Iterator[Path | ProjectError]:
        """The project files ``paths`` name: files as given, directories searched recursively for the suffixes
        the loaders read (hidden entries, ``pyproject.toml`` and ``heshan-vetting.toml`` skipped), glob patterns
        expanded; in a stable order. A directory without project files, or a pattern that matches nothing, is
        yielded as a :class:`ProjectError` in its place (a name that does not exist is yielded as it is: loading
        it says so).
        """
        return find_project_files(paths, self.hooks.project_suffixes())

    def project(self, data: Mapping[str, Any]) -> Project:
        """Validate a project dict (quantities as strings such as ``"180 亩"``) with this Vetter's units."""
        return project_from_mapping(data, self.units)

    # -- checking -------------------------------------------------------------------------------
    def check(
        self,
        project: ProjectInput,
        *,
        as_of: date | str | None = None,
        source: str | Path | None = None,
        explain: bool | None = None,
    ) -> Report:
        """Vet one project (a :class:`Project`, a dict, or a path to a project file).

        :param as_of: the date whose rules apply (a ``date`` or an ISO string such as ``"2024-03-01"``);
            default the project's application date, else today. A date outside the period the pack
            covers is flagged in the report (``notices``); with ``strict=True`` it is a :class:`UsageError`.
        :param source: where the project came from, shown in the report (``project.source``); default
            the path when ``project`` is one, else none (give it for a :class:`Project` you loaded yourself).
        :param explain: add ``report.path_to_approval``, what it would take for the project to be approved
            (default: the Vetter's ``explain``, itself false).
        """
        if isinstance(project, (list, tuple, set)) or not isinstance(project, (Project, Mapping, str, Path)):
            raise UsageError(
                f"check() takes one project (a Project, a dict or a path), not {type(project).__name__}; "
                "use check_many() for several.",
                message_zh=f"check() 只接受一个项目（Project、字典或文件路径），而非 {type(project).__name__}；"
                "多个项目请用 check_many()。",
                field="project",
            )
        if source is not None and not isinstance(source, (str, Path)):
            raise UsageError(
                f"source must be a text or a path, not {type(source).__name__}.",
                message_zh=f"source 应为文本或路径，而非 {type(source).__name__}。",
                field="source",
            )
        day = _as_of(as_of)
        if explain is not None and not isinstance(explain, bool):
            raise UsageError(
                f"explain must be true or false, not {explain!r}.",
                message_zh=f"explain 应为 true 或 false，而非 {explain!r}。",
                field="explain",
            )
        if isinstance(project, Project):
            return self._check_one(project, str(source) if source is not None else None, day, explain=explain)
        if isinstance(project, Mapping):
            return self._check_one(
                self.project(project), str(source) if source is not None else None, day, explain=explain
            )
        found = self.load_items(project)
        if len(found) != 1:
            raise UsageError(
                f"{project} holds {len(found)} projects; use check_many().",
                message_zh=f"{project} 含 {len(found)} 个项目；请使用 check_many()。",
            )
        [entry] = found
        if entry.error is not None:
            raise entry.error
        assert entry.project is not None
        return self._check_one(
            entry.project, str(source) if source is not None else str(project), day, line=entry.line, explain=explain
        )

    def check_many(
        self,
        projects: Iterable[ProjectInput | ItemError],
        *,
        as_of: date | str | None = None,
        jobs: int = 1,
    ) -> Iterator[Item]:
        """Vet several projects, yielding a result per item as it is ready, in input order.

        Each item is a :class:`Report`, or an :class:`~heshan_vetting.ItemError` for an input that could not be
        vetted (a bad file, ledger row or mapping, with every problem found in it): a bad item never stops the
        batch. A file may hold many projects (a ledger, JSON Lines): each row is an item. Collect everything with
        ``ReportSet.collect(vetter.check_many(...))``. A directory is searched and a glob pattern expanded as
        :meth:`project_files` does. An :class:`~heshan_vetting.ItemError` among the inputs
        (a caller's own error for an input it could not find) passes through in its place.

        :param as_of: as for :meth:`check`.
        :param jobs: processes that check; ``1`` (default) checks in this process alone. With ``jobs > 1`` this
            process checks too, with ``jobs - 1`` worker processes, each of which builds its own Vetter with this
            one's arguments (so plugins given as objects must be modules or picklable); the results are the same as
            with ``jobs=1``, in the same order.
        """
        return self.map_many(None, projects, as_of=as_of, jobs=jobs)

    def map_many(
        self,
        function: Callable[[Item], T] | None,
        projects: Iterable[ProjectInput | ItemError],
        *,
        as_of: date | str | None = None,
        jobs: int = 1,
    ) -> Iterator[T]:
        """:meth:`check_many`, with ``function`` applied to each result where it was checked; yields its values.

        With ``jobs > 1`` ``function`` runs in the worker processes, so what comes back is what it returns (for
        example a report's JSON text, far cheaper to send between processes than the report); it must pickle (a
        module-level function, or a ``functools.partial`` of one). ``None`` yields the results themselves.
        """
        if isinstance(projects, (Project, Mapping, str, Path)):
            raise UsageError(
                "check_many() takes an iterable of projects; use check() for one.",
                message_zh="check_many() 接受多个项目（可迭代对象）；单个项目请用 check()。",
                field="projects",
            )
        day = _as_of(as_of)
        if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
            raise UsageError(
                f"jobs must be a whole number of at least 1, not {jobs!r}.",
                message_zh=f"jobs 应为不小于 1 的整数，而非 {jobs!r}。",
                field="jobs",
            )
        numbered = enumerate(self._expand(projects))
        if jobs > 1:
            forked = self if can_fork(self._arguments, self.hooks.infos) else None
            return run_parallel(
                Vetter, self._worker_arguments(), numbered, day, jobs, then=function, local=self, forked=forked
            )
        results: Iterator[Item]
        if hasattr(self._pipeline.engine, "decide_projects"):  # an engine deciding batches: reports as consumed
            results = self._batched_items(numbered, day)
        else:
            results = (result for index, item in numbered for result in self._input_items(item, as_of=day, index=index))
        if function is None:
            return results  # type: ignore[return-value]
        return (function(result) for result in results)

    def decide_many(
        self,
        projects: Iterable[ProjectInput | ItemError],
        *,
        as_of: date | str | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> Iterator[Decision | ItemError]:
        """Each project's verdict and rule outcomes, without building its report; in input order, lazily.

        Takes what :meth:`check_many` takes and yields, for each item, a :class:`~heshan_vetting.decisions.Decision`
        (``verdict``, ``outcomes`` by rule id, ``score``; exactly what :meth:`check` would report) or the
        :class:`~heshan_vetting.ItemError` ``check_many`` gives for it. ``decision.report()`` builds the full
        report on demand (identical to :meth:`check`). With an engine that decides batches (``engine="columnar"``)
        the rules of ``batch_size`` projects at a time are decided together; other engines decide each project.
        """
        if isinstance(projects, (Project, Mapping, str, Path)):
            raise UsageError(
                "decide_many() takes an iterable of projects; use check() for one.",
                message_zh="decide_many() 接受多个项目（可迭代对象）；单个项目请用 check()。",
                field="projects",
            )
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise UsageError(
                f"batch_size must be a whole number of at least 1, not {batch_size!r}.",
                message_zh=f"batch_size 应为不小于 1 的整数，而非 {batch_size!r}。",
                field="batch_size",
            )
        day = _as_of(as_of)
        entries = (e for index, item in enumerate(self._expand(projects)) for e in self._entries(item, index))
        for entry, decided in decide_in_batches(self._pipeline, entries, lambda p: self._day(p, day)[0], batch_size):
            if isinstance(entry, ItemError):
                yield entry
                continue
            project, source, _line = entry
            when, how = self._day(project, day)
            self._outside_notices(when, how, source)

            def build(entry: Entry = entry, decided: DecidedOn | None = decided) -> Report:
                return self._check_one(entry[0], entry[1], day, entry[2], decided=decided)

            yield decision(self._pipeline, entry, when, decided, build)

    def _batched_items(
        self, numbered: Iterable[tuple[int, ProjectInput | ItemError]], day: date | None
    ) -> Iterator[Item]:
        """:meth:`_input_items` of every input, the engine's results decided a batch at a time."""
        entries = (e for index, item in numbered for e in self._entries(item, index))
        for entry, decided in decide_in_batches(self._pipeline, entries, lambda p: self._day(p, day)[0]):
            if isinstance(entry, ItemError):
                yield entry
            else:
                yield self._check_one(entry[0], entry[1], day, entry[2], decided=decided)

    def _entries(self, item: ProjectInput | ItemError, index: int | None) -> Iterator[Entry | ItemError]:
        """The projects of one input (with their file and line), or its errors, as :meth:`_input_items` reads it."""
        if isinstance(item, (ItemError, Project)):
            yield item if isinstance(item, ItemError) else (item, None, None)
            return
        if isinstance(item, Mapping):
            try:
                yield (self.project(item), None, None)
            except ProjectError as exc:
                ident = item.get("id")
                yield ItemError.from_exception(exc, index=index, project_id=ident if isinstance(ident, str) else None)
            return
        if not isinstance(item, (str, Path)):
            raise UsageError(
                f"Item {index} of the batch is a {type(item).__name__}; give Projects, dicts or paths.",
                message_zh=f"批量中的第 {index} 项是 {type(item).__name__}；应为 Project、字典或文件路径。",
                field="projects",
            )
        source = str(item)
        try:
            loaded = self.load_items(item)
        except ProjectError as exc:
            yield ItemError.from_exception(exc, source=source)
            return
        for entry in loaded:
            if entry.project is not None:
                yield (entry.project, source, entry.line)
            else:
                assert entry.error is not None
                yield ItemError.from_exception(entry.error, source=source, line=entry.line, project_id=entry.project_id)

    def _expand(self, inputs: Iterable[ProjectInput | ItemError]) -> Iterator[ProjectInput | ItemError]:
        """Directories and glob patterns among ``inputs`` replaced by the project files they name."""
        for item in inputs:
            if isinstance(item, (str, Path)) and (Path(item).is_dir() or not Path(item).exists()):
                for found in self.project_files([item]):
                    yield ItemError.from_exception(found) if isinstance(found, ProjectError) else found
            else:
                yield item

    def check_input(
        self, item: ProjectInput | ItemError, *, as_of: date | None = None, index: int | None = None
    ) -> list[Item]:
        """The results of one input of a batch: a report or an error for each project a file or mapping holds.

        :param index: the item's position in the batch, recorded in an error for a mapping (which has no file).
        """
        return list(self._input_items(item, as_of=as_of, index=index))

    def _input_items(
        self, item: ProjectInput | ItemError, *, as_of: date | None = None, index: int | None = None
    ) -> Iterator[Item]:
        """:meth:`check_input`, one result at a time: a file's rows are checked as they are taken, so the reports
        of a large register are never all held at once (``check_many(jobs=1)`` streams them)."""
        for entry in self._entries(item, index):
            if isinstance(entry, ItemError):
                yield entry
            else:
                yield self._check_one(entry[0], entry[1], as_of, entry[2])

    def check_loaded(self, item: LoadedItem, *, source: str | None = None, as_of: date | str | None = None) -> Item:
        """The result of one item a loader read (a ledger row, a JSON line): the same as :meth:`check_many` gives
        for it. For a batch split across machines (a Dask partition of a JSON Lines register, say), where each
        part reads its own rows; ``source`` is the file the row came from."""
        if item.project is not None:
            return self._check_one(item.project, source, _as_of(as_of), line=item.line)
        assert item.error is not None  # a LoadedItem holds one or the other
        return ItemError.from_exception(item.error, source=source, line=item.line, project_id=item.project_id)

    def _worker_arguments(self) -> dict[str, Any]:
        """The arguments that build this Vetter again in a worker process (``check_many(jobs=N)``)."""
        return worker_arguments(self._arguments, self.hooks.infos)

    def _check_one(
        self,
        project: Project,
        source: str | None,
        as_of: date | None,
        line: int | None = None,
        *,
        explain: bool | None = None,
        decided: DecidedOn | None = None,
    ) -> Report:
        day, how = self._day(project, as_of)
        results = decided[1] if decided is not None and decided[0] == day else None  # decided for this date only
        notices = self._outside_notices(day, how, source)
        report = self._pipeline.report(
            project, day, source=source, as_of_source=_as_of_source(how), notices=notices, line=line, decided=results
        )
        if self.explain if explain is None else explain:
            report = report.model_copy(
                update={"path_to_approval": path_to_approval(self._pipeline, project, day, report)}
            )
        return report

    @staticmethod
    def _day(project: Project, as_of: date | None) -> tuple[date, str]:
        """The date whose rules apply to ``project``, and where it came from (the option, application date, today)."""
        if as_of is not None:
            return as_of, "option"
        if project.application_date is not None:
            return project.application_date, "application_date"
        return date.today(), "today"

    def _outside_notices(self, day: date, how: str, source: str | None) -> tuple[Notice, ...]:
        """The pack's notices, with one for a date outside the period it covers (a UsageError when strict)."""
        notices = self._pack_notices
        outside = self._outside(day, how)
        if outside is not None:
            if self.strict:
                field = "application_date" if how == "application_date" else "as_of"
                raise UsageError(outside.message.en, message_zh=outside.message.zh, field=field, file=source)
            notices = (*notices, outside)
        return notices

    def _outside(self, day: date, how: str) -> Notice | None:
        start, end = self.pack.covers
        if (start is None or start <= day) and (end is None or day <= end):
            return None
        span = f"{start or '…'} ~ {end or '…'}"
        whence_en = {"option": "as-of date", "application_date": "application date (as-of date)"}.get(how, "as-of date")
        whence_zh = {"option": "评审日期", "application_date": "申请日期（评审日期）"}.get(how, "评审日期")
        why = [n for a, b, n in self.pack.covers_notes if (a is not None and day < a) or (b is not None and day > b)]
        notes_en = "".join(f" {n.en}" for n in why)
        notes_zh = "".join(n.zh for n in why)
        return Notice(
            code="as_of_outside_pack_period",
            message=Text(
                en=f"The {whence_en} {day} is outside the period the pack covers ({span}): rules in force on that "
                f"date may be missing from it, so this verdict cannot be relied on; check the date.{notes_en}",
                zh=f"{whence_zh} {day} 不在规则包覆盖期（{span}）内：该日适用的规则可能未收录，"
                f"本结论不可作为依据；请核对日期。{notes_zh}",
            ),
        )

    # -- output ---------------------------------------------------------------------------------
    def render(
        self,
        reports: Report | ReportSet | Iterable[Item],
        format: str = "text",
        lang: str = "zh",
        *,
        context: RenderContext | None = None,
    ) -> str:
        """Render reports in a text format (``text``, ``json``, ``jsonl`` built in); ``lang`` is ``zh`` or ``en``.

        ``reports`` is a :class:`Report`, a :class:`ReportSet`, or the items :meth:`check_many` yields.

        A binary format (its renderer returns bytes) is a :class:`UsageError` here: use :meth:`render_bytes`.
        """
        out = self._render(reports, format, lang, context)
        if isinstance(out, bytes):
            raise UsageError(
                f"The format {format!r} is binary; use render_bytes() (or, on the command line, --output FILE).",
                message_zh=f"格式 {format!r} 是二进制格式；请用 render_bytes()（命令行请加 --output 文件）。",
                field="format",
            )
        return out

    def render_bytes(
        self,
        reports: Report | ReportSet | Iterable[Item],
        format: str = "text",
        lang: str = "zh",
        *,
        context: RenderContext | None = None,
    ) -> bytes:
        """Render reports in any format as the bytes of a file (a text format encoded as UTF-8)."""
        out = self._render(reports, format, lang, context)
        return out.encode("utf-8") if isinstance(out, str) else out

    def _render(
        self, reports: Report | ReportSet | Iterable[Item], format: str, lang: str, context: RenderContext | None
    ) -> str | bytes:
        if lang not in LANGUAGES:
            hint_en, hint_zh = did_you_mean(str(lang), LANGUAGES)
            raise UsageError(
                f"Unknown language {lang!r}{hint_en or ';'} reports are written in: {', '.join(LANGUAGES)}.",
                message_zh=f"不支持的语言 {lang!r}{hint_zh or '；'}报告语言可选：{'、'.join(LANGUAGES)}。",
                field="lang",
            )
        renderer = self.renderers.get(format)
        if renderer is None:
            raise unknown_format(format, self.renderers)
        if isinstance(reports, ReportSet):
            rs = reports
        elif isinstance(reports, (Report, ItemError)):
            rs = ReportSet(items=(reports,))
        else:  # what check_many yields
            rs = ReportSet.collect(reports)
        if context is not None and _takes_context(renderer):
            out = renderer(rs, lang, context=context)  # type: ignore[call-arg]
        else:
            out = renderer(rs, lang)
        if not isinstance(out, (str, bytes)):
            raise PluginError(f"the renderer of format {format!r} returned {type(out).__name__}, not str or bytes")
        return out


def _takes_context(renderer: Callable[..., Any]) -> bool:
    """Whether a renderer accepts the ``context`` keyword (:class:`RenderContext`)."""
    try:
        params = inspect.signature(renderer).parameters
    except (TypeError, ValueError):
        return False
    return "context" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


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


def engine_builder(hooks: Hooks, name: object) -> tuple[Callable[[CompiledPack], Engine], str | None]:
    """The engine ``name`` of ``hooks``' registry (``heshan_engines``), checked as ``Vetter(engine=name)`` checks it.

    Returns a function building the engine for a compiled pack, and the engine's version. An unknown name, or an
    engine that cannot run here, is the same :class:`UsageError` the Vetter raises (the per-mu evaluation uses it).
    """
    engines = hooks.engines()
    blocked = "engines" in hooks.infos and hooks.infos["engines"].blocked
    choose_engine(engines, name, builtin_blocked=blocked)
    assert isinstance(name, str)
    provider, spec = engines[name]
    version = _engine_version(spec, provider)
    return (lambda pack: _build_engine(spec, provider, pack)), version


def _engine_call(spec: EngineSpec, provider: str, what: str, call: Callable[[], T]) -> T:
    """Run one of an engine plugin's functions: a user's mistake stays an input error, anything else a PluginError."""
    try:
        return call()
    except InputError:
        raise
    except Exception as exc:
        raise PluginError(
            f"the {what} of engine {spec.name!r} raised {type(exc).__name__}: {exc}", plugin=provider
        ) from exc


def _engine_version(spec: EngineSpec, provider: str) -> str | None:
    """The engine's version for provenance, after its availability check; a UsageError when it cannot run here."""
    reason = _engine_call(spec, provider, "available() check", spec.available)
    if reason is not None:
        en, zh = reason if isinstance(reason, tuple) else (reason, reason)
        raise UsageError(
            f"The {spec.name} engine is not available: {en}",
            message_zh=f"{spec.name} 引擎不可用：{zh}",
            field="engine",
        )
    version = _engine_call(spec, provider, "version()", spec.version)
    if version is not None and not isinstance(version, str):
        raise PluginError(
            f"the version() of engine {spec.name!r} must be a string or None, got {version!r}", plugin=provider
        )
    return version


def _build_engine(spec: EngineSpec, provider: str, pack: CompiledPack) -> Engine:
    """The engine ``spec`` builds for ``pack``; a PluginError naming the plugin when its factory fails."""
    built = _engine_call(spec, provider, "factory", lambda: spec.factory(pack))
    if not callable(built):
        raise PluginError(
            f"the factory of engine {spec.name!r} must return a callable engine, got {built!r}", plugin=provider
        )
    return built


def _as_of(value: object) -> date | None:
    """An as-of date from a ``date``, a ``datetime`` (its date) or an ISO string; a UsageError otherwise."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise UsageError(
        f"as_of must be a date or an ISO date such as '2024-03-01', not {value!r}.",
        message_zh=f"as_of 应为日期或 ISO 格式日期（如 '2024-03-01'），而非 {value!r}。",
        field="as_of",
    )


def _pack_notices(pack: CompiledPack) -> tuple[Notice, ...]:
    """The notices every report of ``pack`` carries: packs that are not shipped, ids found in several files."""
    out: list[Notice] = []
    shipped_ids = set(find_packs([shipped_pack_dir()])) if not all(r.shipped for r in pack.packs) else set()
    for ref in pack.packs:
        if ref.shipped:
            continue
        if ref.id in shipped_ids:
            en = (
                f"The pack {ref.id!r} used is not the shipped pack of that id: it was read from {ref.file} "
                f"(version {ref.version}, sha256 {ref.sha256[:12]}…). Its rules and figures may differ."
            )
            zh = (
                f"所用规则包 {ref.id!r} 并非随附的同名规则包，而是读自 {ref.file}（版本 {ref.version}，"
                f"sha256 {ref.sha256[:12]}…），其规则和数值可能不同。"
            )
        else:
            en = f"The pack {ref.id!r} is not shipped with heshan-vetting: it was read from {ref.file}."
            zh = f"规则包 {ref.id!r} 不是 heshan-vetting 随附的规则包，读自 {ref.file}。"
        out.append(Notice(code="pack_not_shipped", message=Text(en=en, zh=zh)))
    for sh in pack.shadowed:
        out.append(
            Notice(
                code="pack_shadowed",
                message=Text(
                    en=f"The pack id {sh.pack_id!r} is found in several files; {sh.used} was used and "
                    f"{', '.join(sh.ignored)} was not (a pack beside the one asked for comes first, then the pack "
                    "paths, then the plugins' and the shipped packs).",
                    zh=f"规则包编号 {sh.pack_id!r} 对应多个文件；使用了 {sh.used}，未使用 {'、'.join(sh.ignored)}"
                    "（顺序：所指定规则包同目录、规则包路径、插件目录、随附规则包）。",
                ),
            )
        )
    return tuple(out)


def _as_of_source(how: str) -> AsOfSource:
    if how == "option":
        return "option"
    if how == "application_date":
        return "application_date"
    return "today"
