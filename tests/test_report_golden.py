"""Golden files: the three saved sessions of tests/fixtures/sessions rendered in every format and
both languages must match tests/golden/ byte for byte.

After a deliberate change (to a renderer, or to the knowledge graph, whose texts and scores the
reports show), remake them and review the diff:

    NN_TRIAGE_UPDATE_GOLDEN=1 python3 -m pytest -q tests/test_report_golden.py

(The graph's version is pinned to the one the fixture sessions recorded, so edits that reports
do not show, such as phrases, leave these files alone.)
"""

from __future__ import annotations

import difflib
import os

import pytest

from conftest import ROOT
from engine.render import FORMATS, render
from engine.report import build_report
from engine.session import Session, read_session_file

SESSIONS = ROOT / "tests" / "fixtures" / "sessions"
GOLDEN = ROOT / "tests" / "golden"
NAMES = ("found-from-log", "quit-revised", "open-empty")
UPDATE = os.environ.get("NN_TRIAGE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def shipped():
    """The shipped graph, with its version set to the one the fixture sessions recorded: any
    knowledge edit changes the version hash, and only edits to what reports show (texts, scores)
    should change these files."""
    from engine.loader import load_or_raise
    from engine.model import compile_model

    kb = load_or_raise()
    kb.version = read_session_file(SESSIONS / f"{NAMES[0]}.json").knowledge_version
    return kb, compile_model(kb)


def _render(shipped, name: str, lang: str, fmt: str) -> str:
    kb, model = shipped
    data = read_session_file(SESSIONS / f"{name}.json")
    return render(build_report(Session.from_file(data, kb, model), saved=data, lang=lang), fmt)


def _compare(path, actual: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path.relative_to(ROOT)} is missing; make it with NN_TRIAGE_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                 "golden", "now", n=1))[:60])
        pytest.fail(f"{path.relative_to(ROOT)} differs from the report rendered now. If the change is "
                    f"intended, remake the golden files with NN_TRIAGE_UPDATE_GOLDEN=1 and review the diff.\n{diff}")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", ("en", "ja"))
@pytest.mark.parametrize("name", NAMES)
def test_golden(shipped, name, lang, fmt):
    _compare(GOLDEN / f"{name}.{lang}.{fmt}", _render(shipped, name, lang, fmt))


def test_session_language_is_the_default(shipped):
    """quit-revised was saved in Japanese: without --lang its report is the Japanese golden."""
    kb, model = shipped
    data = read_session_file(SESSIONS / "quit-revised.json")
    assert data.lang == "ja"
    report = build_report(Session.from_file(data, kb, model), saved=data)
    assert render(report, "md") == (GOLDEN / "quit-revised.ja.md").read_text(encoding="utf-8")


def test_golden_files_cover_what_the_issue_asks(shipped):
    """The fixtures exercise log evidence, revised answers, a skip, an orphan, each outcome kind."""
    found = (GOLDEN / "found-from-log.en.md").read_text(encoding="utf-8")
    assert "from the log" in found and "Evidence: loss is nan from step 412" in found
    assert "## If the fix does not help" in found and "```python" in found and "```mermaid" in found
    quit_ja = (GOLDEN / "quit-revised.ja.md").read_text(encoding="utf-8")
    assert "修正あり・前の回答: いいえ、わからない" in quit_ja and "スキップ" in quit_ja
    assert "q_uses_mixed_precision" in quit_ja
    assert "In progress" in (GOLDEN / "open-empty.en.md").read_text(encoding="utf-8")
