"""The decision path as a Mermaid flowchart (GitHub renders ```mermaid blocks in Markdown).

Node ids are generated (``step1``, ``step2``, …, ``outcome``), never taken from text. Every label
is a quoted string in which each character Mermaid could read as syntax — quotes, brackets,
braces, pipes, angle brackets, ``&``, backticks (Markdown strings), backslashes, ``$`` (math),
``%`` (``%%`` comments and ``%%{init: …}%%`` directives, which Mermaid looks for anywhere in the
source) and ``#`` (its own entity codes) — is written as a Mermaid entity code, control and
invisible formatting characters are made visible (:func:`engine.text.inert`) and line breaks
become spaces. So a title such as ``"]) --> x`` stays a label, on its line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.text import inert

from .labels import Labels
from .text import one_line

if TYPE_CHECKING:
    from engine.report import Report

# "#" first, so that the codes written for the other characters are not escaped again.
_ENTITIES = (("#", "#35;"), ("&", "#38;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("[", "#91;"),
             ("]", "#93;"), ("{", "#123;"), ("}", "#125;"), ("|", "#124;"),
             ("`", "#96;"), ("\\", "#92;"), ("$", "#36;"), ("%", "#37;"))
LABEL_LIMIT = 120
"""Labels longer than this many characters are cut with an ellipsis (the tables carry the full text)."""


def label(text: str, limit: int | None = LABEL_LIMIT) -> str:
    """``text`` as the inside of a quoted Mermaid label: one line, inert (cut to ``limit`` characters
    with an ellipsis; ``None``: never cut)."""
    text = one_line(inert(text))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    for char, code in _ENTITIES:
        text = text.replace(char, code)
    return text


_SHAPES = {"symptom": ('(["', '"])'), "context": ('["', '"]'), "question": ('{{"', '"}}'),
           "reason": ('[["', '"]]'), "strategy": ('[["', '"]]')}
_CLASSES = {
    "symptom": "fill:#fdecea,stroke:#c0392b,color:#222",
    "context": "fill:#e8f0fe,stroke:#1a73e8,color:#222",
    "question": "fill:#fff4d6,stroke:#b7791f,color:#222",
    "check": "fill:#eef7f0,stroke:#188038,color:#222",
    "found": "fill:#c8ecd2,stroke:#0b6e2c,stroke-width:3px,color:#111",
    "log": "stroke-dasharray:5 3",
    "outcome": "fill:#f3f3f3,stroke:#555,color:#111",
}


def flowchart(report: Report) -> str:
    """The Mermaid source (without the ``` fence) of the report's decision path."""
    t = Labels(report.lang)
    lines = ["flowchart TD"]
    classes: dict[str, list[str]] = {}
    for step in report.path:
        node_id = f"step{step.n}"
        left, right = _SHAPES[step.kind]
        head = f"{step.n}. " + (f"{step.ref} " if step.ref else "")
        lines.append(f"  {node_id}{left}{label(head + step.title)}{right}")
        kind = "check" if step.kind in ("reason", "strategy") else step.kind
        if step.answer == "found":
            kind = "found"
        classes.setdefault(kind, []).append(node_id)
        if step.source == "log":
            classes.setdefault("log", []).append(node_id)
    if report.outcome == "found" and report.found is not None:
        end = t("outcome_found", what=(f"{report.found.ref} " if report.found.ref else "") + report.found.title)
    elif report.outcome == "open":
        ask = report.next.ask
        end = t("outcome_open", what=ask.title) if ask else t("outcome_open_none")
    else:
        end = t(f"outcome_{report.outcome}")
    lines.append(f'  outcome(["{label(end)}"])')
    classes.setdefault("outcome", []).append("outcome")
    for step in report.path:
        target = f"step{step.n + 1}" if step.n < len(report.path) else "outcome"
        words = t.answer(step.answer)
        if step.source != "user":
            words += f" · {t.source(step.source)}"
        if step.revised:
            words += f" · {t('revised', previous=t.answers(step.previous))}"
        lines.append(f'  step{step.n} -->|"{label(words)}"| {target}')
    for name, style in _CLASSES.items():
        lines.append(f"  classDef {name} {style}")
    for name in _CLASSES:
        if classes.get(name):
            lines.append(f"  class {','.join(classes[name])} {name}")
    return "\n".join(lines) + "\n"
