"""Small modal screens: an explanation, a choice among answers, a yes/no, the end of a session.
Titles and labels can hold knowledge text (a node's title): they are plain :class:`Text`, never
markup, with control characters made visible."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from engine.text import inert
from tui.widgets.prose import Prose


class InfoScreen(ModalScreen[None]):
    """A title and a text (data, never markup), closed with Escape or the button."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="close")]

    def __init__(self, title: str, body: str, close: str = "Close") -> None:
        super().__init__()
        self._title, self._body, self._close = title, body, close

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(inert(self._title), style="bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Prose(self._body)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text(inert(self._close)), id="close", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of several labelled choices; Escape cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], body: str = "") -> None:
        super().__init__()
        self._title, self._choices, self._body = title, choices, body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(inert(self._title), style="bold"), classes="dialog-title")
            if self._body:
                with VerticalScroll(classes="dialog-body"):
                    yield Prose(self._body)
            with Horizontal(classes="dialog-buttons"):
                for value, label in self._choices:
                    yield Button(Text(inert(label)), id=f"choice-{value}", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("choice-"):
            self.dismiss(event.button.id.removeprefix("choice-"))

    def action_cancel(self) -> None:
        self.dismiss(None)
