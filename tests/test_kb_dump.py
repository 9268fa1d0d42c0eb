"""`kb dump` (JSON contract, Mermaid, DOT) and `kb schema`."""

from __future__ import annotations

import json
import re

import yaml

from conftest import ROOT
from engine.loader import load_knowledge
from engine.schema import json_schema

VOCAB = yaml.safe_load((ROOT / "knowledge" / "vocabulary.yaml").read_text(encoding="utf-8"))
TEXT_KEYS = ("title", "why", "check", "fix")


def _dump(cli, *args):
    code, out, err = cli("kb", "dump", *args)
    assert code == 0, err
    return out


def test_json_has_the_contract_shape(cli):
    data = json.loads(_dump(cli, "--format", "json"))
    assert set(data) >= {"nodes", "edges"}
    for node in data["nodes"]:
        assert {"id", "kind", "ref", "title", "why", "check", "fix", "snippets", "cost", "source"} <= set(node)
        assert node["kind"] in ("symptom", "context", "question", "reason", "strategy")
        assert set(node["title"]) == {"en", "ja"}
        assert isinstance(node["snippets"], dict)
        assert node["cost"] > 0
        file, line = node["source"].rsplit(":", 1)
        assert file.endswith(".yaml") and int(line) >= 1
        if node["kind"] in ("reason", "strategy"):
            assert node["ref"]
        else:
            assert node["ref"] is None and node["why"] is None and node["fix"] is None
    ids = {n["id"] for n in data["nodes"]}
    for edge in data["edges"]:
        assert {"source", "target", "kind"} <= set(edge)
        assert edge["source"] in ids and edge["target"] in ids
        if edge["kind"] == "suggests":
            assert 0 < edge["strength"] <= 1


def test_every_vocabulary_id_and_ref_is_present_with_the_right_kind(cli):
    data = json.loads(_dump(cli))
    by_id = {n["id"]: n for n in data["nodes"]}
    by_ref = {n["ref"]: n for n in data["nodes"] if n["ref"]}
    for ref in VOCAB["reasons"]:
        assert by_ref[ref]["kind"] == "reason", ref
    for ref in VOCAB["strategies"]:
        assert by_ref[ref]["kind"] == "strategy", ref
    for ident in VOCAB["symptoms"]:
        assert by_id[ident]["kind"] == "symptom", ident
    for ident in VOCAB["context"]:
        assert by_id[ident]["kind"] in ("context", "question"), ident
    assert len(VOCAB["reasons"]) == 37 and len(VOCAB["strategies"]) == 7


def test_every_reason_has_english_and_japanese_text_and_code(cli):
    data = json.loads(_dump(cli))
    checks = [n for n in data["nodes"] if n["kind"] in ("reason", "strategy")]
    assert len(checks) >= 44
    for node in checks:
        for key in TEXT_KEYS:
            for lang in ("en", "ja"):
                assert (node[key][lang] or "").strip(), f"{node['id']}.{key}.{lang}"
        assert node["prior"] and 0 < node["prior"] < 1
    reasons = [n for n in checks if n["kind"] == "reason"]
    with_code = [n for n in reasons if {"pytorch", "keras"} <= set(n["snippets"])]
    assert len(with_code) >= 30, "most reasons carry PyTorch and Keras snippets"


def test_japanese_text_is_japanese():
    kb = load_knowledge().kb
    for node in kb.nodes.values():
        ja = node.title.ja or ""
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in ja), node.id


def test_references_for_large_batches():
    kb = load_knowledge().kb
    urls = " ".join(r.url or "" for r in kb.by_ref["1.11"].references)
    assert "1609.04836" in urls


def test_priors_are_a_distribution_roughly():
    kb = load_knowledge().kb
    total = sum(n.prior for n in kb.checks)
    assert 0.6 <= total <= 1.4, total


def test_mermaid_and_dot_quote_hostile_titles(tmp_path, cli):
    (tmp_path / "evil.yaml").write_text(
        'nodes:\n  - id: loss_nan\n    title: {en: \'Evil "]) --> x[<script>alert(1)</script>] | ;\', ja: x}\n',
        encoding="utf-8")
    mermaid = _dump(cli, "--format", "mermaid", str(tmp_path))
    line = next(l for l in mermaid.splitlines() if l.strip().startswith("loss_nan(["))
    assert "<script>" not in line and '"])' not in line[len('  loss_nan(["'):-3]
    assert "#lt;script#gt;" in line and "#quot;" in line
    dot = _dump(cli, "--format", "dot", str(tmp_path))
    line = next(l for l in dot.splitlines() if l.strip().startswith('"loss_nan" [label='))
    assert 'label="Evil \\"]) --> x[<script>alert(1)</script>] | ;"' in line


def test_mermaid_draws_every_node_and_edge(cli):
    data = json.loads(_dump(cli))
    mermaid = _dump(cli, "--format", "mermaid", "--lang", "ja")
    assert mermaid.startswith("flowchart LR\n")
    for node in data["nodes"]:
        assert f"  {node['id']}" in mermaid
    plain = [e for e in data["edges"] if e["kind"] != "rule"]
    arrows = [l for l in mermaid.splitlines() if re.match(r'^  \w+ (-->|-\.-x|-\.->|==>)\|"', l)]
    assert len(arrows) == len(data["edges"]) >= len(plain)


def test_schema_file_is_generated_from_the_models():
    committed = json.loads((ROOT / "knowledge" / "schema" / "knowledge.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "run: nn-triage kb schema -o knowledge/schema/knowledge.schema.json"


def test_every_shipped_file_points_editors_at_the_schema():
    for path in (ROOT / "knowledge" / "graph").glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/knowledge.schema.json", path.name


def test_shipped_files_validate_against_the_published_schema():
    """What an editor with yaml-language-server checks must agree with the loader."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(json_schema())
    for path in sorted((ROOT / "knowledge" / "graph").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], path.name


def test_schema_rejects_what_the_loader_rejects():
    import jsonschema

    validator = jsonschema.Draft202012Validator(json_schema())
    bad = {"nodes": [{"id": "x", "kind": "reason", "title": {"en": "t"}, "prio": 1}]}
    assert list(validator.iter_errors(bad))


def test_no_folded_line_break_splits_japanese_text():
    """In a folded block (`>`), a line break becomes a space: between two Japanese characters that
    is a visible typo, so Japanese paragraphs must not be wrapped mid-phrase."""
    cjk = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
    for path in sorted((ROOT / "knowledge" / "graph").glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        folded_indent = None
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            indent = len(line) - len(line.lstrip())
            if folded_indent is not None and stripped and indent <= folded_indent:
                folded_indent = None
            if re.match(r"^\s*ja:\s*>-?\s*$", line):
                folded_indent = indent
                continue
            if folded_indent is not None and stripped and number < len(lines):
                following = lines[number].strip()
                if following and cjk.match(stripped[-1]) and cjk.match(following[0]):
                    raise AssertionError(f"{path.name}:{number}: folded line break inside Japanese text")
