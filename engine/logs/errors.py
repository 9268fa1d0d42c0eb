"""The one exception the log reader raises: a one-line message that names the file and the line."""

from __future__ import annotations

from pathlib import Path


class LogError(Exception):
    """A log that cannot be read. `str(error)` is `file:line: what is wrong` (line when known)."""

    def __init__(self, message: str):
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
