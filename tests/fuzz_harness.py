"""The fuzz targets shared by `tests/test_fuzz.py` (short, seeded) and `benchmarks/fuzz_nightly.py`
(100,000+ inputs, coverage-guided with atheris).

Every target takes raw bytes, so one crashing input file replays the same way whichever fuzzer
found it. A target returns when the input got a result or the project's own error, and raises
:class:`PropertyFailed` (or lets the unexpected exception through) when it did not:

    yaml              engine.yamlsource: parse_yaml(text) and load_yaml_file(file) -> data or YamlError
    knowledge         engine.loader.load_knowledge([folder], shipped=False) on one file -> problems list;
                      a graph without errors must also compile, start a session and hear text
    knowledge_layered the same with the file layered over the shipped graph, in place of one shipped
                      file (first byte: which one), as the knowledge editor validates an unsaved edit
    logs              engine.logs.analyze_path (first byte: file name, --classes, folder or file)
                      -> Analysis (that renders as JSON and text) or LogError (one line, names the file)
    protocol          engine.protocol.Conversation.handle, one input line per line of the data: every
                      reply one JSON-able dict of type ask/why/done/error; answers are never lost
    session_file      engine.session.read_session_file / Session.from_file -> session or SessionError;
                      a loaded session saves and reloads with the same answers
    matcher           engine.understand.matcher_for(kb).hear(text) -> heard facts of known nodes

Each call is bounded in time (`LIMIT` seconds, measured); under pytest an alarm also stops a call
stuck in Python code after `HARD_LIMIT` seconds.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
CRASH_DIR = ROOT / "tests" / "fixtures" / "fuzz_crashes"
LIMIT = 2.0
"""Seconds any one call may take (generous: typical calls take milliseconds)."""
HARD_LIMIT = 10.0
"""Seconds after which an alarm interrupts a call stuck in Python code (pytest only)."""


class PropertyFailed(AssertionError):
    """The input got neither a result nor the project's own error, or the result is wrong."""


class TooSlow(PropertyFailed):
    """A call took longer than `LIMIT` seconds."""


# ---------------------------------------------------------------------------------------------
# shared state (loaded once per process)

_STATE: dict[str, Any] = {}
USE_ALARM = True
"""Off in the atheris worker: libFuzzer owns SIGALRM there (its -timeout)."""


def kb_and_model():
    if "kb" not in _STATE:
        from engine.loader import load_or_raise
        from engine.model import compile_model

        from engine.understand import matcher_for

        kb = load_or_raise()
        _STATE["kb"], _STATE["model"] = kb, compile_model(kb)
        matcher_for(kb).hear("warm up")  # compiled once per process, not inside a timed call
    return _STATE["kb"], _STATE["model"]


def scratch() -> Path:
    """A private temporary folder for this process, emptied for each input by the targets."""
    if "tmp" not in _STATE:
        _STATE["tmp"] = Path(tempfile.mkdtemp(prefix="nn-triage-fuzz-"))
    return _STATE["tmp"]


def fresh(name: str) -> Path:
    folder = scratch() / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def cleanup() -> None:
    tmp = _STATE.pop("tmp", None)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


class _Alarm(Exception):
    pass


@contextmanager
def bounded(what: str, limit: float | None = None):
    """Fail with :class:`TooSlow` when the block takes more than ``limit`` seconds (`LIMIT`)."""
    limit = LIMIT if limit is None else limit
    use_alarm = USE_ALARM and threading.current_thread() is threading.main_thread()
    old = None
    if use_alarm:
        def ring(signum, frame):
            raise _Alarm()

        old = signal.signal(signal.SIGALRM, ring)
        signal.setitimer(signal.ITIMER_REAL, HARD_LIMIT)
    start = time.perf_counter()
    try:
        yield
    except _Alarm:
        raise TooSlow(f"{what}: still running after {HARD_LIMIT:.0f} s (a hang)") from None
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    took = time.perf_counter() - start
    if took > limit:
        raise TooSlow(f"{what}: took {took:.2f} s (limit {limit} s)")


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise PropertyFailed(message)


def _encodable(obj: Any, what: str) -> str:
    """The JSON line a program would print for ``obj``; fails if it cannot be written as UTF-8."""
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        raise PropertyFailed(f"{what} cannot be written as a UTF-8 JSON line: {exc}") from None
    return text


