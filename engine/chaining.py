"""Forward chaining with truth maintenance, independent of what the facts mean.

A fact is a name with one value at a time ("yes", "no", "found", …). Facts are *given* from
outside (the user, a log analysis) or *derived* by rules. A rule is ready when every one of its
conditions ``fact == value`` holds; ready rules wait on an agenda ordered by salience, then
specificity (more conditions first), then declaration order, and fire one at a time until nothing
new follows (quiescence). Firing a rule makes it *active*: its ``assert`` actions support derived
facts, and its other effects (boosts, rule-outs) are read by the ranking through :attr:`active`.

Incremental by construction: rules are indexed by the (fact, value) pairs they mention, and each
keeps a count of satisfied conditions, so a change touches only the rules that name that fact.
Retraction is exact: when a condition stops holding, the rule is deactivated at once and every
fact it alone supported is withdrawn, recursively. A given value always overrides a derived one.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Iterable, Iterator


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule in the chainer's terms: conditions, what it asserts, and an opaque payload."""

    id: str
    conditions: tuple[tuple[str, str], ...]
    asserts: tuple[tuple[str, str], ...] = ()
    salience: int = 0
    order: int = 0
    payload: object = None
    """Anything the caller wants back for active rules (the knowledge :class:`Rule`)."""

    @property
    def priority(self) -> tuple[int, int, int]:
        return (-self.salience, -len(self.conditions), self.order)


class RuleIndex:
    """Rules compiled once and indexed by the (fact, value) pairs in their conditions."""

    def __init__(self, rules: Iterable[CompiledRule]) -> None:
        self.rules: list[CompiledRule] = list(rules)
        self.need: list[int] = [len(set(r.conditions)) for r in self.rules]
        self.by_condition: dict[tuple[str, str], list[int]] = {}
        self.by_fact: dict[str, list[int]] = {}
        for i, rule in enumerate(self.rules):
            for cond in set(rule.conditions):
                self.by_condition.setdefault(cond, []).append(i)
                self.by_fact.setdefault(cond[0], []).append(i)
        self.position = {r.id: i for i, r in enumerate(self.rules)}
        self.priority = [r.priority for r in self.rules]
        # The agenda is a heap of plain ints: each rule's rank in conflict-resolution order.
        self.by_rank = sorted(range(len(self.rules)), key=self.priority.__getitem__)
        self.rank = [0] * len(self.rules)
        for rank, i in enumerate(self.by_rank):
            self.rank[i] = rank


@dataclass
class Change:
    """What one call changed: facts whose value changed (old → new) and rules (de)activated."""

    facts: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    fired: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    first_values: dict[str, str | None] = field(default_factory=dict, repr=False)
    """Each touched fact's value before the call (filled while running, folded into ``facts``)."""


class WorkingMemory:
    """Facts, their justifications and the active rules of one session."""

    def __init__(self, index: RuleIndex) -> None:
        self.index = index
        self.given: dict[str, str] = {}
        self.values: dict[str, str] = {}
        """Current value of every fact that has one (given, else derived)."""
        self.support: dict[str, dict[int, str]] = {}
        """Derived facts: rule index → the value that rule asserts."""
        self.count: list[int] = [0] * len(index.rules)
        self.active: dict[int, None] = {}
        """Indices of the rules that fired and still hold, in firing order."""
        self._agenda: list[int] = []

    # -- public API -------------------------------------------------------------------------------
    def set(self, fact: str, value: str | None) -> Change:
        """Give ``fact`` the value ``value`` (None withdraws the given value); run to quiescence."""
        change = Change()
        if value is None:
            if self.given.pop(fact, None) is None:
                return change
        else:
            if self.given.get(fact) == value:
                return change
            self.given[fact] = value
        self._refresh(fact, change)
        self._run(change)
        values = self.values
        change.facts = {f: (old, values.get(f)) for f, old in change.first_values.items() if old != values.get(f)}
        return change

    def value(self, fact: str) -> str | None:
        return self.values.get(fact)

    def derived(self) -> dict[str, str]:
        """Facts that hold only because rules derived them."""
        return {f: v for f, v in self.values.items() if f not in self.given}

    def active_rules(self) -> Iterator[CompiledRule]:
        for i in self.active:
            yield self.index.rules[i]

    def justification(self, fact: str) -> list[CompiledRule]:
        """The active rules that support a derived fact."""
        return [self.index.rules[i] for i in self.support.get(fact, {})]

    # -- internals --------------------------------------------------------------------------------
    def _effective(self, fact: str) -> str | None:
        if fact in self.given:
            return self.given[fact]
        support = self.support.get(fact)
        if not support:
            return None
        # Several active rules may support the fact; the highest-priority one decides its value.
        if len(support) == 1:
            return next(iter(support.values()))
        priority = self.index.priority
        best = min(support, key=priority.__getitem__)
        return support[best]

    def _refresh(self, fact: str, change: Change) -> None:
        """Recompute ``fact``'s value and propagate a change to the rules that mention it."""
        values = self.values
        old = values.get(fact)
        if fact in self.given:
            new: str | None = self.given[fact]
        else:
            support = self.support.get(fact)
            if not support:
                new = None
            elif len(support) == 1:
                new = next(iter(support.values()))
            else:
                new = self._effective(fact)
        if old == new:
            return
        if new is None:
            del values[fact]
        else:
            values[fact] = new
        if fact not in change.first_values:
            change.first_values[fact] = old
        index, count = self.index, self.count
        if old is not None:
            for i in index.by_condition.get((fact, old), ()):
                count[i] -= 1
                if i in self.active:
                    self._deactivate(i, change)
        if new is not None:
            need, agenda, rank = index.need, self._agenda, index.rank
            for i in index.by_condition.get((fact, new), ()):
                count[i] += 1
                if count[i] == need[i]:
                    heapq.heappush(agenda, rank[i])

    def _deactivate(self, i: int, change: Change) -> None:
        del self.active[i]
        rule = self.index.rules[i]
        change.retracted.append(rule.id)
        for fact, _ in rule.asserts:
            support = self.support.get(fact)
            if support is not None and i in support:
                del support[i]
                if not support:
                    del self.support[fact]
                self._refresh(fact, change)

    def _run(self, change: Change) -> None:
        index, agenda, active, count, need = self.index, self._agenda, self.active, self.count, self.index.need
        support, values, by_rank, rules = self.support, self.values, index.by_rank, index.rules
        fired, pop = change.fired.append, heapq.heappop
        while agenda:
            i = by_rank[pop(agenda)]
            if i in active or count[i] != need[i]:
                continue  # already fired, or no longer ready
            active[i] = None
            rule = rules[i]
            fired(rule.id)
            for fact, value in rule.asserts:
                held = support.get(fact)
                if held is None:
                    support[fact] = {i: value}
                else:
                    held[i] = value
                # More support for the value a fact already has cannot change it (whichever rule
                # wins, the value is the same): skip the refresh, the common case in cascades.
                if values.get(fact) != value:
                    self._refresh(fact, change)
