"""The hook reference (``docs/hooks.md``), generated from the docstrings in :mod:`heshan_vetting.hookspecs`.

Regenerate with ``python -m heshan_vetting.hookdoc > docs/hooks.md``; a test fails when the file is
stale, when a hook has no docstring part, or when its documented parameters differ from its
signature.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass

from heshan_vetting import hookspecs

__all__ = ["HookDoc", "hook_docs", "hook_reference"]

_PARAM = re.compile(r"^:param (\w+):\s*(.*)$")
_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data):`~?([^`]+)`")


def _md(text: str) -> str:
    """reStructuredText markup of the docstrings as Markdown."""
    text = _ROLE.sub(lambda m: f"`{m.group(1).rsplit('.', 1)[-1] if '~' in m.group(0) else m.group(1)}`", text)
    return text.replace("``", "`")


def _short(results: str) -> str:
    head = re.split(r"[:;.]", results, maxsplit=1)[0].strip()
    return _md(head[:1].upper() + head[1:])


@dataclass(frozen=True)
class HookDoc:
    """One hook's documentation, parsed from its docstring."""

    name: str
    signature: str
    firstresult: bool
    summary: str
    params: dict[str, str]
    returns: str
    when: str
    results: str
    spec_params: tuple[str, ...]
    """The parameter names of the spec's signature (to check ``params`` against)."""


def _parse(fn: object) -> HookDoc:
    name = getattr(fn, "__name__", "")
    doc = textwrap.dedent(inspect.getdoc(fn) or "")
    blocks = [b.strip() for b in doc.split("\n\n") if b.strip()]
    summary = blocks[0] if blocks else ""
    params: dict[str, str] = {}
    returns = when = results = ""
    for block in blocks[1:]:
        current: str | None = None
        for line in block.splitlines():
            m = _PARAM.match(line)
            if m:
                current = f"param:{m.group(1)}"
                params[m.group(1)] = m.group(2)
            elif line.startswith(":return:"):
                current = "return"
                returns = line.removeprefix(":return:").strip()
            elif line.startswith("When:"):
                current = "when"
                when = line.removeprefix("When:").strip()
            elif line.startswith("Results:"):
                current = "results"
                results = line.removeprefix("Results:").strip()
            elif current is not None:
                text = " " + line.strip()
                if current.startswith("param:"):
                    params[current[6:]] += text
                elif current == "return":
                    returns += text
                elif current == "when":
                    when += text
                else:
                    results += text
    sig = inspect.signature(fn)  # type: ignore[arg-type]
    opts = getattr(fn, f"{hookspecs.PROJECT_NAME}_spec", {}) or {}
    return HookDoc(
        name=name,
        signature=f"{name}{sig}".replace("'", ""),
        firstresult=bool(opts.get("firstresult")),
        summary=" ".join(summary.split()),
        params=params,
        returns=returns,
        when=when,
        results=results,
        spec_params=tuple(sig.parameters),
    )


def hook_docs() -> list[HookDoc]:
    """Every hook of the spec, in the order of :mod:`heshan_vetting.hookspecs`."""
    fns = [fn for name, fn in vars(hookspecs).items() if name.startswith("heshan_") and inspect.isfunction(fn)]
    return [_parse(fn) for fn in fns]


def hook_reference() -> str:
    """The Markdown of ``docs/hooks.md``."""
    out = [
        "# Hook reference",
        "",
        "<!-- Generated from src/heshan_vetting/hookspecs.py by `python -m heshan_vetting.hookdoc > docs/hooks.md`;",
        "     do not edit by hand (a test fails when this file is stale). -->",
        "",
        "Implement a hook by defining a function (or method) of the same name marked with",
        "`@hookimpl` (`from heshan_vetting import hookimpl`). It may take any subset of the",
        "parameters, by name. See [plugins.md](plugins.md) for a guide.",
        "",
        "| hook | results |",
        "| --- | --- |",
    ]
    docs = hook_docs()
    for d in docs:
        out.append(f"| [`{d.name}`](#{d.name}) | {_short(d.results)} |")
    for d in docs:
        out += [
            "",
            f"## {d.name}",
            "",
            "```python",
            f"@hookimpl\ndef {d.signature}: ...",
            "```",
            "",
            _md(d.summary),
            "",
        ]
        if d.params:
            out += [f"- **`{p}`**: {_md(text)}" for p, text in d.params.items()]
        if d.returns:
            out.append(f"- **returns**: {_md(d.returns)}")
        out += ["", f"**When.** {_md(d.when)}", "", f"**Results.** {_md(d.results)}"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover - exercised by the docs test through hook_reference()
    import sys

    sys.stdout.write(hook_reference())
