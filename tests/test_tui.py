"""The TUI driven by Textual's Pilot: answering, undo, changing an answer, why, language,
save / resume, knowledge browsing and editing with reload, and inert knowledge text."""

from __future__ import annotations

import json

import pytest
from textual.widgets import OptionList, TextArea

from engine.session import Session
from tui.screens.editor import EditorScreen
from tui.screens.main import MainScreen
from tui.screens.modals import ChoiceScreen, InfoScreen
from tui.widgets.path import PathList
from tui.widgets.prose import Prose
from tui_helpers import build, choose_first, screen_text




async def _main(pilot) -> MainScreen:
    await pilot.pause()
    assert isinstance(pilot.app.screen, MainScreen)
    return pilot.app.screen


async def _answer(pilot, main, times: int = 1) -> None:
    """Press a valid key for whatever is pending: "n" for a question, "o" for a check."""
    for _ in range(times):
        kind = main.session.kb.nodes[main.session.pending].kind
        await pilot.press("o" if kind in ("reason", "strategy") else "n")
        await pilot.pause()


def _autosaves(tmp_path):
    return sorted((tmp_path / "data" / "sessions").glob("session-*.json"))


async def test_answering_updates_question_suspects_and_path(tmp_path):
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        first = main.session.pending
        before = [s.id for s in main.session.state.ranked[:5]]
        await pilot.press("y")
        await pilot.pause()
        assert main.session.given()[first].answer == "yes"
        assert main.session.pending != first
        assert main.query_one(PathList).option_count == 1
        assert [s.id for s in main.session.state.ranked[:5]] != before
        saved = json.loads(_autosaves(tmp_path)[0].read_text())
        assert [e["id"] for e in saved["events"]] == [first], "autosaved after the answer"


async def test_the_first_screen_leaves_nothing_for_the_first_answer_to_pay(tmp_path):
    """Once the first question is drawn, the heap is frozen (so a full garbage collection does not
    walk the knowledge graph in the middle of an answer) and the code highlighter is loaded."""
    import gc

    from tui.widgets.question import highlighted

    gc.unfreeze()
    highlighted.cache_clear()
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _main(pilot)
        await pilot.pause()
        assert gc.get_freeze_count() > 10_000
        assert highlighted.cache_info().currsize >= 1


async def test_the_footer_stays_put_between_questions_and_checks(tmp_path):
    """Answer keys are on the answer buttons, not in the footer, so going from a question (y/n/u)
    to a check (f/o/s) does not rebuild the footer a frame after the rest of the screen."""
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        from textual.widgets._footer import FooterKey

        main = await _main(pilot)
        keys = {id(k) for k in main.query(FooterKey)}
        kinds = set()
        for _ in range(8):
            kinds.add(main.session.kb.nodes[main.session.pending].kind in ("reason", "strategy"))
            await _answer(pilot, main)
        assert kinds == {True, False}, "the walk met both questions and checks"
        assert {id(k) for k in main.query(FooterKey)} == keys, "the footer was rebuilt"
        buttons = [str(b.label) for b in main.query("#q-answers Button") if b.display]
        assert all(b.endswith(")") for b in buttons), buttons  # "Fine (o)": the key is on the button


async def test_keys_follow_the_kind_of_ask(tmp_path):
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        assert main.check_action("answer", ("yes",)) and not main.check_action("answer", ("found",))
        await pilot.press("f")  # not an answer to a question: ignored
        await pilot.pause()
        assert main.session.steps == 0
        while main.session.kb.nodes[main.session.pending].kind not in ("reason", "strategy"):
            await pilot.press("u")
            await pilot.pause()
        assert main.check_action("answer", ("ok",)) and not main.check_action("answer", ("yes",))
        check = main.session.pending
        await pilot.press("o")
        await pilot.pause()
        assert main.session.given()[check].answer == "ok"


async def test_undo(tmp_path):
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        first = main.session.pending
        await pilot.press("n", "z")
        await pilot.pause()
        assert main.session.steps == 0 and main.session.pending == first
        assert main.query_one(PathList).option_count == 0
        assert json.loads(_autosaves(tmp_path)[0].read_text())["events"] == []


