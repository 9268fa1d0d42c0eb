"""The report of a session's decision path, as data: a pydantic :class:`Report` built by the pure
function :func:`build_report`. The renderers in :mod:`engine.render` (Markdown, HTML) and the JSON
export (``Report.model_dump_json``) all draw from this one model, and ``nn-triage report --schema``
publishes its JSON Schema (documented in docs/report-schema.md).

Determinism: every timestamp comes from the session (its ``created`` and each answer's ``at``) or
from the saved file, never from the clock; every list is in a fixed order (path order, rank with
file-order ties, or file order). The caller's session is never changed: "what to check next if the
fix does not help" is read from a copy on which the found check is answered "ok".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .explain import explain_pending, explain_suspect
from .next_step import ASK_OVERHEAD
from .ranking import unexplained
from .schema import CHECK_KINDS

if TYPE_CHECKING:
    from .session import Session, SessionFile

REPORT_VERSION = 1
SUSPECT_LIMIT = 10
"""How many remaining suspects the report explains in full; ``more_suspects`` counts the rest."""
NEXT_CHECKS = 3

Lang = Literal["en", "ja"]
AnswerValue = Literal["yes", "no", "unknown", "found", "ok", "skip"]
SourceValue = Literal["user", "log", "say", "rule"]
Outcome = Literal["found", "exhausted", "quit", "open"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class KnowledgeInfo(_Model):
    """Which knowledge graph the session was recorded with, and which one computed this report."""

    version: str
    """Version (content hash) of the graph the session was saved with; the graph's own when the
    session was never saved."""
    layers: list[str]
    """The folders layered to make that graph, shipped graph first, as recorded."""
    rendered_with: str
    """Version of the graph this report's scores and texts were computed on."""
    same: bool
    """True when ``version`` and ``rendered_with`` are equal."""


class Step(_Model):
    """One answered node of the decision path, in the order first answered."""

    n: int = Field(ge=1)
    """Position in the path (1, 2, …)."""
    seq: int = Field(ge=1)
    """Sequence number of the answer that counts now (from the session file)."""
    id: str
    kind: Literal["symptom", "context", "question", "reason", "strategy"]
    ref: str | None
    """Checklist number of a reason or strategy ("4.10"); null for facts."""
    title: str
    """The node's short title, in the report's language."""
    asked: str
    """How it was put to the person: the question for facts, the title for checks."""
    answer: AnswerValue
    """The answer that counts now."""
    source: Literal["user", "log", "say"]
    """Who gave it: the person, the log analysis, or free text."""
    evidence: str | None
    """For answers from a log or free text: the numbers or words behind it."""
    at: str | None
    """When it was given (ISO 8601, from the session file)."""
    revised: bool
    """True when the node was answered more than once."""
    previous: list[AnswerValue]
    """Earlier answers to the same node, oldest first (empty unless revised)."""


class Fact(_Model):
    """A symptom, setup fact or question with a value: given, or derived by rules."""

    id: str
    kind: Literal["symptom", "context", "question"]
    title: str
    answer: Literal["yes", "no", "unknown"]
    source: SourceValue
    """"rule" for facts derived by forward chaining; otherwise as in :class:`Step`."""
    evidence: str | None
    rules: list[str]
    """For derived facts: the rules that derive it."""
    revised: bool
    previous: list[AnswerValue]


class Snippet(_Model):
    framework: str
    """The session's framework (``pytorch``, ``keras``, …)."""
    code: str


class Reference(_Model):
    title: str
    url: str | None


class Found(_Model):
    """The check answered "found": what it was and how to fix it."""

    id: str
    ref: str | None
    title: str
    why: str
    check: str
    fix: str
    snippet: Snippet | None
    """The check's code for the session's framework; null when the graph has none for it."""
    references: list[Reference]
    score: float
    """Its probability when it was found."""


class NextCheck(_Model):
    """A check worth doing next, with the numbers that order the checks (P over C)."""

    id: str
    ref: str | None
    title: str
    probability: float
    cost_minutes: float
    efficiency: float
    """probability ÷ (cost + the per-ask overhead): the order in which checks are proposed."""


