"""The headless core of nn-triage: knowledge schema and loading, graph checks, inference, sessions.

Nothing here imports Textual or the `tui` package.
"""
