"""Load knowledge folders, layer them, validate every item, and build a :class:`KnowledgeBase`.

Layering: the shipped graph comes first, then each ``--knowledge DIR`` in order. A node whose id
already exists overrides it field by field (a node with another ``kind`` replaces it whole); an
edge with the same (source, target, kind) and a rule with the same id replace the earlier one.
Inside one layer a repeated id is an error. Validation runs on the merged result, and every
problem names the file, line and column that caused it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from .knowledge import KnowledgeBase, Location
from .problems import KnowledgeError, Problem, Severity, did_you_mean
from .schema import EDGE_KINDS, NODE_KINDS, Edge, KnowledgeFile, Node, Rule
from .yamlsource import YamlDocument, YamlError, load_yaml_file, parse_yaml

_NODE = TypeAdapter(Node)
_EDGE = TypeAdapter(Edge)
_RULE = TypeAdapter(Rule)
_TOP_KEYS = tuple(KnowledgeFile.model_fields)
_KNOWN_FIELDS = sorted({name for cls in (*Node.__args__[0].__args__, *Edge.__args__[0].__args__, Rule)  # type: ignore[attr-defined]
                        for name in (f.alias or n for n, f in cls.model_fields.items())} | {"if", "assert"})
_SCALARS = (str, int, float, bool, type(None))
_TAGS = set(NODE_KINDS) | set(EDGE_KINDS) | {"boost", "rule_out", "assert"}


@dataclass
class Item:
    """One raw entry (node, edge or rule) and where its fields were written."""

    raw: dict[str, Any]
    doc: YamlDocument
    path: tuple[str | int, ...]
    layer: int
    field_origins: dict[str, tuple[YamlDocument, tuple[str | int, ...]]] = field(default_factory=dict)

    def position(self, loc: tuple[str | int, ...] = (), *, key: bool = False) -> tuple[str, int, int]:
        """File, line and column of ``loc`` inside this item (a field, or a path into one)."""
        doc, base = self.doc, self.path
        if loc and isinstance(loc[0], str) and loc[0] in self.field_origins:
            doc, base = self.field_origins[loc[0]]
        line, col = doc.position((*base, *loc), key=key)
        return doc.path, line, col

    def location(self) -> Location:
        return Location(*self.position())


@dataclass
class LoadResult:
    """A knowledge base (None when an error made it unusable) and every problem found."""

    kb: KnowledgeBase | None
    problems: list[Problem]
    node_items: dict[str, Item] = field(default_factory=dict)
    edge_items: list[Item] = field(default_factory=list)
    rule_items: dict[str, Item] = field(default_factory=dict)
    declared_ids: set[str] = field(default_factory=set)
    """Every node id written, valid or not (so an invalid node does not also count as unknown)."""
    declared_refs: set[str] = field(default_factory=set)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.ERROR]


def display_path(path: Path) -> str:
    """How a file is named in messages: relative to the working folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def knowledge_files(folder: Path) -> list[Path]:
    """The YAML files of one layer, in a stable order (a single file is a layer of one)."""
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _friendly(error: dict[str, Any], item_loc: tuple) -> str:
    kind, loc, msg = error["type"], item_loc, error["msg"]
    where = ".".join(str(p) for p in loc)
    prefix = f"{where}: " if where else ""
    if kind == "missing":
        return f"missing required field {where!r}"
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        return f"unknown key {name!r}{did_you_mean(name, _KNOWN_FIELDS)}"
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag", "?")
        return (f"{prefix}unknown kind {tag!r}{did_you_mean(str(tag), NODE_KINDS + EDGE_KINDS)}; "
                f"expected one of {error.get('ctx', {}).get('expected_tags', '')}")
    if kind == "union_tag_not_found":
        return f"{prefix}missing field 'kind'"
    if kind == "string_pattern_mismatch" and loc and loc[-1] in ("id", "source", "target", "boost",
                                                                     "rule_out", "assert"):
        return f"{prefix}{error.get('input')!r} is not a valid id: use snake_case (a-z, 0-9, _), starting with a letter"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{prefix}expected a mapping (key: value), got {type(error.get('input')).__name__}"
    if kind == "list_type":
        return f"{prefix}expected a list, got {type(error.get('input')).__name__}"
    return f"{prefix}{msg[:1].lower()}{msg[1:]}"


