"""The `nn-triage` command line. Textual is imported only when the TUI itself is asked for.

stdout carries data (JSON, Mermaid, reports); stderr carries one-line diagnostics.
Exit codes: 0 ok, 1 problems found or bad input, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from enum import IntEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Sequence


class Exit(IntEnum):
    OK = 0
    PROBLEMS = 1
    USAGE = 2


def _version() -> str:
    try:
        return version("nn-triage")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def _err(message: str) -> None:
    from engine.text import inert

    print(inert(f"nn-triage: {message}"), file=sys.stderr)


def _layers(args: argparse.Namespace) -> list[Path]:
    return [Path(p) for p in (getattr(args, "dirs", None) or []) + (getattr(args, "knowledge", None) or [])]


def cmd_kb_validate(args: argparse.Namespace) -> int:
    import time

    from engine.loader import load_knowledge

    started = time.perf_counter()
    result = load_knowledge(_layers(args), shipped=not args.only)
    elapsed = (time.perf_counter() - started) * 1000
    problems = sorted(result.problems, key=lambda p: (p.path, p.line, p.col, p.message))
    if args.json:
        out = {"ok": not problems, "problems": [p.as_dict() for p in problems],
               "counts": result.kb.counts() if result.kb else None,
               "version": result.kb.version if result.kb else None, "ms": round(elapsed, 1)}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return Exit.PROBLEMS if problems else Exit.OK
    from engine.text import inert

    for problem in problems:
        tag = "" if problem.severity.value == "error" else " [warning]"
        print(inert(f"{problem}{tag}"))
    if problems:
        errors = sum(1 for p in problems if p.severity.value == "error")
        print(f"{len(problems)} problem(s): {errors} error(s), {len(problems) - errors} warning(s)",
              file=sys.stderr)
        return Exit.PROBLEMS
    assert result.kb is not None
    c = result.kb.counts()
    print(f"ok: {c['files']} files, {c.get('symptom', 0)} symptoms, {c.get('context', 0)} context facts, "
          f"{c.get('question', 0)} questions, {c.get('reason', 0)} reasons, {c.get('strategy', 0)} strategies, "
          f"{c['edges']} edges, {c['rules']} rules; schema, references, edge kinds, cycles, reachability, "
          f"translations and vocabulary checked in {elapsed:.0f} ms (version {result.kb.version})")
    return Exit.OK


def _load_or_report(args: argparse.Namespace):
    from engine.loader import load_knowledge

    result = load_knowledge(_layers(args), shipped=not getattr(args, "only", False))
    if result.kb is None:
        from engine.text import inert

        for problem in result.errors:
            print(inert(str(problem)), file=sys.stderr)
        _err(f"the knowledge has {len(result.errors)} error(s); run `nn-triage kb validate` for details")
        return None
    return result.kb


def cmd_kb_dump(args: argparse.Namespace) -> int:
    from engine.dump import render

    kb = _load_or_report(args)
    if kb is None:
        return Exit.PROBLEMS
    sys.stdout.write(render(kb, args.format, args.lang))
    return Exit.OK


def cmd_kb_schema(args: argparse.Namespace) -> int:
    from engine.schema import json_schema

    text = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return Exit.OK


def cmd_session(args: argparse.Namespace) -> int:
    from engine.protocol import Conversation, run
    from engine.session import Session, SessionError

    if not args.jsonl:
        _err("only the JSON-lines protocol is available headless: add --jsonl (or run `nn-triage tui`)")
        return Exit.USAGE
    kb = _load_or_report(args)
    if kb is None:
        return Exit.PROBLEMS
    if args.resume:
        try:
            session = Session.load(Path(args.resume), kb)
        except SessionError as exc:
            _err(str(exc))
            return Exit.PROBLEMS
        for line in session.orphan_report():
            _err(line)
        if args.lang:
            session.lang = args.lang
    else:
        session = Session(kb, lang=args.lang or "en", framework=args.framework)
    if args.log:
        from engine.logs import LogError, analyze_path

        try:
            session.enter_log(analyze_path(Path(args.log), classes=args.classes))
        except LogError as exc:
            _err(str(exc))
            return Exit.PROBLEMS
    conversation = Conversation(session, Path(args.save) if args.save else None, on_save_error=_err)
    return run(conversation, sys.stdin, sys.stdout)


def cmd_tui(args: argparse.Namespace) -> int:
    from engine.problems import KnowledgeError
    from engine.session import SessionError
    from tui.i18n import default_language
    from tui.settings import Settings

    settings = Settings(knowledge=[Path(p) for p in (args.knowledge or [])], lang=args.lang or default_language(),
                        framework=args.framework, log=Path(args.log) if args.log else None,
                        resume=Path(args.resume) if args.resume else None, offer_resume=not args.new,
                        classes=args.classes)
    from engine.logs import LogError

    try:
        from tui.app import make_app  # imports Textual (~170 ms): only here

        app = make_app(settings)
    except KnowledgeError as exc:
        from engine.text import inert

        for problem in exc.problems:
            print(inert(str(problem)), file=sys.stderr)
        _err("the knowledge has errors; run `nn-triage kb validate` for details")
        return Exit.PROBLEMS
    except (SessionError, LogError) as exc:
        _err(str(exc))
        return Exit.PROBLEMS
    app.run()
    return Exit.OK


def cmd_analyze(args: argparse.Namespace) -> int:
    from tui.cmd_analyze import run

    return int(run(args))


def cmd_report(args: argparse.Namespace) -> int:
    from tui.cmd_report import run

    return int(run(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nn-triage", description="Find out why a neural network will not train.")
    parser.add_argument("--version", action="version", version=f"nn-triage {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    tui = sub.add_parser("tui", help="the terminal interface (the default command)")
    tui.add_argument("--knowledge", action="append", metavar="DIR", help="layer DIR over the shipped graph")
    tui.add_argument("--lang", choices=("en", "ja"), help="language (default: from the locale)")
    tui.add_argument("--framework", default="pytorch", help="code samples for this framework (pytorch, keras)")
    tui.add_argument("--log", metavar="FILE", help="read the symptoms from a training log first")
    tui.add_argument("--classes", type=int, metavar="N", help="number of classes, for the log analysis")
    tui.add_argument("--resume", metavar="FILE", help="continue a saved session")
    tui.add_argument("--new", action="store_true", help="do not offer to resume the last session")
    tui.set_defaults(func=cmd_tui)

    session = sub.add_parser("session", help="a headless troubleshooting session (JSON lines on stdin/stdout)")
    session.add_argument("--jsonl", action="store_true", help="speak the JSON-lines protocol (required)")
    session.add_argument("--knowledge", action="append", metavar="DIR", help="layer DIR over the shipped graph")
    session.add_argument("--lang", choices=("en", "ja"), help="language of the texts (default en)")
    session.add_argument("--framework", default="pytorch", help="code snippets for this framework")
    session.add_argument("--save", metavar="FILE", help="rewrite FILE atomically after every answer")
    session.add_argument("--resume", metavar="FILE", help="continue a saved session")
    session.add_argument("--log", metavar="FILE", help="enter the symptoms a training log shows first")
    session.add_argument("--classes", type=int, metavar="N", help="number of classes, for the log analysis")
    session.set_defaults(func=cmd_session)

    analyze = sub.add_parser("analyze", help="detect symptoms in a training log (file or TensorBoard run folder)")
    from tui.cmd_analyze import add_arguments as analyze_arguments

    analyze_arguments(analyze)
    analyze.set_defaults(func=cmd_analyze)

    report = sub.add_parser("report", help="export a saved session's decision path (md, html, json)")
    from tui.cmd_report import add_arguments as report_arguments

    report_arguments(report)
    report.set_defaults(func=cmd_report)

    kb = sub.add_parser("kb", help="validate, dump and describe the knowledge graph")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)

    def layered(p: argparse.ArgumentParser) -> None:
        p.add_argument("dirs", nargs="*", metavar="DIR",
                       help="knowledge folders (or files) layered over the shipped graph")
        p.add_argument("--knowledge", action="append", metavar="DIR", help="same as DIR; repeatable")
        p.add_argument("--only", action="store_true", help="use only the given folders, not the shipped graph")

    validate = kb_sub.add_parser("validate", help="schema and graph checks, `path:line:col: message` each")
    layered(validate)
    validate.add_argument("--json", action="store_true", help="print the result as JSON")
    validate.set_defaults(func=cmd_kb_validate)

    dump = kb_sub.add_parser("dump", help="print the merged graph")
    layered(dump)
    dump.add_argument("--format", choices=("json", "mermaid", "dot"), default="json")
    dump.add_argument("--lang", choices=("en", "ja"), default="en", help="label language (mermaid, dot)")
    dump.set_defaults(func=cmd_kb_dump)

    schema = kb_sub.add_parser("schema", help="print the JSON Schema of the knowledge YAML files")
    schema.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    schema.set_defaults(func=cmd_kb_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help / --version
        return int(exc.code or 0)
    if not getattr(args, "func", None):  # `nn-triage` alone opens the TUI
        args = parser.parse_args(["tui"])
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return Exit.PROBLEMS
    except BrokenPipeError:  # e.g. `nn-triage kb dump | head`
        sys.stderr.close()
        return Exit.OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
