"""Enter the symptoms a training log shows as answers, each with its evidence (source "log")."""

from __future__ import annotations

from pathlib import Path

from engine.session import Session


def enter_log_symptoms(session: Session, path: Path, classes: int | None = None) -> int:
    """Analyse ``path`` and answer "yes" for each detected symptom; returns how many were entered.

    Raises ``engine.logs.LogError`` (one sentence naming the file and line) on a bad log.
    """
    from engine.logs import analyze_path

    analysis = analyze_path(Path(path), classes=classes)
    count = 0
    for symptom in analysis.symptoms:
        if symptom.id in session.kb.nodes and symptom.id not in session.given():
            session.answer("yes", symptom.id, source="log", evidence=symptom.evidence)
            count += 1
    return count
