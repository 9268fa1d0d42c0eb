"""Export the report: choose a format and a file; an existing file is never overwritten."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from engine.session import Session
from engine.text import inert
from tui.i18n import strings
from tui.settings import session_stamp

FORMATS = ("md", "html", "json")


def default_path(session: Session, fmt: str) -> Path:
    stamp = session_stamp(session.created)
    return Path.cwd() / f"nn-triage-report-{stamp}.{fmt}"


class ExportScreen(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]
    AUTO_FOCUS = "#write"
    """`e` then Enter writes the report in the session's default format; Tab reaches the rest."""

    def __init__(self, session: Session, fmt: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.fmt = fmt if fmt in FORMATS else "md"

    def compose(self) -> ComposeResult:
        ui = strings(self.session.lang)
        with Vertical(classes="dialog"):
            yield Static(Text(ui.t("export_title"), style="bold"), classes="dialog-title")
            yield Static(Text(ui.t("export_format")))
            yield Select([(f, f) for f in FORMATS], value=self.fmt, allow_blank=False, id="format")
            yield Static(Text(ui.t("export_path")))
            yield Input(str(default_path(self.session, self.fmt)), id="path")
            yield Static(id="problems")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text(ui.t("export_button")), id="write", variant="primary", compact=True)
                yield Button(Text(ui.t("cancel")), id="cancel", compact=True)

    def on_select_changed(self, event: Select.Changed) -> None:
        fmt = str(event.value)
        field = self.query_one("#path", Input)
        current = Path(field.value)
        if current.suffix.lstrip(".") in FORMATS:
            field.value = str(current.with_suffix("." + fmt))
        self.fmt = fmt

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._write()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "write":
            self._write()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _write(self) -> None:
        from engine.render import render_report
        from engine.storage import write_atomic

        ui = strings(self.session.lang)
        path = Path(self.query_one("#path", Input).value).expanduser()
        problems = self.query_one("#problems", Static)
        if path.exists():
            problems.update(Text(inert(ui.t("file_exists", path=str(path)))))
            return
        try:
            write_atomic(path, render_report(self.session, self.fmt))
        except OSError as exc:
            problems.update(Text(inert(f"{path}: {exc.strerror or exc}")))
            return
        self.app.notify(inert(ui.t("exported", path=str(path))), markup=False)
        self.dismiss(path)
