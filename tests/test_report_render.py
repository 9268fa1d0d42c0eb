"""Rendering the report: Markdown, Mermaid, HTML and SVG escape every text that is not theirs."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from engine.loader import load_or_raise
from engine.render import FORMATS, render
from engine.render.labels import LABELS
from engine.render.markdown import code_span, escape, fence, line, plain, rich
from engine.render.mermaid import flowchart, label
from engine.render.svg import cells, decision_svg, wrap
from engine.render.text import Span, blocks, spans
from engine.report import build_report
from engine.session import Session
from html_elements import Elements

HOSTILE = ("<script>document.title='pwned'</script> [click](javascript:alert(1)) \"]) --> x{{y}} "
           "| `a` ~~s~~ *b* _i_ $$x$$ &amp; #quot; ![i](http://e.example/i.png) ](http://evil.example)")
HOSTILE_JA = "<script>document.title='pwned'</script> [クリック](javascript:alert(1)) \"]) 悪意"
HOSTILE_FIX = "<img src=x onerror=alert(1)>\n# not a heading\n> not a quote\n1. step <b>one</b>\n2. `code` and </ol>"
HOSTILE_LOG = "<script>alert('log')</script> | ](x) `tick <b>"


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@pytest.fixture(scope="module")
def hostile_kb(tmp_path_factory):
    """The shipped graph with a layer that overrides titles and texts with hostile ones."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "evil.yaml").write_text(
        "nodes:\n"
        "  - id: learning_rate_wrong\n    kind: reason\n"
        f"    title: {{en: {_yaml_string(HOSTILE)}, ja: {_yaml_string(HOSTILE_JA)}}}\n"
        f"    fix: {{en: {_yaml_string(HOSTILE_FIX)}, ja: {_yaml_string(HOSTILE_FIX)}}}\n"
        "  - id: loss_nan\n    kind: symptom\n"
        f"    title: {{en: {_yaml_string(HOSTILE)}, ja: {_yaml_string(HOSTILE_JA)}}}\n"
        f"    ask: {{en: {_yaml_string(HOSTILE)}, ja: {_yaml_string(HOSTILE_JA)}}}\n",
        encoding="utf-8")
    return load_or_raise([folder])


def hostile_report(kb, lang="en", found=True):
    from engine.session import Event

    s = Session(kb, lang=lang, framework="pytorch</code><script>x</script>")
    s.answer("yes", "loss_nan", source="log", evidence=HOSTILE_LOG)
    s.orphans.append(Event(seq=99, id="<script>orphan</script>`|](x)", answer="yes", evidence=HOSTILE_LOG))
    s.answer("yes", "nan_early")
    if found:
        s.answer("found", "learning_rate_wrong")
    else:
        s.quit()
    return build_report(s)


# -- Markdown ------------------------------------------------------------------------------------

def test_markdown_escape_leaves_no_construct():
    out = escape("<script>x</script> [a](b) ![i](u) *b* _i_ `c` | ~~s~~ $m$ & \\")
    assert "<" not in out and ">" not in out.replace("&gt;", "")
    assert "&lt;script&gt;" in out and "&amp;" in out
    for char in "[]*_`|~$":
        assert re.search(r"(?<!\\)" + re.escape(char), out) is None, f"unescaped {char!r}"
    assert out.endswith("\\\\")


@pytest.mark.parametrize("text", ["# h", "+ x", "- x", "= x", "1. x", "12) x", "> q", "    code"])
def test_markdown_never_starts_a_block_from_content(text):
    for out in (plain(text), line(text), rich(f"1. {text}")[0][3:], rich(f"- {text}")[0][2:]):
        assert not re.match(r"^(#|\+ |- |= |\d+[.)] |> | )", out), out
        assert out.lstrip("\\").startswith(("#", "+", "-", "=", "1", "&gt;", "code")), out


def test_code_spans_outlast_the_backticks_inside():
    assert code_span("a") == "`a`"
    assert code_span("a`b") == "``a`b``"
    assert code_span("`x`") == "`` `x` ``"
    assert code_span("a|b", table=True) == "`a\\|b`"
    assert fence("x = '```'", "python")[0] == "````python"


