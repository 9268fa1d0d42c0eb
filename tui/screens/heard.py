"""Confirm what was understood from free text before it counts: keep, drop or flip each fact."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Static

from engine.text import inert
from tui.i18n import strings
from tui.widgets.prose import Prose


class HeardScreen(ModalScreen[list | None]):
    """Dismisses with the facts to apply (possibly flipped), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]
    AUTO_FOCUS = "#apply, #cancel"
    """Enter applies what was understood as it stands; Tab reaches the boxes and yes/no buttons."""

    def __init__(self, heard: list, kb, lang: str) -> None:
        super().__init__()
        self.heard = list(heard)
        self.kb = kb
        self.lang = lang

    def _label(self, index: int) -> Text:
        ui = strings(self.lang)
        fact = self.heard[index]
        node = self.kb.nodes[fact.id]
        text = Text(inert(node.title.get(self.lang)))
        text.append(inert(f" — {ui.t('heard_from')} “{fact.text}”"), style="dim")
        return text

    def compose(self) -> ComposeResult:
        ui = strings(self.lang)
        with Vertical(classes="dialog"):
            yield Static(Text(ui.t("heard_title"), style="bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                if not self.heard:
                    yield Prose(ui.t("heard_none"))
                else:
                    yield Prose(ui.t("heard_hint"), style="italic")
                for k, fact in enumerate(self.heard):
                    with Horizontal(classes="heard-row"):
                        yield Checkbox(value=True, id=f"keep-{k}", compact=True)
                        yield Button(Text(getattr(ui.answers, fact.answer)), id=f"flip-{k}", compact=True)
                        yield Static(self._label(k), classes="heard-label")
            with Horizontal(classes="dialog-buttons"):
                if self.heard:
                    yield Button(Text(ui.t("apply")), id="apply", variant="primary", compact=True)
                yield Button(Text(ui.t("cancel") if self.heard else ui.t("close")), id="cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        ident = event.button.id or ""
        if ident.startswith("flip-"):
            k = int(ident.removeprefix("flip-"))
            fact = self.heard[k]
            self.heard[k] = replace(fact, answer="no" if fact.answer == "yes" else "yes", why="corrected by you")
            event.button.label = Text(getattr(strings(self.lang).answers, self.heard[k].answer))
        elif ident == "apply":
            keep = [f for k, f in enumerate(self.heard) if self.query_one(f"#keep-{k}", Checkbox).value]
            self.dismiss(keep)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
