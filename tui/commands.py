"""Command-palette commands of the main screen, in the session's language."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.i18n import strings


class TriageCommands(Provider):
    def _commands(self):
        screen = self.screen
        if not hasattr(screen, "session"):
            return []
        ui = strings(screen.session.lang)
        b = ui.bindings
        items = [
            (b.why, "why"), (b.undo, "undo"), (b.save, "save"), (b.language, "language"),
            (b.framework, "framework"), (b.knowledge, "knowledge"), (b.restart, "restart"),
            (b.copy_code, "copy_code"), (b.describe, "describe"), (b.help, "help"),
        ]
        for fmt in ("md", "html", "json"):
            items.append((f"{b.export}: {fmt}", f"export('{fmt}')"))
        return [(label, partial(screen.run_action, action)) for label, action in items]

    async def discover(self) -> Hits:
        for label, run in self._commands():
            yield DiscoveryHit(label, run)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, run in self._commands():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), run)
