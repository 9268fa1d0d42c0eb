"""Explanations: why this ask, how a suspect scored, why another is out, what a revision changed."""

from __future__ import annotations

import math

import pytest

from engine.explain import diff, explain_pending, explain_suspect
from engine.next_step import ASK_OVERHEAD


def _unnormalised(info):
    value = info["prior"]
    for f in info["factors"]:
        value *= f["factor"]
    for r in info["rules"]:
        value *= r["factor"]
    return value


def test_how_reproduces_the_score_arithmetic(session):
    session.answer("yes", "loss_nan")
    session.answer("yes", "nan_early")
    top = session.state.ranked[:4]
    infos = [explain_suspect(session, s.id) for s in top]
    lr = next(i for i in infos if i["id"] == "learning_rate_wrong")
    assert any(r["rule"] == "nan_early_points_to_lr" for r in lr["rules"])
    assert any(f["node"] == "loss_nan" and f["edge"] == "suggests" for f in lr["factors"])
    # the ratios of the shown products equal the ratios of the scores: the arithmetic is complete
    a, b = infos[0], infos[1]
    assert math.isclose(_unnormalised(a) / _unnormalised(b), a["score"] / b["score"], rel_tol=1e-3)
    assert lr["text"].startswith("prior ") and "(rule nan_early_points_to_lr)" in lr["text"]


def test_why_not_names_the_answer_that_excluded_it(session):
    session.answer("no", "custom_loss")
    info = explain_suspect(session, "loss_function_bug")
    assert info["status"] == "ruled_out" and info["score"] == 0
    assert info["excluded_by"][0]["node"] == "custom_loss" and info["excluded_by"][0]["answer"] == "no"
    assert "custom_loss=no" in info["text"]
    session.answer("ok", "learning_rate_wrong")
    assert explain_suspect(session, "learning_rate_wrong")["status"] == "checked_ok"


def test_why_a_question_shows_what_it_separates_and_the_numbers(session):
    session.answer("yes", "loss_nan")
    assert session.state.choice.kind == "question"
    why = explain_pending(session)
    assert why["node"] == session.pending and why["kind"] == "question"
    assert why["saving_minutes"] == pytest.approx(why["ecr_minutes"] - why["eco_minutes"], abs=0.11)
    assert why["saving_minutes"] > 0
    assert why["separates"] and {"now", "if_yes", "if_no"} <= set(why["separates"][0])
    assert any(w["rule"] == "nan_early_points_to_lr" for w in why["rules_waiting"])


def test_why_a_check_shows_probability_over_cost(session):
    session.answer("yes", "loss_nan")
    while session.state.choice.kind != "check":
        session.answer("unknown")
    why = explain_pending(session)
    assert why["kind"] == "check" and why["id"] == session.pending
    assert why["efficiency"] == pytest.approx(why["probability"] / (why["cost_minutes"] + ASK_OVERHEAD), rel=1e-3)
    assert all(n["efficiency"] <= why["efficiency"] for n in why["next_checks"])


def test_japanese_explanations(kb, model):
    from engine.session import Session

    s = Session(kb, model, lang="ja")
    s.answer("yes", "loss_nan")
    assert "分" in explain_pending(s)["text"]


def test_diff_after_revising_an_answer(session):
    session.answer("yes", "loss_nan")
    update = session.answer("no", "loss_nan")
    changes = diff(update.before, update.after, session)
    moved = {c["id"]: c for c in changes}
    assert moved["learning_rate_wrong"]["after"] < moved["learning_rate_wrong"]["before"]
    assert all(abs(c["after"] - c["before"]) > 0.005 for c in changes)
