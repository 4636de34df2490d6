"""Settings of ``check`` read from a file: ``heshan-vetting.toml``, or pyproject.toml's ``[tool.heshan_vetting]``.

The file is found by walking up from the working directory: the nearest directory holding a
``heshan-vetting.toml``, or a ``pyproject.toml`` with a ``[tool.heshan_vetting]`` table, wins (when a
directory has both, ``heshan-vetting.toml``). ``--config FILE`` names one; ``--no-config`` or
``HESHAN_VETTING_NO_CONFIG=1`` ignores them all. Keys are the command line's long options without the
dashes, at the top level of the file (or of the table): ``pack``, ``fail-on``, ``disable-plugins`` …, and
each plugin option (``credit-blacklist``). The command line wins over the file, the file over the defaults;
a list on the command line replaces the file's list. Relative paths in the file are resolved against the
file's directory. An unknown key or a value of the wrong type is an error naming the file and line.

The file's values become the ``check`` parser's defaults (:func:`apply_config`), so argparse stays the one
place where options are defined; :meth:`Settings.describe` is what ``check --show-config`` prints.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from heshan_vetting.errors import UsageError, did_you_mean
from heshan_vetting.inputs.toml import TomlDocument, load_toml
from heshan_vetting.plugins import ENV_DISABLE, ENV_NO_AUTOLOAD

__all__ = [
    "CHECK_KEYS",
    "CONFIG_NAME",
    "ENV_NO_CONFIG",
    "PYPROJECT_NAME",
    "ConfigFile",
    "Settings",
    "apply_config",
    "blame",
    "config_options",
    "date_argument",
    "find_config",
    "jobs_argument",
    "plugin_selection",
    "read_config",
    "requested_config",
]

CONFIG_NAME = "heshan-vetting.toml"
PYPROJECT_NAME = "pyproject.toml"
#: The table of a pyproject.toml that holds the settings.
TABLE = ("tool", "heshan_vetting")
#: Set to 1 to ignore every configuration file (the test suite does).
ENV_NO_CONFIG = "HESHAN_VETTING_NO_CONFIG"

#: The settings of ``check`` a file may hold (besides the plugins' options): key → its command-line option.
#: Left out on purpose: the inputs, ``--output`` and ``--as-of`` (a run's own, never a project-wide default)
#: and ``--quiet``/``--verbose``.
CHECK_KEYS: dict[str, str] = {
    "pack": "--pack",
    "format": "--format",
    "lang": "--lang",
    "fail-on": "--fail-on",
    "jobs": "--jobs",
    "engine": "--engine",
    "strict": "--strict",
    "stdin-format": "--stdin-format",
    "disable-plugins": "--disable-plugin",
    "no-autoload": "--no-autoload",
    "waivers": "--waivers",
}
_PATH_METAVARS = ("FILE", "PATH", "DIR")
"""A plugin option whose metavar ends in one of these takes paths (resolved against the file's directory)."""


@dataclass(frozen=True)
class ConfigFile:
    """A configuration file that was read: its path, TOML document and the table holding the settings."""

    path: Path
    document: TomlDocument
    prefix: tuple[str, ...]
    """The key path of the settings' table: ``()`` for heshan-vetting.toml, ``("tool", "heshan_vetting")``."""

    @property
    def table(self) -> dict[str, Any]:
        """The settings as written (key → TOML value)."""
        data: Any = self.document.data
        for part in self.prefix:
            data = data[part]
        assert isinstance(data, dict)
        return data

    def line(self, key: str) -> int | None:
        """The line ``key`` is written on."""
        pos = self.document.key_positions.get((*self.prefix, key))
        return pos[0] if pos is not None else self.document.locate((*self.prefix, key))[0]

    def where(self, key: str) -> str:
        """``path:line`` of ``key``."""
        line = self.line(key)
        return f"{self.path}:{line}" if line is not None else str(self.path)

    def error(self, key: str, en: str, zh: str, details: Iterable[UsageError] = ()) -> UsageError:
        """A :class:`UsageError` at ``key``'s line."""
        return UsageError(en, message_zh=zh, file=self.path, line=self.line(key), field=key, details=details)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no")


def _has_table(path: Path) -> bool:
    """Whether a pyproject.toml holds ``[tool.heshan_vetting]`` (any other pyproject.toml is not ours)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "heshan_vetting" not in text:  # cheap: an unrelated (even broken) pyproject.toml is never parsed
        return False
    tool = load_toml(path, UsageError).data.get("tool")
    return isinstance(tool, dict) and "heshan_vetting" in tool


def find_config(start: Path) -> Path | None:
    """The configuration file nearest to ``start`` (walking up to the file-system root), or ``None``."""
    for directory in (start, *start.parents):
        own = directory / CONFIG_NAME
        if own.is_file():
            return own
        pyproject = directory / PYPROJECT_NAME
        if pyproject.is_file() and _has_table(pyproject):
            return pyproject
    return None


def read_config(path: str | Path) -> ConfigFile:
    """Read a configuration file (a pyproject.toml by its name, else a heshan-vetting.toml)."""
    path = Path(path).absolute()
    document = load_toml(path, UsageError)
    prefix: tuple[str, ...] = TABLE if path.name == PYPROJECT_NAME else ()
    data: Any = document.data
    for part in prefix:
        data = data.get(part) if isinstance(data, dict) else None
    if not isinstance(data, dict):
        raise UsageError(
            f"{path.name} has no [tool.heshan_vetting] table of settings.",
            message_zh=f"{path.name} 中没有 [tool.heshan_vetting] 配置表。",
            file=path,
        )
    return ConfigFile(path=path, document=document, prefix=prefix)


def config_options(argv: Sequence[str]) -> tuple[bool, str | None]:
    """``--no-config`` and ``--config FILE`` as written in ``argv`` (before the full parse)."""
    no_config, given = False, None
    it = iter(argv)
    for arg in it:
        if arg == "--":
            break
        if arg == "--no-config":
            no_config = True
        elif arg == "--config":
            given = next(it, None)
        elif arg.startswith("--config="):
            given = arg.split("=", 1)[1]
    return no_config, given


def requested_config(
    argv: Sequence[str], cwd: Path | None = None, environ: Mapping[str, str] | None = None
) -> ConfigFile | None:
    """The configuration file a ``check`` command line asks for: ``--config FILE``, none with ``--no-config``
    or ``HESHAN_VETTING_NO_CONFIG=1``, else the one found upward from ``cwd``."""
    environ = os.environ if environ is None else environ
    no_config, given = config_options(argv)
    if given is not None and not no_config:
        return read_config(given)
    if no_config or _truthy(environ.get(ENV_NO_CONFIG)):
        return None
    found = find_config(Path.cwd() if cwd is None else cwd)
    return read_config(found) if found is not None else None


def _strings(config: ConfigFile, key: str, value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise config.error(
            key,
            f"The setting {key!r} must be a string or a list of strings, not {_kind(value)}.",
            f"设置 {key!r} 应为字符串或字符串列表，而不是 {_kind(value)}。",
        )
    return list(items)


def plugin_selection(
    config: ConfigFile | None, scanned: tuple[list[str], bool | None]
) -> tuple[list[str], bool | None]:
    """The blocked plugins and autoload choice to build the plugin manager with, before the full parse.

    ``scanned`` is what the command line says (``--disable-plugin`` names, ``--no-autoload``); the file's
    ``disable-plugins`` and ``no-autoload`` apply where the command line says nothing.
    """
    disabled, autoload = scanned
    if config is None:
        return scanned
    table = config.table
    if not disabled and "disable-plugins" in table:
        disabled = _strings(config, "disable-plugins", table["disable-plugins"])
    if autoload is None and "no-autoload" in table:
        flag = table["no-autoload"]
        if not isinstance(flag, bool):
            raise _bool_error(config, "no-autoload", flag)
        autoload = False if flag else None
    return disabled, autoload


@contextmanager
def blame(config: ConfigFile | None, key: str, used: bool) -> Iterator[None]:
    """A :class:`UsageError` raised inside names ``key``'s line of ``config`` when the value came from the file
    (``used``): a misspelt plugin name in ``disable-plugins`` is found where the plugins are loaded."""
    try:
        yield
    except UsageError as exc:
        if config is None or not used:
            raise
        raise config.error(key, exc.message_en, exc.message_zh) from None


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, date):
        return "a date"
    return names.get(type(value), type(value).__name__)


def _bool_error(config: ConfigFile, key: str, value: Any) -> UsageError:
    return config.error(
        key,
        f"The setting {key!r} must be true or false, not {_kind(value)}.",
        f"设置 {key!r} 应为 true 或 false，而不是 {_kind(value)}。",
    )


@dataclass(frozen=True)
class _Key:
    key: str
    action: argparse.Action
    paths: str  # "" (not a path), "pack" (a pack id or a path), "always"


def _keys(check: argparse.ArgumentParser, plugin_dests: Iterable[str]) -> dict[str, _Key]:
    by_option = {opt: a for a in check._actions for opt in a.option_strings}
    kinds = {"pack": "pack", "waivers": "always"}
    keys = {key: _Key(key, by_option[opt], kinds.get(key, "")) for key, opt in CHECK_KEYS.items()}
    dests = set(plugin_dests)
    for action in check._actions:
        if action.dest not in dests:
            continue
        longs = [o for o in action.option_strings if o.startswith("--")]
        if not longs:
            continue
        metavar = action.metavar if isinstance(action.metavar, str) else ""
        paths = "always" if metavar.upper().endswith(_PATH_METAVARS) else ""
        keys[longs[0][2:]] = _Key(longs[0][2:], action, paths)
    return keys


def _resolve(config: ConfigFile, text: str, how: str) -> str:
    if how == "pack" and not (text.endswith(".toml") or "/" in text or "\\" in text):
        return text  # a pack id
    if not how or os.path.isabs(text):
        return text
    return str(config.path.parent / text)


def _scalar(config: ConfigFile, spec: _Key, value: Any) -> Any:
    action = spec.action
    if (
        isinstance(value, bool)
        or not isinstance(value, (str, int, float))
        or (action.type is None and not isinstance(value, str))
    ):
        expected = "a string" if action.type is None else "a string or a number"
        raise config.error(
            spec.key,
            f"The setting {spec.key!r} must be {expected}, not {_kind(value)}.",
            f"设置 {spec.key!r} 应为{'字符串' if action.type is None else '字符串或数字'}，而不是 {_kind(value)}。",
        )
    text = _resolve(config, value, spec.paths) if isinstance(value, str) else str(value)
    converted: Any = text
    if callable(action.type):
        try:
            converted = action.type(text)
        except (argparse.ArgumentTypeError, TypeError, ValueError) as exc:
            raise config.error(
                spec.key,
                f"The setting {spec.key!r} is not valid: {exc}.",
                f"设置 {spec.key!r} 的值无效：{exc}。",
            ) from None
    if action.choices is not None and converted not in action.choices:
        choices = ", ".join(repr(c) for c in action.choices)
        hint_en, hint_zh = did_you_mean(str(converted), [str(c) for c in action.choices])
        raise config.error(
            spec.key,
            f"The setting {spec.key!r} must be one of {choices}, not {converted!r}{hint_en}",
            f"设置 {spec.key!r} 应为 {choices} 之一，而不是 {converted!r}{hint_zh}",
        )
    return converted


def _value(config: ConfigFile, spec: _Key, value: Any) -> Any:
    action = spec.action
    if action.nargs == 0:  # a flag (store_true and the like)
        if not isinstance(value, bool):
            raise _bool_error(config, spec.key, value)
        return action.const if value else action.default
    if isinstance(action, argparse._AppendAction):
        return [_scalar(config, spec, item) for item in _strings(config, spec.key, value)]
    return _scalar(config, spec, value)


def _typed(check: argparse.ArgumentParser, args: Sequence[str]) -> set[str]:
    """The dests the command line sets itself (parsed once more with every default suppressed)."""
    saved = [(action, action.default) for action in check._actions]
    saved_defaults = dict(check._defaults)
    try:
        for action in check._actions:
            action.default = argparse.SUPPRESS
        check._defaults.clear()
        namespace, _rest = check.parse_known_args(list(args))
    finally:
        for action, default in saved:
            action.default = default
        check._defaults.update(saved_defaults)
    return set(vars(namespace))


@dataclass
class Settings:
    """What ``check`` runs with and where each value came from (for ``--show-config``)."""

    config: ConfigFile | None
    keys: dict[str, str]
    """Each configurable key → its dest."""
    origins: dict[str, str] = field(default_factory=dict)
    """Each key → ``default``, ``path:line`` or ``command line``."""

    def describe(self, args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> str:
        """The settings in effect as TOML-like lines, each with its origin in a comment."""
        environ = os.environ if environ is None else environ
        head = [f"# config file: {self.config.path}" if self.config is not None else "# config file: none"]
        rows: list[tuple[str, str]] = []
        for key, dest in self.keys.items():
            value = getattr(args, dest, None)
            origin = self.origins.get(key, "default")
            if key == "disable-plugins":
                from_env = sorted({n for n in environ.get(ENV_DISABLE, "").replace(",", " ").split() if n})
                if from_env:
                    given = list(value or [])
                    value = [*given, *(n for n in from_env if n not in given)]
                    origin = f"{origin}; environment variable {ENV_DISABLE}" if origin != "default" else ""
                    origin = origin or f"environment variable {ENV_DISABLE}"
            if key == "no-autoload" and not value and _truthy(environ.get(ENV_NO_AUTOLOAD)):
                value, origin = True, f"environment variable {ENV_NO_AUTOLOAD}"
            rows.append((f"{key} = {_toml(value)}" if value is not None else f"# {key} (not set)", origin))
        width = max(len(text) for text, _ in rows)
        return "\n".join([*head, *(f"{text:<{width}}  # {origin}" for text, origin in rows)]) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)


def apply_config(parser: argparse.ArgumentParser, config: ConfigFile | None, args: Sequence[str]) -> Settings:
    """Make ``config``'s values the defaults of ``parser``'s ``check`` command where ``args`` (the command line
    after ``check``) does not set them; every key and value is checked first. Returns the settings' origins.

    ``parser`` is :func:`heshan_vetting.cli.build_parser`'s (its ``plugin_option_dests`` default names the
    plugins' options)."""
    check = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["check"]
    keys = _keys(check, parser.get_default("plugin_option_dests") or ())
    settings = Settings(config, {key: spec.action.dest for key, spec in keys.items()})
    typed = _typed(check, args)
    for key, spec in keys.items():
        if spec.action.dest in typed:
            settings.origins[key] = "command line"
    if config is None:
        return settings
    table = config.table
    unknown = sorted((k for k in table if k not in keys), key=lambda k: (config.line(k) or 0, k))
    if unknown:
        errors = []
        for key in unknown:
            hint_en, hint_zh = did_you_mean(key, keys)
            errors.append(
                config.error(
                    key,
                    f"Unknown setting {key!r}{hint_en or '.'} The settings are: {', '.join(sorted(keys))} "
                    "(a plugin's option is known only while the plugin is loaded).",
                    f"未知设置 {key!r}{hint_zh or '。'}可用的设置：{'、'.join(sorted(keys))}"
                    "（插件的选项仅在该插件加载时可用）。",
                )
            )
        first = errors[0]
        raise config.error(unknown[0], first.message_en, first.message_zh, details=errors[1:])
    defaults: dict[str, Any] = {}
    for key, raw in table.items():
        spec = keys[key]
        value = _value(config, spec, raw)  # checked even when the command line overrides it
        if spec.action.dest not in typed:
            defaults[spec.action.dest] = value
            settings.origins[key] = config.where(key)
    check.set_defaults(**defaults)
    return settings


def date_argument(text: str) -> date:
    """An argparse type: a date written ``YYYY-MM-DD`` (``--as-of`` and its kin)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2024-03-01, got {text!r}") from None


def jobs_argument(text: str) -> int:
    """An argparse type: a number of worker processes, 1 or more (``--jobs``)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of worker processes (1 or more), got {text!r}")
    return n
