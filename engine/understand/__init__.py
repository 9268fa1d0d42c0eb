"""Free-text understanding: what a person's own words say about the symptoms and their setup.

`matcher_for(kb).hear(text)` returns the facts heard, each with the words it came from. The
phrases live in the knowledge YAML (`phrases` / `negative` on symptom, context and question
nodes); the template language is in :mod:`engine.understand.templates`.
"""

from __future__ import annotations

import threading

from ..knowledge import KnowledgeBase
from .matcher import Heard, Matcher

__all__ = ["Heard", "Matcher", "matcher_for"]

_CACHE: dict[int, tuple[KnowledgeBase, Matcher]] = {}
_BUILDING = threading.Lock()


def matcher_for(kb: KnowledgeBase) -> Matcher:
    """The matcher of ``kb``, compiled once per knowledge base (about 1.6 s for the shipped
    graph). Thread-safe: the TUI starts building it in the background while a person types, and
    a caller that comes while it is being built waits for it instead of building another."""
    with _BUILDING:
        hit = _CACHE.get(id(kb))
        if hit is None or hit[0] is not kb:
            if len(_CACHE) > 8:
                _CACHE.clear()
            matcher = Matcher(kb)
            matcher.known_words  # noqa: B018 - computed here, not at the first word typed
            hit = (kb, matcher)
            _CACHE[id(kb)] = hit
        return hit[1]
