"""The merged, validated knowledge graph: nodes, edges and rules with where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from .schema import CHECK_KINDS, FACT_KINDS, CheckNode, Edge, FactNode, Node, Rule


@dataclass(frozen=True)
class Location:
    """Where an item was written: file (as shown to the user), 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class KnowledgeBase:
    """Everything the engine reasons over. Built by :func:`engine.loader.load_knowledge`."""

    nodes: dict[str, Node]
    edges: list[Edge]
    rules: list[Rule]
    node_locations: dict[str, Location] = field(default_factory=dict)
    edge_locations: list[Location] = field(default_factory=list)
    rule_locations: dict[str, Location] = field(default_factory=dict)
    layers: list[str] = field(default_factory=list)
    """The folders (or files) layered to make this graph, shipped first."""
    files: list[str] = field(default_factory=list)
    version: str = ""
    """A short hash of every file's name and content: two graphs with the same version are identical."""

    @cached_property
    def by_ref(self) -> dict[str, CheckNode]:
        return {n.ref: n for n in self.nodes.values() if n.kind in CHECK_KINDS}  # type: ignore[union-attr]

    @cached_property
    def checks(self) -> list[CheckNode]:
        """Reasons and strategies, in file order."""
        return [n for n in self.nodes.values() if n.kind in CHECK_KINDS]  # type: ignore[misc]

    @cached_property
    def facts(self) -> list[FactNode]:
        """Symptoms, context facts and questions, in file order."""
        return [n for n in self.nodes.values() if n.kind in FACT_KINDS]  # type: ignore[misc]

    def edges_from(self, node_id: str) -> list[Edge]:
        return self._edges_from.get(node_id, [])

    def edges_to(self, node_id: str) -> list[Edge]:
        return self._edges_to.get(node_id, [])

    @cached_property
    def _edges_from(self) -> dict[str, list[Edge]]:
        index: dict[str, list[Edge]] = {}
        for edge in self.edges:
            index.setdefault(edge.source, []).append(edge)
        return index

    @cached_property
    def _edges_to(self) -> dict[str, list[Edge]]:
        index: dict[str, list[Edge]] = {}
        for edge in self.edges:
            index.setdefault(edge.target, []).append(edge)
        return index

    def counts(self) -> dict[str, int]:
        """How many of each kind of node, plus edges, rules and files."""
        out: dict[str, int] = {}
        for node in self.nodes.values():
            out[node.kind] = out.get(node.kind, 0) + 1
        out.update(edges=len(self.edges), rules=len(self.rules), files=len(self.files))
        return out
