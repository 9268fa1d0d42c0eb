"""The little structure knowledge texts carry, parsed into data that each renderer escapes.

Knowledge texts are plain text with two conventions: `backtick` code spans, and lines that start
with ``1.`` or ``-`` as list items (the ``check`` steps). Parsing them here, instead of passing
them to a Markdown or HTML engine, means that nothing in a text can become markup: a renderer
emits only its own constructs (list markers, code spans) and escapes every character of content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

_ORDERED = re.compile(r"^\s*(\d{1,4})[.)]\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*•・]\s+(.*)$")


@dataclass(frozen=True)
class Span:
    """A run of text; ``code`` for a backtick code span (shown literally, in a fixed-width font)."""

    text: str
    code: bool = False


@dataclass
class Block:
    """A paragraph (each item one line) or a list (each item one entry)."""

    kind: Literal["p", "ol", "ul"]
    items: list[list[Span]] = field(default_factory=list)
    start: int = 1


def spans(line: str) -> list[Span]:
    """Split one line into text and code spans (a backtick run closes only with one of equal length)."""
    out: list[Span] = []
    text: list[str] = []
    i, n = 0, len(line)
    while i < n:
        if line[i] != "`":
            text.append(line[i])
            i += 1
            continue
        j = i
        while j < n and line[j] == "`":
            j += 1
        run = j - i
        k = j
        close = -1
        while k < n:
            if line[k] == "`":
                m = k
                while m < n and line[m] == "`":
                    m += 1
                if m - k == run:
                    close = k
                    break
                k = m
            else:
                k += 1
        if close < 0:  # an unmatched run is literal text
            text.append(line[i:j])
            i = j
            continue
        if text:
            out.append(Span("".join(text)))
            text = []
        code = line[j:close]
        if len(code) > 2 and code[0] == " " and code[-1] == " " and code.strip():
            code = code[1:-1]
        out.append(Span(code, True))
        i = close + run
    if text:
        out.append(Span("".join(text)))
    return out


def blocks(text: str) -> list[Block]:
    """Paragraphs and lists of ``text``; a line that is not a list item continues the item above it."""
    out: list[Block] = []
    current: Block | None = None
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            current = None
            continue
        ordered, bullet = _ORDERED.match(line), _BULLET.match(line)
        if ordered or bullet:
            kind: Literal["ol", "ul"] = "ol" if ordered else "ul"
            body = ordered.group(2) if ordered else bullet.group(1)  # type: ignore[union-attr]
            if current is None or current.kind != kind:
                current = Block(kind, start=int(ordered.group(1)) if ordered else 1)
                out.append(current)
            current.items.append(spans(body))
            continue
        if current is not None and current.kind in ("ol", "ul"):
            current.items[-1] = current.items[-1] + [Span(" ")] + spans(line)
            continue
        if current is None:
            current = Block("p")
            out.append(current)
        current.items.append(spans(line))
    return out


def one_line(text: str) -> str:
    """All whitespace runs (line breaks included) as single spaces."""
    return " ".join(text.split())