def test_knowledge_texts_keep_their_code_spans_and_steps():
    assert spans("use `a|b` now") == [Span("use "), Span("a|b", True), Span(" now")]
    assert spans("one ` tick") == [Span("one ` tick")]
    assert spans("``a`b`` c") == [Span("a`b", True), Span(" c")]
    parsed = blocks("Intro line\n1. first `x`\n   continued\n2. second\n\n- bullet")
    assert [b.kind for b in parsed] == ["p", "ol", "ul"]
    assert parsed[1].items[0] == [Span("first "), Span("x", True), Span(" "), Span("continued")]
    assert rich("1. a\n2. b") == ["1. a", "2. b"]


def test_hostile_titles_are_inert_in_markdown(hostile_kb):
    for lang in ("en", "ja"):
        md = render(hostile_report(hostile_kb, lang), "md")
        prose = re.sub(r"```mermaid.*?```", "", md, flags=re.S)
        outside_code = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", prose)  # code spans show text literally
        assert "<script" not in outside_code and "<img" not in outside_code and "<b>" not in outside_code
        assert "``<script>orphan</script>`|](x)``" in prose, "a hostile id is a code span, fenced longer"
        assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in prose
        assert not re.search(r"(?<!\\)\]\(", outside_code), "no link or image can form"
        assert "\\[click\\](javascript" in prose or lang == "ja"  # escaped, not removed
        assert "# not a heading" not in prose.replace("\\# not a heading", "")
        assert "```" not in prose.replace("```python", "").replace("```\n", ""), "no fence from content"
        assert "&lt;script&gt;alert('log')&lt;/script&gt; \\| \\](x) \\`tick &lt;b&gt;" in prose  # the log line
        # tables keep their columns: every row of the path table has the header's cell count
        table = [row for row in prose.splitlines() if row.startswith("| ") and "| **" in row]
        assert table and all(len(re.findall(r"(?<!\\)\|", row)) == 6 for row in table), table


# -- Mermaid -------------------------------------------------------------------------------------

def test_mermaid_labels_are_quoted_and_inert():
    out = label('a"]) --> b[x]{y}|z `c` <i> #quot; & \\n $$m$$\nnext')
    assert '"' not in out and "[" not in out and "]" not in out and "{" not in out and "|" not in out
    assert "<" not in out and ">" not in out and "`" not in out and "\\" not in out and "$" not in out
    assert "#35;quot;" in out, "the user's entity code is written, not decoded"
    assert "\n" not in out and "next" in out
    assert len(label("x" * 500)) <= 120


def test_mermaid_flowchart_of_hostile_report_has_only_our_syntax(hostile_kb):
    chart = flowchart(hostile_report(hostile_kb))
    lines = chart.strip().splitlines()
    assert lines[0] == "flowchart TD"
    node = re.compile(r'^  (step\d+|outcome)(\(\["|\["|\{\{"|\[\[")[^"\[\]{}|<>`$]*("\]\)|"\]|"\}\}|"\]\])$')
    edge = re.compile(r'^  step\d+ -->\|"[^"\[\]{}|<>`$]*"\| (step\d+|outcome)$')
    style = re.compile(r"^  (classDef \w+ [\w:#,.\- ]+|class [\w,]+ \w+)$")
    for line in lines[1:]:
        assert node.match(line) or edge.match(line) or style.match(line), line
    assert "pwned" in chart and "#lt;script#gt;" in chart


def test_flowchart_follows_the_path(kb, model):
    s = Session(kb, model)
    s.answer("yes", "loss_nan", source="log", evidence="e")
    s.answer("no", "custom_loss")
    s.answer("found", "learning_rate_wrong")
    chart = flowchart(build_report(s))
    assert '  step1 -->|"yes · log"| step2' in chart
    assert '  step3 -->|"found"| outcome' in chart
    assert "class step1 log" in chart and "class step3 found" in chart
    assert re.search(r'outcome\(\["Found: 4\.10 ', chart)


# -- HTML and SVG --------------------------------------------------------------------------------



