"""Problems found in knowledge files, each pointing at a file, line and column."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches
from enum import Enum
from typing import Iterable


class Severity(str, Enum):
    ERROR = "error"
    """The graph cannot be used (a session refuses to start)."""
    WARNING = "warning"
    """The graph works, but something is missing or dead (`kb validate` still fails on it)."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a knowledge file, in GNU style: ``path:line:col: message``."""

    path: str
    line: int
    col: int
    message: str
    severity: Severity = Severity.ERROR
    code: str = "schema"
    """A short machine-readable kind, e.g. ``unknown-id``, ``cycle``, ``missing-translation``."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "col": self.col, "message": self.message,
                "severity": self.severity.value, "code": self.code}


class KnowledgeError(Exception):
    """The knowledge could not be loaded; ``problems`` says why and where."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.severity != Severity.ERROR, p.path, p.line, p.col))
        first = self.problems[0] if self.problems else None
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{first}{more}" if first else "the knowledge could not be loaded")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when something close exists, else an empty string."""
    close = get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""
