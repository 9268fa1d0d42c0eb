"""The JSON-lines session protocol of `nn-triage session --jsonl` (see PRODUCT.md).

The program writes its first ``ask`` at start, then exactly one line for each line it reads:
the next ``ask``, a ``why``, a ``done`` or an ``error``. Bad lines get an ``error`` and the
session goes on; nothing already answered is lost.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any, Callable

from .explain import explain_pending, explain_suspect
from .model import answers_for
from .session import Session, SessionError
from .text import json_safe

RANKED_LIMIT = 10
MAX_LINE = 1_000_000


def node_message(session: Session, node_id: str) -> dict[str, Any]:
    node = session.kb.nodes[node_id]
    lang = session.lang
    ask = getattr(node, "ask", None)
    text = (ask or node.title).get(lang)
    out: dict[str, Any] = {"id": node.id, "kind": node.kind, "ref": getattr(node, "ref", None),
                           "text": text, "title": node.title.get(lang), "answers": list(answers_for(node.kind))}
    if node.kind in ("reason", "strategy"):
        out["why"] = node.why.get(lang)  # type: ignore[union-attr]
        out["check"] = node.check.get(lang)  # type: ignore[union-attr]
        out["fix"] = node.fix.get(lang)  # type: ignore[union-attr]
        snippets = node.snippets  # type: ignore[union-attr]
        if session.framework in snippets:
            out["snippet"] = {"framework": session.framework, "code": snippets[session.framework]}
        out["cost"] = node.cost  # type: ignore[union-attr]
    elif getattr(node, "help", None) is not None:
        out["help"] = node.help.get(lang)  # type: ignore[union-attr]
    return out


def ranked_message(session: Session) -> list[dict[str, Any]]:
    return [{"id": s.id, "ref": s.ref, "score": round(s.score, 4)}
            for s in session.state.ranked[:RANKED_LIMIT]]


def ask_message(session: Session, **extra: Any) -> dict[str, Any]:
    node_id = session.pending
    assert node_id is not None
    msg = {"type": "ask", "step": session.steps + 1, "node": node_message(session, node_id),
           "ranked": ranked_message(session)}
    msg.update(extra)
    return msg


def done_message(session: Session) -> dict[str, Any]:
    found = None
    if session.found:
        node = session.kb.nodes[session.found]
        found = {"id": node.id, "ref": getattr(node, "ref", None), "title": node.title.get(session.lang),
                 "fix": node.fix.get(session.lang) if hasattr(node, "fix") else None}  # type: ignore[union-attr]
    return {"type": "done", "outcome": session.outcome or "quit", "found": found, "steps": session.steps,
            "ranked": ranked_message(session)}


def why_message(session: Session) -> dict[str, Any]:
    return {"type": "why", "pending": explain_pending(session),
            "suspects": [explain_suspect(session, s.id) for s in session.state.ranked[:3]]}


class Conversation:
    """Turns protocol lines into session calls and replies; no I/O of its own."""

    def __init__(self, session: Session, save: Path | None = None,
                 on_save_error: Callable[[str], None] | None = None) -> None:
        self.session = session
        self.save_path = save
        self.on_save_error = on_save_error

    def opening(self) -> dict[str, Any]:
        return self._next()

    def _next(self, **extra: Any) -> dict[str, Any]:
        if self.session.finish_if_exhausted():
            return done_message(self.session)
        return ask_message(self.session, **extra)

    def _autosave(self) -> str | None:
        if self.save_path is None:
            return None
        try:
            self.session.save(self.save_path)
        except (OSError, ValueError) as exc:
            message = f"could not save the session to {self.save_path}: {getattr(exc, 'strerror', None) or exc}"
            if self.on_save_error:
                self.on_save_error(message)
            return message
        return None

    def handle(self, line: str) -> dict[str, Any]:
        """The reply to one input line."""
        if len(line) > MAX_LINE:
            return error(f"line too long ({len(line)} characters; the limit is {MAX_LINE})")
        try:
            msg = json.loads(line)
        except json.JSONDecodeError as exc:
            return error(f"not JSON at column {exc.colno}: {exc.msg}")
        except RecursionError:
            return error("not usable JSON: nested too deeply")
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            return error(f"not usable JSON: {exc}")
        if not isinstance(msg, dict):
            return error("each line must be a JSON object such as {\"answer\": \"yes\"}")
        if not _valid_unicode(msg):
            return error("the line holds a lone surrogate escape (\\ud800 … \\udfff), which is not a character")
        session = self.session
        try:
            if msg.get("quit"):
                session.quit()
                return done_message(session)
            if msg.get("why"):
                if session.pending is None:
                    return error("nothing is being asked, so there is no \"why\"")
                return why_message(session)
            if msg.get("undo"):
                if session.undo() is None:
                    return error("nothing to undo")
                problem = self._autosave()
                return self._next(**({"warning": problem} if problem else {}))
            if "save" in msg:
                target = msg["save"]
                if not isinstance(target, str) or not target:
                    return error("\"save\" takes a file path")
                try:
                    session.save(Path(target))
                except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
                    return error(f"could not save to {target!r}: {getattr(exc, 'strerror', None) or exc}")
                return self._next(saved=target)
            if "say" in msg:
                text = msg["say"]
                if not isinstance(text, str):
                    return error("\"say\" takes a string: what the person wrote")
                heard = session.say(text)
                problem = self._autosave() if heard else None
                reply = self._next(heard=[h.as_dict() for h in heard])
                if problem:
                    reply["warning"] = problem
                if reply["type"] == "done":
                    reply["heard"] = [h.as_dict() for h in heard]
                return reply
            if "answer" in msg:
                answer, node_id = msg["answer"], msg.get("id")
                if not isinstance(answer, str) or (node_id is not None and not isinstance(node_id, str)):
                    return error("\"answer\" and \"id\" must be strings")
                if session.outcome == "found" and node_id is None:
                    return error("the session has ended; name the node with \"id\" to go on")
                session.answer(answer, node_id, evidence=_evidence(msg))
                problem = self._autosave()
                if session.outcome == "found":
                    return done_message(session)
                return self._next(**({"warning": problem} if problem else {}))
        except SessionError as exc:
            return error(str(exc))
        known = "answer, id, say, undo, why, save, quit"
        return error(f"unknown request; a line carries one of: {known}")


def _valid_unicode(msg: dict) -> bool:
    """False when a string the session would use holds a lone surrogate (a ``\\ud800`` escape):
    it could be neither stored in a session nor written back out as UTF-8."""
    for value in msg.values():
        if isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


def _evidence(msg: dict) -> str | None:
    evidence = msg.get("evidence")
    return evidence if isinstance(evidence, str) else None


def error(message: str) -> dict[str, Any]:
    return {"type": "error", "message": message}


def run(conversation: Conversation, stdin: IO[str], stdout: IO[str]) -> int:
    """Drive ``conversation`` over a pair of text streams until ``done`` or end of input."""

    def send(msg: dict[str, Any]) -> None:
        stdout.write(json_safe(json.dumps(msg, ensure_ascii=False)) + "\n")
        stdout.flush()

    first = conversation.opening()
    send(first)
    if first["type"] == "done":
        return 0
    while True:
        # Read at most MAX_LINE + 1 characters at a time, so one huge line cannot fill memory.
        line = stdin.readline(MAX_LINE + 1)
        if not line:
            break
        if len(line) > MAX_LINE and not line.endswith("\n"):
            while True:  # skip the rest of that line
                rest = stdin.readline(MAX_LINE + 1)
                if not rest or rest.endswith("\n"):
                    break
            send(error(f"line too long (over {MAX_LINE} characters)"))
            continue
        if not line.strip():
            continue
        reply = conversation.handle(line)
        send(reply)
        if reply["type"] == "done":
            return 0
    conversation.session.quit()
    conversation._autosave()
    send(done_message(conversation.session))
    return 0
