"""Wrap text by terminal cells, breaking Japanese at phrase boundaries.

Rich and Textual wrap only at spaces, so a Japanese paragraph (no spaces) is cut at whatever
character reaches the edge. We split Japanese into phrases with BudouX (a small ML phrase
segmenter that ships its model in the package) and wrap greedily by cell width
(``rich.cells.cell_len``: a kanji is two cells).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rich.cells import cell_len

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
_TOKEN = re.compile(r"\S+\s*|\s+")


@lru_cache(maxsize=1)
def _parser():
    import budoux  # ~20 ms to load its model; only when Japanese text is shown

    return budoux.load_default_japanese_parser()


def tokens(paragraph: str) -> list[str]:
    """Break opportunities: words (with their trailing space) and, in Japanese, phrases."""
    parts = _parser().parse(paragraph) if _CJK.search(paragraph) else [paragraph]
    out: list[str] = []
    for part in parts:
        out.extend(_TOKEN.findall(part))
    return out


def _hard_split(token: str, width: int) -> list[str]:
    pieces, line = [], ""
    for ch in token:
        if line and cell_len(line + ch) > width:
            pieces.append(line)
            line = ""
        line += ch
    if line:
        pieces.append(line)
    return pieces


@lru_cache(maxsize=512)
def wrap(text: str, width: int) -> tuple[str, ...]:
    """Lines of at most ``width`` cells; explicit line breaks are kept. Cached: layout asks twice
    (height, then render) and the same texts come back as the person moves through a session."""
    return tuple(_wrap(text, width))


def _wrap(text: str, width: int) -> list[str]:
    width = max(width, 4)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            lines.append("")
            continue
        indent = len(paragraph) - len(paragraph.lstrip(" "))
        line = ""
        for tok in tokens(paragraph):
            candidate = line + tok
            if cell_len(candidate.rstrip()) <= width:
                line = candidate
                continue
            if line.strip():
                lines.append(line.rstrip())
            tok = " " * min(indent, width // 3) + tok.lstrip() if indent else tok.lstrip()
            if cell_len(tok.rstrip()) > width:
                *full, tok = _hard_split(tok.rstrip(), width)
                lines.extend(full)
            line = tok
        if line.strip():
            lines.append(line.rstrip())
    return lines