def _one_line(message: str, what: str) -> None:
    _check(isinstance(message, str) and message.strip() != "", f"{what}: empty message")
    _check("\n" not in message and "\r" not in message, f"{what}: message spans lines: {message[:200]!r}")
    try:
        message.encode("utf-8")
    except UnicodeEncodeError:
        raise PropertyFailed(f"{what}: message cannot be printed as UTF-8: {message[:200]!r}") from None


# ---------------------------------------------------------------------------------------------
# YAML


_PLAIN = (dict, list, str, int, float, bool, type(None))


def _plain_data(data: Any) -> None:
    """Only plain YAML values came out (no objects built from tags), walked without recursion."""
    todo = [data]
    while todo:
        value = todo.pop()
        _check(isinstance(value, _PLAIN), f"parse_yaml produced a {type(value).__name__}")
        if isinstance(value, dict):
            todo.extend(value.values())
            for key in value:
                _check(isinstance(key, (str, int, float, bool)), f"mapping key of type {type(key).__name__}")
        elif isinstance(value, list):
            todo.extend(value)


def _yaml_error(exc, path: str) -> None:
    _check(exc.path == path, f"YamlError names {exc.path!r}, not the file {path!r}")
    _check(exc.line >= 1 and exc.col >= 1, f"YamlError position {exc.line}:{exc.col} is not 1-based")
    _one_line(str(exc), "YamlError")


def target_yaml(data: bytes) -> None:
    from engine.yamlsource import YamlError, load_yaml_file, parse_yaml

    text = data.decode("utf-8", "surrogateescape")
    with bounded("parse_yaml"):
        try:
            doc = parse_yaml(text, "fuzz.yaml")
        except YamlError as exc:
            _yaml_error(exc, "fuzz.yaml")
        else:
            _plain_data(doc.data)
            for loc in list(doc.positions)[:200]:
                line, col = doc.position(loc)
                _check(line >= 1 and col >= 1, f"position of {loc} is {line}:{col}")
    file = fresh("yaml") / "k.yaml"
    file.write_bytes(data)
    with bounded("load_yaml_file"):
        try:
            doc = load_yaml_file(file, "k.yaml")
        except YamlError as exc:
            _yaml_error(exc, "k.yaml")
        else:
            _plain_data(doc.data)


# ---------------------------------------------------------------------------------------------
# knowledge


def _check_result(result, what: str) -> None:
    from engine.problems import Problem

    _check(isinstance(result.problems, list), f"{what}: problems is not a list")
    for problem in result.problems:
        _check(isinstance(problem, Problem), f"{what}: a problem of type {type(problem).__name__}")
        _check(problem.line >= 1 and problem.col >= 1, f"{what}: problem at {problem.line}:{problem.col}")
        _one_line(str(problem), f"{what}: problem")
    if result.errors:
        _check(result.kb is None, f"{what}: errors found but a knowledge base was returned")
    else:
        _check(result.kb is not None, f"{what}: no errors but no knowledge base")


def _use_kb(kb) -> None:
    """A graph the loader accepts must be usable: model, first question, an answer, free text."""
    from engine.model import compile_model
    from engine.protocol import Conversation
    from engine.session import Session
    from engine.understand import matcher_for

    with bounded("using the loaded graph"):
        session = Session(kb, compile_model(kb))
        conversation = Conversation(session)
        reply = conversation.opening()
        _check(reply.get("type") in ("ask", "done"), f"opening reply {reply.get('type')!r}")
        _encodable(reply, "opening reply")
        if reply["type"] == "ask":
            reply = conversation.handle('{"answer": "%s"}' % reply["node"]["answers"][0])
            _check(reply.get("type") in ("ask", "done", "error"), f"reply {reply.get('type')!r}")
            _encodable(reply, "reply")
        matcher_for(kb).hear("the loss is nan after 10 steps but validation accuracy is 10% with 10 classes")


def target_knowledge(data: bytes) -> None:
    from engine.loader import load_knowledge

    folder = fresh("kb")
    (folder / "fuzz.yaml").write_bytes(data)
    with bounded("load_knowledge"):
        result = load_knowledge([folder], shipped=False)
    _check_result(result, "load_knowledge")
    if result.kb is not None:
        _use_kb(result.kb)


