"""Hostile knowledge, logs and sessions (issue 8): every output shows them as inert text, or the
input is refused with one clear, positioned error.

"Hostile" here means text that tries to become something else where it is shown: Rich/Textual
markup (``[@click=app.quit]``), HTML (``<script>``, ``<img onerror>``), Markdown links, Mermaid
and DOT syntax, terminal escape sequences (clear screen, OSC 52 clipboard writes, the window
title), BEL, CR, NUL, right-to-left overrides and zero-width characters, and strings as long as
the schema allows. The YAML side: alias bombs, ``!!python/object`` tags, duplicate keys.

Knowledge files may not hold control or invisible formatting characters at all (the schema
refuses them, with the position); the renderers make them inert anyway, because logs, session
files and people can still bring them in, and that second line of defence is tested here with a
knowledge graph tampered with after validation.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli
from html_elements import Elements
from engine.text import UNSAFE, describe, first_unsafe, inert, json_safe, placeholder

FIX = ROOT / "tests" / "fixtures" / "hostile"
LAYER = FIX / "layer"
REFUSED = FIX / "refused"

CLICK = "[@click=app.quit]Q[/]"
"""Starts every hostile title: as markup it would be a link that quits the app when clicked."""
MARKUP = f"{CLICK} [bold red]x[/] [link=file:///etc/passwd]z[/link]"
HTML_BITS = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
MERMAID = '"])-->x[ a|b %%{init: {"theme": "dark"}}%% `tick` click X call alert()'
DOT = 'a"]; evil [label="pwn'
MD_LINKS = "[a](javascript:alert(1)) ![i](http://e.example/i.png)"
CONTROL = ("clear\x1b[2J\x1b[H clip\x1b]52;c;cHduZWQ=\x07 title\x1b]0;pwned\x07 bell\x07 cr\rover "
           "csi\x9b31m nul\x00 rlo\u202eevil\u202c zw\u200bsp iso\u2066x\u2069 ls\u2028ps\u2029 "
           "bom\ufeff tag\U000e0041 del\x7f tab\tstop")
"""Every kind of character that acts on a display instead of showing."""
CONTROL_SHOWN = ["‹ESC›[2J‹ESC›[H", "‹ESC›]52;c;cHduZWQ=‹BEL›", "‹ESC›]0;pwned‹BEL›", "bell‹BEL›", "cr‹CR›over",
                 "csi‹U+009B›31m", "nul‹NUL›", "rlo‹U+202E›evil‹U+202C›", "zw‹U+200B›sp", "ls‹U+2028›ps‹U+2029›",
                 "bom‹U+FEFF›", "tag‹U+E0041›", "del‹DEL›"]
"""How :data:`CONTROL` looks once inert."""


def _hostile(ident: str, field: str) -> str:
    """A short hostile text that names where it stands (so each field can be found on screen)."""
    return f"{CLICK} {ident}.{field} [bold red]x[/] <script>alert(1)</script> \"])-->x[ a\"]; [link=file:///etc/passwd]z[/link]"


# -- engine.text ---------------------------------------------------------------------------------

def test_inert_shows_every_control_and_formatting_character():
    shown = inert(CONTROL)
    for piece in CONTROL_SHOWN:
        assert piece in shown, piece
    assert UNSAFE.search(shown) is None
    assert inert("a\r\nb\tc\nd") == "a\nb\tc\nd", "CR LF is a line break; TAB and LF stay"
    plain = "plain [b]text[/b] <i> 日本語　全角スペース、絵文字 🙂 é"
    assert inert(plain) is plain, "ordinary text (Japanese, emoji, accents) is returned untouched"
    for char in "\u3000\u00a0\u2003":  # not printable for Python, but ordinary visible spaces
        assert inert(char) == char
    # the placeholders hold nothing that is syntax in HTML, Markdown, Mermaid, DOT or Rich markup
    assert not set("".join(placeholder(chr(c)) for c in (0, 0x1B, 0x7F, 0x9B, 0x202E))) & set("<>&\"'[]{}|`\\*_#$%")


def test_unsafe_ranges_cover_the_unicode_database():
    """The written-out ranges hold exactly the categories Cc (minus TAB, LF), Cf, Zl, Zp and Cs of this
    Python's Unicode database (plus characters it does not know yet)."""
    wanted = {"Cc", "Cf", "Zl", "Zp", "Cs"}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        in_ranges = UNSAFE.fullmatch(char) is not None
        if code in (9, 10):
            assert not in_ranges
        elif category in wanted:
            assert in_ranges, f"U+{code:04X} ({category}) is not made inert"
        elif in_ranges:
            assert category == "Cn", f"U+{code:04X} ({category}) is made inert but is ordinary text"


