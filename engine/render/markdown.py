"""The report as GitHub-flavoured Markdown, with the decision path as a Mermaid flowchart.

Escaping: the only Markdown constructs in the output are the ones written here (headings, lists,
tables, code spans and fences, emphasis). In content, every character that could open a construct
is escaped: ``\\ ` * _ [ ] | ~ $`` with a backslash, ``< > &`` as HTML entities (so no raw HTML,
no autolink), and a line that would start a heading, quote, list or rule gets its first character
escaped. Code spans and fences are made longer than any backtick run inside them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from engine.next_step import ASK_OVERHEAD

from .labels import Labels
from .mermaid import flowchart
from .text import Span, blocks, one_line, spans

if TYPE_CHECKING:
    from engine.report import Report

_BACKSLASHED = set("\\`*_[]|~$")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_LINE_START = re.compile(r"^([#+=-])|^(\d+)([.)])")
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$")
_CODE_LANG = {"pytorch": "python", "keras": "python", "tensorflow": "python", "jax": "python", "flax": "python"}


def escape(text: str) -> str:
    """Plain text as inert Markdown inline content (line breaks become spaces)."""
    out = []
    for char in re.sub(r"\s+", " ", text):  # keeps a span's edge spaces, unlike one_line
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _BACKSLASHED:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def _guard_line_start(text: str) -> str:
    """Escape what would make a line a heading, list item or rule."""
    return _LINE_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text, 1)


def code_span(text: str, table: bool = False) -> str:
    """``text`` as a code span whose backtick fence is longer than any run inside it."""
    text = one_line(text)
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    if table:  # GFM splits table cells at every unescaped pipe, code spans included
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def inline(items: list[Span], *, table: bool = False) -> str:
    """Spans (text and code) as one line of Markdown, escaped."""
    out = "".join(code_span(s.text, table) if s.code else escape(s.text) for s in items)
    return _guard_line_start(out.lstrip())


def line(text: str, *, table: bool = False) -> str:
    """A one-line knowledge text (a title, a "because"), code spans kept."""
    return inline(spans(one_line(text)), table=table)


def plain(text: str) -> str:
    """Text from a log or a person: every character literal, code spans included."""
    return _guard_line_start(escape(text).lstrip())


def rich(text: str, indent: str = "") -> list[str]:
    """A multi-line knowledge text (why, check, fix) as Markdown paragraphs and lists."""
    out: list[str] = []
    for block in blocks(text):
        if out:
            out.append("")
        if block.kind == "p":
            rendered = [indent + inline(item) for item in block.items]
            out.append("\\\n".join(rendered))  # a backslash at the end of a line is a hard break
        else:
            for k, item in enumerate(block.items):
                marker = f"{block.start + k}." if block.kind == "ol" else "-"
                out.append(f"{indent}{marker} {inline(item)}")
    return out


def fence(code: str, lang: str = "") -> list[str]:
    longest = max((len(r) for r in re.findall(r"`+", code)), default=0)
    mark = "`" * max(3, longest + 1)
    return [f"{mark}{lang}", *code.replace("\r\n", "\n").rstrip("\n").split("\n"), mark]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def _code_id(node_id: str) -> str:
    return code_span(node_id, table=True)


def _titled(ref: str | None, title: str, *, table: bool = False) -> str:
    return (escape(ref) + " " if ref else "") + line(title, table=table)


def render_markdown(report: Report) -> str:
    t = Labels(report.lang)
    out: list[str] = []
    add = out.append

    # -- head ------------------------------------------------------------------------------------
    if report.outcome == "found" and report.found is not None:
        headline = t("headline_found", what=_titled(report.found.ref, report.found.title))
    else:
        headline = t(f"headline_{report.outcome}")
    add(f"# {t('title')}: {headline}")
    add("")
    if report.outcome == "found" and report.found is not None:
        add(t("summary_found", steps=report.steps, what=f"**{_titled(report.found.ref, report.found.title)}**"))
    else:
        add(t(f"summary_{report.outcome}", steps=report.steps))
    add("")
    meta = [[t("started"), escape(report.created or "—")]]
    if report.updated:
        meta.append([t("saved"), escape(report.updated)])
    meta.append([t("last_answer"), escape(report.last_answer or "—")])
    meta.append([t("answers"), str(report.steps)])
    layers = ", ".join(code_span(layer, table=True) for layer in report.knowledge.layers)
    meta.append([t("knowledge"), code_span(report.knowledge.version, table=True) + (f" ({layers})" if layers else "")])
    meta.append([t("language") + " / " + t("framework"), f"{report.lang} / {escape(report.framework)}"])
    out += _table(["", ""], meta)
    if not report.knowledge.same:
        add("")
        add("> " + t("knowledge_differs", recorded=code_span(report.knowledge.version),
                     now=code_span(report.knowledge.rendered_with)))

    # -- what was seen ---------------------------------------------------------------------------
    add("")
    add(f"## {t('seen')}")
    if not report.facts:
        add("")
        add(t("nothing_seen"))
    groups = [(kind, [f for f in report.facts if f.kind == kind and f.source != "rule"])
              for kind in ("symptom", "context", "question")]
    groups.append(("derived", [f for f in report.facts if f.source == "rule"]))
    for kind, facts in groups:
        if not facts:
            continue
        add("")
        add(f"### {t(kind)}")
        add("")
        for fact in facts:
            item = f"- {line(fact.title)}: **{t.answer(fact.answer)}**"
            notes = []
            if fact.source == "log":
                notes.append(t("from_log"))
            elif fact.source == "rule":
                notes.append(t("rule") + " " + ", ".join(code_span(r) for r in fact.rules))
            elif fact.source != "user":
                notes.append(t.source(fact.source))
            if fact.revised:
                notes.append(t("revised", previous=t.answers(fact.previous)))
            item += "".join(f" · {note}" for note in notes)
            item += f" {code_span(fact.id)}"
            add(item)
            if fact.evidence:
                add(f"  - {t('evidence')}: {plain(fact.evidence)}")

    # -- the path --------------------------------------------------------------------------------
    add("")
    add(f"## {t('path')}")
    add("")
    if not report.path:
        add(t("path_empty"))
        add("")
    add("```mermaid")
    out += flowchart(report).rstrip("\n").split("\n")
    add("```")
    if report.path:
        add("")
        rows = []
        for step in report.path:
            answer = f"**{t.answer(step.answer)}**"
            if step.revised:
                answer += " · " + t("revised", previous=t.answers(step.previous))
            source = t.source(step.source)
            if step.evidence:
                source += ": " + plain(step.evidence)
            rows.append([str(step.n), t.kind(step.kind), _titled(step.ref, step.asked, table=True), answer, source])
        out += _table([t("col_n"), "", t("col_asked"), t("col_answer"), t("col_source")], rows)

    # -- found -----------------------------------------------------------------------------------
    found = report.found
    if found is not None:
        add("")
        add(f"## {t('found')}: {_titled(found.ref, found.title)}")
        add("")
        add(t("score_when_found", p=t.pct(found.score)) + f" {code_span(found.id)}")
        for key, text in (("fix", found.fix), ("why", found.why), ("check", found.check)):
            if text:
                add("")
                add(f"### {t(key)}")
                add("")
                out += rich(text)
        if found.snippet is not None:
            add("")
            add(f"### {t('snippet', framework=escape(found.snippet.framework))}")
            add("")
            out += fence(found.snippet.code, _CODE_LANG.get(found.snippet.framework, ""))
        if found.references:
            add("")
            add(f"### {t('references')}")
            add("")
            for ref in found.references:
                url = f" <{ref.url}>" if ref.url and _SAFE_URL.match(ref.url) else (
                    f" {code_span(ref.url)}" if ref.url else "")
                add(f"- {line(ref.title)}{url}")

    # -- next ------------------------------------------------------------------------------------
    nxt = report.next
    add("")
    add(f"## {t('next_if_fix_fails' if nxt.basis == 'if_fix_fails' else 'next_current')}")
    add("")
    if nxt.basis == "if_fix_fails" and found is not None:
        add(t("basis_if_fix_fails", what=_titled(found.ref, found.title)))
        add("")
    if nxt.ask is None:
        add(t("nothing_left"))
    else:
        head = t("next_question" if nxt.ask.kind == "question" else "next_check")
        add(f"**{head}:** {_titled(nxt.ask.ref, nxt.ask.asked)} {code_span(nxt.ask.id)}")
        if nxt.why:
            add("")
            add(line(nxt.why))
    if nxt.checks:
        add("")
        add(t("next_checks", overhead=f"{ASK_OVERHEAD:g}") + ":")
        add("")
        out += _table([t("col_check"), t("col_probability"), t("col_minutes"), t("col_efficiency")],
                      [[_titled(c.ref, c.title, table=True) + " " + _code_id(c.id), t.pct(c.probability),
                        f"{c.cost_minutes:g}", f"{c.efficiency:.5f}"] for c in nxt.checks])
    add("")
    add(t("unexplained", p=t.pct(nxt.unexplained)))

    # -- suspects --------------------------------------------------------------------------------
    add("")
    add(f"## {t('suspects')}")
    add("")
    if not report.suspects:
        add(t("no_suspects"))
    for s in report.suspects:
        skipped = f" · {t('skipped')}" if s.skipped else ""
        marker = f"{s.rank}. "
        pad = " " * len(marker)  # sub-items line up with the item's text, or they leave the list
        add(f"{marker}**{_titled(s.ref, s.title)}**: {t.pct(s.score)}{skipped} {code_span(s.id)}")
        add(f"{pad}- {line(s.explanation)}")
        for f in s.factors:
            text = (f"{pad}- {code_span(f.node)} {line(f.title)} = {t.answer(f.answer)} ({t.source(f.source)}): "
                    f"{t.edge(f.edge)} ×{f.factor:g}")
            if f.because:
                text += f": {line(f.because)}"
            add(text)
        for r in s.rules:
            conditions = ", ".join(f"{k}={v}" for k, v in r.conditions.items())
            text = f"{pad}- {t('rule')} {code_span(r.rule)} ({code_span(conditions)}): ×{r.factor:g}"
            if r.because:
                text += f": {line(r.because)}"
            add(text)
    if report.more_suspects:
        add("")
        add(t("more_suspects", n=report.more_suspects))

    if report.ruled_out:
        add("")
        add(f"## {t('ruled_out')}")
        add("")
        for r in report.ruled_out:
            by = ", ".join(code_span(b) for b in r.by)
            add(f"- {_titled(r.ref, r.title)}: {t('ruled_out_by', by=by)}")

    if report.orphans:
        add("")
        add(f"## {t('orphans')}")
        add("")
        add(t("orphans_note"))
        add("")
        for o in report.orphans:
            item = f"- {code_span(o.id)} = {code_span(o.answer)} ({escape(t.source(o.source))})"
            if o.evidence:
                item += f": {plain(o.evidence)}"
            add(item)

    add("")
    add("---")
    add("")
    add(f"*{t('footer', version=report.version)}*")
    return "\n".join(out) + "\n"
