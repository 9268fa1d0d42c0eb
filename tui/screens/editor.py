"""Edit a knowledge file inside the app. Saving validates the whole graph with the edit in place;
the file is written (atomically) only when it is valid, then the graph is reloaded into the
running session without losing answers."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TextArea

from engine.problems import Severity
from engine.storage import write_atomic
from engine.text import inert
from tui.i18n import strings


class EditorScreen(Screen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("escape", "app.pop_screen", "Back", id="back"),
    ]

    def __init__(self, path: Path, line: int, lang: str) -> None:
        super().__init__()
        self.path = Path(path)
        self.line = line
        self.lang = lang

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        text = self.path.read_text(encoding="utf-8")
        try:
            area = TextArea.code_editor(text, language="yaml", id="editor")
        except Exception:  # no tree-sitter grammar for YAML installed: plain editing still works
            area = TextArea.code_editor(text, language=None, id="editor")
        yield area
        yield Static(id="problems")
        yield Footer()

    def on_mount(self) -> None:
        ui = strings(self.lang)
        self.app.sub_title = inert(ui.t("editor_title", path=str(self.path)))
        area = self.query_one(TextArea)
        area.move_cursor((max(self.line - 1, 0), 0), center=True)
        area.focus()

    async def action_save(self) -> None:
        ui = strings(self.lang)
        text = self.query_one(TextArea).text
        result = self.app.check_knowledge({self.path: text})
        errors = [p for p in result.problems if p.severity == Severity.ERROR]
        box = self.query_one("#problems", Static)
        if errors:
            box.update(Text(inert("\n".join([ui.t("knowledge_invalid", count=len(errors))] + [str(p) for p in errors[:6]]))))
            return
        try:
            write_atomic(self.path, text)
        except OSError as exc:
            box.update(Text(inert(ui.t("read_only", path=str(self.path)) + f" ({exc.strerror or exc})")))
            return
        box.update("")
        await self.app.reload_knowledge()
        self.notify(inert(ui.t("editor_saved", path=str(self.path))), markup=False)
        self.app.pop_screen()
