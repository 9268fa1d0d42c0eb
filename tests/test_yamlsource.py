"""The safe YAML reader: positions, YAML 1.1 words, refusals."""

from __future__ import annotations

import pytest

from engine.yamlsource import MAX_DEPTH, YamlError, parse_yaml


def test_positions_are_one_based_for_values_and_keys():
    doc = parse_yaml("nodes:\n  - id: a\n    title: {en: x, ja: y}\n", "f.yaml")
    assert doc.positions[("nodes", 0, "id")] == (2, 9)
    assert doc.key_positions[("nodes", 0, "title")] == (3, 5)
    assert doc.positions[("nodes", 0, "title", "ja")] == (3, 24)
    assert doc.position(("nodes", 0, "missing")) == (2, 5), "falls back to the nearest ancestor"


def test_yes_and_no_stay_strings_but_numbers_and_true_are_typed():
    doc = parse_yaml("a: no\nb: yes\nc: On\nd: 3\ne: 0.25\nf: true\ng: null\nh: 2024-01-01\n")
    assert doc.data == {"a": "no", "b": "yes", "c": "On", "d": 3, "e": 0.25, "f": True, "g": None,
                        "h": "2024-01-01"}


@pytest.mark.parametrize("text, where, words", [
    ("a: 1\na: 2\n", (2, 1), "duplicate key 'a'"),
    ("a: &x [1]\nb: *x\n", (1, 4), "anchors and aliases"),
    ("a: !!python/name:os.system\n", (1, 4), "is not allowed"),
    ("a: !custom 1\n", (1, 4), "is not allowed"),
    ("--- 1\n--- 2\n", (2, 1), "one YAML document"),
    ("{[1]: 2}\n", (1, 2), "mapping key must be a plain value"),
    ("a: 'open\n", (2, 1), "malformed YAML"),
    ("\x07bell: 1\n", (1, 1), "malformed YAML"),
])
def test_refusals_name_the_position(text, where, words):
    with pytest.raises(YamlError) as info:
        parse_yaml(text, "k.yaml")
    assert (info.value.line, info.value.col) == where
    assert words in info.value.message
    assert str(info.value).startswith(f"k.yaml:{where[0]}:{where[1]}: ")


def test_deep_nesting_stops_at_the_limit_instead_of_crashing():
    # PyYAML's own C composer segfaults around 100,000 levels; we stop at MAX_DEPTH (libyaml >= 0.2.5
    # as bundled with PyYAML 6.0.4 may stop its scanner first, at 1,000 levels: either is a clean error).
    with pytest.raises(YamlError) as info:
        parse_yaml("[" * 200_000 + "]" * 200_000)
    assert "nesting" in info.value.message
    assert info.value.col in (MAX_DEPTH + 1, 1001)
    with pytest.raises(YamlError) as info:
        parse_yaml("[" * 500 + "]" * 500)
    assert info.value.col == MAX_DEPTH + 1


def test_empty_document_is_none():
    assert parse_yaml("").data is None
    assert parse_yaml("# only a comment\n").data is None
