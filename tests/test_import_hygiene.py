"""`engine` and the non-TUI command line never import Textual (it costs ~170 ms and a screen)."""

import subprocess
import sys

from conftest import ROOT


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    import json

    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_engine_does_not_import_textual_or_tui():
    mods = _modules_after("import engine.loader, engine.checks, engine.dump, engine.schema\n"
                          "from engine.loader import load_knowledge; load_knowledge()")
    assert "textual" not in mods
    assert "rich" not in mods
    assert not any(m == "tui" or m.startswith("tui.") for m in mods)


def test_kb_commands_do_not_import_textual():
    mods = _modules_after("from tui.cli import main\n"
                          "import contextlib, io\n"
                          "with contextlib.redirect_stdout(io.StringIO()):\n"
                          "    main(['kb', 'validate']); main(['kb', 'dump']); main(['kb', 'schema'])")
    assert "textual" not in mods


def test_engine_sources_never_name_textual_or_tui():
    for path in (ROOT / "engine").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")):
                assert "textual" not in stripped and not stripped.startswith(("from tui", "import tui")), \
                    f"{path.name}: {stripped}"