def test_hostile_titles_are_inert_in_html(hostile_kb):
    for lang, title in (("en", HOSTILE), ("ja", HOSTILE_JA)):
        page = render(hostile_report(hostile_kb, lang), "html")
        parsed = Elements()
        parsed.feed(page)
        assert "script" not in parsed.tags and "img" not in parsed.tags and "b" not in parsed.tags
        assert not any(name.startswith("on") for name, _ in parsed.attrs), "no event handler attribute"
        assert not any((value or "").lower().startswith("javascript") for _, value in parsed.attrs)
        text = "".join(parsed.text)
        assert title.replace("`a`", "a") in text or title in text, "the hostile title is shown as text"
        assert HOSTILE_LOG in text and "pytorch</code><script>x</script>" in text
        assert "<script>orphan</script>`|](x)" in text
        assert html.escape("<script>document.title='pwned'</script>", quote=True) in page


def test_svg_escapes_text_and_attributes(hostile_kb):
    svg = decision_svg(hostile_report(hostile_kb))
    parsed = Elements()
    parsed.feed(svg)
    assert set(parsed.tags) <= {"svg", "defs", "marker", "path", "g", "title", "rect", "circle", "text", "line"}
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "pwned" in "".join(parsed.text)


def test_html_is_self_contained_and_forbids_scripts(kb, model):
    s = Session(kb, model)
    s.answer("yes", "loss_nan")
    s.answer("found", "learning_rate_wrong")
    page = render(build_report(s), "html")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    parsed = Elements()
    parsed.feed(page)
    assert {"script", "link", "img", "iframe", "object", "embed"}.isdisjoint(parsed.tags)
    for name, value in parsed.attrs:  # nothing is loaded: the only URLs are reference links
        if name in ("src", "srcset", "data", "poster"):
            pytest.fail(f"{name}={value}")
    assert not re.search(r"@import|url\((?!#)", page), "CSS loads nothing"
    assert page.count("<svg") == 1


def test_wrap_measures_cells_and_breaks_japanese():
    assert cells("ab") == 2 and cells("学習") == 4
    lines = wrap("学習率を上げる・下げる。とても長いタイトルが続きます", 12)
    assert all(cells(line) <= 12 for line in lines)
    assert not any(line.startswith(("。", "・")) for line in lines), "no line starts with closing punctuation"
    lines = wrap("word " * 40, 20, max_lines=2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert wrap("x" * 50, 20, max_lines=5) == ["x" * 20, "x" * 20, "x" * 10]


# -- labels ----------------------------------------------------------------------------------------

def test_both_languages_have_the_same_labels_and_placeholders():
    assert set(LABELS["en"]) == set(LABELS["ja"])
    for key in LABELS["en"]:
        holes = [set(re.findall(r"\{(\w+)\}", LABELS[lang][key])) for lang in ("en", "ja")]
        assert holes[0] == holes[1], key


def test_render_rejects_an_unknown_format(kb, model):
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        render(build_report(Session(kb, model)), "pdf")
    assert FORMATS == ("md", "html", "json")


def test_html_environment_autoescapes():
    from engine.render.html import environment

    env = environment()
    template = env.get_template("report.html.j2")
    assert template.environment.autoescape is not False
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert Path(template.filename).name == "report.html.j2"


def test_hostile_markdown_through_a_commonmark_renderer(hostile_kb):
    """What a Markdown viewer makes of the hostile report: only our own elements, no link but the
    knowledge's references, the hostile text shown as text (markdown-it-py: CommonMark + tables)."""
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    allowed_links = {r.url for r in hostile_kb.nodes["learning_rate_wrong"].references}
    for lang in ("en", "ja"):
        page = renderer.render(render(hostile_report(hostile_kb, lang), "md"))
        tags = set(re.findall(r"<([a-z0-9]+)", page))
        assert tags <= {"a", "br", "code", "em", "h1", "h2", "h3", "hr", "li", "ol", "p", "pre", "strong",
                        "table", "tbody", "td", "th", "thead", "tr", "ul"}, tags
        assert set(re.findall(r'<a href="([^"]*)"', page)) <= allowed_links
        assert "<em>b</em>" not in page and "<em>i</em>" not in page and "<s>" not in page
        assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "<h1>" in page and page.count("<h1>") == 1, "no heading made from content"
        rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
        path_rows = [row for row in rows if "<td>" in row and "pwned" in row]
        assert path_rows and all(row.count("<td") == 5 for row in path_rows)
