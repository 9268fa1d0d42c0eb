"""The decision path drawn as an inline SVG for the HTML report: no script, no font or file to fetch.

One box per answered node, top to bottom, with its step number, kind, title and answer, then the
outcome. Every text goes through :func:`engine.text.inert` and :func:`html.escape` (quotes
included) before it is placed in an element or an attribute; coordinates are numbers computed here. Titles are wrapped by width in
cells (East Asian wide characters count two) because SVG text does not wrap by itself.
"""

from __future__ import annotations

import unicodedata
from html import escape
from typing import TYPE_CHECKING

from engine.text import inert

from .labels import Labels
from .text import one_line

if TYPE_CHECKING:
    from engine.report import Report

WIDTH = 760
BOX_X, BOX_W = 16, 728
TEXT_X = BOX_X + 58
PILL_W = 132
CELL_PX = 7.7
"""Width of one half-width cell of the 15 px title font; a wide (CJK) character takes two."""
END_CELL_PX = 9.6
"""The same for the bold 16 px text of the outcome."""
MAX_LINES = 3
GAP = 30

KIND_COLOUR = {"symptom": "#c0392b", "context": "#1a73e8", "question": "#b7791f", "reason": "#188038",
               "strategy": "#7b1fa2"}
ANSWER_STYLE = {  # (fill, text)
    "yes": ("#dbe7fd", "#0b3d91"), "no": ("#e9e9e9", "#333333"), "unknown": ("#f4f4f4", "#666666"),
    "found": ("#188038", "#ffffff"), "ok": ("#e3f2e7", "#0b5a24"), "skip": ("#fff1cc", "#7a4e00"),
}
OUTCOME_STYLE = {"found": ("#c8ecd2", "#0b6e2c"), "exhausted": ("#fbe3e1", "#8c2a1f"),
                 "quit": ("#eeeeee", "#444444"), "open": ("#e8f0fe", "#0b3d91")}


def cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


_NO_LINE_START = set("、。，．,.)]}）」』】〕!！?？ー・:：;；%％")
"""Characters that must not begin a line (Japanese line-breaking rules, kinsoku)."""


def _last_break(s: str) -> int:
    """The last position in ``s`` where a line may break (0 if none)."""
    for i in range(len(s) - 1, 0, -1):
        if s[i] in _NO_LINE_START:
            continue
        if s[i - 1] == " " or _wide(s[i - 1]) or _wide(s[i]):
            return i
    return 0


def wrap(text: str, width: int, max_lines: int = MAX_LINES) -> list[str]:
    """``text`` in lines of at most ``width`` cells: at spaces, or between wide (CJK) characters;
    an ellipsis ends the last line when the text needs more than ``max_lines``."""
    lines: list[str] = []
    current = ""
    for char in one_line(inert(text)):  # placeholders measured as the reader will see them
        if cells(current) + cells(char) <= width:
            current += char
            continue
        if char == " ":
            lines.append(current.rstrip())
            current = ""
            continue
        cut = _last_break(current + char)
        if cut > 0:
            lines.append(current[:cut].rstrip())
            current = current[cut:].lstrip() + char
        else:  # one word wider than the line: cut it
            lines.append(current)
            current = char
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and cells(last) + 1 > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip() + "…"]
    return lines or [""]


def _e(text: object) -> str:
    return escape(inert(str(text)), quote=True)


def decision_svg(report: Report) -> str:
    """The SVG element (a string) drawing the report's decision path."""
    t = Labels(report.lang)
    title_cells = int((BOX_W - (TEXT_X - BOX_X) - PILL_W - 24) / CELL_PX)
    parts: list[str] = []
    y = 12
    for step in report.path:
        head = f"{step.ref} " if step.ref else ""
        lines = wrap(head + step.title, title_cells)
        h = 40 + 20 * len(lines)
        colour = KIND_COLOUR[step.kind]
        fill, ink = ANSWER_STYLE[step.answer]
        dashed = ' stroke-dasharray="6 4"' if step.source == "log" else ""
        found = step.answer == "found"
        parts.append(f'<g class="step" data-step="{step.n}">')
        parts.append(f"<title>{_e(f'{step.n}. {head}{one_line(step.asked)} — {t.answer(step.answer)}')}</title>")
        parts.append(f'<rect x="{BOX_X}" y="{y}" width="{BOX_W}" height="{h}" rx="10" fill="{"#f2fbf4" if found else "#ffffff"}" '
                     f'stroke="{"#188038" if found else "#c9ced6"}" stroke-width="{2.5 if found else 1.2}"{dashed}/>')
        parts.append(f'<rect x="{BOX_X}" y="{y}" width="7" height="{h}" rx="3" fill="{colour}"/>')
        cy = y + h / 2
        parts.append(f'<circle cx="{BOX_X + 32}" cy="{cy:g}" r="15" fill="{colour}"/>')
        parts.append(f'<text x="{BOX_X + 32}" y="{cy + 5:g}" text-anchor="middle" class="num">{step.n}</text>')
        tags = [t.kind(step.kind)]
        if step.source != "user":
            tags.append(t.source(step.source))
        if step.revised:
            tags.append(t("revised", previous=t.answers(step.previous)))
        parts.append(f'<text x="{TEXT_X}" y="{y + 22}" class="kind" fill="{colour}">{_e(" · ".join(tags))}</text>')
        for k, text in enumerate(lines):
            parts.append(f'<text x="{TEXT_X}" y="{y + 44 + 20 * k}" class="title">{_e(text)}</text>')
        px = BOX_X + BOX_W - PILL_W - 14
        parts.append(f'<rect x="{px}" y="{cy - 14:g}" width="{PILL_W}" height="28" rx="14" fill="{fill}"/>')
        parts.append(f'<text x="{px + PILL_W / 2:g}" y="{cy + 5:g}" text-anchor="middle" class="answer" '
                     f'fill="{ink}">{_e(t.answer(step.answer))}</text>')
        parts.append("</g>")
        y += h
        parts.append(f'<line x1="{WIDTH / 2:g}" y1="{y + 2}" x2="{WIDTH / 2:g}" y2="{y + GAP - 4}" '
                     'stroke="#8a93a0" stroke-width="2" marker-end="url(#nn-arrow)"/>')
        y += GAP
    if report.outcome == "found" and report.found is not None:
        end = t("outcome_found", what=(f"{report.found.ref} " if report.found.ref else "") + report.found.title)
    elif report.outcome == "open":
        end = t("outcome_open", what=report.next.ask.title) if report.next.ask else t("outcome_open_none")
    else:
        end = t(f"outcome_{report.outcome}")
    fill, ink = OUTCOME_STYLE[report.outcome]
    end_lines = wrap(end, int((BOX_W - 80 - 48) / END_CELL_PX), 2)
    h = 24 + 22 * len(end_lines)
    parts.append('<g class="outcome">')
    parts.append(f'<rect x="{BOX_X + 40}" y="{y}" width="{BOX_W - 80}" height="{h}" rx="{h / 2:g}" fill="{fill}" '
                 f'stroke="{ink}" stroke-width="1.5"/>')
    for k, text in enumerate(end_lines):
        parts.append(f'<text x="{WIDTH / 2:g}" y="{y + 28 + 22 * k}" text-anchor="middle" class="end" '
                     f'fill="{ink}">{_e(text)}</text>')
    parts.append("</g>")
    height = y + h + 12
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
            f'height="{height}" role="img" aria-label="{_e(t("diagram"))}" class="path-diagram">'
            '<defs><marker id="nn-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8a93a0"/></marker></defs>')
    return head + "".join(parts) + "</svg>"
