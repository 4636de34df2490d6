"""``python -m heshan_vetting evaluate REGISTER --pack ID``: a register evaluated with an evaluation pack.

Exit codes: 0 every row was read and evaluated; 2 bad input (the register or the pack cannot be read, or some
rows could not be read: the output is still written, naming them, and says the ranking is incomplete); 3 an
unexpected error.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from heshan_vetting.errors import ProjectError, UsageError
from heshan_vetting.extension import EvaluationRenderer
from heshan_vetting.inputs.files import read_input_file
from heshan_vetting.output import open_output, validate_output
from heshan_vetting.packs.load import load_pack
from heshan_vetting.permu.agreements import add_agreements
from heshan_vetting.permu.arguments import DEFAULT_ENGINE, DEFAULT_PACK
from heshan_vetting.permu.arguments import add_evaluate_parser as add_evaluate_parser  # where it was
from heshan_vetting.permu.compile import EvaluationPack, compile_evaluation_pack
from heshan_vetting.permu.html import render_html
from heshan_vetting.permu.movement import compare
from heshan_vetting.permu.register import MAX_REGISTER_BYTES, read_register
from heshan_vetting.permu.render import render_text
from heshan_vetting.permu.results import EVALUATION_SCHEMA, EvaluationResult
from heshan_vetting.permu.score import evaluate_register
from heshan_vetting.permu.targets import propose_targets
from heshan_vetting.plugins import Hooks, make_plugin_manager
from heshan_vetting.units import Units
from heshan_vetting.vetter import engine_builder


def load_evaluation_pack(spec: str | Path, units: Units, pack_paths: list[Path]) -> EvaluationPack:
    """Load and compile the evaluation pack ``spec`` (an id found in ``pack_paths`` or a file)."""
    return compile_evaluation_pack(load_pack(spec, pack_paths), units)


def evaluate(
    register: str | Path,
    pack: str | Path = DEFAULT_PACK,
    *,
    as_of: date | None = None,
    pack_paths: list[Path] | None = None,
    hooks: Hooks | None = None,
    previous: str | Path | None = None,
    previous_as_of: date | None = None,
    engine: str = DEFAULT_ENGINE,
) -> tuple[EvaluationResult, list[Path]]:
    """Evaluate ``register`` with ``pack``; returns the result and every input file (registers and pack chain).

    ``previous`` (last year's register, or an evaluation's JSON) adds the movement between the two years;
    a previous register is evaluated with the same pack as of ``previous_as_of`` (default: ``as_of``).
    ``engine`` names the engine (``heshan_engines``) that decides the groups' and caps' conditions; every engine
    gives the same result (an unknown one, or one that cannot run here, is a :class:`UsageError`).
    """
    if hooks is None:
        hooks = Hooks(*make_plugin_manager())
    build_engine, _version = engine_builder(hooks, engine)
    definitions = hooks.unit_definitions()
    if not definitions:
        raise UsageError(
            "No plugin supplies unit definitions; is the built-in 'units' plugin disabled?",
            message_zh="没有插件提供单位定义；是否禁用了内置插件 units？",
        )
    units = Units(definitions)
    paths = [*(pack_paths or []), *hooks.rule_pack_paths()]
    merged = load_pack(pack, paths)
    compiled = compile_evaluation_pack(merged, units)
    day = as_of or date.today()
    _check_in_force(compiled, day)
    read = read_register(register, units, hooks.read_table)
    result = evaluate_register(compiled, read, day, build_engine)
    result = result.model_copy(
        update={
            "targets": propose_targets(compiled, result),
            "register_sheet": read.sheet,
            "register_header_row": read.header_row,
        }
    )
    result = add_agreements(compiled, result)
    inputs = [Path(register), *merged.files]
    if previous is not None:
        if Path(previous).suffix.lower() == ".json":
            before = read_evaluation(previous)
        else:
            then = previous_as_of or day
            _check_in_force(compiled, then)
            before = evaluate_register(compiled, read_register(previous, units, hooks.read_table), then, build_engine)
        result = result.model_copy(update={"movement": compare(before, result, str(previous))})
        inputs.append(Path(previous))
    return result, inputs


def _check_in_force(compiled: EvaluationPack, day: date) -> None:
    if (compiled.effective_from and day < compiled.effective_from) or (
        compiled.effective_until and day > compiled.effective_until
    ):
        raise UsageError(
            f"The pack {compiled.id!r} is not in force on {day} (from {compiled.effective_from or '—'} to "
            f"{compiled.effective_until or '—'}); give another --as-of or another pack.",
            message_zh=f"规则包 {compiled.id!r} 在 {day} 不生效（{compiled.effective_from or '—'} 至 "
            f"{compiled.effective_until or '—'}）；请另指定 --as-of 或规则包。",
            field="--as-of",
        )


def read_evaluation(path: str | Path) -> EvaluationResult:
    """An evaluation's JSON (``evaluate --format json``), checked against the model; ``ProjectError`` if not."""
    raw = read_input_file(path, ProjectError, limit=MAX_REGISTER_BYTES)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProjectError(
            f"The previous evaluation is not JSON: {exc}.",
            message_zh=f"上年度评价结果不是 JSON：{exc}。",
            file=str(path),
        ) from None
    if not isinstance(data, dict) or data.get("schema") != EVALUATION_SCHEMA:
        raise ProjectError(
            f"The previous evaluation is not an evaluation's JSON (schema {EVALUATION_SCHEMA}).",
            message_zh=f"上年度评价结果不是评价 JSON（schema {EVALUATION_SCHEMA}）。",
            file=str(path),
        )
    try:
        return EvaluationResult.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ProjectError(
            f"The previous evaluation does not fit the schema at {where}: {first['msg']}.",
            message_zh=f"上年度评价结果在 {where} 处不符合格式：{first['msg']}。",
            file=str(path),
            field=where,
        ) from None


