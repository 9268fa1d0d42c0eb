"""Ranking: scores in [0, 1], evidence moves the right suspects, monotonicity."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model import OTHER
from engine.ranking import posterior, ranked


def p_of(model, values, node_id, rules=()):
    return posterior(model, values, rules)[model.index_of[node_id]]


def test_scores_are_a_distribution(model):
    p = posterior(model, {"loss_nan": "yes", "nan_early": "yes"}, ())
    assert np.all(p >= 0) and np.all(p <= 1) and abs(p.sum() - 1) < 1e-9
    top = ranked(model, p)
    assert [s.score for s in top] == sorted((s.score for s in top), reverse=True)
    assert all(s.id != OTHER for s in top)


def test_yes_raises_what_a_symptom_suggests_and_no_lowers_it(model):
    base = p_of(model, {}, "learning_rate_wrong")
    assert p_of(model, {"loss_nan": "yes"}, "learning_rate_wrong") > base
    assert p_of(model, {"loss_nan": "no"}, "learning_rate_wrong") < base


def test_unknown_changes_nothing(model):
    assert np.array_equal(posterior(model, {"loss_nan": "unknown"}, ()), posterior(model, {}, ()))


def test_rules_out_edges_and_ok_answers_remove_a_suspect(model):
    assert p_of(model, {"finetuning_pretrained": "no"}, "pretrained_preprocessing_mismatch") == 0
    assert p_of(model, {"custom_loss": "no"}, "loss_function_bug") == 0
    assert p_of(model, {"learning_rate_wrong": "ok"}, "learning_rate_wrong") == 0


def test_active_rule_boosts_apply(model):
    values = {"loss_nan": "yes", "nan_early": "yes"}
    assert p_of(model, values, "learning_rate_wrong", ["nan_early_points_to_lr"]) > \
        p_of(model, values, "learning_rate_wrong")


answerable = st.sampled_from(["yes", "no", "unknown"])


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_ok_on_another_check_never_lowers_a_suspect(model, data):
    facts = [n.id for n in model.kb.facts]
    checks = model.hypotheses[:-1]
    values = data.draw(st.dictionaries(st.sampled_from(facts), answerable, max_size=6))
    true = data.draw(st.sampled_from(checks))
    other = data.draw(st.sampled_from([c for c in checks if c != true]))
    before = p_of(model, values, true)
    after = p_of(model, {**values, other: "ok"}, true)
    assert after >= before - 1e-12


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_an_answer_the_true_cause_explains_best_never_lowers_it(model, data):
    """Found-consistent evidence: if the true cause gives an answer at least the likelihood any
    other hypothesis gives it, answering so cannot lower the true cause (Bayes, single fault)."""
    facts = [n.id for n in model.kb.facts]
    values = data.draw(st.dictionaries(st.sampled_from(facts), answerable, max_size=6))
    true = data.draw(st.sampled_from(model.hypotheses[:-1]))
    i = model.index_of[true]
    consistent = [(f, a) for f in facts for a in ("yes", "no")
                  if f not in values and (f, a) in model.rows
                  and model.rows[(f, a)][i] >= model.rows[(f, a)].max() - 1e-12]
    if not consistent:
        return
    fact, answer = data.draw(st.sampled_from(consistent))
    assert p_of(model, {**values, fact: answer}, true) >= p_of(model, values, true) - 1e-12