class NextAsk(_Model):
    id: str
    kind: Literal["question", "check"]
    ref: str | None
    title: str
    asked: str


class NextSteps(_Model):
    """What to do next: after the found check if its fix does not help, else from where it stopped."""

    basis: Literal["if_fix_fails", "current"]
    """``if_fix_fails``: computed on a copy of the session where the found check is answered "ok";
    ``current``: from the session as it stands."""
    ask: NextAsk | None
    """The very next ask the engine would make (a question or a check); null when nothing is left."""
    why: str | None
    """Why that ask, with its numbers (the engine's own explanation)."""
    checks: list[NextCheck]
    """The best checks by efficiency, most efficient first."""
    unexplained: float
    """Probability that the cause is none of the graph's reasons, on that basis."""


class SuspectFactor(_Model):
    """How one answer moved a suspect's odds."""

    node: str
    title: str
    answer: str
    edge: str
    """``suggests``, ``weakens``, ``rules_out`` or ``checked``."""
    factor: float
    because: str | None
    source: SourceValue


class SuspectRule(_Model):
    rule: str
    factor: float
    conditions: dict[str, str]
    because: str | None


class SuspectInfo(_Model):
    """A remaining suspect: its score and everything behind it (the engine's HOW explanation)."""

    rank: int = Field(ge=1)
    id: str
    ref: str | None
    title: str
    score: float
    prior: float
    skipped: bool
    """True when the person said they cannot check it now."""
    factors: list[SuspectFactor]
    rules: list[SuspectRule]
    explanation: str
    """The arithmetic in words: prior × every factor = score before normalising."""


class RuledOut(_Model):
    """A reason or strategy an answer or a rule excluded (checks answered "ok" are in the path)."""

    id: str
    ref: str | None
    title: str
    by: list[str]
    """What excluded it: ``node=answer`` or ``rule <id>``."""


class Orphan(_Model):
    """An answer kept in the session file to a node the current graph does not have."""

    id: str
    answer: str
    source: str
    evidence: str | None
    at: str | None


class Report(_Model):
    """An nn-triage report: one session's decision path, its result and what to do next."""

    version: Literal[1] = REPORT_VERSION
    """Version of this report format. Adding a field keeps it; renaming, removing or changing the
    meaning of one bumps it."""
    app: Literal["nn-triage"] = "nn-triage"
    lang: Lang
    """Language of every text in the report."""
    framework: str
    created: str | None
    """When the session started (ISO 8601, from the session file)."""
    updated: str | None
    """When the session file was last written; null for a session that was not loaded from a file."""
    last_answer: str | None
    """When the last answer that counts was given."""
    knowledge: KnowledgeInfo
    outcome: Outcome
    """``found`` (a check found the cause), ``exhausted`` (nothing left to ask), ``quit`` (the
    person stopped), ``open`` (still in progress)."""
    steps: int = Field(ge=0)
    """How many answers were given, revisions and volunteered ones included."""
    facts: list[Fact]
    """Symptoms, setup facts and questions with a value, in path order, derived facts last."""
    path: list[Step]
    """Every question and check answered, in the order first answered."""
    found: Found | None
    next: NextSteps
    suspects: list[SuspectInfo]
    """The remaining suspects, most likely first (at most ten; the found one is not repeated)."""
    more_suspects: int = Field(ge=0)
    """How many further suspects are still possible beyond those listed."""
    ruled_out: list[RuledOut]
    """Reasons and strategies excluded by answers or rules, in file order."""
    orphans: list[Orphan]
    """Answers to nodes the graph lacks: kept, never dropped."""
    unexplained: float
    """Probability, now, that the cause is none of the graph's reasons."""


