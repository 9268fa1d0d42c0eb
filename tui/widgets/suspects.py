"""The ranked suspects: ref, title and a score bar; choosing one asks how it was concluded."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from engine.text import inert
from tui.messages import SuspectChosen

BAR = 6


def bar(score: float, width: int = BAR) -> str:
    filled = round(score * width * 2) / 2
    full = int(filled)
    return "█" * full + ("▌" if filled - full >= 0.5 else "") + " " * (width - full - (1 if filled - full >= 0.5 else 0))


def fit(text: str, width: int) -> str:
    """``text`` made inert (control characters visible), cut to ``width`` terminal cells with an
    ellipsis when it was longer, padded to ``width`` when shorter."""
    text = inert(text).replace("\n", " ").replace("\t", " ")
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    out = ""
    for ch in text:
        if cell_len(out + ch) > width - 1:
            break
        out += ch
    return out + "…" + " " * (width - 1 - cell_len(out))


class SuspectList(OptionList):
    """Suspects, most likely first. Each row is a :class:`Text` (no markup from the knowledge)."""

    _rows: list[tuple[str, str | None, str, float]] = []

    def on_resize(self) -> None:
        self.show(self._rows)

    def show(self, suspects: list[tuple[str, str | None, str, float]]) -> None:
        """``suspects``: (id, ref, title, score) rows."""
        self._rows = suspects
        highlighted = self.highlighted_option.id if self.highlighted_option is not None else None
        width = max(self.scrollable_content_region.width, 24)
        title_width = max(width - 6 - BAR - 5, 6)
        options = []
        for node_id, ref, title, score in suspects:
            row = Text(no_wrap=True, overflow="ellipsis")
            row.append(inert(f"{(ref or ''):>5} "), style="bold")
            row.append(fit(title, title_width))
            row.append(" " + bar(score), style="green")
            row.append(f"{score:4.0%}", style="dim")
            options.append(Option(row, id=node_id))
        self.clear_options()
        self.add_options(options)
        if highlighted is not None:
            index = next((i for i, o in enumerate(options) if o.id == highlighted), None)
            if index is not None:
                self.highlighted = index

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(SuspectChosen(event.option.id))