async def test_changing_an_earlier_answer_from_the_path(tmp_path):
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        first = main.session.pending
        await pilot.press("y", "n")
        await pilot.pause()
        await choose_first(pilot, main.query_one(PathList))
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.click("#choice-no")
        await pilot.pause()
        assert app.screen is main
        assert main.session.given()[first].answer == "no"
        assert dict((e.id, revised) for e, revised in main.session.path())[first] is True
        assert "revised" in screen_text(app)


async def test_why_explains_the_pending_ask(tmp_path):
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, InfoScreen)
        body = app.screen.query_one(Prose).text
        assert "expected work" in body or "most efficient check" in body
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is main


async def test_choosing_a_suspect_shows_how_it_was_concluded(tmp_path):
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        main.session.answer("yes", "loss_nan")
        await main.refresh_view()
        await choose_first(pilot, main.query_one("#suspects", OptionList))
        assert isinstance(app.screen, InfoScreen)
        assert "loss_nan = yes" in app.screen.query_one(Prose).text


async def test_language_switch(tmp_path):
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        await pilot.press("l")
        await pilot.pause()
        assert main.session.lang == "ja"
        text = screen_text(app)
        assert "はい" in text and "なぜ？" in text and "容疑" in text
        await pilot.press("l")
        await pilot.pause()
        assert "Suspects" in screen_text(app)


async def test_lang_option_and_framework_switch(tmp_path):
    app = build(tmp_path, lang="ja", framework="keras")
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        assert main.session.lang == "ja" and main.session.framework == "keras"
        await pilot.press("p")
        await pilot.pause()
        assert main.session.framework != "keras"


async def test_resume_from_a_file_restores_the_same_state(tmp_path):
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        await _answer(pilot, main, 3)
        state = (main.session.state.values, main.session.pending)
    saved = _autosaves(tmp_path)[0]
    again = build(tmp_path, resume=saved)
    async with again.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        assert (main.session.state.values, main.session.pending) == state
        await _answer(pilot, main)
    assert len(json.loads(saved.read_text())["events"]) == 4, "the resumed session keeps saving to its file"


async def test_resume_last_session_is_offered_at_start(tmp_path):
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _answer(pilot, await _main(pilot), 2)
    offered = build(tmp_path, offer_resume=True)
    async with offered.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(offered.screen, ChoiceScreen)
        await pilot.click("#choice-resume")
        await pilot.pause()
        assert offered.screen.session.steps == 2
    fresh = build(tmp_path, offer_resume=True)
    async with fresh.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.click("#choice-new")
        await pilot.pause()
        assert fresh.screen.session.steps == 0


async def test_found_ends_with_the_fix_and_continue_goes_on(tmp_path):
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        await main.apply_answer("learning_rate_wrong", "found")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        fix = main.session.kb.nodes["learning_rate_wrong"].fix.en
        assert app.screen.query_one(Prose).text == fix
        await pilot.click("#choice-continue")
        await pilot.pause()
        assert main.session.outcome is None
        assert main.session.given()["learning_rate_wrong"].answer == "ok"


TEAM = """\
nodes:
  - id: loss_nan
    title: {en: "[bold red]Loss NaN[/] [@click=app.quit]click[/]", ja: "[b]NaN[/b]"}
"""


async def test_knowledge_text_is_never_markup(tmp_path):
    team = tmp_path / "team"
    team.mkdir()
    (team / "team.yaml").write_text(TEAM, encoding="utf-8")
    app = build(tmp_path, knowledge=[team])
    async with app.run_test(size=(100, 30)) as pilot:
        main = await _main(pilot)
        await main.apply_answer("loss_nan", "yes")
        await pilot.pause()
        text = screen_text(app)
        assert "[bold red]Loss NaN[/]" in text
        assert app.is_running


