"""The Textual application. `make_app` is the one factory the command line and the tests use."""

from __future__ import annotations

import gc
from pathlib import Path

from textual.app import App

from engine.knowledge import KnowledgeBase
from engine.loader import LoadResult, load_knowledge, load_or_raise
from engine.model import BeliefModel, compile_model
from engine.session import Session, SessionError, read_session_file
from engine.text import inert
from tui.i18n import strings
from tui.settings import Settings, session_stamp


class TriageApp(App):
    """nn-triage in the terminal."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "nn-triage"
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, settings: Settings, kb: KnowledgeBase, model: BeliefModel | None = None,
                 session: Session | None = None, log=None) -> None:
        super().__init__()
        self.settings = settings
        self.log_analysis = log
        """The analysis of ``--log`` (done once, before the screen opens)."""
        self.kb = kb
        self.model: BeliefModel = model or compile_model(kb)
        self._initial = session

    # -- sessions ---------------------------------------------------------------------------------
    def new_session(self, lang: str, framework: str) -> Session:
        session = Session(self.kb, self.model, lang=lang, framework=framework)
        if self.log_analysis is not None:
            session.enter_log(self.log_analysis)
        return session

    def autosave_path(self, session: Session) -> Path:
        stamp = session_stamp(session.created)
        return self.settings.sessions / f"session-{stamp}.json"

    def last_unfinished(self) -> Path | None:
        """The most recently written autosave that has answers and did not end in "found"."""
        folder = self.settings.sessions
        if not folder.is_dir():
            return None
        for path in sorted(folder.glob("session-*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
            try:
                data = read_session_file(path)
            except SessionError:
                continue
            if data.events and data.outcome != "found":
                return path
            return None
        return None

    @staticmethod
    def settle() -> None:
        """Work done once the first screen is drawn, so that no answer pays for it later:

        - the code highlighter is loaded (pygments builds its lexer on first use, ~16 ms);
        - everything alive now (the knowledge, the model, the widgets) is moved out of the
          garbage collector's reach. A full collection otherwise walks all of it and stalls an
          answer by 40-65 ms; afterwards it walks only what was made since. (No collection
          first: it would itself stall a quick first answer by as long, for the sake of the
          little garbage that startup leaves.)

        About 20 ms in all. Called again after the knowledge is reloaded."""
        from tui.widgets.question import highlighted

        highlighted("import torch\n")
        gc.freeze()

    def on_mount(self) -> None:
        from tui.screens.main import MainScreen
        from tui.screens.modals import ChoiceScreen

        self.call_after_refresh(self.settle)
        settings = self.settings
        if self._initial is not None:
            session = self._initial
            self.push_screen(MainScreen(session, settings.resume or self.autosave_path(session)))
            return
        last = self.last_unfinished() if settings.offer_resume else None
        if last is None:
            session = self.new_session(settings.lang, settings.framework)
            self.push_screen(MainScreen(session, self.autosave_path(session)))
            return
        ui = strings(settings.lang)
        data = read_session_file(last)
        body = ui.t("resume_body", created=data.created or "?", count=len(data.events))

        def chosen(choice: str | None) -> None:
            if choice == "resume":
                session = Session.from_file(data, self.kb, self.model)
                self.push_screen(MainScreen(session, last))
            else:
                session = self.new_session(settings.lang, settings.framework)
                self.push_screen(MainScreen(session, self.autosave_path(session)))

        self.push_screen(MainScreen(Session(self.kb, self.model, lang=settings.lang), None))
        self.push_screen(ChoiceScreen(ui.t("resume_title"), [("resume", ui.t("resume")), ("new", ui.t("start_new"))],
                                      body), chosen)

    # -- knowledge --------------------------------------------------------------------------------
    def check_knowledge(self, overrides: dict[Path, str] | None = None) -> LoadResult:
        """Validate the knowledge as it would be with ``overrides`` (file → unsaved text)."""
        return load_knowledge(self.settings.knowledge, overrides=overrides)

    async def reload_knowledge(self) -> bool:
        """Reload the graph from disk and rebuild the session on it, keeping every answer."""
        from tui.screens.main import MainScreen

        result = load_knowledge(self.settings.knowledge)
        if result.kb is None:
            self.notify(inert(str(result.errors[0])), severity="error", markup=False)
            return False
        self.kb, self.model = result.kb, compile_model(result.kb)
        gc.unfreeze()  # the old graph may now be garbage; freeze the new one once it is in use
        self.call_after_refresh(self.settle)
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                session = Session.from_file(screen.session.to_file(), self.kb, self.model)
                await screen.replace_session(session)
                self.notify(strings(session.lang).t("knowledge_reloaded", version=self.kb.version,
                                                    count=len(session.events)), markup=False)
        return True


def make_app(settings: Settings, kb: KnowledgeBase | None = None) -> TriageApp:
    """Build the app: load the knowledge (``KnowledgeError`` if it is broken), analyse ``--log``
    (``LogError``) and load ``--resume`` (``SessionError``)."""
    kb = kb or load_or_raise(settings.knowledge)
    model = compile_model(kb)
    log = None
    if settings.log is not None:
        from engine.logs import analyze_path

        log = analyze_path(settings.log, classes=settings.classes)  # LogError names the file and line
    session = None
    if settings.resume is not None:
        session = Session.load(settings.resume, kb, model)  # SessionError names the file
        session.lang = settings.lang or session.lang
    return TriageApp(settings, kb, model, session, log)
