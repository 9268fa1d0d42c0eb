"""The forward chainer: multi-fact rules, conflict order, quiescence, retraction."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from engine.chaining import CompiledRule, RuleIndex, WorkingMemory


def R(rule_id, conditions, asserts=None, salience=0, order=0):
    return CompiledRule(rule_id, tuple(conditions.items()), tuple((asserts or {}).items()), salience, order)


def test_a_multi_fact_rule_fires_only_when_all_conditions_hold():
    wm = WorkingMemory(RuleIndex([R("r", {"a": "yes", "b": "yes"}, {"c": "yes"})]))
    assert wm.set("a", "yes").fired == []
    assert wm.value("c") is None
    change = wm.set("b", "yes")
    assert change.fired == ["r"] and wm.value("c") == "yes"
    assert change.facts["c"] == (None, "yes")


def test_chains_to_quiescence():
    rules = [R("r1", {"a": "yes"}, {"b": "yes"}), R("r2", {"b": "yes"}, {"c": "yes"}, order=1),
             R("r3", {"c": "yes", "a": "yes"}, {"d": "no"}, order=2)]
    wm = WorkingMemory(RuleIndex(rules))
    change = wm.set("a", "yes")
    assert change.fired == ["r1", "r2", "r3"]
    assert wm.derived() == {"b": "yes", "c": "yes", "d": "no"}
    assert wm.set("a", "yes").fired == [], "setting the same value again changes nothing"


def test_conflict_resolution_salience_then_specificity_then_order():
    rules = [
        R("late", {"x": "yes"}, order=3),
        R("specific", {"x": "yes", "y": "yes"}, order=2),
        R("salient", {"x": "yes"}, salience=5, order=4),
        R("early", {"x": "yes"}, order=1),
    ]
    wm = WorkingMemory(RuleIndex(rules))
    wm.set("y", "yes")
    assert wm.set("x", "yes").fired == ["salient", "specific", "early", "late"]


def test_the_higher_priority_rule_decides_a_contested_fact():
    rules = [R("says_no", {"a": "yes"}, {"f": "no"}, order=0),
             R("says_yes", {"a": "yes"}, {"f": "yes"}, salience=1, order=1)]
    wm = WorkingMemory(RuleIndex(rules))
    wm.set("a", "yes")
    assert wm.value("f") == "yes"
    assert {r.id for r in wm.justification("f")} == {"says_no", "says_yes"}


def test_retraction_withdraws_everything_derived_and_nothing_else():
    rules = [R("r1", {"a": "yes"}, {"b": "yes"}), R("r2", {"b": "yes", "z": "yes"}, {"c": "yes"}, order=1),
             R("other", {"z": "yes"}, {"k": "yes"}, order=2)]
    wm = WorkingMemory(RuleIndex(rules))
    wm.set("z", "yes")
    wm.set("a", "yes")
    assert wm.derived() == {"b": "yes", "c": "yes", "k": "yes"}
    change = wm.set("a", None)  # undo
    assert set(change.retracted) == {"r1", "r2"}
    assert wm.derived() == {"k": "yes"}
    assert [r.id for r in wm.active_rules()] == ["other"]


def test_changing_an_answer_retracts_then_derives_the_new_consequences():
    rules = [R("if_yes", {"a": "yes"}, {"b": "yes"}), R("if_no", {"a": "no"}, {"b": "no"}, order=1),
             R("chain", {"b": "yes"}, {"c": "yes"}, order=2)]
    wm = WorkingMemory(RuleIndex(rules))
    wm.set("a", "yes")
    assert wm.derived() == {"b": "yes", "c": "yes"}
    change = wm.set("a", "no")
    assert set(change.retracted) == {"if_yes", "chain"} and change.fired == ["if_no"]
    assert wm.derived() == {"b": "no"}


def test_a_given_value_overrides_a_derived_one_and_the_derivation_returns_after_undo():
    wm = WorkingMemory(RuleIndex([R("r", {"a": "yes"}, {"b": "no"}), R("s", {"b": "no"}, {"c": "yes"}, order=1)]))
    wm.set("a", "yes")
    assert wm.value("c") == "yes"
    wm.set("b", "yes")  # the person says otherwise
    assert wm.value("b") == "yes" and wm.value("c") is None
    wm.set("b", None)
    assert wm.value("b") == "no" and wm.value("c") == "yes"


def test_a_rule_fires_once_while_it_holds_and_again_after_it_stopped():
    wm = WorkingMemory(RuleIndex([R("r", {"a": "yes"}, {"b": "yes"})]))
    assert wm.set("a", "yes").fired == ["r"]
    wm.set("a", "no")
    assert wm.set("a", "yes").fired == ["r"]


@pytest.mark.parametrize("name", ["rb100.json", "rb1000.json"])
def test_matches_the_reference_trace_of_the_synthetic_rule_bases(name):
    """gen_rulebase.py's set-semantics reference: derived facts and fired rules after each answer."""
    rb = json.loads((ROOT / "tests" / "fixtures" / "rulebases" / name).read_text())
    index = RuleIndex(CompiledRule(r["id"], tuple((f, "yes") for f in r["if"]), ((r["then"], "yes"),), order=i)
                      for i, r in enumerate(rb["rules"]))
    wm = WorkingMemory(index)
    inputs = set(rb["inputs"])
    for k, fact in enumerate(rb["answer_order"]):
        wm.set(fact, "yes")
        assert sum(1 for f in wm.values if f not in inputs) == rb["expected"]["derived_after_answer"][k]
        assert len(wm.active) == rb["expected"]["rules_fired_after_answer"][k]
    # and undoing every answer leaves nothing behind
    for fact in reversed(rb["answer_order"]):
        wm.set(fact, None)
    assert wm.values == {} and wm.active == {} and wm.support == {}
