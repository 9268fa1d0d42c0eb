"""Explanations as data: why this ask now, how a suspect got its score, why another one is out,
and what an answer changed. The TUI, the JSON-lines protocol and the reports render these.

Following MYCIN's WHY / HOW and Poole's WHY-NOT: every number the engine used is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .model import OTHER
from .next_step import ASK_OVERHEAD

if TYPE_CHECKING:
    from .session import Session, State


def _text(value: Any, lang: str) -> str | None:
    return value.get(lang) if value is not None else None


def _ref(session: Session, node_id: str) -> str | None:
    return getattr(session.kb.nodes.get(node_id), "ref", None)


def _title(session: Session, node_id: str) -> str:
    node = session.kb.nodes.get(node_id)
    return node.title.get(session.lang) if node is not None else node_id


def _source_of(session: Session, node_id: str) -> str:
    event = session.given().get(node_id)
    return event.source if event is not None else "rule"


def explain_pending(session: Session) -> dict[str, Any] | None:
    """Why the pending ask is the most useful next step, with the numbers that chose it."""
    state = session.state
    choice = state.choice
    if choice.node is None:
        return None
    lang, model = session.lang, session.model
    out: dict[str, Any] = {"node": choice.node, "kind": choice.kind, "ecr_minutes": round(choice.ecr, 1)}
    if choice.kind == "question":
        q = choice.best_question
        assert q is not None
        p = state.p
        rows = {a: p * model.rows.get((q.node, a), np.ones_like(p)) for a in ("yes", "no")}
        waiting = []
        for answer, w in rows.items():
            for rule_id in state.pending_rules.get((q.node, answer), ()):
                for i, factor in model.rule_effects.get(rule_id, ()):
                    w[i] *= factor
                rule = session.kb.rules[[r.id for r in session.kb.rules].index(rule_id)]
                waiting.append({"rule": rule_id, "if_answer": answer, "because": _text(rule.because, lang)})
        post = {a: w / w.sum() for a, w in rows.items()}
        moved = np.maximum(np.abs(post["yes"] - p), np.abs(post["no"] - p))[:-1]
        separates = []
        for i in np.argsort(-moved, kind="stable")[:4]:
            if moved[i] < 1e-3:
                break
            h = model.hypotheses[i]
            separates.append({"id": h, "ref": _ref(session, h), "title": _title(session, h),
                              "now": round(float(p[i]), 4), "if_yes": round(float(post["yes"][i]), 4),
                              "if_no": round(float(post["no"][i]), 4)})
        saving = choice.ecr - q.value
        out.update(eco_minutes=round(q.value, 1), saving_minutes=round(saving, 1),
                   p_yes=round(q.p_yes or 0.0, 3), info_gain_bits=round(q.info_gain or 0.0, 3),
                   separates=separates, rules_waiting=waiting,
                   best_check=_check_summary(session, choice.best_check.node) if choice.best_check else None)
        yes, no = ("はい", "いいえ") if lang == "ja" else ("yes", "no")
        top = ", ".join(f"{s['ref'] or s['id']} ({s['now']:.0%} → {yes} {s['if_yes']:.0%} / {no} {s['if_no']:.0%})"
                        for s in separates[:3])
        if lang == "ja":
            out["text"] = (f"この質問への答えで容疑の順位が変わります: {top}。答えを聞いてから確認作業を進めると、"
                           f"見込みの作業時間が {choice.ecr:.0f} 分から {q.value:.0f} 分に減ります"
                           f"（{saving:.1f} 分の節約、情報量 {q.info_gain or 0:.2f} ビット）。")
        else:
            out["text"] = (f"The answer reorders the suspects: {top}. Asking first cuts the expected work from "
                           f"{choice.ecr:.0f} to {q.value:.0f} minutes (saves {saving:.1f}; "
                           f"{q.info_gain or 0:.2f} bits of information).")
    else:
        summary = _check_summary(session, choice.node)
        out.update(summary)
        out["next_checks"] = [_check_summary(session, c.node) for c in choice.checks[1:]]
        if choice.best_question is not None:
            out["best_question"] = {"id": choice.best_question.node, "eco_minutes": round(choice.best_question.value, 1)}
        pct = summary["probability"]
        if lang == "ja":
            out["text"] = (f"最も効率のよい確認です: 原因である確率 {pct:.0%} ÷ 所要 {summary['cost_minutes']:g} 分"
                           f"（＋やり取り {ASK_OVERHEAD:g} 分）= {summary['efficiency']:.4f}/分。"
                           "どの質問も、これより先に聞くほど作業時間を減らしません。")
        else:
            out["text"] = (f"The most efficient check: {pct:.0%} likely to be the cause ÷ {summary['cost_minutes']:g} "
                           f"minutes (+{ASK_OVERHEAD:g} to ask) = {summary['efficiency']:.4f} per minute. "
                           "No question would save more work than it costs.")
    return out


def _check_summary(session: Session, node_id: str) -> dict[str, Any]:
    model, p = session.model, session.state.p
    i = model.index_of[node_id]
    cost = float(model.cost[i])
    return {"id": node_id, "ref": _ref(session, node_id), "title": _title(session, node_id),
            "probability": round(float(p[i]), 4), "cost_minutes": cost,
            "efficiency": round(float(p[i]) / (cost + ASK_OVERHEAD), 5)}


def explain_suspect(session: Session, node_id: str) -> dict[str, Any]:
    """HOW a suspect got its score (or WHY NOT, when it is out): every factor, in order."""
    model, state, lang = session.model, session.state, session.lang
    i = model.index_of.get(node_id)
    if i is None:
        return {"id": node_id, "error": "not a reason or strategy"}
    factors = []
    excluded_by = []
    for fact, answer in state.values.items():
        for factor in model.factors.get((fact, answer), {}).get(i, ()):
            base = model.rows[(fact, answer)][model.other] if (fact, answer) in model.rows else 1.0
            item = {"node": fact, "answer": answer, "edge": factor.edge, "factor": round(factor.ratio, 4),
                    "because": _text(factor.because, lang), "source": _source_of(session, fact)}
            if factor.edge == "suggests":
                item["likelihood"] = round(factor.ratio * base, 4)
                item["base"] = round(base, 4)
            factors.append(item)
            if factor.ratio == 0:
                excluded_by.append(item)
    rules = []
    by_id = {r.id: r for r in session.kb.rules}
    for rule_id in state.active_rules:
        for j, f in model.rule_effects.get(rule_id, ()):
            if j == i:
                rule = by_id[rule_id]
                item = {"rule": rule_id, "factor": f, "if": dict(rule.if_), "because": _text(rule.because, lang)}
                rules.append(item)
                if f == 0:
                    excluded_by.append(item)
    given = session.given().get(node_id)
    score = float(state.p[i])
    status = ("found" if given and given.answer == "found" else
              "checked_ok" if given and given.answer == "ok" else
              "ruled_out" if score == 0 else "suspected")
    prior = float(model.prior[i])
    unnormalised = prior
    for f in factors:
        unnormalised *= f["factor"]
    for r in rules:
        unnormalised *= r["factor"]
    out = {"id": node_id, "ref": _ref(session, node_id), "title": _title(session, node_id), "status": status,
           "score": round(score, 4), "prior": round(prior, 4), "factors": factors, "rules": rules,
           "rank": next((k + 1 for k, s in enumerate(state.ranked) if s.id == node_id), None)}
    if status != "suspected":
        out["excluded_by"] = excluded_by
    out["text"] = _how_text(out, unnormalised, lang)
    return out


def _how_text(info: dict[str, Any], unnormalised: float, lang: str) -> str:
    parts = [f"{info['prior']:.3f}"]
    for f in info["factors"]:
        parts.append(f"×{f['factor']:g} ({f['node']}={f['answer']})")
    for r in info["rules"]:
        parts.append(f"×{r['factor']:g} (rule {r['rule']})")
    arithmetic = " ".join(parts)
    if info["status"] == "checked_ok":
        return ("確認済みで問題なし（ok）。" if lang == "ja" else "Checked and fine (ok).")
    if info["status"] == "found":
        return ("原因として確認済み。" if lang == "ja" else "Confirmed as the cause.")
    if info["status"] == "ruled_out":
        by = ", ".join(f"{e.get('node', e.get('rule'))}={e.get('answer', '')}".rstrip("=") for e in info["excluded_by"])
        return (f"除外: {by}" if lang == "ja" else f"Ruled out by {by}.")
    if lang == "ja":
        return f"事前確率 {arithmetic} = {unnormalised:.4g}、全候補で正規化して {info['score']:.1%}。"
    return f"prior {arithmetic} = {unnormalised:.4g}, normalised over all suspects: {info['score']:.1%}."


def diff(before: State, after: State, session: Session, threshold: float = 0.005) -> list[dict[str, Any]]:
    """Suspects whose score moved by more than ``threshold`` between two states, biggest first."""
    model = session.model
    delta = after.p - before.p
    out = []
    for i in np.argsort(-np.abs(delta), kind="stable"):
        if abs(delta[i]) <= threshold:
            break
        h = model.hypotheses[i]
        if h == OTHER:
            continue
        out.append({"id": h, "ref": _ref(session, h), "before": round(float(before.p[i]), 4),
                    "after": round(float(after.p[i]), 4)})
    return out
