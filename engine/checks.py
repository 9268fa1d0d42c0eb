"""Graph checks over a merged knowledge base: references, edge kinds, cycles, reachability,
translations and the vocabulary contract. Schema checks happen earlier, in :mod:`engine.loader`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

import networkx as nx

from .problems import Problem, Severity, did_you_mean
from .schema import (CHECK_KINDS, FACT_KINDS, TEXT_FIELDS, AssertAction, BoostAction, RuleOutAction,
                     SuggestsEdge, Text)
from .yamlsource import YamlError, load_yaml_file

if TYPE_CHECKING:
    from .loader import Item, LoadResult

_ANSWERS = {kind: ("yes", "no", "unknown") for kind in FACT_KINDS} | {
    kind: ("found", "ok", "skip") for kind in CHECK_KINDS}
# Which node kinds each edge kind may join: (sources, targets)
_EDGE_ENDS = {
    "suggests": (FACT_KINDS, CHECK_KINDS),
    "rules_out": (FACT_KINDS + CHECK_KINDS, CHECK_KINDS),
    "weakens": (FACT_KINDS + CHECK_KINDS, CHECK_KINDS),
    "refines": (CHECK_KINDS, CHECK_KINDS),
    "leads_to": (FACT_KINDS, FACT_KINDS),
}


def _problem(where: tuple[str, int, int], message: str, code: str,
             severity: Severity = Severity.ERROR) -> Problem:
    return Problem(*where, message, severity, code)


def check_graph(result: LoadResult) -> list[Problem]:
    """Every graph-level problem of ``result.kb`` (which the loader built from valid items)."""
    problems: list[Problem] = []
    problems += _references(result)
    problems += _cycles(result)
    problems += _reachability(result)
    problems += _translations(result)
    problems += _refs_and_vocabulary(result)
    problems += _phrases(result)
    return problems


#: "did you mean" compares an unknown id with every declared id (difflib, up to ~5 µs a pair). Past
#: this many comparisons in one validation, further unknown ids are reported without a hint: a
#: folder of 10,000 files that each misspell an id took 94 s to validate without this bound, 6 s with
#: it (benchmarks/resources.py), and ids alike in length would cost up to ~50 ms each.
HINT_COMPARISONS = 300_000


class _Hints:
    """``did_you_mean`` over many choices, with a cache and a total budget of comparisons."""

    def __init__(self, choices: Iterable[str]) -> None:
        self.choices = sorted(choices)
        self.left = HINT_COMPARISONS
        self.cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        hint = self.cache.get(word)
        if hint is None:
            if self.left < len(self.choices):
                return ""
            self.left -= len(self.choices)
            hint = self.cache[word] = did_you_mean(word, self.choices)
        return hint


def _unknown(ident: str, result: LoadResult, item: Item, loc: tuple, what: str, hints: _Hints) -> Problem | None:
    if ident in result.declared_ids:
        return None
    return _problem(item.position(loc), f"{what}: unknown id {ident!r}{hints(ident)}", "unknown-id")


def _references(result: LoadResult) -> Iterator[Problem]:
    kb = result.kb
    assert kb is not None
    hints = _Hints(result.declared_ids)
    for edge, item in zip(kb.edges, result.edge_items):
        what = f"{edge.kind} edge {edge.source}->{edge.target}"
        sources, targets = _EDGE_ENDS[edge.kind]
        for end, allowed in (("source", sources), ("target", targets)):
            ident = getattr(edge, end)
            bad = _unknown(ident, result, item, (end,), what, hints)
            if bad:
                yield bad
                continue
            node = kb.nodes.get(ident)
            if node is not None and node.kind not in allowed:
                yield _problem(item.position((end,)),
                               f"{what}: the {end} of a {edge.kind} edge must be a {' or '.join(allowed)}, "
                               f"and {ident!r} is a {node.kind}", "edge-kind")
        when = getattr(edge, "when", None)
        src = kb.nodes.get(edge.source)
        if when and src is not None and when not in _ANSWERS[src.kind]:
            yield _problem(item.position(("when",)),
                           f"{what}: {when!r} is not an answer to a {src.kind}; use one of "
                           f"{', '.join(_ANSWERS[src.kind])}", "answer")
        if isinstance(edge, SuggestsEdge) and src is not None and src.kind in FACT_KINDS:
            base = src.base_rate  # type: ignore[union-attr]
            if edge.strength <= base:
                yield _problem(item.position(("strength",)),
                               f"{what}: strength {edge.strength} is not above {edge.source}'s base rate "
                               f"{base}, so a 'yes' would lower the target instead of suggesting it",
                               "weak-edge", Severity.WARNING)
    for rule in kb.rules:
        item = result.rule_items[rule.id]
        what = f"rule {rule.id!r}"
        for ident, answer in rule.if_.items():
            bad = _unknown(ident, result, item, ("if", ident), what, hints)
            if bad:
                yield bad
                continue
            node = kb.nodes.get(ident)
            if node is not None and answer not in _ANSWERS[node.kind]:
                yield _problem(item.position(("if", ident)),
                               f"{what}: {answer!r} is not an answer to the {node.kind} {ident!r}; use one of "
                               f"{', '.join(_ANSWERS[node.kind])}", "answer")
        for index, action in enumerate(rule.then):
            if isinstance(action, BoostAction):
                key, ident, allowed = "boost", action.boost, CHECK_KINDS
            elif isinstance(action, RuleOutAction):
                key, ident, allowed = "rule_out", action.rule_out, CHECK_KINDS
            else:
                assert isinstance(action, AssertAction)
                key, ident, allowed = "assert", action.assert_, FACT_KINDS
            loc = ("then", index, key)
            bad = _unknown(ident, result, item, loc, what, hints)
            if bad:
                yield bad
                continue
            node = kb.nodes.get(ident)
            if node is not None and node.kind not in allowed:
                yield _problem(item.position(loc), f"{what}: {key} needs a {' or '.join(allowed)}, "
                                                   f"and {ident!r} is a {node.kind}", "edge-kind")


def _cycles(result: LoadResult) -> Iterator[Problem]:
    kb = result.kb
    assert kb is not None
    for kind, label in (("refines", "refines"), ("leads_to", "leads_to")):
        graph = nx.DiGraph()
        where = {}
        for edge, item in zip(kb.edges, result.edge_items):
            if edge.kind == kind:
                graph.add_edge(edge.source, edge.target)
                where[(edge.source, edge.target)] = item
        yield from _report_cycles(graph, lambda u, v: where[(u, v)], label)
    # A rule that asserts a fact feeding (through other rules) its own conditions.
    derive = nx.DiGraph()
    rule_of: dict[tuple[str, str], str] = {}
    for rule in kb.rules:
        for action in rule.then:
            if isinstance(action, AssertAction):
                for cond in rule.if_:
                    derive.add_edge(cond, action.assert_)
                    rule_of.setdefault((cond, action.assert_), rule.id)
    yield from _report_cycles(derive, lambda u, v: result.rule_items[rule_of[(u, v)]], "rule")


def _report_cycles(graph: nx.DiGraph, item_of, label: str) -> Iterator[Problem]:
    """One problem per cycle, placed at the cycle's edge from the latest layer (the one that closed it)."""
    reported: set[frozenset] = set()
    for component in nx.strongly_connected_components(graph):
        if len(component) == 1:
            node = next(iter(component))
            if not graph.has_edge(node, node):
                continue
        cycle = nx.find_cycle(graph.subgraph(component))
        key = frozenset(component)
        if key in reported:
            continue
        reported.add(key)
        # Report at the edge written last (latest layer, then file and line): the one that closed it.
        last = max(range(len(cycle)), key=lambda k: (item_of(*cycle[k]).layer, item_of(*cycle[k]).position()))
        cycle = cycle[last:] + cycle[:last]
        path = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
        yield _problem(item_of(*cycle[0]).position(), f"{label} cycle: {path}", "cycle")


