"""The answers so far, in the order first given; choosing one lets the person change it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rich.cells import cell_len

from tui.messages import PathEntryChosen
from tui.widgets.suspects import fit


class PathList(OptionList):
    _entries: list[tuple[str, str, str, str]] = []

    def on_resize(self) -> None:
        self.show(self._entries)

    def show(self, entries: list[tuple[str, str, str, str]]) -> None:
        """``entries``: (node id, label, answer text, note) rows; note is e.g. "revised"."""
        self._entries = entries
        width = max(self.scrollable_content_region.width, 24)
        self.clear_options()
        options = []
        for node_id, label, answer, note in entries:
            tail = f" {answer}" + (f" ({note})" if note else "")
            row = Text(no_wrap=True, overflow="ellipsis")
            row.append(fit(label, max(width - cell_len(tail), 6)).rstrip())
            row.append(f" {answer}", style="bold")
            if note:
                row.append(f" ({note})", style="dim italic")
            options.append(Option(row, id=node_id))
        self.add_options(options)
        if options:
            self.highlighted = len(options) - 1

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(PathEntryChosen(event.option.id))