def report_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`Report` (``nn-triage report --schema``)."""
    schema = Report.model_json_schema()
    schema["title"] = "nn-triage report"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


# -- building ----------------------------------------------------------------------------------------

def _copy(session: Session, lang: str) -> Session:
    """A new session with the same answers (replayed through the public loading path)."""
    from .session import SESSION_VERSION, Session, SessionFile

    data = SessionFile(version=SESSION_VERSION, knowledge_version=session.kb.version, layers=session.kb.layers,
                       lang=lang, framework=session.framework, created=session.created,  # type: ignore[arg-type]
                       events=list(session.events), orphans=list(session.orphans))
    copy = Session.from_file(data, session.kb, session.model)
    copy.outcome, copy.found = session.outcome, session.found
    return copy


def _text(node: Any, name: str, lang: str) -> str:
    value = getattr(node, name, None)
    return value.get(lang) if value is not None else ""


def _asked(node: Any, lang: str) -> str:
    ask = getattr(node, "ask", None)
    return (ask or node.title).get(lang)


def build_report(session: Session, *, saved: SessionFile | None = None, lang: str | None = None) -> Report:
    """The report of ``session`` (unchanged by this call).

    ``saved`` is the file the session was loaded from: it supplies the knowledge version and
    layers the session was recorded with, when it was last written and how it ended. ``lang``
    renders the texts in another language than the session's.
    """
    lang = lang or session.lang
    if lang != session.lang:
        session = _copy(session, lang)
    kb, model, state = session.kb, session.model, session.state
    nodes = kb.nodes
    order = {node_id: k for k, node_id in enumerate(nodes)}

    # -- the path and the facts ------------------------------------------------------------------
    history: dict[str, list[str]] = {}
    for event in session.events:
        history.setdefault(event.id, []).append(event.answer)
    path: list[Step] = []
    facts: list[Fact] = []
    position: dict[str, int] = {}
    for n, (event, revised) in enumerate(session.path(), start=1):
        node = nodes[event.id]
        previous = history[event.id][:-1]
        position[event.id] = n
        path.append(Step(n=n, seq=event.seq, id=event.id, kind=node.kind, ref=getattr(node, "ref", None),
                         title=node.title.get(lang), asked=_asked(node, lang) if node.kind not in CHECK_KINDS
                         else node.title.get(lang), answer=event.answer, source=event.source,
                         evidence=event.evidence, at=event.at, revised=revised, previous=previous))  # type: ignore[arg-type]
        if node.kind not in CHECK_KINDS:
            facts.append(Fact(id=event.id, kind=node.kind, title=node.title.get(lang), answer=event.answer,  # type: ignore[arg-type]
                              source=event.source, evidence=event.evidence, rules=[], revised=revised,
                              previous=previous))  # type: ignore[arg-type]
    derived = session.memory.derived()
    for fact_id in sorted(derived, key=lambda f: order.get(f, len(order))):
        node = nodes.get(fact_id)
        if node is None or node.kind in CHECK_KINDS:
            continue
        rules = sorted(r.id for r in session.memory.justification(fact_id))
        facts.append(Fact(id=fact_id, kind=node.kind, title=node.title.get(lang), answer=derived[fact_id],  # type: ignore[arg-type]
                          source="rule", evidence=None, rules=rules, revised=False, previous=[]))

    # -- the outcome and what was found ----------------------------------------------------------
    if session.outcome == "found" and session.found:
        outcome = "found"
    elif session.outcome in ("exhausted", "quit"):
        outcome = session.outcome
    elif saved is not None and saved.outcome in ("exhausted", "quit"):
        outcome = saved.outcome
    elif state.choice.node is None:
        outcome = "exhausted"
    else:
        outcome = "open"

    found = None
    if outcome == "found":
        node = nodes[session.found]  # type: ignore[index]
        snippets = getattr(node, "snippets", {}) or {}
        code = snippets.get(session.framework)
        found = Found(id=node.id, ref=getattr(node, "ref", None), title=node.title.get(lang),
                      why=_text(node, "why", lang), check=_text(node, "check", lang), fix=_text(node, "fix", lang),
                      snippet=Snippet(framework=session.framework, code=code) if code else None,
                      references=[Reference(title=r.title, url=r.url) for r in getattr(node, "references", [])],
                      score=round(float(state.p[model.index_of[node.id]]), 4))

    # -- what next -------------------------------------------------------------------------------
    if outcome == "found":
        basis = "if_fix_fails"
        after = _copy(session, lang)  # never the caller's session
        after.answer("ok", session.found)
    else:
        basis, after = "current", session
    next_steps = _next_steps(after, basis, lang)

    # -- suspects --------------------------------------------------------------------------------
    remaining = [s for s in state.ranked if s.id != session.found]
    skipped = {e.id for e in session.given().values() if e.answer == "skip"}
    rule_order = {r.id: k for k, r in enumerate(kb.rules)}
    suspects = []
    for rank, suspect in enumerate(remaining[:SUSPECT_LIMIT], start=1):
        info = explain_suspect(session, suspect.id)
        suspects.append(SuspectInfo(
            rank=rank, id=suspect.id, ref=suspect.ref, title=info["title"], score=info["score"], prior=info["prior"],
            skipped=suspect.id in skipped,
            factors=[SuspectFactor(node=f["node"], title=_title(session, f["node"], lang), answer=f["answer"],
                                   edge=f["edge"], factor=f["factor"], because=f["because"], source=f["source"])
                     for f in sorted(info["factors"], key=lambda f: position.get(f["node"], len(position) + 1))],
            rules=[SuspectRule(rule=r["rule"], factor=r["factor"], conditions={k: str(v) for k, v in r["if"].items()},
                               because=r["because"])
                   for r in sorted(info["rules"], key=lambda r: rule_order.get(r["rule"], len(rule_order)))],
            explanation=info["text"]))

    ruled_out = []
    given = session.given()
    for i, h in enumerate(model.hypotheses[:-1]):
        if state.p[i] > 0 or h in given:
            continue
        info = explain_suspect(session, h)
        by = []
        for item in info.get("excluded_by", []):
            label = f"rule {item['rule']}" if "rule" in item else f"{item['node']}={item['answer']}"
            if label not in by:
                by.append(label)
        ruled_out.append(RuledOut(id=h, ref=info["ref"], title=info["title"], by=by))

    ats = [e.at for e in session.given().values() if e.at]
    knowledge_version = saved.knowledge_version if saved is not None and saved.knowledge_version else kb.version
    layers = list(saved.layers) if saved is not None and saved.layers else list(kb.layers)
    return Report(
        lang=lang, framework=session.framework, created=session.created,  # type: ignore[arg-type]
        updated=saved.updated if saved is not None else None,
        last_answer=max(ats) if ats else None,
        knowledge=KnowledgeInfo(version=knowledge_version, layers=layers, rendered_with=kb.version,
                                same=knowledge_version == kb.version),
        outcome=outcome, steps=session.steps, facts=facts, path=path, found=found, next=next_steps,  # type: ignore[arg-type]
        suspects=suspects, more_suspects=max(0, len(remaining) - SUSPECT_LIMIT), ruled_out=ruled_out,
        orphans=[Orphan(id=e.id, answer=e.answer, source=e.source, evidence=e.evidence, at=e.at)
                 for e in sorted(session.orphans, key=lambda e: e.seq)],
        unexplained=round(unexplained(model, state.p), 4),
    )


def _title(session: Session, node_id: str, lang: str) -> str:
    node = session.kb.nodes.get(node_id)
    return node.title.get(lang) if node is not None else node_id


def _next_steps(session: Session, basis: str, lang: str) -> NextSteps:
    state, kb, model = session.state, session.kb, session.model
    choice = state.choice
    ask = None
    why = None
    if choice.node is not None:
        node = kb.nodes[choice.node]
        kind = "check" if node.kind in CHECK_KINDS else "question"
        ask = NextAsk(id=node.id, kind=kind, ref=getattr(node, "ref", None), title=node.title.get(lang),
                      asked=_asked(node, lang) if kind == "question" else node.title.get(lang))
        pending = explain_pending(session)
        why = pending["text"] if pending else None
    checks = []
    for candidate in choice.checks[:NEXT_CHECKS]:
        i = model.index_of[candidate.node]
        node = kb.nodes[candidate.node]
        cost = float(model.cost[i])
        checks.append(NextCheck(id=node.id, ref=getattr(node, "ref", None), title=node.title.get(lang),
                                probability=round(float(state.p[i]), 4), cost_minutes=cost,
                                efficiency=round(float(state.p[i]) / (cost + ASK_OVERHEAD), 5)))
    return NextSteps(basis=basis, ask=ask, why=why, checks=checks,  # type: ignore[arg-type]
                     unexplained=round(unexplained(model, state.p), 4))