def shipped_files() -> list[Path]:
    from knowledge import graph_dir

    return sorted(graph_dir().glob("*.yaml"))


def target_knowledge_layered(data: bytes) -> None:
    from engine.loader import load_knowledge

    files = shipped_files()
    which = files[data[0] % len(files)] if data else files[0]
    text = data[1:].decode("utf-8", "replace")
    with bounded("load_knowledge (layered)", LIMIT * 1.5):
        result = load_knowledge(overrides={which: text})
    _check_result(result, "load_knowledge (layered)")
    if result.kb is not None:
        _use_kb(result.kb)


# ---------------------------------------------------------------------------------------------
# logs

LOG_NAMES = ("metrics.csv", "history.csv", "log.jsonl", "history.json", "trainer_state.json",
             "events.out.tfevents.1.host", "train.log", "metrics")
"""The first byte of a logs input picks the file name (low 3 bits) ..."""
LOG_CLASSES = (None, None, 10, 2)
"""... --classes (bits 3-4) ..."""
# ... and bit 5 whether the folder, not the file, is given; bit 6 a --column override.


def log_input(name_index: int, body: bytes, classes_index: int = 0, folder: bool = False,
              column: bool = False) -> bytes:
    """The bytes of a logs input (what `target_logs` decodes)."""
    return bytes([name_index % 8 | (classes_index % 4) << 3 | int(folder) << 5 | int(column) << 6]) + body


def target_logs(data: bytes) -> None:
    from engine.logs import LogError, analyze_path
    from engine.logs.render import render_text

    head = data[0] if data else 0
    name = LOG_NAMES[head & 7]
    classes = LOG_CLASSES[(head >> 3) & 3]
    columns = {"loss": "loss"} if head & 64 else None
    folder = fresh("logs")
    file = folder / name
    file.write_bytes(data[1:])
    given = folder if head & 32 else file
    with bounded("analyze_path"):
        try:
            analysis = analyze_path(given, classes=classes, columns=columns)
        except LogError as exc:
            _one_line(str(exc), "LogError")
            _check(str(exc).startswith(str(folder)), f"LogError does not name the file: {str(exc)[:200]!r}")
            return
        _encodable(analysis.to_json(), "analyze --format json")
        text = render_text(analysis)
        text.encode("utf-8")
        from engine.logs import LOG_SYMPTOMS

        for symptom in analysis.symptoms:
            _check(symptom.id in LOG_SYMPTOMS, f"unknown symptom {symptom.id!r}")


# ---------------------------------------------------------------------------------------------
# protocol

REPLY_TYPES = ("ask", "why", "done", "error")
MAX_PROTOCOL_LINES = 60


def _sandboxed_session_class():
    """A Session whose `save` stays inside the scratch folder whatever path a line names (the
    fuzzer must not write over real files); the name itself is kept, odd characters and all."""
    if "Sandboxed" in _STATE:
        return _STATE["Sandboxed"]
    from engine.session import Session

    class Sandboxed(Session):
        box: Path = Path(".")

        def save(self, path: Path) -> None:
            name = str(path).replace("/", "_").replace("\\", "_")
            if name in (".", ".."):
                name = "_" + name
            super().save(self.box / name)

    _STATE["Sandboxed"] = Sandboxed
    return Sandboxed


