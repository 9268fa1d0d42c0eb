"""The report model: what build_report takes from a session, and what it must never do to it."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from conftest import ROOT
from engine.report import SUSPECT_LIMIT, Report, build_report, report_schema
from engine.session import Session, read_session_file

SESSIONS = ROOT / "tests" / "fixtures" / "sessions"


def _state_key(session):
    s = session.state
    return (dict(s.values), s.p.round(12).tolist(), s.choice.node, s.active_rules, session.outcome,
            session.found, [e.model_dump() for e in session.events], [e.model_dump() for e in session.orphans])


def _found_session(kb, model, lang="en"):
    s = Session(kb, model, lang=lang)
    s.answer("yes", "loss_nan", source="log", evidence="loss=nan at step 412")
    s.answer("yes", "nan_early")
    s.answer("no", "custom_loss")
    s.answer("ok", "nan_source")
    s.answer("found", "learning_rate_wrong")
    return s


def test_path_facts_and_found_come_from_the_session(kb, model):
    s = _found_session(kb, model)
    r = build_report(s)
    assert r.outcome == "found" and r.steps == 5
    assert [p.id for p in r.path] == ["loss_nan", "nan_early", "custom_loss", "nan_source", "learning_rate_wrong"]
    assert [p.n for p in r.path] == [1, 2, 3, 4, 5]
    assert [p.answer for p in r.path] == ["yes", "yes", "no", "ok", "found"]
    log = r.path[0]
    assert log.source == "log" and log.evidence == "loss=nan at step 412"
    assert log.asked == kb.nodes["loss_nan"].ask.en and log.title == kb.nodes["loss_nan"].title.en
    assert [f.id for f in r.facts if f.source != "rule"] == ["loss_nan", "nan_early", "custom_loss"]
    assert r.facts[0].source == "log" and r.facts[0].evidence == "loss=nan at step 412"
    node = kb.nodes["learning_rate_wrong"]
    assert r.found is not None and r.found.id == "learning_rate_wrong" and r.found.ref == "4.10"
    assert r.found.fix == node.fix.en and r.found.check == node.check.en and r.found.why == node.why.en
    assert r.found.snippet is not None and r.found.snippet.framework == "pytorch"
    assert r.found.snippet.code == node.snippets["pytorch"]
    assert [x.url for x in r.found.references] == [x.url for x in node.references]
    assert r.created == s.created and r.last_answer == max(e.at for e in s.events)


def test_derived_facts_name_the_rules_behind_them(kb, model):
    s = Session(kb, model)
    s.answer("no", "finetuning_pretrained")
    r = build_report(s)
    derived = [f for f in r.facts if f.source == "rule"]
    assert derived, "not fine-tuning settles the pretrained questions"
    assert {f.id for f in derived} == set(s.memory.derived())
    for fact in derived:
        assert fact.rules and all(rule in {x.id for x in kb.rules} for rule in fact.rules)
        assert fact.answer == s.state.values[fact.id]


def test_revised_answers_are_marked_with_what_they_were(kb, model):
    s = Session(kb, model)
    s.answer("yes", "loss_nan")
    s.answer("no", "custom_loss")
    s.answer("unknown", "loss_nan")
    s.answer("no", "loss_nan")
    r = build_report(s)
    assert [p.id for p in r.path] == ["loss_nan", "custom_loss"], "kept where first answered"
    first = r.path[0]
    assert first.revised and first.answer == "no" and first.previous == ["yes", "unknown"]
    assert first.seq == 4, "the answer that counts is the latest"
    assert not r.path[1].revised and r.path[1].previous == []
    assert r.steps == 4


def test_suspects_are_ranked_explained_and_exclude_the_found_one(kb, model):
    s = _found_session(kb, model)
    r = build_report(s)
    assert all(x.id != "learning_rate_wrong" for x in r.suspects)
    assert all(x.id != "nan_source" for x in r.suspects), "a check answered ok is not a suspect"
    expected = [x.id for x in s.state.ranked if x.id != "learning_rate_wrong"]
    assert [x.id for x in r.suspects] == expected[:SUSPECT_LIMIT]
    assert r.more_suspects == len(expected) - SUSPECT_LIMIT
    assert [x.rank for x in r.suspects] == list(range(1, len(r.suspects) + 1))
    scores = [x.score for x in r.suspects]
    assert scores == sorted(scores, reverse=True)
    for x in r.suspects:  # the shown arithmetic reproduces the score ratios (explain_suspect's HOW)
        assert x.explanation.startswith("prior ")
        value = x.prior
        for f in x.factors:
            value *= f.factor
        for rule in x.rules:
            value *= rule.factor
        top = r.suspects[0]
        top_value = top.prior
        for f in top.factors:
            top_value *= f.factor
        for rule in top.rules:
            top_value *= rule.factor
        assert value / top_value == pytest.approx(x.score / top.score, rel=1e-2)  # 4-decimal rounding
    nan_factor = next(f for f in r.suspects[0].factors if f.node == "loss_nan")
    assert nan_factor.source == "log" and nan_factor.edge == "suggests" and nan_factor.because


def test_ruled_out_reasons_say_what_excluded_them(kb, model):
    s = Session(kb, model)
    s.answer("no", "custom_loss")
    r = build_report(s)
    out = {x.id: x for x in r.ruled_out}
    assert "loss_function_bug" in out and "custom_loss=no" in out["loss_function_bug"].by
    assert all(x.id not in out for x in r.suspects)


def test_next_steps_after_found_are_read_from_a_copy_where_the_fix_failed(kb, model):
    s = _found_session(kb, model)
    before = _state_key(s)
    r = build_report(s)
    assert _state_key(s) == before, "the caller's session is untouched"
    assert r.next.basis == "if_fix_fails"
    twin = Session(kb, model)
    for e in s.events:
        twin.answer(e.answer, e.id, source=e.source, evidence=e.evidence)
    twin.answer("ok", "learning_rate_wrong")
    assert r.next.ask is not None and r.next.ask.id == twin.pending
    assert [c.id for c in r.next.checks] == [c.node for c in twin.state.choice.checks][:3]
    assert all(c.id != "learning_rate_wrong" for c in r.next.checks)
    effs = [c.efficiency for c in r.next.checks]
    assert effs == sorted(effs, reverse=True)
    assert r.next.why


def test_next_steps_of_a_stopped_session_are_where_it_stood(kb, model):
    s = Session(kb, model)
    s.answer("yes", "loss_nan")
    s.quit()
    r = build_report(s)
    assert r.outcome == "quit" and r.found is None and r.next.basis == "current"
    assert r.next.ask is not None and r.next.ask.id == s.state.choice.node
    assert [c.id for c in r.next.checks] == [c.node for c in s.state.choice.checks][:3]


def test_an_exhausted_session(kb, model):
    s = Session(kb, model)
    s.answer("yes", "loss_nan")
    for check in kb.checks:
        s.answer("ok", check.id)
    assert s.finish_if_exhausted() and s.outcome == "exhausted"
    r = build_report(s)
    assert r.outcome == "exhausted" and r.next.ask is None and r.next.checks == [] and r.suspects == []
    assert r.unexplained == pytest.approx(1.0)


def test_outcome_of_a_loaded_session_comes_from_its_file(kb, model):
    data = read_session_file(SESSIONS / "quit-revised.json")
    s = Session.from_file(data, kb, model)
    assert s.outcome is None, "loading does not restore quit"
    assert build_report(s, saved=data).outcome == "quit"
    assert build_report(s).outcome == "open"
    assert build_report(Session(kb, model)).outcome == "open"


def test_orphans_and_knowledge_versions_are_reported(kb, model):
    data = read_session_file(SESSIONS / "quit-revised.json")
    s = Session.from_file(data, kb, model)
    r = build_report(s, saved=data)
    assert [(o.id, o.answer) for o in r.orphans] == [("q_uses_mixed_precision", "yes")]
    assert r.updated == data.updated and r.created == data.created
    assert r.knowledge.version == data.knowledge_version and r.knowledge.rendered_with == kb.version
    assert r.knowledge.same == (data.knowledge_version == kb.version)
    older = data.model_copy(update={"knowledge_version": "000000000000"})
    r2 = build_report(s, saved=older)
    assert r2.knowledge.version == "000000000000" and not r2.knowledge.same


def test_language_override_renders_japanese_without_touching_the_session(kb, model):
    s = _found_session(kb, model)
    before = _state_key(s)
    r = build_report(s, lang="ja")
    assert _state_key(s) == before and s.lang == "en"
    assert r.lang == "ja"
    assert r.found.title == kb.nodes["learning_rate_wrong"].title.ja
    assert r.path[0].asked == kb.nodes["loss_nan"].ask.ja
    assert re.search(r"[\u3040-\u30ff]", r.suspects[0].explanation), "explanations in Japanese too"
    assert build_report(s, lang="en").model_dump() == build_report(s).model_dump()


def test_snippet_is_for_the_sessions_framework(kb, model):
    s = Session(kb, model, framework="keras")
    s.answer("found", "learning_rate_wrong")
    assert build_report(s).found.snippet.code == kb.nodes["learning_rate_wrong"].snippets["keras"]
    s2 = Session(kb, model, framework="no-such-framework")
    s2.answer("found", "learning_rate_wrong")
    assert build_report(s2).found.snippet is None


def test_no_clock_is_read(kb, model, monkeypatch):
    """The same session file gives the same report at any time."""
    import engine.session

    data = read_session_file(SESSIONS / "found-from-log.json")
    first = build_report(Session.from_file(data, kb, model), saved=data).model_dump_json()
    monkeypatch.setattr(engine.session, "_now", lambda: "2099-01-01T00:00:00+00:00")
    second = build_report(Session.from_file(data, kb, model), saved=data).model_dump_json()
    assert first == second
    assert "2099" not in second


def test_report_validates_against_its_published_schema(kb, model):
    schema = report_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    for name in ("found-from-log", "quit-revised", "open-empty"):
        data = read_session_file(SESSIONS / f"{name}.json")
        report = build_report(Session.from_file(data, kb, model), saved=data)
        jsonschema.validate(json.loads(report.model_dump_json()), schema)
    with pytest.raises(jsonschema.ValidationError):
        bad = json.loads(report.model_dump_json())
        bad["outcome"] = "maybe"
        jsonschema.validate(bad, schema)


def test_report_round_trips_through_json(kb, model):
    r = build_report(_found_session(kb, model))
    assert Report.model_validate_json(r.model_dump_json()) == r
    assert r.version == 1


def test_docs_describe_every_object_and_field_of_the_schema():
    """docs/report-schema.md has a section per object of the schema naming each of its fields."""
    doc = (ROOT / "docs" / "report-schema.md").read_text(encoding="utf-8")
    sections = {part.split("\n", 1)[0].strip(): part for part in doc.split("\n### ")[1:]}
    schema = report_schema()
    missing = []
    for name, definition in [("Report", schema), *schema["$defs"].items()]:
        section = sections.get(name)
        if section is None:
            missing.append(name)
            continue
        missing += [f"{name}.{field}" for field in definition.get("properties", {}) if f"`{field}`" not in section]
    assert not missing, f"docs/report-schema.md does not describe: {missing}"
    assert "nn-triage report --schema" in doc and "version" in doc


def test_render_report_is_build_then_render(kb, model):
    from engine.render import render, render_report

    s = _found_session(kb, model)
    before = _state_key(s)
    for fmt in ("md", "html", "json"):
        assert render_report(s, fmt) == render(build_report(s), fmt)
    assert render_report(s, "md", lang="ja") == render(build_report(s, lang="ja"), "md")
    assert _state_key(s) == before
