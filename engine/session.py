"""A troubleshooting session: the answers given so far, and everything derived from them.

The session is the only thing with state. It keeps an append-only log of answers (who gave each,
with what evidence), feeds them to the forward chainer, and recomputes the ranking and the next
step with the pure functions of :mod:`engine.ranking` and :mod:`engine.next_step`. Undo pops the
last answer and retracts what followed from it; answering a node again revises it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .chaining import WorkingMemory
from .knowledge import KnowledgeBase
from .model import BeliefModel, answers_for, compile_model
from .next_step import Choice, choose_next
from .problems import did_you_mean
from .ranking import Suspect, posterior, ranked
from .schema import CHECK_KINDS
from .storage import write_atomic

SESSION_VERSION = 1
Source = Literal["user", "log", "say"]


class SessionError(Exception):
    """A request the session cannot carry out (unknown node, wrong answer, bad file); one sentence."""


class Event(BaseModel):
    """One answer, as given."""

    model_config = ConfigDict(extra="forbid")

    seq: int = Field(ge=1)
    """Order in which answers were given (1, 2, …); kept across save and load."""
    id: str = Field(min_length=1, max_length=200)
    answer: Literal["yes", "no", "unknown", "found", "ok", "skip"]
    source: Source = "user"
    evidence: str | None = Field(default=None, max_length=10_000)
    """For answers from a log or from free text: the numbers or words behind it."""
    at: str | None = None
    """When it was given (ISO 8601, UTC)."""


class SessionFile(BaseModel):
    """The saved form of a session (``version`` 1)."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    app: Literal["nn-triage"] = "nn-triage"
    knowledge_version: str = ""
    layers: list[str] = Field(default_factory=list)
    lang: Literal["en", "ja"] = "en"
    framework: str = "pytorch"
    created: str | None = None
    updated: str | None = None
    events: list[Event] = Field(default_factory=list)
    orphans: list[Event] = Field(default_factory=list)
    """Answers to nodes this graph does not have: kept, reported, re-applied if the node returns."""
    outcome: Literal["found", "exhausted", "quit"] | None = None
    found: str | None = None


@dataclass(frozen=True)
class State:
    """Everything derived from the answers at one moment."""

    values: dict[str, str]
    """Every fact with a value: given (user, log) or derived by rules."""
    p: np.ndarray
    ranked: list[Suspect]
    choice: Choice
    active_rules: tuple[str, ...]
    pending_rules: dict[tuple[str, str], list[str]]


