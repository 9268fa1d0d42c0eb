"""An in-process simulated user, answering as ../shared/tools/simulate.py's does.

It volunteers the symptoms the case reports ("told" mode), answers every question from the case
("unknown" where the case is silent), "ok" to every check that is not a true cause and "found" to
the first one that is. Returns the number of asks until "found" (None if never found).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from engine.session import Session


def _yes_no(value) -> str:
    if value is True or str(value).lower() in ("yes", "true", "y"):
        return "yes"
    if value is False or str(value).lower() in ("no", "false", "n"):
        return "no"
    return "unknown"


def load_cases(folder: Path) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("case*.yaml"))]


def play(case: dict, kb, model, cold: bool = False, cap: int = 60) -> int | None:
    session = Session(kb, model)
    facts = {**(case.get("context") or {}), **(case.get("symptoms") or {})}
    if not cold:
        for ident, value in (case.get("symptoms") or {}).items():
            if _yes_no(value) == "yes":
                session.answer("yes", ident)
    asks = 0
    while not session.finish_if_exhausted() and asks < cap:
        node = kb.nodes[session.pending]
        asks += 1
        if node.kind in ("reason", "strategy"):
            answer = "found" if node.ref in case["true_refs"] else "ok"
        else:
            answer = _yes_no(facts[node.id]) if node.id in facts else "unknown"
        session.answer(answer)
    return asks if session.outcome == "found" and kb.nodes[session.found].ref in case["true_refs"] else None