def _reachability(result: LoadResult) -> Iterator[Problem]:
    """Every reason and strategy must be reachable from some symptom, fact or question."""
    kb = result.kb
    assert kb is not None
    graph = nx.DiGraph()
    start = object()
    graph.add_node(start)
    for fact in kb.facts:
        graph.add_edge(start, fact.id)
    used: set[str] = set()
    for edge in kb.edges:
        used.add(edge.source)
        if edge.kind in ("suggests", "refines", "leads_to"):
            graph.add_edge(edge.source, edge.target)
    for rule in kb.rules:
        used.update(rule.if_)
        for action in rule.then:
            target = (action.boost if isinstance(action, BoostAction) and action.factor > 1
                      else action.assert_ if isinstance(action, AssertAction) else None)
            if target:
                for cond in rule.if_:
                    graph.add_edge(cond, target)
    reachable = nx.descendants(graph, start)
    for node in kb.checks:
        if node.id not in reachable:
            yield _problem(result.node_items[node.id].position(),
                           f"{node.kind} {node.id!r} ({node.ref}) cannot be reached: no symptom, fact or "
                           "question suggests it (add a suggests edge or a rule)", "unreachable",
                           Severity.WARNING)
    for node in kb.facts:
        if node.id not in used:
            yield _problem(result.node_items[node.id].position(),
                           f"{node.kind} {node.id!r} is never used: no edge or rule starts from it",
                           "unused", Severity.WARNING)


def _texts(obj, fields) -> Iterator[tuple[str, Text]]:
    for name in fields:
        value = getattr(obj, name, None)
        if isinstance(value, Text):
            yield name, value