def target_protocol(data: bytes) -> None:
    from engine.protocol import Conversation
    from engine.session import read_session_file

    kb, model = kb_and_model()
    box = fresh("protocol") / "a" / "b"
    box.mkdir(parents=True)
    session = _sandboxed_session_class()(kb, model)
    session.box = box
    autosave = box / "autosave.json"
    use_autosave = bool(data) and data[0] & 1
    conversation = Conversation(session, save=autosave if use_autosave else None)
    text = data[1:].decode("utf-8", "replace")
    with bounded("opening"):
        reply = conversation.opening()
    _check(reply["type"] in ("ask", "done"), f"opening {reply['type']!r}")
    _encodable(reply, "opening")
    warned = False
    for line in text.split("\n")[:MAX_PROTOCOL_LINES]:
        if not line.strip():
            continue  # protocol.run skips blank lines
        before = list(session.events)
        try:
            msg = json.loads(line)
        except (ValueError, RecursionError):
            msg = None
        with bounded("Conversation.handle"):
            reply = conversation.handle(line)
        _check(isinstance(reply, dict), f"reply of type {type(reply).__name__}")
        _check(reply.get("type") in REPLY_TYPES, f"reply type {reply.get('type')!r}")
        _encodable(reply, f"the reply to {line[:80]!r}")
        if reply["type"] == "error":
            _one_line(reply.get("message", ""), "error reply")
        warned = warned or "warning" in reply
        after = session.events
        if reply["type"] == "error":
            _check(after == before, f"an error reply changed the answers: {line[:80]!r}")
        elif isinstance(msg, dict) and msg.get("undo") and not msg.get("quit") and not msg.get("why"):
            _check(after == before[:-1], "undo removed more (or other) than the last answer")
        else:
            _check(after[:len(before)] == before, f"answers acknowledged earlier were lost after {line[:80]!r}")
            if (isinstance(msg, dict) and "answer" in msg and not msg.get("quit") and not msg.get("why")
                    and not msg.get("undo") and "save" not in msg and "say" not in msg):
                _check(len(after) == len(before) + 1 and after[-1].answer == msg["answer"]
                       and (msg.get("id") is None or after[-1].id == msg["id"]),
                       f"the acknowledged answer {line[:80]!r} is not the last in the session")
        if reply["type"] == "done" and reply.get("outcome") == "quit":
            break
    if use_autosave and autosave.exists() and not warned and session.events:
        saved = read_session_file(autosave)
        _check([e.model_dump() for e in saved.events] == [e.model_dump() for e in session.events],
               "the autosaved file does not hold the answers the session acknowledged")


# ---------------------------------------------------------------------------------------------
# saved sessions


def target_session_file(data: bytes) -> None:
    from engine.session import Session, SessionError, read_session_file

    kb, model = kb_and_model()
    folder = fresh("session")
    file = folder / "session.json"
    file.write_bytes(data)
    with bounded("read_session_file"):
        try:
            saved = read_session_file(file)
        except SessionError as exc:
            _one_line(str(exc), "SessionError")
            _check(str(exc).startswith(str(file)), f"SessionError does not name the file: {str(exc)[:200]!r}")
            return
    with bounded("Session.from_file"):
        session = Session.from_file(saved, kb, model)
        session.state  # the ranking and next step of the resumed answers
        _ = session.pending, session.orphan_report(), session.path()
    kept = sorted([*session.events, *session.orphans], key=lambda e: e.seq)
    _check(len(kept) == len(saved.events) + len(saved.orphans), "answers were dropped on loading")
    again = folder / "again.json"
    session.save(again)
    reread = Session.load(again, kb, model)
    _check([e.model_dump() for e in reread.events] == [e.model_dump() for e in session.events]
           and [e.model_dump() for e in reread.orphans] == [e.model_dump() for e in session.orphans],
           "saving and loading again changed the answers")


# ---------------------------------------------------------------------------------------------
# free text


def target_matcher(data: bytes) -> None:
    from engine.understand import matcher_for

    kb, _ = kb_and_model()
    text = data.decode("utf-8", "replace")
    with bounded("hear"):
        heard = matcher_for(kb).hear(text)
    _check(isinstance(heard, list), "hear did not return a list")
    seen = set()
    for fact in heard:
        _check(fact.id in kb.nodes, f"heard an unknown node {fact.id!r}")
        _check(fact.answer in ("yes", "no"), f"heard the answer {fact.answer!r}")
        _check(fact.id not in seen, f"heard {fact.id!r} twice")
        seen.add(fact.id)
        _encodable(fact.as_dict(), "a heard fact")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "yaml": target_yaml,
    "knowledge": target_knowledge,
    "knowledge_layered": target_knowledge_layered,
    "logs": target_logs,
    "protocol": target_protocol,
    "session_file": target_session_file,
    "matcher": target_matcher,
}


def crash_files() -> list[tuple[str, Path]]:
    """Every saved crashing input: (target, file)."""
    out = []
    if CRASH_DIR.is_dir():
        for folder in sorted(p for p in CRASH_DIR.iterdir() if p.is_dir()):
            out += [(folder.name, f) for f in sorted(folder.iterdir()) if f.is_file() and not f.name.startswith(".")]
    return out
