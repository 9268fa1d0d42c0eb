"""Sessions: answer, undo, revise, save / load (atomic, versioned, across knowledge versions)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.loader import load_or_raise
from engine.session import Session, SessionError


def _state_key(session):
    s = session.state
    return (s.values, s.p.round(12).tolist(), s.choice.node, s.active_rules)


def test_answering_the_pending_ask_and_any_node(session):
    first = session.pending
    session.answer("no")
    assert session.given()[first].answer == "no"
    session.answer("yes", "loss_nan")
    assert session.state.values["loss_nan"] == "yes"
    assert session.steps == 2


def test_bad_answers_are_refused_with_one_sentence(session):
    with pytest.raises(SessionError, match=r"unknown node 'loss_nna' \(did you mean 'loss_nan'\?\)"):
        session.answer("yes", "loss_nna")
    with pytest.raises(SessionError, match="'found' is not an answer to the symptom 'loss_nan'"):
        session.answer("found", "loss_nan")
    assert session.steps == 0, "nothing was recorded"


def test_undo_restores_the_exact_previous_state(session):
    session.answer("yes", "loss_nan")
    before = _state_key(session)
    update = session.answer("yes", "nan_early")
    assert "nan_early_points_to_lr" in update.fired
    session.undo()
    assert _state_key(session) == before
    assert "nan_early_points_to_lr" not in session.state.active_rules


def test_revising_an_earlier_answer_withdraws_what_followed_from_it(session):
    session.answer("yes", "loss_nan")
    session.answer("yes", "nan_early")
    assert "nan_early_points_to_lr" in session.state.active_rules
    update = session.answer("no", "loss_nan")
    assert "nan_early_points_to_lr" in update.retracted
    assert "nan_early_points_to_lr" not in session.state.active_rules
    path = {event.id: revised for event, revised in session.path()}
    assert path == {"loss_nan": True, "nan_early": False}
    assert [e.id for e, _ in session.path()] == ["loss_nan", "nan_early"], "kept where first answered"


def test_derived_unknown_is_withdrawn_when_its_premise_changes(session):
    session.answer("no", "finetuning_pretrained")
    assert session.state.values["pretrained_finetune_poor"] == "unknown"
    session.answer("yes", "finetuning_pretrained")
    assert "pretrained_finetune_poor" not in session.state.values


def test_found_ends_and_a_new_answer_goes_on(session):
    session.answer("found", "learning_rate_wrong")
    assert session.outcome == "found" and session.found == "learning_rate_wrong" and session.done
    session.answer("ok", "learning_rate_wrong")  # the fix did not help
    assert session.outcome is None and session.pending is not None


def test_save_and_load_round_trip_exactly(session, kb, model, tmp_path):
    for node, answer in (("loss_nan", "yes"), ("nan_early", "yes"), ("custom_loss", "no"),
                         ("learning_rate_wrong", "ok"), ("loss_nan", "yes")):
        session.answer(answer, node)
    session.undo()
    path = tmp_path / "s.json"
    session.save(path)
    loaded = Session.load(path, kb, model)
    assert _state_key(loaded) == _state_key(session)
    assert [e.model_dump() for e in loaded.events] == [e.model_dump() for e in session.events]
    assert loaded.path() == session.path()
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"], "no temporary file left behind"
    data = json.loads(path.read_text())
    assert data["version"] == 1 and data["knowledge_version"] == kb.version


def test_answers_to_vanished_nodes_are_kept_and_reported(tmp_path, kb):
    extra = tmp_path / "team"
    extra.mkdir()
    (extra / "amp.yaml").write_text(
        "nodes:\n  - id: q_uses_amp\n    kind: question\n    title: {en: AMP, ja: AMP}\n"
        "edges:\n  - {source: q_uses_amp, target: nan_source, kind: suggests, strength: 0.5}\n", encoding="utf-8")
    bigger = load_or_raise([extra])
    s = Session(bigger)
    s.answer("yes", "q_uses_amp")
    s.answer("yes", "loss_nan")
    s.save(tmp_path / "s.json")
    back = Session.load(tmp_path / "s.json", kb)  # the graph without the team's node
    assert [e.id for e in back.orphans] == ["q_uses_amp"]
    assert back.state.values["loss_nan"] == "yes" and "q_uses_amp" not in back.state.values
    assert "q_uses_amp" in back.orphan_report()[0]
    back.answer("no", "custom_loss")
    back.save(tmp_path / "s2.json")
    again = Session.load(tmp_path / "s2.json", bigger)  # the node is back: the answer counts again
    assert again.orphans == [] and again.state.values["q_uses_amp"] == "yes"
    assert [e.id for e in again.events] == ["q_uses_amp", "loss_nan", "custom_loss"]


@pytest.mark.parametrize("content, message", [
    ("{not json", r"s.json:1:2: not a valid session file"),
    ('{"version": 1, "events": [{"seq": 1, "id": "loss_nan", "answer": "maybe"}]}', r"events.0.answer"),
    ('{"version": 99, "events": []}', r"version 99 is newer"),
    ("[]", r"not a valid session file"),
    ("", r"s.json:1:1: not a valid session file"),
])
def test_corrupt_session_files_get_one_clear_error(tmp_path, kb, content, message):
    path = tmp_path / "s.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SessionError, match=message):
        Session.load(path, kb)


def test_missing_session_file(tmp_path, kb):
    with pytest.raises(SessionError, match="no such session file"):
        Session.load(tmp_path / "nope.json", kb)
