"""How the TUI was started: from the command line, or by a test."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def data_dir() -> Path:
    """Where sessions are autosaved: $NN_TRIAGE_DATA_DIR, else the platform's user data folder."""
    override = os.environ.get("NN_TRIAGE_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return platformdirs.user_data_path("nn-triage", appauthor=False)


@dataclass
class Settings:
    knowledge: list[Path] = field(default_factory=list)
    """Folders layered over the shipped knowledge (``--knowledge``)."""
    lang: str = "en"
    framework: str = "pytorch"
    log: Path | None = None
    """A training log whose detected symptoms are entered as answers (``--log``)."""
    classes: int | None = None
    """Number of classes, for the log analysis (``--classes``)."""
    resume: Path | None = None
    """A saved session to continue (``--resume``)."""
    offer_resume: bool = True
    """Offer to resume the last unfinished autosaved session at start."""
    data: Path = field(default_factory=data_dir)

    @property
    def sessions(self) -> Path:
        return self.data / "sessions"


def session_stamp(created: str) -> str:
    """A session's start time as it goes into file names: 20261128T083300Z."""
    return created.replace(":", "").replace("-", "").replace("+0000", "Z")
