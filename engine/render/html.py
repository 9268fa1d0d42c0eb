"""The report as one self-contained HTML file: inline CSS, an inline SVG of the decision path, no
script, nothing fetched from the network (it opens offline, from a mail attachment or a USB stick).

Jinja2 renders ``templates/report.html.j2`` with autoescaping on (Jinja2 leaves it off unless it
is asked for): every value from the report is escaped unless it is a :class:`markupsafe.Markup`
built here from escaped pieces. A Content-Security-Policy meta tag forbids scripts as a second
line of defence.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from engine.next_step import ASK_OVERHEAD

from .labels import Labels
from .svg import decision_svg
from .text import Span, blocks, one_line, spans

if TYPE_CHECKING:
    from jinja2 import Environment

    from engine.report import Report

_CODE_LANG = {"pytorch": "python", "keras": "python", "tensorflow": "python", "jax": "python"}


def _spans(items: list[Span]) -> Markup:
    return Markup("").join(Markup("<code>{}</code>").format(s.text) if s.code else escape(s.text) for s in items)


def rich(text: str | None) -> Markup:
    """A knowledge text as escaped HTML paragraphs and lists (code spans as ``<code>``)."""
    if not text:
        return Markup("")
    out = []
    for block in blocks(text):
        if block.kind == "p":
            out.append(Markup("<p>{}</p>").format(Markup("<br>").join(_spans(item) for item in block.items)))
        else:
            items = Markup("").join(Markup("<li>{}</li>").format(_spans(item)) for item in block.items)
            if block.kind == "ol":
                start = Markup(' start="{}"').format(block.start) if block.start != 1 else Markup("")
                out.append(Markup("<ol{}>{}</ol>").format(start, items))
            else:
                out.append(Markup("<ul>{}</ul>").format(items))
    return Markup("").join(out)


def inline(text: str | None) -> Markup:
    """A one-line knowledge text (title, "because"), code spans as ``<code>``, escaped."""
    return _spans(spans(one_line(text))) if text else Markup("")


def safe_url(url: str | None) -> str | None:
    """The URL when it is plain http(s), else None (so no ``javascript:`` link can be made)."""
    if url and url.lower().startswith(("https://", "http://")) and not any(c in url for c in "\"'<> \\`"):
        return url
    return None


@lru_cache(maxsize=1)
def environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("engine.render", "templates"),
        # ".html.j2" templates, and anything else, are escaped: there is no unescaped template here
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2", "svg", "xml"),
                                     default_for_string=True, default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(rich=rich, inline=inline, safe_url=safe_url)
    return env


def render_html(report: Report) -> str:
    t = Labels(report.lang)
    template = environment().get_template("report.html.j2")
    found = report.found
    if report.outcome == "found" and found is not None:
        what = (f"{found.ref} " if found.ref else "") + found.title
        headline = t("headline_found", what=what)
    else:
        what = ""
        headline = t(f"headline_{report.outcome}")
    groups = [(t(kind), [f for f in report.facts if f.kind == kind and f.source != "rule"])
              for kind in ("symptom", "context", "question")]
    groups.append((t("derived"), [f for f in report.facts if f.source == "rule"]))
    return template.render(
        r=report, t=t, headline=headline, what=what, groups=[g for g in groups if g[1]],
        svg=Markup(decision_svg(report)), overhead=f"{ASK_OVERHEAD:g}",
        code_lang=_CODE_LANG.get(report.framework, ""),
    )