def _data_loc(raw: Any, loc: tuple) -> tuple:
    """Drop the discriminator tags pydantic puts into error locations (``('reason', 'prior')``)."""
    out: list[Any] = []
    cur = raw
    for part in loc:
        if isinstance(cur, dict) and part not in cur and part in _TAGS and not out[-1:] == ["if"]:
            continue
        out.append(part)
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            cur = cur[part]
        else:
            cur = None
    return tuple(out)


def _validate(adapter: TypeAdapter, item: Item, what: str, problems: list[Problem]) -> Any:
    try:
        return adapter.validate_python(item.raw)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = _data_loc(item.raw, tuple(error["loc"]))
            key = error["type"] == "extra_forbidden"
            path, line, col = item.position(loc, key=key)
            problems.append(Problem(path, line, col, f"{what}: {_friendly(error, loc)}"))
        return None


def _what(kind: str, raw: dict) -> str:
    if kind == "node":
        return f"node {raw.get('id')!r}" if isinstance(raw.get("id"), str) else "node"
    if kind == "rule":
        return f"rule {raw.get('id')!r}" if isinstance(raw.get("id"), str) else "rule"
    src, tgt = raw.get("source"), raw.get("target")
    return f"edge {src}->{tgt}" if isinstance(src, str) and isinstance(tgt, str) else "edge"


def _read_layer(folder: Path, layer: int, problems: list[Problem], docs: list[YamlDocument],
                contents: list[bytes], overrides: dict[Path, str]) -> Iterable[tuple[str, Item]]:
    if not folder.exists():
        problems.append(Problem(display_path(folder), 1, 1, "no such knowledge folder or file", code="io"))
        return
    for file in knowledge_files(folder):
        shown = display_path(file)
        text = overrides.get(file.resolve()) if overrides else None
        try:
            doc = load_yaml_file(file, shown) if text is None else parse_yaml(text, shown)
        except YamlError as exc:
            problems.append(Problem(exc.path, exc.line, exc.col, exc.message, code="yaml"))
            continue
        docs.append(doc)
        raw = file.read_bytes() if text is None else text.encode("utf-8")
        # The version hashes names relative to their layer, so it does not depend on the folder
        # the program runs in.
        name = file.name if folder.is_file() else file.relative_to(folder).as_posix()
        contents.append(f"{layer}:{name}".encode() + b"\0" + raw)
        data = doc.data
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(Problem(shown, *doc.position(()),
                                    "a knowledge file is a mapping with the keys nodes, edges and rules"))
            continue
        for key, value in data.items():
            if key not in _TOP_KEYS:
                problems.append(Problem(shown, *doc.position((key,), key=True),
                                        f"unknown top-level key {key!r}{did_you_mean(str(key), _TOP_KEYS)}; "
                                        "expected nodes, edges or rules"))
                continue
            if value is None:
                continue
            if not isinstance(value, list):
                problems.append(Problem(shown, *doc.position((key,)), f"{key}: expected a list"))
                continue
            for index, raw in enumerate(value):
                path = (key, index)
                if not isinstance(raw, dict):
                    problems.append(Problem(shown, *doc.position(path),
                                            f"{key}: each entry is a mapping (key: value)"))
                    continue
                yield key, Item(raw, doc, path, layer)


def _edge_key(raw: dict) -> tuple:
    return (raw.get("source"), raw.get("target"), raw.get("kind"))


