"""The main screen: the current question or check, the ranked suspects and the answers so far.

It owns the session: widgets post messages up (an answer, a suspect, a path entry), the screen
calls the engine, autosaves, and pushes the new state down into the widgets.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from engine.explain import explain_pending, explain_suspect
from engine.model import answers_for
from engine.schema import CHECK_KINDS
from engine.session import Session
from engine.text import inert
from tui.commands import TriageCommands
from tui.explain_text import how_text, why_text
from tui.i18n import strings
from tui.messages import AnswerChosen, PathEntryChosen, SuspectChosen
from tui.screens.modals import ChoiceScreen, InfoScreen
from tui.widgets.path import PathList
from tui.widgets.question import QuestionPanel
from tui.widgets.suspects import SuspectList

SUSPECTS_SHOWN = 15
FACT_ANSWERS = ("yes", "no", "unknown")
CHECK_ANSWERS = ("found", "ok", "skip")


class MainScreen(Screen):
    COMMANDS = {TriageCommands}
    BINDINGS = [
        Binding("y", "answer('yes')", "Yes", id="answer.yes", show=False, tooltip="Answer yes"),
        Binding("n", "answer('no')", "No", id="answer.no", show=False, tooltip="Answer no"),
        Binding("u", "answer('unknown')", "Don't know", id="answer.unknown", show=False, tooltip="I cannot tell"),
        Binding("f", "answer('found')", "Found it", id="answer.found", show=False, tooltip="This was the problem"),
        Binding("o", "answer('ok')", "Fine", id="answer.ok", show=False, tooltip="Checked: not the problem"),
        Binding("s", "answer('skip')", "Skip", id="answer.skip", show=False, tooltip="Cannot check this now"),
        Binding("question_mark,w", "why", "Why?", id="why", tooltip="Why is this asked now?"),
        Binding("z", "undo", "Undo", id="undo", tooltip="Withdraw the last answer"),
        Binding("slash", "describe", "Describe", id="describe", tooltip="Type what you see"),
        Binding("ctrl+s", "save", "Save", id="save", tooltip="Save the session"),
        Binding("e", "export", "Export", id="export", tooltip="Export the report"),
        Binding("l", "language", "日本語", id="language", tooltip="Switch language"),
        Binding("p", "framework", "Framework", id="framework", show=False, tooltip="PyTorch / Keras code"),
        Binding("k", "knowledge", "Knowledge", id="knowledge", show=False, tooltip="Browse and edit the knowledge"),
        Binding("r", "restart", "Restart", id="restart", show=False, tooltip="Start a new session"),
        Binding("c", "copy_code", "Copy code", id="copy", show=False, tooltip="Copy the code sample"),
        Binding("escape", "leave_input", "", id="leave_input", show=False),
        Binding("f1", "help", "Help", id="help", show=False, tooltip="Keys and help"),
        Binding("q", "quit", "Quit", id="quit", show=False, tooltip="Quit (the session is saved)"),
    ]

    def __init__(self, session: Session, autosave: Path | None) -> None:
        super().__init__()
        self.session = session
        self.autosave = autosave
        self._footer_state: tuple | None = None
        self._lang_shown: str | None = None
        self._matcher_started = False

    # -- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="main"):
            yield QuestionPanel(id="question")
            with Vertical(id="side"):
                yield Static(id="suspects-title", classes="side-title")
                yield SuspectList(id="suspects")
                yield Static(id="path-title", classes="side-title")
                yield PathList(id="path")
        yield Input(id="describe")
        yield Footer()

    async def on_mount(self) -> None:
        await self.refresh_view()

    @property
    def ui(self):
        return strings(self.session.lang)

    # -- pushing state down -----------------------------------------------------------------------
    async def refresh_view(self) -> None:
        with self.app.batch_update():
            self._push_state()
            # Each widget tells the screen about its own change when its message queue next goes
            # idle, so the first frame after an answer could show the new step label beside the
            # old question. Laying out and repainting the whole screen at once draws one frame in
            # which everything has changed together.
            self.refresh(layout=True)

    def _push_state(self) -> None:
        session, ui = self.session, self.ui
        lang = session.lang
        self.app.sub_title = ui.t("session_for", version=session.kb.version)
        if lang != self._lang_shown:  # the fixed labels (an update costs a layout: not every answer)
            self._lang_shown = lang
            self.query_one("#suspects-title", Static).update(Text(ui.sections.suspects))
            self.query_one("#path-title", Static).update(Text(ui.sections.path))
            self.query_one("#describe", Input).placeholder = ui.t("describe")
        pending = session.pending
        node = session.kb.nodes[pending] if pending else None
        self.query_one(QuestionPanel).show(node, lang, session.framework, session.steps + 1)
        self.query_one(SuspectList).show([
            (s.id, s.ref, session.kb.nodes[s.id].title.get(lang), s.score)
            for s in session.state.ranked[:SUSPECTS_SHOWN]])
        entries = []
        for event, revised in session.path():
            n = session.kb.nodes[event.id]
            ref = getattr(n, "ref", None)
            label = f"{ref} {n.title.get(lang)}" if ref else n.title.get(lang)
            note = ui.t("revised") if revised else (ui.t("from_log") if event.source == "log" else "")
            entries.append((event.id, label, getattr(ui.answers, event.answer), note))
        self.query_one(PathList).show(entries)
        # The footer rebuilds itself, a frame later, when bindings are refreshed: only when what it
        # shows changes (the language, or the end of the session hiding "Why?"). The answer keys
        # are not in it: they are on the answer buttons, so moving between a question (y/n/u) and
        # a check (f/o/s) leaves the footer as it is.
        footer_state = (lang, node is None)
        if footer_state != self._footer_state:
            self._footer_state = footer_state
            self._localize_bindings()
            self.refresh_bindings()

    def _localize_bindings(self) -> None:
        ui = self.ui
        names = {"answer.yes": ui.answers.yes, "answer.no": ui.answers.no, "answer.unknown": ui.answers.unknown,
                 "answer.found": ui.answers.found, "answer.ok": ui.answers.ok, "answer.skip": ui.answers.skip,
                 "why": ui.bindings.why, "undo": ui.bindings.undo, "save": ui.bindings.save,
                 "export": ui.bindings.export, "language": ui.bindings.language, "framework": ui.bindings.framework,
                 "knowledge": ui.bindings.knowledge, "restart": ui.bindings.restart, "copy": ui.bindings.copy_code,
                 "describe": ui.bindings.describe,
                 "help": ui.bindings.help, "quit": ui.bindings.quit}
        for key, bindings in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [
                dataclasses.replace(b, description=names.get(b.id or "", b.description)) for b in bindings]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer":
            pending = self.session.pending
            if pending is None:
                return False
            kind = self.session.kb.nodes[pending].kind
            return parameters[0] in answers_for(kind)
        if action == "copy_code":
            return self._snippet() is not None
        if action == "why":
            return self.session.pending is not None
        return True

    def _tell(self, message: str, severity: str = "information") -> None:
        """A notification. Its text can hold knowledge text (a node's title) or a path: it is never
        read as markup (Textual's default) and its control characters are made visible."""
        self.notify(inert(message), severity=severity, markup=False)  # type: ignore[arg-type]

    # -- changing the session ---------------------------------------------------------------------
    def _save(self) -> None:
        if self.autosave is None:
            return
        try:
            self.session.save(self.autosave)
        except OSError as exc:
            self._tell(self.ui.t("autosave_failed", error=exc.strerror or exc), severity="error")

    async def apply_answer(self, node_id: str, answer: str) -> None:
        self.session.answer(answer, node_id)
        self._save()
        await self.refresh_view()
        self._maybe_end()

    def _maybe_end(self) -> None:
        session, ui = self.session, self.ui
        if session.outcome == "found":
            node = session.kb.nodes[session.found]
            body = node.fix.get(session.lang)  # type: ignore[union-attr]
            choices = [("continue", ui.t("continue")), ("export", ui.t("export_report")),
                       ("new", ui.t("new_session"))]
            self.app.push_screen(ChoiceScreen(ui.t("found_title", node=node.title.get(session.lang)), choices, body),
                                 self._after_end)
        elif session.finish_if_exhausted() and session.outcome == "exhausted":
            top = "\n".join(f"{s.ref or ''} {session.kb.nodes[s.id].title.get(session.lang)} ({s.score:.0%})"
                            for s in session.state.ranked[:5])
            choices = [("export", ui.t("export_report")), ("new", ui.t("new_session"))]
            self.app.push_screen(ChoiceScreen(ui.t("exhausted_title"), choices,
                                              ui.t("exhausted_body") + "\n" + top), self._after_end)

    async def _after_end(self, choice: str | None) -> None:
        if choice == "continue" and self.session.found:
            await self.apply_answer(self.session.found, "ok")
        elif choice == "export":
            self.action_export()
        elif choice == "new":
            await self.action_restart()

    @on(AnswerChosen)
    async def _on_answer(self, message: AnswerChosen) -> None:
        await self.apply_answer(message.node_id, message.answer)

    @on(SuspectChosen)
    def _on_suspect(self, message: SuspectChosen) -> None:
        info = explain_suspect(self.session, message.node_id)
        self.app.push_screen(InfoScreen(self.ui.t("how_title"), how_text(info, self.session.lang), self.ui.t("close")))

    @on(PathEntryChosen)
    def _on_path_entry(self, message: PathEntryChosen) -> None:
        session, ui = self.session, self.ui
        node = session.kb.nodes[message.node_id]
        choices = [(a, getattr(ui.answers, a)) for a in answers_for(node.kind)]
        event = session.given().get(message.node_id)
        body = f"{ui.t('from_log')}: {event.evidence}" if event is not None and event.evidence else ""

        async def changed(answer: str | None) -> None:
            current = session.given().get(message.node_id)
            if answer and (current is None or current.answer != answer):
                await self.apply_answer(message.node_id, answer)

        self.app.push_screen(ChoiceScreen(ui.t("change_title", node=node.title.get(session.lang)), choices, body),
                             changed)

    # -- actions ----------------------------------------------------------------------------------
    async def action_answer(self, answer: str) -> None:
        pending = self.session.pending
        if pending is not None and answer in answers_for(self.session.kb.nodes[pending].kind):
            await self.apply_answer(pending, answer)

    def action_describe(self) -> None:
        self.query_one("#describe", Input).focus()
        self._prepare_matcher()

    @on(Input.Changed, "#describe")
    def _prepare_matcher(self) -> None:
        """Compile the phrase templates in a thread while the person types (about a second, once
        per knowledge graph), so that Enter is answered at once."""
        from engine.understand import matcher_for

        if not self._matcher_started:
            self._matcher_started = True
            self.run_worker(partial(matcher_for, self.session.kb), thread=True, group="matcher")

    def action_leave_input(self) -> None:
        self.query_one(QuestionPanel).focus()

    @on(Input.Submitted, "#describe")
    def _on_describe(self, event: Input.Submitted) -> None:
        from tui.screens.heard import HeardScreen

        text = event.value.strip()
        event.input.value = ""
        self.query_one(QuestionPanel).focus()
        if not text:
            return
        heard = self.session.hear(text)

        async def confirmed(facts: list | None) -> None:
            if facts:
                self.session.apply_heard(facts)
                self._save()
                await self.refresh_view()
                self._maybe_end()

        self.app.push_screen(HeardScreen(heard, self.session.kb, self.session.lang), confirmed)

    def action_why(self) -> None:
        info = explain_pending(self.session)
        self.app.push_screen(InfoScreen(self.ui.t("why_title"), why_text(info, self.session.lang), self.ui.t("close")))

    async def action_undo(self) -> None:
        last = self.session.events[-1].id if self.session.events else None
        if self.session.undo() is None:
            self._tell(self.ui.t("nothing_to_undo"))
            return
        self._save()
        await self.refresh_view()
        self._tell(self.ui.t("undone", node=self.session.kb.nodes[last].title.get(self.session.lang)))

    def action_save(self) -> None:
        self._save()
        if self.autosave is not None:
            self._tell(self.ui.t("saved", path=str(self.autosave)))

    async def action_language(self) -> None:
        self.session.lang = "ja" if self.session.lang == "en" else "en"
        self._save()
        await self.refresh_view()

    async def action_framework(self) -> None:
        frameworks = sorted({f for n in self.session.kb.checks for f in n.snippets}) or ["pytorch"]
        current = self.session.framework
        self.session.framework = frameworks[(frameworks.index(current) + 1) % len(frameworks)] \
            if current in frameworks else frameworks[0]
        self._save()
        await self.refresh_view()
        self._tell(self.ui.t("framework_now", framework=self.session.framework))

    def _snippet(self) -> str | None:
        pending = self.session.pending
        node = self.session.kb.nodes.get(pending) if pending else None
        if node is None or node.kind not in CHECK_KINDS:
            return None
        return node.snippets.get(self.session.framework)  # type: ignore[union-attr]

    def action_copy_code(self) -> None:
        code = self._snippet()
        if code:
            self.app.copy_to_clipboard(code)
            self._tell(self.ui.t("copied"))

    async def action_restart(self) -> None:
        self.session = self.app.new_session(self.session.lang, self.session.framework)
        self.autosave = self.app.autosave_path(self.session)
        await self.refresh_view()

    def action_export(self, fmt: str | None = None) -> None:
        from tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(self.session, fmt))

    def action_knowledge(self) -> None:
        from tui.screens.browser import BrowserScreen

        self.app.push_screen(BrowserScreen(self.session.lang))

    def action_help(self) -> None:
        ui = self.ui
        lines = [ui.t("help_intro"), ""]
        seen = set()
        for bindings in self._bindings.key_to_bindings.values():
            for b in bindings:
                if b.id in seen:
                    continue
                seen.add(b.id)
                keys = self.app.get_key_display(b)
                lines.append(f"  {keys:>10}  {b.description}")
        lines.append(f"  {'ctrl+p':>10}  palette")
        self.app.push_screen(InfoScreen(ui.t("help_title"), "\n".join(lines), ui.t("close")))

    async def action_quit(self) -> None:
        self._save()
        self.app.exit()

    async def replace_session(self, session: Session) -> None:
        """Swap in a session rebuilt on a reloaded knowledge graph (answers kept)."""
        self.session = session
        self._matcher_started = False  # a new graph, new phrases
        self._save()
        await self.refresh_view()
