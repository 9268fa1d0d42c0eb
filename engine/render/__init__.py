"""Renderers of a :class:`engine.report.Report`: Markdown (with a Mermaid flowchart), one
self-contained HTML file (inline CSS and SVG, no script, no network), and JSON.

Every text that comes from the knowledge graph, a log or a person is data: each renderer escapes
it for its own syntax (Markdown, Mermaid, HTML, SVG), and the tests feed them hostile titles.
What no syntax escape covers — control characters (terminal escape sequences, BEL, CR), right-to-
left overrides, zero-width characters — is made inert once, on the whole output, by
:func:`engine.text.inert` (Markdown, HTML) or written as ``\\u`` escapes (JSON, where the data
must stay exact): a session file or a log can carry them even though knowledge files cannot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.report import Report
    from engine.session import Session, SessionFile

FORMATS = ("md", "html", "json")


def render(report: Report, fmt: str) -> str:
    """``report`` as text in ``fmt`` (one of :data:`FORMATS`), ending with a newline."""
    from engine.text import inert, json_safe

    if fmt == "json":  # UTF-8 as is (but for the characters json_safe escapes), fields in model order
        return json_safe(report.model_dump_json(indent=2)) + "\n"
    if fmt == "md":
        from .markdown import render_markdown

        return inert(render_markdown(report))
    if fmt == "html":
        from .html import render_html  # imports Jinja2 (about 20 ms): only when HTML is asked for

        return inert(render_html(report))
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def render_report(session: Session, fmt: str, *, saved: SessionFile | None = None, lang: str | None = None) -> str:
    """The report of ``session`` in ``fmt``: what `nn-triage report` writes, for callers holding a
    live session (the TUI's export). The session is not changed."""
    from engine.report import build_report

    return render(build_report(session, saved=saved, lang=lang), fmt)
