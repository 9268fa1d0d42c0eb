"""`nn-triage analyze PATH [--classes N] [--format json|text] [--column ROLE=COLUMN]...`

Detects symptoms in a training log (a file, or a TensorBoard run folder). stdout: the result
(text with a small plot, or the JSON contract); stderr: one line on bad input. Exit codes: 0 the
log was read (symptoms or not), 1 bad input, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help="a log file (CSV, JSON lines, TensorBoard events) "
                                                     "or a TensorBoard run folder")
    parser.add_argument("--classes", type=int, metavar="N",
                        help="number of classes (chance accuracy 1/N, initial loss ln N)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output (default text)")
    parser.add_argument("--column", action="append", default=[], metavar="ROLE=COLUMN",
                        help="read ROLE from COLUMN, e.g. loss=my_loss (roles: loss, val_loss, acc, "
                             "val_acc, lr, grad_norm, step, epoch); repeatable")


def _columns(specs: list[str]) -> dict[str, str] | str:
    from engine.logs import OVERRIDES

    out: dict[str, str] = {}
    for spec in specs:
        role, sep, column = spec.partition("=")
        role, column = role.strip(), column.strip()
        if not sep or not role or not column:
            return f"--column wants ROLE=COLUMN, got {spec!r}"
        if role not in OVERRIDES:
            return f"--column: unknown role {role!r}; use one of: {', '.join(sorted(OVERRIDES))}"
        out[role] = column
    return out


def run(args: argparse.Namespace) -> int:
    columns = _columns(args.column or [])
    if isinstance(columns, str):
        print(f"nn-triage analyze: {columns}", file=sys.stderr)  # {spec!r}: control characters escaped
        return 2
    if args.classes is not None and args.classes < 2:
        print(f"nn-triage analyze: --classes must be at least 2, got {args.classes}", file=sys.stderr)
        return 2
    from engine.logs import LogError, analyze_path
    from engine.text import inert, json_safe

    # File and column names are the user's data: their control characters are shown, not sent
    # to the terminal (the text rendering does the same for everything it prints).
    try:
        result = analyze_path(Path(args.path), classes=args.classes, columns=columns or None)
    except LogError as exc:
        print(inert(f"nn-triage: {exc}"), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug of ours: still one line, never a traceback
        print(inert(f"nn-triage: {args.path}: internal error while analysing the log ({type(exc).__name__}: "
                    f"{exc}); please report it"), file=sys.stderr)
        return 1
    if args.format == "json":  # the data exactly, with \u escapes for what could act on a terminal
        sys.stdout.write(json_safe(json.dumps(result.to_json(), ensure_ascii=False, indent=2, allow_nan=False)) + "\n")
    else:
        from engine.logs.render import render_text

        sys.stdout.write(render_text(result))
    return 0
