"""Free-text understanding: what a person's own words say about the symptoms and their setup.

`matcher_for(kb).hear(text)` returns the facts heard, each with the words it came from. The
phrases live in the knowledge YAML (`phrases` / `negative` on symptom, context and question
nodes); the template language is in :mod:`engine.understand.templates`.
"""

from __future__ import annotations

from ..knowledge import KnowledgeBase
from .matcher import Heard, Matcher

__all__ = ["Heard", "Matcher", "matcher_for"]

_CACHE: dict[int, tuple[KnowledgeBase, Matcher]] = {}


def matcher_for(kb: KnowledgeBase) -> Matcher:
    """The matcher of ``kb``, compiled once per knowledge base."""
    hit = _CACHE.get(id(kb))
    if hit is None or hit[0] is not kb:
        if len(_CACHE) > 8:
            _CACHE.clear()
        hit = (kb, Matcher(kb))
        _CACHE[id(kb)] = hit
    return hit[1]
