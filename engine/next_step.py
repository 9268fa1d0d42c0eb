"""Choose the next question or check: a pure function of the model, the facts and the posterior.

Checks are ordered by efficiency P(h | e) / cost (Kadane & Simon 1977; Heckerman, Breese &
Rommelse 1995): under a single fault that sequence minimises the expected cost of repair

    ECR(e) = Σ_k (1 − Σ_{j<k} p_j) · C_k  +  P(no check finds it | e) · C_service.

A question Q is worth asking when its myopic expected cost of observation is lower:

    ECO(Q | e) = C_Q + Σ_x P(Q = x | e) · ECR(e ∪ {Q = x}),   x ∈ {yes, no}

The look-ahead includes the rules that this one answer would complete. Every ask (question or
check) also costs ``ASK_OVERHEAD`` minutes of the person's attention, so a question must save
real work to be asked. All candidates are scored at once with numpy: one step costs well under a
millisecond on the shipped graph (benchmarks/step.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from .model import BeliefModel

ASK_OVERHEAD = 20.0
"""What every ask (question or check) costs on top of its own minutes: a turn of the conversation
is worth about 20 minutes of work to someone in the middle of a failing experiment. This makes the
engine minimise mostly the number of asks, with the minutes breaking ties. Chosen on the tuning
half of tests/cases (see docs/ranking.md), then checked on the held-out half."""
SERVICE_COST = 240.0
"""Minutes it costs when no check finds the cause (asking for help, rethinking the setup)."""
UNKNOWN_RATE = {"context": 0.05, "symptom": 0.4, "question": 0.4}
"""Chance that the person cannot answer a question of each kind: such an answer brings nothing,
so it lowers the question's expected value."""


@dataclass(frozen=True)
class Candidate:
    """One possible next step and the numbers that rank it."""

    node: str
    kind: str  # "question" | "check"
    value: float
    """ECO for a question, P/C for a check."""
    p_yes: float | None = None
    ecr_yes: float | None = None
    ecr_no: float | None = None
    info_gain: float | None = None


@dataclass(frozen=True)
class Choice:
    """The next step, and what it was weighed against."""

    node: str | None
    kind: str | None
    ecr: float
    """Expected cost (minutes) of working down the checks from here."""
    best_question: Candidate | None = None
    best_check: Candidate | None = None
    questions: list[Candidate] = field(default_factory=list)
    """The few best questions by ECO (for "why")."""
    checks: list[Candidate] = field(default_factory=list)
    """The few best checks by efficiency."""


def _entropy(P: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(P > 0, np.log2(np.where(P > 0, P, 1.0)), 0.0)
    return -(P * logs).sum(axis=-1)


def expected_cost(P: np.ndarray, cost: np.ndarray, live: np.ndarray) -> np.ndarray:
    """ECR of the P-over-C sequence for each row of ``P`` (shape (m, n) or (n,))."""
    P2 = np.atleast_2d(P)
    live_cost = np.where(live, cost, 1.0)
    eff = np.where(live, P2 / live_cost, -1.0)
    order = np.argsort(-eff, axis=1, kind="stable")
    Ps = np.take_along_axis(P2, order, axis=1) * live[order]
    Cs = np.where(live, cost, 0.0)[order]
    before = np.cumsum(Ps, axis=1) - Ps
    ecr = ((1.0 - before) * Cs).sum(axis=1) + (1.0 - Ps.sum(axis=1)) * SERVICE_COST
    return ecr if P.ndim == 2 else ecr[0]


def eligible_questions(model: BeliefModel, values: Mapping[str, str]) -> list[str]:
    """Unanswered symptoms / facts / questions whose ``leads_to`` gates (if any) are open."""
    out = []
    for node in model.kb.facts:
        if node.id in values:
            continue
        gates = model.gates.get(node.id)
        if gates and not any(values.get(src) == when for src, when in gates):
            continue
        out.append(node.id)
    return out


def choose_next(model: BeliefModel, values: Mapping[str, str], p: np.ndarray,
                pending: Mapping[tuple[str, str], list[str]] | None = None,
                skipped: frozenset[str] = frozenset(), top: int = 3) -> Choice:
    """The most valuable next ask given facts ``values`` and posterior ``p``.

    ``pending`` maps (fact, answer) to the rules that answer would complete (for the look-ahead);
    ``skipped`` are checks the person cannot do now (never proposed again, still ranked).
    """
    hyps = model.hypotheses
    n = len(hyps)
    cost = model.cost + ASK_OVERHEAD
    live = np.zeros(n, dtype=bool)
    for i, h in enumerate(hyps[:-1]):
        live[i] = h not in values and h not in skipped and p[i] > 0
    ecr_now = float(expected_cost(p, cost, live))

    checks: list[Candidate] = []
    if live.any():
        eff = np.where(live, p / np.where(live, cost, 1.0), -1.0)
        for i in np.argsort(-eff, kind="stable")[:top]:
            if live[i]:
                checks.append(Candidate(hyps[i], "check", float(eff[i])))

    questions: list[Candidate] = []
    names = eligible_questions(model, values)
    if names and live.any():
        ones = np.ones(n)
        RY = np.stack([model.rows.get((q, "yes"), ones) for q in names])
        RN = np.stack([model.rows.get((q, "no"), ones) for q in names])
        Y, N = p * RY, p * RN
        if pending:
            for k, q in enumerate(names):
                for answer, M in (("yes", Y), ("no", N)):
                    for rule_id in pending.get((q, answer), ()):
                        for i, factor in model.rule_effects.get(rule_id, ()):
                            M[k, i] *= factor
        zy, zn = Y.sum(axis=1), N.sum(axis=1)
        total = zy + zn
        py = zy / total
        Py, Pn = Y / zy[:, None], N / zn[:, None]
        ecr = expected_cost(np.vstack([Py, Pn]), cost, live)
        ecr_y, ecr_n = ecr[: len(names)], ecr[len(names):]
        nodes = [model.kb.nodes[q] for q in names]
        q_cost = np.array([node.cost for node in nodes]) + ASK_OVERHEAD  # type: ignore[union-attr]
        unknown = np.array([UNKNOWN_RATE.get(node.kind, 0.0) for node in nodes])
        eco = q_cost + unknown * ecr_now + (1 - unknown) * (py * ecr_y + (1 - py) * ecr_n)
        h_now = float(_entropy(p))
        gain = h_now - (py * _entropy(Py) + (1 - py) * _entropy(Pn))
        for k in np.lexsort((-gain, eco))[:top]:
            questions.append(Candidate(names[k], "question", float(eco[k]), float(py[k]), float(ecr_y[k]),
                                       float(ecr_n[k]), float(gain[k])))

    best_q = questions[0] if questions else None
    best_c = checks[0] if checks else None
    if best_q is not None and best_q.value < ecr_now - 1e-9:
        return Choice(best_q.node, "question", ecr_now, best_q, best_c, questions, checks)
    if best_c is not None:
        return Choice(best_c.node, "check", ecr_now, best_q, best_c, questions, checks)
    return Choice(None, None, ecr_now, best_q, best_c, questions, checks)
