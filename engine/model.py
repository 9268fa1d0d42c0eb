"""The knowledge graph compiled into what inference needs: hypotheses, likelihood tables, rules.

Built once per knowledge base and never changed; all session state lives elsewhere.

The belief model is the single-fault naive Bayes of decision-theoretic troubleshooting
(Heckerman, Breese & Rommelse 1995): exactly one hypothesis is the cause — one of the checks
(reasons and strategies) or ``OTHER`` (something the graph does not know). See docs/ranking.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .chaining import CompiledRule, RuleIndex
from .knowledge import KnowledgeBase
from .schema import (CHECK_KINDS, AssertAction, BoostAction, RulesOutEdge, RuleOutAction, SuggestsEdge,
                     WeakensEdge)

OTHER = "__other__"
OTHER_PRIOR = 0.1
"""Prior mass of "a cause the graph does not know", against priors that sum to about 1."""
STRENGTH_CLAMP = (0.01, 0.99)
"""Likelihoods are kept off 0 and 1 so one mistaken answer cannot make a cause impossible;
only ``rules_out`` edges and rules do that, on purpose."""


@dataclass(frozen=True)
class Factor:
    """Why one answer multiplies one hypothesis: the edge(s) behind it and the ratio to the base."""

    node: str
    answer: str
    ratio: float
    edge: str  # "suggests", "weakens", "rules_out"
    because: object = None


@dataclass
class BeliefModel:
    """Hypotheses and, for every answerable node and answer, a likelihood row over them."""

    kb: KnowledgeBase
    hypotheses: list[str]
    """Check node ids in file order, then ``OTHER`` last."""
    prior: np.ndarray
    cost: np.ndarray
    """Minutes each check takes (``inf`` for ``OTHER``, which no check can confirm)."""
    rows: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    """(node id, answer) → likelihood of that answer under each hypothesis (``unknown`` is absent:
    it carries no evidence)."""
    factors: dict[tuple[str, str], dict[int, list[Factor]]] = field(default_factory=dict)
    """(node id, answer) → hypothesis index → the edges that make its likelihood differ from the base."""
    index_of: dict[str, int] = field(default_factory=dict)
    rules: RuleIndex = field(default_factory=lambda: RuleIndex(()))
    gates: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Node id → the (source, answer) pairs of its incoming ``leads_to`` edges: asked only after one holds."""
    rule_effects: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    """Rule id → (hypothesis index, factor); 0.0 means rule out."""

    @property
    def other(self) -> int:
        return len(self.hypotheses) - 1


def _fact_rows(kb: KnowledgeBase, hyp: dict[str, int], n: int):
    rows: dict[tuple[str, str], np.ndarray] = {}
    factors: dict[tuple[str, str], dict[int, list[Factor]]] = {}
    lo, hi = STRENGTH_CLAMP
    for node in kb.facts:
        base = min(max(node.base_rate, lo), hi)
        yes = np.full(n, base)
        fy: dict[int, list[Factor]] = {}
        fn: dict[int, list[Factor]] = {}
        for edge in kb.edges_from(node.id):
            if isinstance(edge, SuggestsEdge) and edge.target in hyp:
                i = hyp[edge.target]
                q = min(max(edge.strength, lo), hi)
                yes[i] = q
                fy.setdefault(i, []).append(Factor(node.id, "yes", q / base, "suggests", edge.because))
                fn.setdefault(i, []).append(Factor(node.id, "no", (1 - q) / (1 - base), "suggests", edge.because))
        no = 1.0 - yes
        rows[(node.id, "yes")], rows[(node.id, "no")] = yes, no
        factors[(node.id, "yes")], factors[(node.id, "no")] = fy, fn
    return rows, factors


def _check_rows(kb: KnowledgeBase, hyp: dict[str, int], n: int, rows, factors) -> None:
    for node in kb.checks:
        i = hyp[node.id]
        ok = np.ones(n)
        ok[i] = 0.0  # checked and fine: not the cause
        rows[(node.id, "ok")] = ok
        factors[(node.id, "ok")] = {i: [Factor(node.id, "ok", 0.0, "checked")]}
        rows[(node.id, "skip")] = np.ones(n)
        factors[(node.id, "skip")] = {}


def _apply_answer_edges(kb: KnowledgeBase, hyp: dict[str, int], n: int, rows, factors) -> None:
    """``weakens`` and ``rules_out`` edges multiply the row of the answer they name."""
    for edge in kb.edges:
        if not isinstance(edge, (WeakensEdge, RulesOutEdge)) or edge.target not in hyp:
            continue
        key = (edge.source, edge.when)
        if edge.when == "unknown":
            continue
        if key not in rows:
            rows[key] = np.ones(n)
            factors[key] = {}
        i = hyp[edge.target]
        f = edge.factor if isinstance(edge, WeakensEdge) else 0.0
        rows[key] = rows[key].copy()
        rows[key][i] *= f
        factors[key].setdefault(i, []).append(Factor(edge.source, edge.when, f, edge.kind, edge.because))


def compile_model(kb: KnowledgeBase) -> BeliefModel:
    """Compile ``kb`` once; the result is shared by every session on that graph."""
    checks = kb.checks
    hypotheses = [c.id for c in checks] + [OTHER]
    hyp = {h: i for i, h in enumerate(hypotheses)}
    n = len(hypotheses)
    prior = np.array([c.prior for c in checks] + [OTHER_PRIOR], dtype=float)
    prior /= prior.sum()
    cost = np.array([c.cost for c in checks] + [np.inf], dtype=float)
    rows, factors = _fact_rows(kb, hyp, n)
    _check_rows(kb, hyp, n, rows, factors)
    _apply_answer_edges(kb, hyp, n, rows, factors)
    for key, row in rows.items():
        row.setflags(write=False)

    compiled = []
    effects: dict[str, list[tuple[int, float]]] = {}
    for order, rule in enumerate(kb.rules):
        asserts = tuple((a.assert_, a.answer) for a in rule.then if isinstance(a, AssertAction))
        compiled.append(CompiledRule(rule.id, tuple(rule.if_.items()), asserts, rule.salience, order, rule))
        eff = []
        for action in rule.then:
            if isinstance(action, BoostAction) and action.boost in hyp:
                eff.append((hyp[action.boost], action.factor))
            elif isinstance(action, RuleOutAction) and action.rule_out in hyp:
                eff.append((hyp[action.rule_out], 0.0))
        effects[rule.id] = eff

    gates: dict[str, list[tuple[str, str]]] = {}
    for edge in kb.edges:
        if edge.kind == "leads_to":
            gates.setdefault(edge.target, []).append((edge.source, edge.when))  # type: ignore[union-attr]

    return BeliefModel(kb=kb, hypotheses=hypotheses, prior=prior, cost=cost, rows=rows, factors=factors,
                       index_of=hyp, rules=RuleIndex(compiled), gates=gates, rule_effects=effects)


def answers_for(kind: str) -> tuple[str, ...]:
    """The answers a node of ``kind`` accepts."""
    return ("found", "ok", "skip") if kind in CHECK_KINDS else ("yes", "no", "unknown")
