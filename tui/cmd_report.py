"""`nn-triage report`: export a saved session's decision path as Markdown, HTML or JSON.

    nn-triage report SESSION.json --format md|html|json [-o OUT] [--force] [--lang en|ja] [--knowledge DIR]...
    nn-triage report --schema [-o OUT] [--force]

stdout carries the report (without ``-o``); stderr carries one-line diagnostics. An existing OUT
is kept unless ``--force`` is given; the file is written atomically.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

_SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", nargs="?", metavar="SESSION.json", help="a saved session (JSON)")
    parser.add_argument("--format", choices=("md", "html", "json"),
                        help="report format (default: from the -o file's suffix, else md)")
    parser.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    parser.add_argument("--lang", choices=("en", "ja"), help="language of the report (default: the session's)")
    parser.add_argument("--knowledge", action="append", metavar="DIR",
                        help="layer DIR over the shipped graph, as in the session (repeatable)")
    parser.add_argument("--schema", action="store_true", help="print the JSON Schema of the JSON report and exit")


def _err(message: str) -> None:
    print(f"nn-triage: {message}", file=sys.stderr)


def _write(text: str, output: str | None, force: bool) -> int:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    from engine.storage import write_atomic

    path = Path(output)
    if path.is_dir():
        _err(f"{output}: is a folder; give a file name with -o")
        return 1
    if path.exists() and not force:
        _err(f"{output} already exists; add --force to overwrite it")
        return 1
    try:
        write_atomic(path, text)
    except OSError as exc:
        _err(f"could not write {output}: {exc.strerror or exc}")
        return 1
    return 0


def run(args: argparse.Namespace) -> int:
    if args.schema:
        if args.session:
            _err("--schema takes no session file")
            return 2
        from engine.report import report_schema

        return _write(json.dumps(report_schema(), ensure_ascii=False, indent=2) + "\n", args.output, args.force)
    if not args.session:
        _err("give a saved session file: nn-triage report SESSION.json --format md|html|json "
             "(or --schema for the JSON report's schema)")
        return 2
    fmt = args.format or (_SUFFIX_FORMATS.get(Path(args.output).suffix.lower(), "md") if args.output else "md")
    if args.output and not args.force and Path(args.output).exists():  # before any work
        _err(f"{args.output} already exists; add --force to overwrite it")
        return 1

    from engine.loader import load_knowledge
    from engine.session import Session, SessionError, read_session_file

    try:
        data = read_session_file(Path(args.session))
    except SessionError as exc:
        _err(str(exc))
        return 1
    result = load_knowledge([Path(p) for p in args.knowledge or []])
    if result.kb is None:
        for problem in result.errors:
            print(problem, file=sys.stderr)
        _err(f"the knowledge has {len(result.errors)} error(s); run `nn-triage kb validate` for details")
        return 1
    session = Session.from_file(data, result.kb)
    for line in session.orphan_report():
        _err(f"note: {line}")
    if data.knowledge_version and data.knowledge_version != result.kb.version:
        _err(f"note: {args.session} was recorded with knowledge version {data.knowledge_version}; "
             f"this report uses version {result.kb.version}")

    from engine.render import render
    from engine.report import build_report

    report = build_report(session, saved=data, lang=args.lang)
    return _write(render(report, fmt), args.output, args.force)