def load_knowledge(extra: Iterable[Path] = (), *, shipped: bool = True, check: bool = True,
                   overrides: dict[Path, str] | None = None) -> LoadResult:
    """Load the shipped graph (unless ``shipped`` is False) with ``extra`` folders layered over it.

    Returns every problem found; ``result.kb`` is None when an error makes the graph unusable.
    With ``check`` the graph checks of :mod:`engine.checks` run too (they need networkx).
    ``overrides`` maps a file to the text to validate in its place (an unsaved edit); the file on
    disk is not read.
    """
    overrides = {Path(k).resolve(): v for k, v in (overrides or {}).items()}
    from knowledge import graph_dir

    layers = ([graph_dir()] if shipped else []) + [Path(p) for p in extra]
    problems: list[Problem] = []
    docs: list[YamlDocument] = []
    contents: list[bytes] = []
    nodes: dict[str, Item] = {}
    edges: dict[tuple, Item] = {}
    rules: dict[str, Item] = {}
    anonymous: list[tuple[str, Item]] = []  # entries without a usable id: validated for their errors

    for layer, folder in enumerate(layers):
        for key, item in _read_layer(folder, layer, problems, docs, contents, overrides):
            raw = item.raw
            if key == "edges":
                ident: Any = _edge_key(raw)
                table: dict = edges
                if not all(isinstance(part, _SCALARS) for part in ident):
                    anonymous.append((key, item))  # a mapping or list as an id: only its errors matter
                    continue
            else:
                ident = raw.get("id")
                table = nodes if key == "nodes" else rules
                if not isinstance(ident, str):
                    anonymous.append((key, item))
                    continue
            old = table.get(ident)
            if old is None:
                item.field_origins = {k: (item.doc, item.path) for k in raw}
                table[ident] = item
                continue
            if old.layer == layer:
                what = {"nodes": f"id {ident!r}", "rules": f"rule id {ident!r}",
                        "edges": f"edge {ident[0]}->{ident[1]} ({ident[2]})"}[key]
                path, line, col = item.position()
                problems.append(Problem(path, line, col,
                                        f"duplicate {what}: first defined at {old.location()}", code="duplicate"))
                continue
            if key == "nodes" and "kind" in raw and raw["kind"] != old.raw.get("kind"):
                merged_raw, origins = dict(raw), {k: (item.doc, item.path) for k in raw}
            else:  # override field by field
                merged_raw = {**old.raw, **raw}
                origins = {**old.field_origins, **{k: (item.doc, item.path) for k in raw}}
            table[ident] = Item(merged_raw, item.doc, item.path, layer, origins)

    valid_nodes: dict[str, Node] = {}
    for ident, item in nodes.items():
        node = _validate(_NODE, item, f"node {ident!r}", problems)
        if node is not None:
            valid_nodes[ident] = node
    valid_edges: list[Edge] = []
    edge_items: list[Item] = []
    for item in edges.values():
        edge = _validate(_EDGE, item, _what("edge", item.raw), problems)
        if edge is not None:
            valid_edges.append(edge)
            edge_items.append(item)
    valid_rules: list[Rule] = []
    for ident, item in rules.items():
        rule = _validate(_RULE, item, f"rule {ident!r}", problems)
        if rule is not None:
            valid_rules.append(rule)
    for key, item in anonymous:
        adapter = {"nodes": _NODE, "rules": _RULE, "edges": _EDGE}[key]
        if _validate(adapter, item, _what(key[:-1], item.raw), problems) is not None:  # pragma: no cover
            raise AssertionError("an entry without an id passed validation")

    kb = KnowledgeBase(
        nodes=valid_nodes, edges=valid_edges, rules=valid_rules,
        node_locations={i: nodes[i].location() for i in valid_nodes},
        edge_locations=[i.location() for i in edge_items],
        rule_locations={r.id: rules[r.id].location() for r in valid_rules},
        layers=[display_path(p) for p in layers], files=[d.path for d in docs],
        version=hashlib.sha256(b"\n".join(contents)).hexdigest()[:12],
    )
    result = LoadResult(kb, problems, {i: nodes[i] for i in valid_nodes}, edge_items,
                        {r.id: rules[r.id] for r in valid_rules}, set(nodes),
                        {str(i.raw["ref"]) for i in nodes.values() if "ref" in i.raw})
    if check:
        from .checks import check_graph

        problems.extend(check_graph(result))
    if result.errors:
        result.kb = None
    return result


def load_or_raise(extra: Iterable[Path] = (), *, shipped: bool = True) -> KnowledgeBase:
    """The knowledge base, or :class:`KnowledgeError` listing the errors (warnings are ignored)."""
    result = load_knowledge(extra, shipped=shipped)
    if result.kb is None:
        raise KnowledgeError(result.errors)
    return result.kb
