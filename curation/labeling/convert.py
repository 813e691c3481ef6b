"""Annotated tasks (Label Studio's JSON export) converted to SFT records, judgments and preference pairs.

| kind | output |
| --- | --- |
| write_instruction | one SFT record per annotation: the instruction as a user turn, the category |
| write_instruction_in_context | one SFT record per annotation: the dialogue plus the new user turn |
| write_answer | one SFT record per annotation: the dialogue plus the written answer |
| judge_answer | one judgment per task: majority verdict, error types, reasons; no majority → review |
| revise_answer | per annotation: the corrected record; a pair revised > original when changed |
| rank_answers(_pair) | per task: consensus order (mean position) → DPO pairs; disagreement → review |

Every output carries `meta["labeling"]` (project kind, task id, annotation ids, annotators, task hash)
so a record can be traced back to its task.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from curation.labeling.agreement import majority, ranking_tau
from curation.labeling.configs import PAIR_KIND
from curation.labeling.tasks import HASH_KEY, META_KEY
from curation.sft.records import SFTRecord


@dataclass(frozen=True)
class Resolution:
    """How several annotators' answers become one: majority share, and the rank agreement needed."""

    min_share: float = 0.5  # a verdict / pair choice needs more than this share of the annotators
    min_tau: float = 0.0  # a ranking task needs a mean pairwise Kendall tau above this, else review
    error_share: float = (
        0.5  # an error type is kept when at least this share of the "incorrect" votes name it
    )


@dataclass
class Converted:
    """What one batch of annotated tasks became."""

    sft: list[SFTRecord] = field(default_factory=list)
    preferences: list[SFTRecord] = field(default_factory=list)
    judgments: list[dict[str, Any]] = field(default_factory=list)
    review: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: Converted) -> None:
        self.sft += other.sft
        self.preferences += other.preferences
        self.judgments += other.judgments
        self.review += other.review

    def counts(self) -> dict[str, int]:
        return {
            "sft": len(self.sft),
            "preferences": len(self.preferences),
            "judgments": len(self.judgments),
            "review": len(self.review),
        }


def annotator(annotation: dict[str, Any]) -> Any:
    """The annotator's user id (the export gives an id, or a user dict)."""
    who = annotation.get("completed_by")
    return who.get("id") if isinstance(who, dict) else who


def valid_annotations(task: dict[str, Any]) -> list[dict[str, Any]]:
    """The task's submitted (not skipped) annotations, oldest first."""
    anns = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    return sorted(anns, key=lambda a: a.get("id") or 0)


def _value(result: list[dict[str, Any]], name: str, key: str) -> Any:
    for r in result:
        if r.get("from_name") == name and key in (r.get("value") or {}):
            return r["value"][key]
    return None


def text_of(result: list[dict[str, Any]], name: str) -> str:
    """The text a TextArea `name` holds in an annotation result ("" when empty)."""
    v = _value(result, name, "text")
    if isinstance(v, list):
        return "\n".join(str(t) for t in v).strip()
    return str(v or "").strip()


def choices_of(result: list[dict[str, Any]], name: str) -> list[str]:
    """The values chosen in Choices `name`."""
    return [str(c) for c in _value(result, name, "choices") or []]


def ranking_of(result: list[dict[str, Any]], name: str = "rank") -> list[str]:
    """The ids of a Ranker result, best first (`{"ranker": {<list name>: [ids]}}`)."""
    v = _value(result, name, "ranker")
    if isinstance(v, dict) and v:
        return [str(x) for x in next(iter(v.values()))]
    return []


def pairwise_of(result: list[dict[str, Any]], name: str = "preference") -> str | None:
    """`left` or `right` from a Pairwise result."""
    v = _value(result, name, "selected")
    return str(v) if v else None


def _trace(kind: str, task: dict[str, Any], anns: list[dict[str, Any]]) -> dict[str, Any]:
    meta = task["data"].get(META_KEY) or {}
    return {
        "kind": kind,
        "task_id": task.get("id"),
        "task_hash": task["data"].get(HASH_KEY),
        "source_id": meta.get("source_id"),
        "annotation_ids": [a.get("id") for a in anns],
        "annotators": [annotator(a) for a in anns],
    }


def _record(
    kind: str,
    task: dict[str, Any],
    ann: dict[str, Any],
    messages: list[dict[str, Any]],
    category: str | None = None,
    **kwargs: Any,
) -> SFTRecord:
    meta = task["data"].get(META_KEY) or {}
    return SFTRecord.new(
        messages,
        source=f"labeling:{kind}",
        lang=meta.get("lang") or None,
        category=category or meta.get("category") or None,
        meta={"labeling": _trace(kind, task, [ann])},
        **kwargs,
    )