def run_evaluate(args: argparse.Namespace) -> int:
    """Run ``evaluate`` from parsed arguments; returns the exit code (0, or 2 when rows of either register were
    left out)."""
    inputs: list[Path] = [Path(args.register), *([Path(args.previous)] if args.previous else [])]
    hooks = Hooks(*make_plugin_manager())
    render = _renderer(args.format, hooks)
    if args.output is not None:
        validate_output(args.output, inputs=inputs, field="--output")
    result, inputs = evaluate(
        args.register,
        args.pack,
        as_of=args.as_of,
        pack_paths=[Path(p) for p in args.pack_path],
        hooks=hooks,
        previous=args.previous,
        previous_as_of=args.previous_as_of,
        engine=args.engine,
    )
    document = render(result, args.lang)
    if isinstance(document, bytes) and args.output is None:
        raise UsageError(
            f"The {args.format} format is a binary file; give --output FILE.",
            message_zh=f"{args.format} 格式为二进制文件；请用 --output 指定输出文件。",
            field="--output",
        )
    if args.output is None:
        assert isinstance(document, str)
        sys.stdout.write(document)
    else:
        with open_output(args.output, inputs=inputs, field="--output") as write:
            write(document if isinstance(document, bytes) else document.encode("utf-8"))
    left_out = result.errors or (result.movement is not None and result.movement.previous_errors)
    return 2 if left_out else 0


BUILTIN_FORMATS: dict[str, EvaluationRenderer] = {
    "text": render_text,
    "json": lambda result, lang: result.to_json(),
    "html": render_html,
}
"""The formats ``evaluate`` writes itself; plugins add others (``heshan_evaluation_formats``: xlsx)."""


def _renderer(name: str, hooks: Hooks) -> EvaluationRenderer:
    """The renderer of format ``name``: a built-in one, else a plugin's; ``UsageError`` naming them if none."""
    if name in BUILTIN_FORMATS:
        return BUILTIN_FORMATS[name]
    found = hooks.evaluation_renderers()
    if name in found:
        return found[name]
    known = sorted({*BUILTIN_FORMATS, *found})
    hint = "" if "xlsx" in found else " (xlsx needs the heshan-vetting-xlsx plugin)"
    raise UsageError(
        f"There is no evaluation format {name!r}; the formats are {', '.join(known)}{hint}.",
        message_zh=f"没有评价输出格式 {name!r}；可用格式：{'、'.join(known)}"
        + ("" if "xlsx" in found else "（xlsx 需安装 heshan-vetting-xlsx 插件）")
        + "。",
        field="--format",
    )
