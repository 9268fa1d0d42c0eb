"""Renderers of a :class:`engine.report.Report`: Markdown (with a Mermaid flowchart), one
self-contained HTML file (inline CSS and SVG, no script, no network), and JSON.

Every text that comes from the knowledge graph, a log or a person is data: each renderer escapes
it for its own syntax (Markdown, Mermaid, HTML, SVG), and the tests feed them hostile titles.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.report import Report

FORMATS = ("md", "html", "json")


def render(report: Report, fmt: str) -> str:
    """``report`` as text in ``fmt`` (one of :data:`FORMATS`), ending with a newline."""
    if fmt == "json":
        return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        from .markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from .html import render_html  # imports Jinja2 (about 20 ms): only when HTML is asked for

        return render_html(report)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