def _translations(result: LoadResult) -> Iterator[Problem]:
    kb = result.kb
    assert kb is not None
    pairs: list = [(node, result.node_items[node.id], f"node {node.id!r}", TEXT_FIELDS)
                   for node in kb.nodes.values()]
    pairs += [(edge, item, f"{edge.kind} edge {edge.source}->{edge.target}", ("because",))
              for edge, item in zip(kb.edges, result.edge_items)]
    pairs += [(rule, result.rule_items[rule.id], f"rule {rule.id!r}", ("because",)) for rule in kb.rules]
    for obj, item, what, fields in pairs:
        for name, text in _texts(obj, fields):
            if not (text.ja or "").strip():
                yield _problem(item.position((name,)), f"{what}: {name} has no Japanese text (ja)",
                               "missing-translation", Severity.WARNING)


def _refs_and_vocabulary(result: LoadResult) -> Iterator[Problem]:
    from knowledge import vocabulary_file

    from .loader import display_path

    kb = result.kb
    assert kb is not None
    seen: dict[str, str] = {}
    for node in kb.checks:
        if node.ref in seen:
            yield _problem(result.node_items[node.id].position(("ref",)),
                           f"node {node.id!r}: ref {node.ref!r} is already used by {seen[node.ref]!r}",
                           "duplicate")
        else:
            seen[node.ref] = node.id
    path = vocabulary_file()
    try:
        vocab = load_yaml_file(path, display_path(path))
    except YamlError as exc:  # pragma: no cover - the file ships with the package
        yield _problem((exc.path, exc.line, exc.col), exc.message, "yaml")
        return
    data = vocab.data or {}
    for section, kinds, by in (("reasons", ("reason",), "ref"), ("strategies", ("strategy",), "ref"),
                               ("symptoms", ("symptom",), "id"), ("context", ("context", "question"), "id")):
        for key in data.get(section) or {}:
            key = str(key)
            node = kb.by_ref.get(key) if by == "ref" else kb.nodes.get(key)
            where = vocab.position((section, key), key=True)
            declared = result.declared_refs if by == "ref" else result.declared_ids
            if node is None and key in declared:
                continue  # written but invalid: its own error says why
            if node is None:
                yield _problem((vocab.path, *where),
                               f"the graph has no {kinds[0]} with {by} {key!r}, which the vocabulary requires",
                               "vocabulary")
            elif node.kind not in kinds:
                yield _problem((vocab.path, *where),
                               f"{by} {key!r} must be a {' or '.join(kinds)}, and the graph has a {node.kind}",
                               "vocabulary")


def _phrases(result: LoadResult) -> Iterator[Problem]:
    """Phrase templates parse, can match, and do not say yes and no at once.

    Only negative templates are compiled to regexes (for the contradiction check), and only those
    whose words all appear in one of the node's phrases: compiling a template costs ~0.3 ms, at
    every load."""
    from .understand.templates import TemplateError, check_template, compile_template, could_match, normalise, plain_text

    kb = result.kb
    assert kb is not None
    owner: dict[tuple[str, bool], str] = {}
    for node in kb.facts:
        item = result.node_items[node.id]
        valid: dict[bool, list] = {False: [], True: []}
        for field, negative in (("phrases", False), ("negative", True)):
            group = getattr(node, field, None)
            if group is None:
                continue
            for lang in ("en", "ja"):
                for k, source in enumerate(getattr(group, lang)):
                    where = item.position((field, lang, k))
                    try:
                        check_template(source)
                    except TemplateError as exc:
                        yield _problem((where[0], where[1], where[2] + exc.column), f"node {node.id!r}: {field} "
                                       f"template {source!r}: {exc}", "phrase")
                        continue
                    valid[negative].append((source, lang, where))
                    key = (normalise(source), negative)
                    if key in owner and owner[key] != node.id:
                        yield _problem(where, f"node {node.id!r}: {field} template {source!r} is also one of "
                                              f"{owner[key]!r}'s, so the same words would mean both",
                                       "phrase", Severity.WARNING)
                    owner.setdefault(key, node.id)
        if not valid[True]:
            continue
        # A negative phrase that matches what one of the node's own phrases says is a contradiction.
        plain = [(source, normalise(source), normalise(plain_text(source, lang)), where)
                 for source, lang, where in valid[False]]
        for other, lang, _ in valid[True]:
            same = normalise(other)
            candidates = [(source, key == same, text, where) for source, key, text, where in plain
                          if key == same or could_match(other, text)]
            if not candidates:
                continue  # a word the negative needs is in none of the phrases: no regex to compile
            regex = compile_template(other, lang).regex
            for source, identical, text, where in candidates:
                if identical or regex.fullmatch(text):
                    yield _problem(where, f"node {node.id!r}: phrase {source!r} says what its negative "
                                          f"phrase {other!r} denies, a contradiction", "phrase")