@dataclass
class Update:
    """What one answer (or undo) changed."""

    before: State
    after: State
    derived: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    fired: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Session:
    """One person's troubleshooting conversation over one knowledge base."""

    def __init__(self, kb: KnowledgeBase, model: BeliefModel | None = None, *, lang: str = "en",
                 framework: str = "pytorch") -> None:
        self.kb = kb
        self.model = model or compile_model(kb)
        self.lang = lang
        self.framework = framework
        self.memory = WorkingMemory(self.model.rules)
        self.events: list[Event] = []
        self.orphans: list[Event] = []
        self.outcome: str | None = None
        self.found: str | None = None
        self.created = _now()
        self._state: State | None = None

    # -- reading ----------------------------------------------------------------------------------
    @property
    def state(self) -> State:
        if self._state is None:
            self._state = self._compute()
        return self._state

    @property
    def pending(self) -> str | None:
        """The node the session is asking about now (None when it is done)."""
        return None if self.outcome else self.state.choice.node

    @property
    def done(self) -> bool:
        return self.outcome is not None or self.state.choice.node is None

    def given(self) -> dict[str, Event]:
        """The latest answer to each node (what counts now)."""
        latest: dict[str, Event] = {}
        for event in self.events:
            latest[event.id] = event
        return latest

    def path(self) -> list[tuple[Event, bool]]:
        """Each answered node once, in the order first answered, with its current answer and
        whether it was revised."""
        first: dict[str, int] = {}
        for k, event in enumerate(self.events):
            first.setdefault(event.id, k)
        latest = self.given()
        return [(latest[i], latest[i] is not self.events[k]) for i, k in sorted(first.items(), key=lambda x: x[1])]

    @property
    def steps(self) -> int:
        """How many answers the person has given (volunteered ones included)."""
        return len(self.events)

    # -- changing ---------------------------------------------------------------------------------
    def answer(self, answer: str, node_id: str | None = None, *, source: Source = "user",
               evidence: str | None = None) -> Update:
        """Answer ``node_id`` (default: the pending ask); raises :class:`SessionError` if unusable."""
        if node_id is None:
            node_id = self.pending
            if node_id is None:
                raise SessionError("nothing is being asked; name the node with \"id\"")
        node = self.kb.nodes.get(node_id)
        if node is None:
            raise SessionError(f"unknown node {node_id!r}{did_you_mean(node_id, self.kb.nodes)}")
        allowed = answers_for(node.kind)
        if answer not in allowed:
            raise SessionError(f"{answer!r} is not an answer to the {node.kind} {node_id!r}; "
                               f"use one of {', '.join(allowed)}")
        if self.outcome == "found" and answer != "found":
            self.outcome, self.found = None, None  # "the fix did not help": go on
        before = self.state
        event = Event(seq=self._next_seq(), id=node_id, answer=answer, source=source,  # type: ignore[arg-type]
                      evidence=evidence, at=_now())
        self.events.append(event)
        change = self.memory.set(node_id, answer)
        if answer == "found":
            self.outcome, self.found = "found", node_id
        elif self.outcome == "quit":
            self.outcome = None
        self._state = None
        return Update(before, self.state, change.facts, change.fired, change.retracted)

    def undo(self) -> Update | None:
        """Withdraw the last answer (and everything derived from it); None if there is none."""
        if not self.events:
            return None
        before = self.state
        last = self.events.pop()
        previous = self.given().get(last.id)
        change = self.memory.set(last.id, previous.answer if previous else None)
        if self.found == last.id or self.outcome in ("exhausted", "quit"):
            self.outcome, self.found = None, None
            if previous is not None and previous.answer == "found":
                self.outcome, self.found = "found", last.id
        self._state = None
        return Update(before, self.state, change.facts, change.fired, change.retracted)

    def enter_log(self, analysis) -> list[Event]:
        """Answer "yes" for each symptom a log analysis detected (source "log", its evidence in
        words and numbers). Symptoms the person already answered are left as they said."""
        entered = []
        given = self.given()
        for symptom in analysis.symptoms:
            if symptom.id in self.kb.nodes and symptom.id not in given:
                self.answer("yes", symptom.id, source="log", evidence=symptom.evidence)
                entered.append(self.events[-1])
        return entered

    def hear(self, text: str) -> list:
        """The facts understood from ``text`` (nothing is recorded: see :meth:`apply_heard`)."""
        from .understand import matcher_for

        return matcher_for(self.kb).hear(text)

    def apply_heard(self, heard: list) -> Update | None:
        """Record heard facts as answers (source "say", the words as evidence). An answer the
        person already gave the same way is not repeated; a different one is revised."""
        before = self.state
        update = None
        for fact in heard:
            current = self.given().get(fact.id)
            if current is not None and current.answer == fact.answer:
                continue
            update = self.answer(fact.answer, fact.id, source="say", evidence=f"heard \"{fact.text}\"")
        if update is not None:
            update.before = before
        return update

    def say(self, text: str) -> list:
        """Understand ``text`` and record what was heard; returns the heard facts."""
        heard = self.hear(text)
        self.apply_heard(heard)
        return heard

    def quit(self) -> None:
        if self.outcome is None:
            self.outcome = "quit"

    def finish_if_exhausted(self) -> bool:
        """Mark the session exhausted when nothing is left to ask; True if it is over."""
        if self.outcome is None and self.state.choice.node is None:
            self.outcome = "exhausted"
        return self.outcome is not None

    def _next_seq(self) -> int:
        seqs = [e.seq for e in self.events] + [e.seq for e in self.orphans]
        return max(seqs, default=0) + 1

    def _compute(self) -> State:
        memory, model = self.memory, self.model
        values = memory.values
        active = tuple(r.id for r in memory.active_rules())
        p = posterior(model, values, active)
        pending: dict[tuple[str, str], list[str]] = {}
        index = model.rules
        for i, rule in enumerate(index.rules):
            if i in memory.active or memory.count[i] != index.need[i] - 1:
                continue
            missing = [(f, v) for f, v in rule.conditions if values.get(f) != v]
            if len(missing) == 1 and missing[0][0] not in values:
                pending.setdefault(missing[0], []).append(rule.id)
        skipped = frozenset(e.id for e in self.given().values() if e.answer == "skip")
        choice = choose_next(model, values, p, pending, skipped)
        return State(dict(values), p, ranked(model, p), choice, active, pending)

    # -- saving -----------------------------------------------------------------------------------
    def to_file(self) -> SessionFile:
        return SessionFile(version=SESSION_VERSION, knowledge_version=self.kb.version, layers=self.kb.layers,
                           lang=self.lang, framework=self.framework, created=self.created, updated=_now(),  # type: ignore[arg-type]
                           events=self.events, orphans=self.orphans, outcome=self.outcome,  # type: ignore[arg-type]
                           found=self.found)

    def save(self, path: Path) -> None:
        """Write the session as JSON, atomically (a kill mid-write leaves the previous file)."""
        write_atomic(Path(path), self.to_file().model_dump_json(indent=2) + "\n")

    @classmethod
    def from_file(cls, data: SessionFile, kb: KnowledgeBase, model: BeliefModel | None = None) -> Session:
        """Rebuild a session by replaying its answers; answers to nodes ``kb`` lacks become orphans."""
        session = cls(kb, model, lang=data.lang, framework=data.framework)
        session.created = data.created or session.created
        for event in sorted([*data.events, *data.orphans], key=lambda e: e.seq):
            node = kb.nodes.get(event.id)
            if node is None or event.answer not in answers_for(node.kind):
                session.orphans.append(event)
                continue
            session.events.append(event)
            session.memory.set(event.id, event.answer)
        given = session.given()
        found = [e.id for e in given.values() if e.answer == "found"]
        if data.outcome == "found" and data.found in found:
            session.outcome, session.found = "found", data.found
        elif found:
            session.outcome, session.found = "found", found[-1]
        # "quit" and "exhausted" are not restored: resuming means going on, and whether anything is
        # left to ask depends on the graph it is resumed on.
        return session

    @classmethod
    def load(cls, path: Path, kb: KnowledgeBase, model: BeliefModel | None = None) -> Session:
        """Load a saved session; :class:`SessionError` names the file and position of any problem."""
        return cls.from_file(read_session_file(Path(path)), kb, model)

    def orphan_report(self) -> list[str]:
        """One sentence per kept answer whose node the current graph lacks."""
        return [f"answer {e.answer!r} to {e.id!r} is kept, but this knowledge graph has no such node"
                + ("" if e.id not in self.kb.nodes else " of that kind") for e in self.orphans]


def read_session_file(path: Path) -> SessionFile:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SessionError(f"{path}: no such session file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SessionError(f"{path}: cannot read the session file ({exc})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionError(f"{path}:{exc.lineno}:{exc.colno}: not a valid session file: {exc.msg}") from None
    except RecursionError:
        raise SessionError(f"{path}: not a valid session file: JSON nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise SessionError(f"{path}: not a valid session file: {exc}") from None
    if isinstance(raw, dict) and raw.get("version") not in (None, SESSION_VERSION) and isinstance(raw.get("version"), int):
        raise SessionError(f"{path}: session file version {raw['version']} is newer than this nn-triage "
                           f"understands ({SESSION_VERSION})")
    try:
        return SessionFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "top level"
        raise SessionError(f"{path}: not a valid session file: {_one_line(where)}: {err['msg']}") from None


def _one_line(text: str) -> str:
    """Text from the file (a key name) as one printable line: other characters become escapes."""
    return text if text.isprintable() else "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def is_check(kb: KnowledgeBase, node_id: str) -> bool:
    node = kb.nodes.get(node_id)
    return node is not None and node.kind in CHECK_KINDS
