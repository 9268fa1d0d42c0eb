"""Messages widgets post upwards; the screen that owns the session handles them."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class AnswerChosen(Message):
    """The person answered ``node_id`` (the pending ask, or an earlier one being changed)."""

    node_id: str
    answer: str


@dataclass
class SuspectChosen(Message):
    """The person wants to know how a suspect was concluded (or why it is out)."""

    node_id: str


@dataclass
class PathEntryChosen(Message):
    """The person wants to change an earlier answer."""

    node_id: str
