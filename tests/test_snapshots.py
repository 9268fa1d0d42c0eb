"""Snapshot tests (pytest-textual-snapshot) of the main screens at 80x24, in English and Japanese.

Update after an intended change with: python -m pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from engine.loader import load_or_raise
from tui.app import make_app
from tui.settings import Settings


@pytest.fixture
def app_for(tmp_path):
    def build(lang: str, answers=(), **kw):
        kb = load_or_raise()
        kb.version = "snapshot"  # the title shows the graph's version; keep the picture stable
        app = make_app(Settings(data=tmp_path / "data", offer_resume=False, lang=lang, **kw), kb=kb)
        original = app.new_session

        def seeded(lang_, framework):
            session = original(lang_, framework)
            for node, answer in answers:
                session.answer(answer, node)
            return session

        app.new_session = seeded
        return app

    return build


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_first_question(snap_compare, app_for, lang):
    assert snap_compare(app_for(lang), terminal_size=(80, 24))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_check_with_code(snap_compare, app_for, lang):
    app = app_for(lang, answers=[("loss_nan", "yes"), ("nan_early", "yes")])
    assert snap_compare(app, terminal_size=(80, 24))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_why_dialog(snap_compare, app_for, lang):
    app = app_for(lang, answers=[("loss_nan", "yes")])
    assert snap_compare(app, terminal_size=(80, 24), press=["question_mark"])


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_answers_in_the_path(snap_compare, app_for, lang):
    app = app_for(lang, answers=[("val_much_worse_than_train", "yes"), ("finetuning_pretrained", "no"),
                                 ("loss_nan", "no")])
    assert snap_compare(app, terminal_size=(80, 24))


def test_knowledge_browser(snap_compare, app_for):
    assert snap_compare(app_for("en"), terminal_size=(80, 24), press=["k", *"4.6"])
