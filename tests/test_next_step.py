"""Choosing the next step: by value, never re-asking, skipping what does not apply."""

from __future__ import annotations

import random

import numpy as np

from engine.model import answers_for
from engine.next_step import ASK_OVERHEAD, expected_cost
from engine.session import Session


def test_expected_cost_matches_the_definition():
    p = np.array([0.5, 0.3, 0.2])
    cost = np.array([10.0, 1.0, 5.0])
    live = np.array([True, True, False])
    # order by p/c: item 1 (0.3), item 0 (0.05); item 2 is not live, so its mass goes to the service cost
    from engine import next_step

    expected = 1.0 * 1 + (1 - 0.3) * 10 + (1 - 0.8) * next_step.SERVICE_COST
    assert abs(float(expected_cost(p, cost, live)) - expected) < 1e-9


def test_a_check_is_chosen_by_probability_over_cost(session):
    for fact in ("loss_nan", "nan_early"):
        session.answer("yes", fact)
    choice = session.state.choice
    assert choice.best_check is not None
    p, model = session.state.p, session.model
    live = [h for h in model.hypotheses[:-1] if h not in session.state.values]
    best = max(live, key=lambda h: (p[model.index_of[h]] / (model.cost[model.index_of[h]] + ASK_OVERHEAD)))
    assert choice.best_check.node == best


def test_a_question_is_asked_only_when_it_is_worth_more_than_the_best_check(session):
    for _ in range(15):
        choice = session.state.choice
        if choice.kind == "question":
            assert choice.best_question.value < choice.ecr
        elif choice.best_question is not None:
            assert choice.best_question.value >= choice.ecr - 1e-9
        if choice.node is None:
            break
        node = session.kb.nodes[choice.node]
        session.answer("ok" if node.kind in ("reason", "strategy") else "no")


def test_never_asks_what_is_known_and_never_repeats(kb, model):
    rng = random.Random(7)
    for _ in range(30):
        session = Session(kb, model)
        asked = set()
        for fact in rng.sample([n.id for n in kb.facts], 3):
            session.answer(rng.choice(["yes", "no"]), fact)
        while not session.finish_if_exhausted() and session.steps < 80:
            pending = session.pending
            assert pending not in asked, f"asked {pending} twice"
            assert pending not in session.state.values, f"asked {pending}, which is already known"
            asked.add(pending)
            node = kb.nodes[pending]
            session.answer(rng.choice([a for a in answers_for(node.kind) if a != "found"]))


def test_gated_and_inapplicable_questions_are_not_asked(kb, model):
    session = Session(kb, model)
    session.answer("no", "finetuning_pretrained")
    session.answer("no", "loss_nan")
    seen = []
    while not session.finish_if_exhausted() and session.steps < 120:
        seen.append(session.pending)
        node = kb.nodes[session.pending]
        session.answer("ok" if node.kind in ("reason", "strategy") else "unknown")
    for never in ("nan_early", "pretrained_finetune_poor", "q_pretrained_preprocessing_handwritten",
                  "pretrained_preprocessing_mismatch", "match_original_preprocessing"):
        assert never not in seen, never
    assert session.outcome == "exhausted"


def test_a_skipped_check_is_not_proposed_again_but_stays_ranked(session):
    session.answer("yes", "loss_nan")
    session.answer("yes", "nan_early")
    while session.state.choice.kind != "check":
        session.answer("unknown")
    skipped = session.pending
    session.answer("skip")
    assert session.pending != skipped
    assert skipped in [s.id for s in session.state.ranked]


def test_the_choice_is_deterministic(kb, model):
    a, b = Session(kb, model), Session(kb, model)
    for s in (a, b):
        s.answer("yes", "val_much_worse_than_train")
    assert a.pending == b.pending
    assert np.array_equal(a.state.p, b.state.p)
