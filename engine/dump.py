"""Render the merged knowledge graph as JSON (the `kb dump` contract), Mermaid or Graphviz DOT."""

from __future__ import annotations

import json
from typing import Any

from .knowledge import KnowledgeBase
from .render.mermaid import label as mermaid_label
from .schema import CHECK_KINDS, AssertAction, BoostAction, Edge, Node, RuleOutAction, Text
from .text import inert, json_safe

_EDGE_WEIGHTS = ("strength", "factor", "when")


def _text(value: Text | None) -> dict[str, str | None] | None:
    return None if value is None else {"en": value.en, "ja": value.ja}


def node_json(node: Node, kb: KnowledgeBase) -> dict[str, Any]:
    """One node in the shape PRODUCT.md fixes (plus ask / help / base_rate / prior extras)."""
    is_check = node.kind in CHECK_KINDS
    out: dict[str, Any] = {
        "id": node.id,
        "kind": node.kind,
        "ref": getattr(node, "ref", None),
        "title": _text(node.title),
        "why": _text(getattr(node, "why", None)),
        "check": _text(getattr(node, "check", None)),
        "fix": _text(getattr(node, "fix", None)),
        "ask": _text(getattr(node, "ask", None)),
        "help": _text(getattr(node, "help", None)),
        "snippets": dict(getattr(node, "snippets", {}) or {}),
        "cost": node.cost,  # type: ignore[union-attr]
        "prior": node.prior if is_check else None,  # type: ignore[union-attr]
        "base_rate": None if is_check else node.base_rate,  # type: ignore[union-attr]
        "references": [r.model_dump() for r in getattr(node, "references", [])],
        "tags": list(node.tags),
        "source": str(kb.node_locations[node.id]) if node.id in kb.node_locations else None,
    }
    return out


def edge_json(edge: Edge, kb: KnowledgeBase, index: int) -> dict[str, Any]:
    out: dict[str, Any] = {"source": edge.source, "target": edge.target, "kind": edge.kind}
    for name in _EDGE_WEIGHTS:
        if hasattr(edge, name):
            out[name] = getattr(edge, name)
    out["because"] = _text(edge.because)
    if index < len(kb.edge_locations):
        out["origin"] = str(kb.edge_locations[index])
    return out


