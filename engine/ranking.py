"""Rank the suspects: a pure function from the facts and the active rules to a posterior.

    P(h | e) ∝ prior(h) · Π_answers L(answer | h) · Π_active rules factor(rule, h)

``L`` comes from the compiled likelihood rows (``suggests`` strengths against the node's base
rate, ``weakens`` factors, ``rules_out`` zeros, "ok" on a check zeroes that check). "unknown"
contributes nothing. See docs/ranking.md for the model and its assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np

from .model import OTHER, BeliefModel


def posterior(model: BeliefModel, values: Mapping[str, str], active_rules: Iterable[str]) -> np.ndarray:
    """P(h | evidence) over ``model.hypotheses`` (sums to 1; ``OTHER`` is never ruled out)."""
    w = model.prior.copy()
    rows = model.rows
    for key in values.items():
        row = rows.get(key)
        if row is not None:
            w *= row
    effects = model.rule_effects
    for rule_id in active_rules:
        for i, factor in effects.get(rule_id, ()):
            w[i] *= factor
    return w / w.sum()


@dataclass(frozen=True)
class Suspect:
    id: str
    ref: str | None
    score: float


def ranked(model: BeliefModel, p: np.ndarray, limit: int | None = None) -> list[Suspect]:
    """Suspects still possible, most likely first (ties in file order); ``OTHER`` left out."""
    order = np.argsort(-p[:-1], kind="stable")
    out = []
    for i in order:
        if p[i] <= 0:
            break
        node_id = model.hypotheses[i]
        out.append(Suspect(node_id, getattr(model.kb.nodes[node_id], "ref", None), float(p[i])))
        if limit is not None and len(out) >= limit:
            break
    return out


def unexplained(model: BeliefModel, p: np.ndarray) -> float:
    """Probability that the cause is none of the graph's reasons."""
    return float(p[model.index_of[OTHER]])
