"""Prose: a paragraph of text from the knowledge, shown as text (never markup, control characters
made visible), wrapped by cells and, in Japanese, at phrase boundaries."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from engine.text import inert
from tui.wrap import wrap


class Prose(Widget):
    """Wrapped plain text. ``text`` is data: brackets in it stay brackets, and an escape sequence,
    a bell or a right-to-left override is drawn as a visible placeholder (``‹ESC›``, ``‹U+202E›``)."""

    DEFAULT_CSS = """
    Prose { height: auto; width: 1fr; }
    """

    text: reactive[str] = reactive("", layout=True)

    def __init__(self, text: str = "", *, style: str = "", id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._style = style
        self.set_reactive(Prose.text, text)

    def _lines(self, width: int) -> tuple[str, ...]:
        return wrap(inert(self.text).expandtabs(4), width) if self.text else ()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        return Text("\n".join(self._lines(self.content_region.width or self.size.width)), style=self._style,
                    no_wrap=True, overflow="crop")