def test_json_safe_keeps_the_data_and_escapes_the_display():
    data = {"t": CONTROL + " 日本語 [b]x[/b]"}
    raw = json.dumps(data, ensure_ascii=False)
    safe = json_safe(raw)
    assert UNSAFE.search(safe) is None and "日本語" in safe and "\\u202e" in safe
    assert "\\udb40\\udc41" in safe, "characters beyond the BMP as a surrogate pair"
    assert json.loads(safe) == data
    assert safe.splitlines() == [safe], "no line or paragraph separator splits the line"


def test_error_messages_describe_characters_without_showing_them():
    assert describe("\x1b") == "U+001B (ESC)" and describe("\u202e") == "U+202E (RIGHT-TO-LEFT OVERRIDE)"
    assert first_unsafe("ok\tfine\nhere") is None
    assert first_unsafe("ab\u200bc") == (2, "\u200b")


# -- refused: YAML tricks and control characters, through every command that loads knowledge -----

REFUSALS = [
    ("alias_bomb.yaml", 2, 4, "anchors and aliases (&name, *name) are not supported"),
    ("python_tag.yaml", 5, 12, "the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    ("python_object.yaml", 2, 5, "the tag 'tag:yaml.org,2002:python/object:subprocess.Popen' is not allowed"),
    ("duplicate_key.yaml", 6, 5, "duplicate key 'title' in this mapping"),
    ("raw_escape.yaml", 3, 23, "the control character U+001B (ESC) is not allowed in a YAML file"),
    ("escape_title.yaml", 3, 17, "title.en: character 6 is U+001B (ESC), a control or invisible formatting"),
    ("osc52_ask.yaml", 4, 11, "ask.en: character 17 is U+001B (ESC)"),
    ("bell_help.yaml", 3, 16, "help.en: character 6 is U+0007 (BEL)"),
    ("cr_why.yaml", 3, 15, "why.en: character 16 is U+000D (CR)"),
    ("nul_fix.yaml", 3, 15, "fix.en: character 4 is U+0000 (NUL)"),
    ("c1_snippet.yaml", 3, 25, "snippets.pytorch: character 8 is U+009B (CSI)"),
    ("rtl_title.yaml", 3, 26, "the character U+202E (RIGHT-TO-LEFT OVERRIDE) reorders how the text around it"),
    ("rtl_comment.yaml", 3, 22, "the character U+2067 (RIGHT-TO-LEFT ISOLATE) reorders how the text around it"),
    ("zero_width_because.yaml", 6, 19, "because.en: character 14 is U+200B (ZERO WIDTH SPACE)"),
    ("tag_chars_phrase.yaml", 4, 12, "phrases.en.0: character 13 is U+E0069"),
    ("line_separator_reference.yaml", 4, 17, "references.0.title: character 11 is U+2028 (LINE SEPARATOR)"),
    ("rule_because_rlo.yaml", 6, 19, "because.en: character 1 is U+202E (RIGHT-TO-LEFT OVERRIDE)"),
]


def _one_clear_error(stream: str, where: str, words: str) -> None:
    assert "Traceback" not in stream
    lines = [line for line in stream.splitlines() if line.startswith(where)]
    assert len(lines) == 1 and words in lines[0], stream
    assert UNSAFE.search(stream.replace("\n", "")) is None, "the message describes the character, never shows it"


@pytest.mark.parametrize("name, line, col, words", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_with_a_positioned_error_by_every_command(tmp_path, monkeypatch, cli, name, line, col, words):
    monkeypatch.chdir(tmp_path)  # a tag that ran "touch pwned-by-yaml" would leave the file here
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / name).write_bytes((REFUSED / name).read_bytes())
    where = f"layer/{name}:{line}:{col}: "
    commands = [("kb", "validate", "layer"), ("kb", "dump", "--format", "mermaid", "layer"),
                ("session", "--jsonl", "--knowledge", "layer"), ("tui", "--knowledge", "layer", "--new")]
    for args in commands:
        code, out, err = cli(*args)
        assert code == 1, (args, err)
        _one_clear_error(out + err, where, words)
        assert "flowchart" not in out and '"type": "ask"' not in out, "nothing is served"
    assert not (tmp_path / "pwned-by-yaml").exists(), "no tag ran code"


def test_refusal_in_a_real_process_is_one_line_without_traceback(tmp_path):
    proc = run_cli("kb", "validate", str(REFUSED / "python_tag.yaml"), cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stdout.count("\n") == 1 and ":5:12: the tag " in proc.stdout
    assert not (tmp_path / "pwned-by-yaml").exists()


def test_alias_bomb_is_refused_fast_and_small(tmp_path):
    """Refused at the first anchor: nothing is expanded (10^9 strings would take minutes and GBs)."""
    import time

    from engine.loader import load_knowledge

    started = time.perf_counter()
    result = load_knowledge([REFUSED / "alias_bomb.yaml"])
    assert result.kb is None and time.perf_counter() - started < 5


def test_duplicate_key_keeps_neither_value(tmp_path):
    from engine.loader import load_knowledge

    result = load_knowledge([REFUSED / "duplicate_key.yaml"])
    assert result.kb is None, "a last-wins loader would have shown the hidden second title"


def test_strings_up_to_the_schema_limits_load_and_one_more_character_is_refused(tmp_path):
    from engine.loader import load_knowledge, load_or_raise

    def layer(size: int, ref_size: int, tag_size: int, phrase_size: int) -> Path:
        folder = tmp_path / f"l{size}"
        folder.mkdir()
        data = {"nodes": [
            {"id": "loss_nan", "title": {"en": "<b>" + "x" * (size - 3), "ja": "損" * size},
             "tags": ["t" * tag_size], "phrases": {"en": ["loss " + "n" * (phrase_size - 5)]}},
            {"id": "learning_rate_wrong", "why": {"en": ("w " * size)[:size], "ja": ("理由" * size)[:size]},
             "snippets": {"pytorch": "#" * size},
             "references": [{"title": "r" * ref_size, "url": "https://e.example/" + "u" * 1900}]},
        ]}
        (folder / "big.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, width=10**9), encoding="utf-8")
        return folder

    kb = load_or_raise([layer(20_000, 500, 40, 200)])
    assert len(kb.nodes["loss_nan"].title.en) == 20_000 and len(kb.nodes["loss_nan"].title.ja) == 20_000
    result = load_knowledge([layer(20_001, 501, 41, 201)])
    messages = sorted(str(p) for p in result.errors)
    assert len(messages) == 8, messages
    for field, limit in (("title.en", 20_000), ("title.ja", 20_000), ("tags.0", 40), ("phrases.en.0", 200),
                         ("why.en", 20_000), ("snippets.pytorch", 20_000), ("references.0.title", 500)):
        assert any(f": {field}: " in m and f"should have at most {limit} " in m for m in messages), field
    assert all(re.match(r"^.*big\.yaml:\d+:\d+: node '\w+': ", m) for m in messages), messages


# -- accepted: markup, HTML and diagram syntax are data ------------------------------------------

@pytest.fixture(scope="module")
def hostile_kb():
    from engine.loader import load_or_raise

    return load_or_raise([LAYER])


def _written(name: str) -> dict:
    return yaml.safe_load((LAYER / name).read_text(encoding="utf-8"))


def test_the_hostile_layer_is_valid_and_kept_exactly(hostile_kb):
    written = {n["id"]: n for n in _written("hostile.yaml")["nodes"]}
    for ident, node in written.items():
        for field in ("title", "ask", "help", "why", "check", "fix"):
            if field in node:
                got = getattr(hostile_kb.nodes[ident], field)
                assert (got.en, got.ja) == (node[field]["en"], node[field]["ja"]), (ident, field)
    assert hostile_kb.nodes["learning_rate_wrong"].snippets["pytorch"] == written["learning_rate_wrong"]["snippets"]["pytorch"]


def test_kb_dump_json_is_the_data(cli):
    code, out, _ = cli("kb", "dump", "--format", "json", str(LAYER))
    assert code == 0 and UNSAFE.search(out.replace("\n", "")) is None
    dumped = {n["id"]: n for n in json.loads(out)["nodes"]}
    written = {n["id"]: n for n in _written("hostile.yaml")["nodes"]}
    assert dumped["loss_nan"]["title"] == written["loss_nan"]["title"]
    assert dumped["learning_rate_wrong"]["check"] == written["learning_rate_wrong"]["check"]
    assert dumped["learning_rate_wrong"]["references"][0] == written["learning_rate_wrong"]["references"][0]
    edge = next(e for e in json.loads(out)["edges"] if (e["source"], e["target"], e["kind"]) ==
                ("loss_nan", "learning_rate_wrong", "suggests"))
    assert edge["because"] == _written("hostile.yaml")["edges"][0]["because"]


_ID = r"[a-z][a-z0-9_]*"
_LABEL = r'[^"\[\]{}|<>`\\$%\n\x00-\x1f]*'  # nothing Mermaid could read as syntax, no line break
_MERMAID_NODE = re.compile(rf'^  {_ID}(\(\["|\["|\{{\{{"|\[\["){_LABEL}("\]\)|"\]|"\}}\}}|"\]\])$')
_MERMAID_EDGE = re.compile(rf'^  {_ID} (-->|-\.-x|-\.->|==>)\|"{_LABEL}"\| {_ID}$')
_MERMAID_STYLE = re.compile(r"^  (classDef \w+ [\w:#,.\- ]+|class [\w,]+ \w+)$")


def _check_mermaid(text: str, nodes: int) -> None:
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart LR"
    node_lines = 0
    for line in lines[1:]:
        if _MERMAID_NODE.match(line):
            node_lines += 1
        else:
            assert _MERMAID_EDGE.match(line) or _MERMAID_STYLE.match(line), line[:300]
    assert node_lines == nodes, "one line per node: no label broke out onto a line of its own"


_DOT_STRING = r'"(?:[^"\\\n]|\\.)*"'
_DOT_ATTRS = rf"\[(?:\w+=(?:{_DOT_STRING}|\w+)(?:, )?)+\]"
_DOT_LINE = re.compile(rf"^  (?:{_DOT_STRING} {_DOT_ATTRS}|{_DOT_STRING} -> {_DOT_STRING} {_DOT_ATTRS}|"
                       r'rankdir=LR|node \[fontname="sans-serif"\]);$')


def _check_dot(text: str, nodes: int) -> None:
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "digraph knowledge {" and lines[-1] == "}"
    for line in lines[1:-1]:
        assert _DOT_LINE.match(line), line[:300]
    assert sum(1 for line in lines if "[label=" in line and " -> " not in line) == nodes


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_kb_dump_mermaid_and_dot_keep_every_label_quoted_on_one_line(cli, hostile_kb, lang):
    code, mermaid, _ = cli("kb", "dump", "--format", "mermaid", "--lang", lang, str(LAYER))
    assert code == 0
    _check_mermaid(mermaid, len(hostile_kb.nodes))
    line = next(x for x in mermaid.splitlines() if x.startswith("  loss_nan(["))
    assert "#91;@click=app.quit#93;Q#91;/#93;" in line and "#lt;" in line
    assert "%" not in mermaid, "no comment or %%{init}%% directive can start inside a label"
    assert "#37;#37;#123;init: #123;#quot;theme#quot;" in mermaid or lang == "ja"
    code, dot, _ = cli("kb", "dump", "--format", "dot", "--lang", lang, str(LAYER))
    assert code == 0
    _check_dot(dot, len(hostile_kb.nodes))
    title = hostile_kb.nodes["loss_nan"].title.get(lang)
    assert f'"loss_nan" [label="{title.replace(chr(34), chr(92) + chr(34))}",' in dot


def _tampered(kb, text: str = CONTROL, file: str = "evil\x1b]0;pwned\x07.yaml"):
    """``kb`` as if validation had let control characters through: every text of every node, edge
    and rule carries ``text`` (with its id, to find it), and every location a hostile file name."""
    from engine.knowledge import Location
    from engine.schema import Reference, Text

    def t(ident: str, field: str) -> Text:
        return Text.model_construct(en=f"{ident}.{field} {text}", ja=f"{ident}.{field} 日本語 {text}")

    nodes = {}
    for ident, node in kb.nodes.items():
        update = {"title": t(ident, "title")}
        for field in ("ask", "help", "why", "check", "fix"):
            if field in type(node).model_fields:
                update[field] = t(ident, field)
        if "snippets" in type(node).model_fields:
            update["snippets"] = {"pytorch": f"print('{ident}') # {text}", "keras": f"# {text}"}
            update["references"] = [Reference.model_construct(title=f"ref {text}", url=f"https://e.example/{text}")]
        nodes[ident] = node.model_copy(update=update)
    edges = [e.model_copy(update={"because": t(e.source, "because")}) for e in kb.edges]
    rules = [r.model_copy(update={"because": t(r.id, "because")}) for r in kb.rules]
    where = {i: Location(file, loc.line, loc.col) for i, loc in kb.node_locations.items()}
    return dataclasses.replace(kb, nodes=nodes, edges=edges, rules=rules, node_locations=where,
                               layers=[*kb.layers, f"layer {text}"])


def test_dumps_make_control_characters_inert_even_past_validation(kb):
    from engine.dump import render

    bad = _tampered(kb)
    for fmt in ("mermaid", "dot"):
        out = render(bad, fmt)
        assert UNSAFE.search(out.replace("\n", "")) is None, fmt
        assert ("clear‹ESC›#91;2J‹ESC›#91;H" if fmt == "mermaid" else "clear‹ESC›[2J‹ESC›[H") in out and "rlo‹U+202E›evil" in out
        (_check_mermaid if fmt == "mermaid" else _check_dot)(out, len(bad.nodes))
    out = render(bad, "json")
    assert UNSAFE.search(out.replace("\n", "")) is None, "JSON escapes them as \\u sequences"
    assert json.loads(out)["nodes"][0]["title"]["en"].endswith(CONTROL), "and keeps the data exact"


# -- reports ---------------------------------------------------------------------------------------



def _hostile_session(kb, *, lang="en", evidence=CONTROL, framework="pytorch"):
    from engine.session import Event, Session

    s = Session(kb, lang=lang, framework=framework)
    s.answer("yes", "loss_nan", source="log", evidence=f"log says {evidence}")
    s.answer("yes", "nan_early", source="say", evidence=f'heard "{evidence}"')
    s.orphans.append(Event(seq=99, id=f"gone {evidence}", answer="yes", evidence=evidence))
    s.answer("found", "learning_rate_wrong")
    return s


_REPORT_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "div", "p", "h1", "h2", "h3", "main",
                "dl", "dt", "dd", "code", "section", "ul", "li", "span", "figure", "svg", "defs", "marker", "path",
                "g", "rect", "circle", "text", "line", "table", "thead", "tbody", "tr", "th", "td", "strong", "ol",
                "br", "pre", "a", "details", "summary", "footer"}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_html_report_has_no_live_tag_or_attribute_from_the_text(hostile_kb, lang):
    from engine.render import render_report

    session = _hostile_session(hostile_kb, lang=lang, framework="pytorch<script>alert(0)</script>")
    page = render_report(session, "html")
    parsed = Elements()
    parsed.feed(page)
    assert set(parsed.tags) <= _REPORT_TAGS, set(parsed.tags) - _REPORT_TAGS
    assert not any(name.startswith("on") for name, _ in parsed.attrs), "no event handler"
    assert not any("javascript:" in (value or "").lower() for _, value in parsed.attrs)
    assert [v for n, v in parsed.attrs if n == "href"] == ["https://e.example/ok"], "the URL with quotes is no link"
    text = "".join(parsed.text)
    for ident in ("loss_nan", "nan_early", "learning_rate_wrong"):
        assert hostile_kb.nodes[ident].title.get(lang).replace("`lr`", "lr") in text.replace("`lr`", "lr")
    assert "<iframe src=\"javascript:alert(4)\"></iframe>" in text and "pytorch<script>alert(0)</script>" in text
    assert UNSAFE.search(page.replace("\n", "")) is None, "no control character reaches the page"
    for piece in CONTROL_SHOWN:
        assert piece in text, piece


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_markdown_report_has_no_raw_html_no_link_and_a_sound_flowchart(hostile_kb, lang):
    from markdown_it import MarkdownIt

    from engine.render import render_report

    session = _hostile_session(hostile_kb, lang=lang)
    md = render_report(session, "md")
    assert UNSAFE.search(md.replace("\n", "")) is None
    for piece in CONTROL_SHOWN:  # Markdown text is one line: CR and the separators became spaces
        piece = {"cr‹CR›over": "cr over", "ls‹U+2028›ps‹U+2029›": "ls ps "}.get(piece, piece)
        assert piece.replace("[", "\\[") in md, piece
    page = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(md)
    tags = set(re.findall(r"<([a-z0-9]+)", page))
    assert tags <= {"a", "br", "code", "em", "h1", "h2", "h3", "hr", "li", "ol", "p", "pre", "strong", "table",
                    "tbody", "td", "th", "thead", "tr", "ul"}, tags
    assert set(re.findall(r'<a href="([^"]*)"', page)) <= {"https://e.example/ok"}, "only the plain reference links"
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page and "<h1>" in page and page.count("<h1>") == 1
    chart = re.search(r"```mermaid\n(.*?)\n```", md, flags=re.S).group(1).split("\n")
    assert chart[0] == "flowchart TD"
    node = re.compile(r'^  (step\d+|outcome)(\(\["|\["|\{\{"|\[\[")' + _LABEL + r'("\]\)|"\]|"\}\}|"\]\])$')
    edge = re.compile(r'^  step\d+ -->\|"' + _LABEL + r'"\| (step\d+|outcome)$')
    assert all(node.match(x) or edge.match(x) or _MERMAID_STYLE.match(x) for x in chart[1:]), chart
    from engine.report import build_report

    assert sum(1 for x in chart if node.match(x)) == len(build_report(session).path) + 1


def test_json_report_is_the_data_and_terminal_safe(hostile_kb):
    from engine.render import render_report

    out = render_report(_hostile_session(hostile_kb), "json")
    assert UNSAFE.search(out.replace("\n", "")) is None
    data = json.loads(out)
    assert data["found"]["title"] == hostile_kb.nodes["learning_rate_wrong"].title.en
    assert {f["evidence"] for f in data["facts"] if f.get("evidence")} >= {f"log says {CONTROL}"}
    assert data["orphans"][0]["id"] == f"gone {CONTROL}"


def test_reports_of_a_tampered_graph_are_inert(kb):
    from engine.render import render_report
    from engine.session import Session

    bad = _tampered(kb)
    s = Session(bad)
    s.answer("yes", "loss_nan")
    s.answer("found", "learning_rate_wrong")
    for fmt in ("md", "html", "json"):
        out = render_report(s, fmt)
        assert UNSAFE.search(out.replace("\n", "")) is None, fmt
    assert "loss\\_nan.title clear‹ESC›\\[2J‹ESC›\\[H" in render_report(s, "md")


def test_report_command_writes_a_hostile_session_inertly(tmp_path, cli):
    from engine.loader import load_or_raise

    session = _hostile_session(load_or_raise())
    path = tmp_path / "s.json"
    session.save(path)
    for fmt in ("md", "html", "json"):
        code, out, err = cli("report", str(path), "--format", fmt)
        assert code == 0 and "gone clear\\x1b[2J" in err, "the orphan is reported, its id escaped"
        assert UNSAFE.search((out + err).replace("\n", "")) is None, fmt


# -- the JSON-lines protocol -----------------------------------------------------------------------

def _pairs(messages: list[dict]) -> list[tuple[str, str, str]]:
    """Every (node id, field, text) a protocol message carries from the knowledge."""
    found = []
    for m in messages:
        if m["type"] == "ask":
            found += [(m["node"]["id"], key, m["node"][key]) for key in ("title", "text", "check", "fix")
                      if key in m["node"]]
        if m["type"] == "why":
            found += [(s["id"], "title", s["title"]) for s in m["pending"].get("separates", [])]
    return found


def test_protocol_lines_are_json_and_carry_the_texts_exactly(tmp_path, hostile_kb):
    lines = [{"answer": "yes", "id": "loss_nan"}, {"why": True}, {"answer": "yes"},
             {"say": f"the loss is nan {MARKUP} {HTML_BITS} {CONTROL}"}, {"answer": "found", "id": "learning_rate_wrong"}]
    proc = run_cli("session", "--jsonl", "--knowledge", str(LAYER), cwd=tmp_path,
                   input="".join(json.dumps(x) + "\n" for x in lines))
    assert proc.returncode == 0, proc.stderr
    assert UNSAFE.search(proc.stdout.replace("\n", "")) is None
    out = proc.stdout.split("\n")
    assert out[-1] == "" and len(out) - 1 == len(lines) + 1
    messages = [json.loads(line) for line in out[:-1]]
    assert [m["type"] for m in messages] == ["ask", "ask", "why", "ask", "ask", "done"]
    hostile = {"loss_nan", "nan_early", "learning_rate_wrong"}
    seen = [(i, k, v) for i, k, v in _pairs(messages) if i in hostile]
    assert any(k == "title" for _, k, _ in seen), "the hostile titles were served"
    for ident, key, text in seen:
        node = hostile_kb.nodes[ident]
        expected = {"title": node.title.en, "check": getattr(getattr(node, "check", None), "en", None),
                    "fix": getattr(getattr(node, "fix", None), "en", None),
                    "text": (getattr(node, "ask", None) or node.title).en}[key]
        assert text == expected, (ident, key)


def test_protocol_on_a_hostile_session_file_stays_json_lines(tmp_path, kb):
    """A resumed session's evidence, orphans and framework can hold anything: still one valid,
    terminal-safe JSON object per line, and the orphans named on stderr with escapes."""
    saved = tmp_path / "s.json"
    _hostile_session(kb, framework=f"pytorch {CONTROL}").save(saved)
    data = json.loads(saved.read_text())
    data["events"] = [e for e in data["events"] if e["answer"] != "found"]
    data["outcome"] = data["found"] = None
    saved.write_text(json.dumps(data))
    requests = [{"why": True}, {"say": f"loss is nan {CONTROL}"}, {"answer": "yes"}, {"quit": True}]
    proc = run_cli("session", "--jsonl", "--resume", str(saved), cwd=tmp_path,
                   input="".join(json.dumps(x) + "\n" for x in requests))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split("\n")
    assert lines[-1] == "" and [json.loads(x)["type"] for x in lines[:-1]][-1] == "done"
    assert len(lines) - 1 == len(requests) + 1
    assert UNSAFE.search((proc.stdout + proc.stderr).replace("\n", "")) is None
    assert "gone clear\\x1b[2J" in proc.stderr


# -- nn-triage analyze -----------------------------------------------------------------------------

HOSTILE_COLUMN = f"loss {CLICK} <script>x</script> \x1b]52;c;cHduZWQ=\x07 \u202eevil \u200bzw \r end"


def _hostile_log(tmp_path: Path) -> Path:
    name = tmp_path / "run \u202egol.jsonl"  # a file name that would read backwards
    rows = [{"step": i, HOSTILE_COLUMN: float("nan") if i > 6 else 2.3 - i * 0.01, "val_loss": 2.3,
             f"note [b]x[/b] \x1b[2J \u2028": 1} for i in range(12)]
    name.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")  # NaN as JSON NaN
    return name


def test_analyze_text_output_shows_hostile_names_inert(tmp_path, cli):
    log = _hostile_log(tmp_path)
    code, out, err = cli("analyze", str(log), "--column", f"loss={HOSTILE_COLUMN}")
    assert code == 0 and err == ""
    assert UNSAFE.search(out.replace("\n", "")) is None
    assert f"loss {CLICK} <script>x</script>" in out, "markup and HTML stay literal text"
    assert "loss_nan" in out


def test_analyze_json_output_is_the_data_and_terminal_safe(tmp_path, cli):
    log = _hostile_log(tmp_path)
    code, out, _ = cli("analyze", str(log), "--column", f"loss={HOSTILE_COLUMN}", "--format", "json")
    assert code == 0 and UNSAFE.search(out.replace("\n", "")) is None
    data = json.loads(out)
    assert HOSTILE_COLUMN in data["series"] and data["file"] == str(log)


def test_analyze_errors_name_a_hostile_file_inertly(tmp_path, cli):
    bad = tmp_path / "evil\x1b]0;pwned\x07\u202e.csv"
    bad.write_bytes(b"\x00\x01binary")
    code, out, err = cli("analyze", str(bad))
    assert code == 1 and out == ""
    assert err.startswith("nn-triage: ") and err.count("\n") == 1
    assert UNSAFE.search(err.replace("\n", "")) is None and "evil" in err


# -- the TUI ---------------------------------------------------------------------------------------

# What Textual itself writes: SGR colours and absolute cursor moves. Anything else that is a
# control character came from the text.
_TEXTUAL_SEQUENCE = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\d+;\d+H")


def _terminal_output(app) -> str:
    """Exactly what the app would write to a real terminal to draw the current screen."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


def _assert_terminal_safe(app) -> None:
    rest = _TEXTUAL_SEQUENCE.sub("", _terminal_output(app))
    assert "\t" not in rest, "a raw TAB would move the cursor past cells Textual has drawn"
    found = UNSAFE.search(rest.replace("\n", ""))
    assert found is None, f"{describe(found.group())} reached the terminal: {rest[max(0, found.start() - 40):found.end() + 40]!r}"


def _all_nodes_hostile_layer(folder: Path, kb) -> Path:
    """A layer giving every node, edge and rule of ``kb`` hostile texts (so whatever is asked is)."""
    folder.mkdir()
    nodes = []
    for ident, node in kb.nodes.items():
        entry = {"id": ident, "title": {"en": _hostile(ident, "title"), "ja": _hostile(ident, "title")}}
        for field in ("ask", "help", "why", "check", "fix"):
            if field in type(node).model_fields:
                entry[field] = {"en": _hostile(ident, field), "ja": _hostile(ident, field)}
        if "snippets" in type(node).model_fields:
            entry["snippets"] = {"pytorch": f"print('{CLICK} {ident}.code <script>x</script>')"}
            entry["references"] = [{"title": f"{CLICK} {ident}.ref <img src=x onerror=alert(1)>",
                                    "url": "https://e.example/a\"onmouseover=\"x"}]
        nodes.append(entry)
    edges = [{**e.model_dump(mode="json", exclude_none=True),
              "because": {"en": _hostile(e.source, "because"), "ja": _hostile(e.source, "because")}}
             for e in kb.edges]
    rules = [{**r.model_dump(mode="json", by_alias=True, exclude_none=True),
              "because": {"en": _hostile(r.id, "because"), "ja": _hostile(r.id, "because")}} for r in kb.rules]
    (folder / "hostile.yaml").write_text(yaml.safe_dump({"nodes": nodes, "edges": edges, "rules": rules},
                                                        allow_unicode=True, width=10**9, sort_keys=False),
                                         encoding="utf-8")
    return folder


async def _main(pilot):
    from tui.screens.main import MainScreen

    await pilot.pause()
    assert isinstance(pilot.app.screen, MainScreen)
    return pilot.app.screen


async def _until_check(pilot, main) -> None:
    while main.session.kb.nodes[main.session.pending].kind not in ("reason", "strategy"):
        await pilot.press("n")
        await pilot.pause()


def _still_running(app, main) -> None:
    assert app.is_running and app.return_code is None, "nothing quit the app"
    assert app.screen_stack[0] is not None and main in app.screen_stack


async def test_tui_shows_markup_and_html_as_text_everywhere(tmp_path, kb):
    from textual.widgets import OptionList

    from tui.screens.browser import BrowserScreen
    from tui.screens.modals import ChoiceScreen, InfoScreen
    from tui.widgets.prose import Prose
    from tui_helpers import build, choose_first, screen_text

    layer = _all_nodes_hostile_layer(tmp_path / "team", kb)
    app = build(tmp_path, knowledge=[layer])
    async with app.run_test(size=(150, 45), notifications=True) as pilot:
        main = await _main(pilot)
        first = main.session.pending
        text = screen_text(app)
        assert f"{CLICK} {first}.title [bold red]x[/] <script>alert(1)</script>" in text
        assert "[link=file:///etc/passwd]z[/link]" in text
        # as markup, the first character of the title would be a link that quits: click it
        await pilot.click("#q-title", offset=(0, 0))
        await pilot.click("#q-text", offset=(0, 0))
        await pilot.pause()
        _still_running(app, main)
        assert main.session.pending == first, "the click was not an answer either"

        await pilot.press("question_mark")  # why: lists the suspects the question separates
        await pilot.pause()
        assert isinstance(app.screen, InfoScreen)
        assert ".title [bold red]x[/] <script>alert(1)</script>" in screen_text(app)
        await pilot.press("escape")

        await choose_first(pilot, main.query_one("#suspects", OptionList))  # how: the factors and their "because"
        assert isinstance(app.screen, InfoScreen)
        assert CLICK in app.screen.query_one(Prose).text and CLICK in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()

        await _until_check(pilot, main)  # a check: steps, code, fix and references
        check = main.session.pending
        panel_text = screen_text(app)
        for field in ("title", "why", "check", "fix"):
            assert f"{CLICK} {check}.{field} [bold red]x[/]" in panel_text, field
        assert f"print('{CLICK} {check}.code <script>x</script>')" in panel_text
        assert f"{CLICK} {check}.ref <img src=x onerror=alert(1)>" in panel_text

        await pilot.press("z")  # undo: the notification names the node
        await pilot.pause()
        assert f"Undone: {CLICK}" in screen_text(app), "the toast shows the markup as text"

        await choose_first(pilot, main.query_one("#path", OptionList))  # change an earlier answer: the dialog names it
        assert isinstance(app.screen, ChoiceScreen)
        shown = screen_text(app)
        assert f"Change your answer to: {CLICK}" in shown and f"{main.session.events[0].id}.title [bold red]x[/]" in shown
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("k")  # the knowledge browser, on a hostile node
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)
        await pilot.press(*"learning_rate_wrong")
        await pilot.pause()
        detail = screen_text(app)
        for field in ("title", "why", "check", "fix"):
            assert f"{CLICK} learning_rate_wrong.{field} [bold red]x[/]" in detail, field
        await pilot.click("#detail", offset=(0, 1))
        await pilot.press("escape")
        await pilot.pause()
        _still_running(app, main)
        _assert_terminal_safe(app)


async def test_tui_never_sends_control_characters_to_the_terminal(tmp_path, kb):
    """Defence in depth: with a graph tampered with after validation, every view still draws the
    control characters as visible placeholders."""
    from textual.widgets import OptionList

    from tui.app import make_app
    from tui.screens.browser import BrowserScreen
    from tui.settings import Settings
    from tui_helpers import choose_first, screen_text

    bad = _tampered(kb)
    app = make_app(Settings(data=tmp_path / "data", offer_resume=False, framework="pytorch"), bad)
    async with app.run_test(size=(150, 45), notifications=True) as pilot:
        main = await _main(pilot)
        _assert_terminal_safe(app)
        shown = screen_text(app)
        assert ".title clear‹ESC›[2J‹ESC›[H" in shown and "rlo‹U+202E›evil" in shown
        await pilot.press("question_mark")
        await pilot.pause()
        _assert_terminal_safe(app)
        await pilot.press("escape")
        await choose_first(pilot, main.query_one("#suspects", OptionList))
        _assert_terminal_safe(app)
        await pilot.press("escape")
        await pilot.pause()
        await _until_check(pilot, main)
        _assert_terminal_safe(app)
        assert "# clear‹ESC›[2J‹ESC›[H" in screen_text(app), "the code sample too"
        await pilot.press("z")
        await pilot.pause()
        _assert_terminal_safe(app)  # the undo notification
        await choose_first(pilot, main.query_one("#path", OptionList))
        _assert_terminal_safe(app)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)
        await pilot.press(*"learning_rate")
        await pilot.pause()
        _assert_terminal_safe(app)
        assert "evil‹ESC›]0;pwned‹BEL›.yaml" in screen_text(app), "a hostile file name too"
        await pilot.press("escape")
        await pilot.pause()
        _still_running(app, main)


async def test_tui_resumed_session_and_free_text_are_inert(tmp_path, kb):
    """A session file (evidence, framework) and typed text are data from outside the knowledge."""
    from textual.widgets import Input, OptionList

    from tui.screens.heard import HeardScreen
    from tui.screens.modals import ChoiceScreen
    from tui_helpers import build, choose_first, screen_text

    saved = tmp_path / "s.json"
    _hostile_session(kb, framework=f"pytorch {CONTROL} {CLICK}").save(saved)
    data = json.loads(saved.read_text())
    data["outcome"], data["found"] = None, None
    data["events"] = [e for e in data["events"] if e["answer"] != "found"]
    saved.write_text(json.dumps(data))
    app = build(tmp_path, resume=saved)
    async with app.run_test(size=(150, 45), notifications=True) as pilot:
        main = await _main(pilot)
        await _until_check(pilot, main)
        _assert_terminal_safe(app)
        assert f"pytorch clear‹ESC›[2J‹ESC›[H" in screen_text(app) and CLICK in screen_text(app), "the framework name"
        await choose_first(pilot, main.query_one("#path", OptionList))
        assert isinstance(app.screen, ChoiceScreen)
        _assert_terminal_safe(app)
        assert "log says clear‹ESC›[2J‹ESC›[H" in screen_text(app), "the evidence, inert"
        await pilot.press("escape")
        await pilot.pause()
        describe_box = main.query_one("#describe", Input)
        describe_box.focus()
        describe_box.value = f"my loss is nan {MARKUP} {CONTROL}"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HeardScreen)
        _assert_terminal_safe(app)
        await pilot.press("escape")
        await pilot.pause()
        _still_running(app, main)
