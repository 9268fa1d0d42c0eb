"""Plain-text renderings of the engine's explanation data, for the TUI's modals."""

from __future__ import annotations

from typing import Any

from tui.i18n import strings


def why_text(info: dict[str, Any] | None, lang: str) -> str:
    if not info:
        return strings(lang).t("nothing_pending")
    lines = [info["text"], ""]
    if info["kind"] == "question":
        for s in info.get("separates", []):
            lines.append(f"  {s['ref'] or s['id']:>5} {s['title']}: {s['now']:.0%} → "
                         f"{'はい' if lang == 'ja' else 'yes'} {s['if_yes']:.0%} / "
                         f"{'いいえ' if lang == 'ja' else 'no'} {s['if_no']:.0%}")
        for w in info.get("rules_waiting", []):
            if w.get("because"):
                lines.append(f"  ⚙ {w['rule']} ({w['if_answer']}): {w['because']}")
    else:
        for c in info.get("next_checks", []):
            lines.append(f"  {c['ref'] or c['id']:>5} {c['title']}: {c['probability']:.0%} / "
                         f"{c['cost_minutes']:g} min = {c['efficiency']:.4f}")
    return "\n".join(lines).rstrip()


def how_text(info: dict[str, Any], lang: str) -> str:
    ui = strings(lang)
    lines = [f"{info['ref'] or ''} {info['title']}".strip(), "",
             f"{ui.t('score')}: {info['score']:.1%}   {ui.t('rank')}: {info['rank'] or '-'}   "
             f"{ui.t('prior')}: {info['prior']:.3f}", ""]
    for f in info["factors"]:
        because = f" — {f['because']}" if f.get("because") else ""
        origin = f" [{ui.t('from_log')}]" if f.get("source") == "log" else (
            f" [{ui.t('derived')}]" if f.get("source") == "rule" else "")
        lines.append(f"  ×{f['factor']:g}  {f['node']} = {f['answer']}{origin}{because}")
    for r in info["rules"]:
        cond = ", ".join(f"{k}={v}" for k, v in r["if"].items())
        because = f" — {r['because']}" if r.get("because") else ""
        lines.append(f"  ×{r['factor']:g}  ⚙ {r['rule']} ({cond}){because}")
    lines += ["", info["text"]]
    return "\n".join(lines)