def _dialogue(task: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": m["role"], "content": m["content"]} for m in task["data"].get("dialogue") or []]


def convert_task(kind: str, task: dict[str, Any], rule: Resolution = Resolution()) -> Converted:
    """Outputs of one annotated task of project `kind`."""
    out = Converted()
    anns = valid_annotations(task)
    if not anns:
        return out
    if kind == "write_instruction":
        for a in anns:
            text = text_of(a["result"], "instruction")
            if text:
                cats = choices_of(a["result"], "category")
                out.sft.append(
                    _record(kind, task, a, [{"role": "user", "content": text}], cats[0] if cats else None)
                )
    elif kind in ("write_instruction_in_context", "write_answer"):
        role, name = (
            ("user", "next_turn") if kind == "write_instruction_in_context" else ("assistant", "answer")
        )
        for a in anns:
            text = text_of(a["result"], name)
            if text:
                out.sft.append(_record(kind, task, a, [*_dialogue(task), {"role": role, "content": text}]))
    elif kind == "judge_answer":
        _judge(task, anns, rule, out)
    elif kind == "revise_answer":
        original = str(task["data"].get("answer") or "")
        prompt = _dialogue(task)
        for a in anns:
            text = text_of(a["result"], "revised")
            if not text:
                continue
            out.sft.append(_record(kind, task, a, [*prompt, {"role": "assistant", "content": text}]))
            if text != original.strip():
                out.preferences.append(
                    _record(
                        kind,
                        task,
                        a,
                        prompt,
                        chosen={"role": "assistant", "content": text},
                        rejected={"role": "assistant", "content": original},
                    )
                )
    elif kind in ("rank_answers", PAIR_KIND):
        _rank(kind, task, anns, rule, out)
    else:
        raise ValueError(f"unknown labeling kind {kind!r}")
    return out


def _judge(task: dict[str, Any], anns: list[dict[str, Any]], rule: Resolution, out: Converted) -> None:
    votes = []
    for a in anns:
        verdict = (choices_of(a["result"], "verdict") or [None])[0]
        errors = choices_of(a["result"], "errors") if verdict == "incorrect" else []
        votes.append(
            {
                "annotator": annotator(a),
                "annotation_id": a.get("id"),
                "verdict": verdict,
                "errors": errors,
                "reason": text_of(a["result"], "reason"),
            }
        )
    verdict = majority([v["verdict"] for v in votes], rule.min_share)
    incorrect = [v for v in votes if v["verdict"] == "incorrect"]
    counts = Counter(e for v in incorrect for e in v["errors"])
    errors = sorted(e for e, c in counts.items() if incorrect and c / len(incorrect) >= rule.error_share)
    meta = task["data"].get(META_KEY) or {}
    judgment = {
        "id": task["data"].get(HASH_KEY),
        "source_id": meta.get("source_id"),
        "messages": _dialogue(task),
        "verdict": verdict,
        "error_types": errors if verdict == "incorrect" else [],
        "reasons": [v["reason"] for v in votes if v["reason"]],
        "status": "resolved" if verdict is not None else "review",
        "votes": votes,
        "lang": meta.get("lang"),
        "category": meta.get("category"),
        "labeling": _trace("judge_answer", task, anns),
    }
    (out.judgments if verdict is not None else out.review).append(judgment)


def _rank(
    kind: str, task: dict[str, Any], anns: list[dict[str, Any]], rule: Resolution, out: Converted
) -> None:
    data = task["data"]
    if kind == PAIR_KIND:
        texts = {"left": str(data.get("left") or ""), "right": str(data.get("right") or "")}
        orders = {}
        for a in anns:
            picked = pairwise_of(a["result"])
            if picked in texts:
                orders[annotator(a)] = [picked, "right" if picked == "left" else "left"]
    else:
        texts = {str(x["id"]): str(x.get("body") or "") for x in data.get("answers") or []}
        orders = {annotator(a): o for a in anns if sorted(o := ranking_of(a["result"])) == sorted(texts)}
    if not orders:
        return
    taus = [ranking_tau(o1, o2) for o1, o2 in itertools.combinations(orders.values(), 2)]
    tau = sum(taus) / len(taus) if taus else None
    position = {i: sum(o.index(i) for o in orders.values()) / len(orders) for i in texts}
    consensus = sorted(texts, key=lambda i: (position[i], list(texts).index(i)))
    meta = data.get(META_KEY) or {}
    entry = {
        "id": data.get(HASH_KEY),
        "source_id": meta.get("source_id"),
        "order": consensus,
        "mean_position": position,
        "tau": tau,
        "orders": {str(k): v for k, v in orders.items()},
        "labeling": _trace(kind, task, anns),
    }
    if kind == PAIR_KIND and len(orders) > 1:
        winner = majority([o[0] for o in orders.values()], rule.min_share)
        resolved = winner is not None
    else:
        resolved = tau is None or tau > rule.min_tau
    if not resolved:
        out.review.append({**entry, "status": "review"})
        return
    prompt = _dialogue(task)
    for better, worse in itertools.combinations(consensus, 2):
        if position[better] < position[worse]:
            rec = SFTRecord.new(
                prompt,
                source=f"labeling:{kind}",
                lang=meta.get("lang") or None,
                category=meta.get("category") or None,
                chosen={"role": "assistant", "content": texts[better]},
                rejected={"role": "assistant", "content": texts[worse]},
                meta={"labeling": {**entry["labeling"], "pair": [better, worse], "tau": tau}},
            )
            out.preferences.append(rec)
