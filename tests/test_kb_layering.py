"""`--knowledge DIR` layers a team's YAML over the shipped graph."""

from __future__ import annotations

import json

from engine.loader import load_knowledge

OVERRIDE = """\
nodes:
  - id: loss_nan
    title: {en: Loss is NaN (team wording), ja: loss が NaN（チーム版）}
  - id: q_uses_amp
    kind: question
    title: {en: Mixed precision, ja: 混合精度}
    ask: {en: Do you train with fp16 / AMP?, ja: fp16 / AMP で学習していますか？}
edges:
  - {source: q_uses_amp, target: nan_source, kind: suggests, strength: 0.5}
  - {source: loss_nan, target: nan_source, kind: suggests, strength: 0.9}
"""


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_override_node_fields_and_add_nodes_and_edges(tmp_path):
    base = load_knowledge().kb
    team = _write(tmp_path / "team", "team.yaml", OVERRIDE)
    result = load_knowledge([team])
    assert [str(p) for p in result.problems] == []
    kb = result.kb
    node = kb.nodes["loss_nan"]
    assert node.title.en == "Loss is NaN (team wording)"
    assert node.ask == base.nodes["loss_nan"].ask, "fields not given are kept from the shipped node"
    assert kb.nodes["q_uses_amp"].kind == "question"
    strengths = [e.strength for e in kb.edges if (e.source, e.target, e.kind) == ("loss_nan", "nan_source", "suggests")]
    assert strengths == [0.9], "an edge with the same source, target and kind replaces the shipped one"
    assert kb.node_locations["loss_nan"].file.endswith("team.yaml")
    assert kb.version != base.version


def test_later_layers_win_and_errors_name_the_layer_file(tmp_path):
    first = _write(tmp_path / "a", "a.yaml", "nodes:\n  - id: loss_nan\n    title: {en: A, ja: A}\n")
    second = _write(tmp_path / "b", "b.yaml", "nodes:\n  - id: loss_nan\n    base_rate: 2\n")
    result = load_knowledge([first, second])
    assert result.kb is None
    [problem] = result.problems
    assert problem.path.endswith("b.yaml") and (problem.line, problem.col) == (3, 16)
    assert "base_rate" in problem.message


def test_override_with_another_kind_replaces_the_node(tmp_path):
    team = _write(tmp_path / "t", "t.yaml", "nodes:\n  - id: small_dataset\n    kind: question\n"
                                           "    title: {en: Small?, ja: 小さい？}\n")
    kb = load_knowledge([team]).kb
    assert kb.nodes["small_dataset"].kind == "question"
    assert kb.nodes["small_dataset"].ask is None


def test_cli_dump_includes_layers(tmp_path, cli):
    team = _write(tmp_path / "team", "team.yaml", OVERRIDE)
    code, out, err = cli("kb", "dump", "--knowledge", str(team))
    assert code == 0, err
    data = json.loads(out)
    assert any(n["id"] == "q_uses_amp" for n in data["nodes"])
    assert data["layers"][-1] == str(team)


def test_dump_refuses_a_broken_layer_with_one_message_per_error(tmp_path, cli):
    team = _write(tmp_path / "team", "team.yaml", "edges:\n  - {source: loss_nan, target: nope, kind: suggests, strength: 0.5}\n")
    code, out, err = cli("kb", "dump", str(team))
    assert code == 1 and out == ""
    assert "team.yaml:2:32: suggests edge loss_nan->nope: unknown id 'nope'" in err
    assert "Traceback" not in err