def rule_edges(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Each rule drawn as edges from every condition to every action target (kind ``rule``)."""
    out = []
    for rule in kb.rules:
        for action in rule.then:
            if isinstance(action, BoostAction):
                target, extra = action.boost, {"action": "boost", "factor": action.factor}
            elif isinstance(action, RuleOutAction):
                target, extra = action.rule_out, {"action": "rule_out"}
            else:
                assert isinstance(action, AssertAction)
                target, extra = action.assert_, {"action": "assert", "answer": action.answer}
            for cond, answer in rule.if_.items():
                out.append({"source": cond, "target": target, "kind": "rule", "rule": rule.id,
                            "when": answer, **extra})
    return out


def to_json(kb: KnowledgeBase) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...]}`` plus the rules themselves and the graph's version."""
    return {
        "version": kb.version,
        "layers": kb.layers,
        "nodes": [node_json(n, kb) for n in kb.nodes.values()],
        "edges": [edge_json(e, kb, i) for i, e in enumerate(kb.edges)] + rule_edges(kb),
        "rules": [
            {**rule.model_dump(by_alias=True, mode="json"),
             "origin": str(kb.rule_locations[rule.id]) if rule.id in kb.rule_locations else None}
            for rule in kb.rules
        ],
    }


def _label(node: Node, lang: str) -> str:
    ref = getattr(node, "ref", None)
    title = node.title.get(lang)
    return f"{ref} {title}" if ref else title


def _mermaid_text(text: str) -> str:
    """Mermaid label text, the same as the report's flowchart writes it: every character Mermaid
    could read as syntax as an entity code, control characters made visible, on one line, never cut."""
    return mermaid_label(text, limit=None)


_MERMAID_SHAPES = {"symptom": ('(["', '"])'), "context": ('["', '"]'), "question": ('{{"', '"}}'),
                   "reason": ('["', '"]'), "strategy": ('[["', '"]]')}
_ARROWS = {"suggests": "-->", "rules_out": "-.-x", "weakens": "-.->", "refines": "==>",
           "leads_to": "-->", "rule": "-->"}


def to_mermaid(kb: KnowledgeBase, lang: str = "en") -> str:
    """A Mermaid flowchart; ids are validated snake_case, so they are safe as Mermaid ids."""
    lines = ["flowchart LR"]
    for node in kb.nodes.values():
        left, right = _MERMAID_SHAPES[node.kind]
        lines.append(f"  {node.id}{left}{_mermaid_text(_label(node, lang))}{right}")
    for edge in kb.edges:
        label = edge.kind
        if hasattr(edge, "strength"):
            label += f" {edge.strength:g}"  # type: ignore[union-attr]
        elif hasattr(edge, "factor"):
            label += f" x{edge.factor:g}"  # type: ignore[union-attr]
        if getattr(edge, "when", None) and edge.kind != "suggests":
            label += f" if {edge.when}"  # type: ignore[union-attr]
        lines.append(f'  {edge.source} {_ARROWS[edge.kind]}|"{_mermaid_text(label)}"| {edge.target}')
    for edge in rule_edges(kb):
        label = f"rule {edge['rule']}"
        lines.append(f'  {edge["source"]} {_ARROWS["rule"]}|"{_mermaid_text(label)}"| {edge["target"]}')
    for kind in ("symptom", "context", "question", "reason", "strategy"):
        lines.append(f"  classDef {kind} {_CLASS_STYLES[kind]}")
        members = [n.id for n in kb.nodes.values() if n.kind == kind]
        if members:
            lines.append(f"  class {','.join(members)} {kind}")
    return "\n".join(lines) + "\n"


_CLASS_STYLES = {"symptom": "fill:#fde2e2,stroke:#c0392b", "context": "fill:#e8f0fe,stroke:#1a73e8",
                 "question": "fill:#fff4d6,stroke:#b7791f", "reason": "fill:#e6f4ea,stroke:#188038",
                 "strategy": "fill:#f1e8fd,stroke:#7b1fa2"}


def _dot_text(text: str) -> str:
    """A quoted DOT string: backslashes and quotes escaped (so ``\\N`` or ``"];`` stay text), line
    breaks as DOT's ``\\n``, control and invisible formatting characters made visible."""
    text = inert(text)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_DOT_SHAPES = {"symptom": "ellipse", "context": "box", "question": "diamond", "reason": "box",
               "strategy": "box3d"}


def to_dot(kb: KnowledgeBase, lang: str = "en") -> str:
    """A Graphviz digraph; every id and label is a quoted DOT string."""
    lines = ["digraph knowledge {", "  rankdir=LR;", '  node [fontname="sans-serif"];']
    for node in kb.nodes.values():
        lines.append(f"  {_dot_text(node.id)} [label={_dot_text(_label(node, lang))}, "
                     f"shape={_DOT_SHAPES[node.kind]}, kind={_dot_text(node.kind)}];")
    for edge in kb.edges:
        attrs = [f"kind={_dot_text(edge.kind)}", f"label={_dot_text(edge.kind)}"]
        for name in _EDGE_WEIGHTS:
            if hasattr(edge, name):
                attrs.append(f"{name}={_dot_text(str(getattr(edge, name)))}")
        if edge.kind in ("rules_out", "weakens"):
            attrs.append("style=dashed")
        lines.append(f"  {_dot_text(edge.source)} -> {_dot_text(edge.target)} [{', '.join(attrs)}];")
    for edge in rule_edges(kb):
        lines.append(f"  {_dot_text(edge['source'])} -> {_dot_text(edge['target'])} "
                     f"[kind=\"rule\", label={_dot_text('rule ' + edge['rule'])}, style=dotted];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(kb: KnowledgeBase, fmt: str, lang: str = "en") -> str:
    if fmt == "json":  # the data exactly; characters that could act on a terminal as \u escapes
        return json_safe(json.dumps(to_json(kb), ensure_ascii=False, indent=2)) + "\n"
    if fmt == "mermaid":
        return to_mermaid(kb, lang)
    if fmt == "dot":
        return to_dot(kb, lang)
    raise ValueError(f"unknown format {fmt!r}")
