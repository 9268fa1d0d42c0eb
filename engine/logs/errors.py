"""The one exception the log reader raises: a one-line message that names the file and the line."""

from __future__ import annotations

from pathlib import Path


def one_line(text: str) -> str:
    """``text`` as one printable line: characters that would break the line, move the cursor or
    could not be written as UTF-8 (control characters, line separators, lone surrogates, bidi
    controls) become ``\\x..`` / ``\\u....`` escapes. Column names come from the log itself."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


class LogError(Exception):
    """A log that cannot be read. `str(error)` is `file:line: what is wrong` (line when known)."""

    def __init__(self, message: str):
        message = one_line(message)
        super().__init__(message)
        self.message = message

    @classmethod
    def at(cls, path: Path | str, message: str, line: int | None = None, col: int | None = None) -> "LogError":
        where = str(path)
        if line is not None:
            where += f":{line}"
            if col is not None:
                where += f":{col}"
        return cls(f"{where}: {message}")

    def __str__(self) -> str:
        return self.message