async def test_knowledge_edit_invalid_then_valid_reloads_and_keeps_answers(tmp_path):
    team = tmp_path / "team"
    team.mkdir()
    target = team / "team.yaml"
    original = "nodes:\n  - id: loss_nan\n    title: {en: Loss is NaN, ja: loss が NaN}\n"
    target.write_text(original, encoding="utf-8")
    app = build(tmp_path, knowledge=[team])
    async with app.run_test(size=(100, 30)) as pilot:
        main = await _main(pilot)
        await pilot.press("y", "n")
        await pilot.pause()
        answers = dict((e.id, e.answer) for e in main.session.events)
        app.push_screen(EditorScreen(target, 3, "en"))
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        area.text = original.replace("title:", "titel:")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen), "an invalid edit is not saved"
        problems = str(app.screen.query_one("#problems").render())
        assert "team.yaml:3:5" in problems and "unknown key 'titel'" in problems
        assert target.read_text(encoding="utf-8") == original
        area.text = original.replace("Loss is NaN", "Loss turns NaN")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is main
        assert "Loss turns NaN" in target.read_text(encoding="utf-8")
        assert main.session.kb.nodes["loss_nan"].title.en == "Loss turns NaN"
        assert dict((e.id, e.answer) for e in main.session.events) == answers


async def test_knowledge_browser_search(tmp_path):
    app = build(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await _main(pilot)
        await pilot.press("k")
        await pilot.pause()
        await pilot.press(*"4.10")
        await pilot.pause()
        detail = app.screen.query_one("#detail", Prose).text
        assert detail.startswith("learning_rate_wrong · reason · 4.10")
        assert "reasons-4-training.yaml:" in detail


def test_make_app_refuses_a_corrupt_resume_file(tmp_path):
    from engine.session import SessionError

    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(SessionError, match="bad.json:1:2"):
        build(tmp_path, resume=bad)


async def test_export_by_keyboard_alone(tmp_path, monkeypatch):
    """`e` then Enter writes the report (the dialog opens on its Write button) to the default path."""
    monkeypatch.chdir(tmp_path)
    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        await _answer(pilot, main, 1)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is main
        written = list(tmp_path.glob("nn-triage-report-*.md"))
        assert len(written) == 1 and written[0].read_text(encoding="utf-8").startswith("# nn-triage")


async def test_export_the_report_from_the_tui(tmp_path):
    from textual.widgets import Input, Select

    from tui.screens.export import ExportScreen

    app = build(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        main = await _main(pilot)
        await _answer(pilot, main, 2)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        target = tmp_path / "out.md"
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.click("#write")
        await pilot.pause()
        assert app.screen is main
        text = target.read_text(encoding="utf-8")
        assert text.startswith("# nn-triage") and "```mermaid" in text
        # the same result as the command line's renderer, and an existing file is never overwritten
        from engine.render import render_report

        assert text == render_report(main.session, "md")
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#format", Select).value = "html"
        await pilot.pause()
        assert app.screen.query_one("#path", Input).value.endswith(".html"), "the suffix follows the format"
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.click("#write")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen) and "exists" in str(app.screen.query_one("#problems").render())
        assert target.read_text(encoding="utf-8") == text


async def test_light_theme_and_the_command_palette(tmp_path):
    from tui.commands import TriageCommands

    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        app.theme = "textual-light"
        await pilot.pause()
        assert "Suspects" in screen_text(app)
        provider = TriageCommands(main, None)
        labels = [label for label, _ in provider._commands()]
        assert {"Export: md", "Export: html", "Export: json", "Undo", "日本語"} <= set(labels)
        result = dict(provider._commands())["日本語"]()
        if hasattr(result, "__await__"):
            await result
        await pilot.pause()
        assert main.session.lang == "ja"


async def test_knowledge_reload_after_an_outside_edit_keeps_answers(tmp_path):
    team = tmp_path / "team"
    team.mkdir()
    target = team / "t.yaml"
    target.write_text("nodes:\n  - id: loss_nan\n    title: {en: Before, ja: 前}\n", encoding="utf-8")
    app = build(tmp_path, knowledge=[team])
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main(pilot)
        await _answer(pilot, main, 2)
        events = [(e.id, e.answer) for e in main.session.events]
        target.write_text("nodes:\n  - id: loss_nan\n    title: {en: After, ja: 後}\n", encoding="utf-8")
        assert await app.reload_knowledge()
        await pilot.pause()
        assert main.session.kb.nodes["loss_nan"].title.en == "After"
        assert [(e.id, e.answer) for e in main.session.events] == events
        target.write_text("nodes:\n  - id: loss_nan\n    titel: x\n", encoding="utf-8")
        assert not await app.reload_knowledge(), "a broken edit keeps the last good graph"
        assert main.session.kb.nodes["loss_nan"].title.en == "After"
