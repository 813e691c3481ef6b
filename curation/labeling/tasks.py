"""Label Studio tasks of each kind, made from SFT records, model outputs or labeling demand.

Input items (one JSON object a line, or a JSON array), recognised by their keys:

- labeling demand (from rebalancing / the data loop): `category`, `lang`, `count_needed`, optional
  `topics` (list of str) → `count_needed` write_instruction tasks;
- model outputs: `answers` (list of str, or of {`model`, `content`}) or `answer` (str), with the
  prompt as `messages` ([{role, content}]) or `prompt` (str); optional `category`, `lang`, `id`,
  `verdict` (a judge model's correct / incorrect);
- anything else: an SFT item in any format `curation.sft.formats` reads (Alpaca, ShareGPT, OpenAI
  messages, the record format...).

Every task carries `corpusloop_hash`, a hash of the kind and what the annotator sees, so pushing
the same items twice imports nothing new, and `corpusloop` (source id, lang, category, source).
Where there is a model answer or a predicted category the task gets a prediction, shown to the
annotator as a pre-filled answer (model version `PREDICTION_MODEL`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation.labeling.configs import KINDS, PAIR_KIND

PREDICTION_MODEL = "corpusloop"
HASH_KEY = "corpusloop_hash"
META_KEY = "corpusloop"


class TaskError(ValueError):
    """An input item that cannot become a task of the asked kind."""


@dataclass
class Item:
    """One input item, normalised: the dialogue, candidate answers and labels."""

    messages: list[dict[str, Any]]  # the dialogue (for demand: empty)
    answers: list[str] = field(default_factory=list)  # model answers (or the record's last assistant turn)
    source_id: str = ""
    source: str = ""
    lang: str | None = None
    category: str | None = None
    topic: str = ""
    verdict: str | None = None  # a predicted judgment, if any
    answer_models: list[str] = field(default_factory=list)


def _plain(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"role": str(m.get("role")), "content": str(m.get("content") or "")} for m in messages]


def read_items(path: str | Path) -> Iterator[Item | dict[str, Any]]:
    """Items of `path`: an `Item`, or a demand dict (`category`, `lang`, `count_needed`)."""
    from curation.sft.formats import detect_item_format, item_to_record

    text = Path(path).read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        raw = json.loads(stripped)
    else:
        raw = [json.loads(line) for line in text.splitlines() if line.strip()]
    src = Path(path).name.split(".")[0]
    for n, obj in enumerate(raw):
        where = f"{path}:{n + 1}"
        if not isinstance(obj, dict):
            raise TaskError(f"{where}: not a JSON object")
        if "count_needed" in obj:
            yield obj
        elif "answers" in obj or ("answer" in obj and ("messages" in obj or "prompt" in obj)):
            yield _model_output(obj, src, where)
        else:
            fmt = detect_item_format(obj)
            if fmt is None:
                raise TaskError(
                    f"{where}: not an SFT item, model output or demand record (keys {sorted(obj)[:8]})"
                )
            rec = item_to_record(obj, fmt, src)
            msgs = _plain(rec.messages)
            answers: list[str] = []
            if rec.chosen is not None:  # preference item: two answers to rank
                answers = [
                    str(rec.chosen.get("content") or ""),
                    str((rec.rejected or {}).get("content") or ""),
                ]
            yield Item(
                messages=msgs,
                answers=answers,
                source_id=rec.id,
                source=rec.source or src,
                lang=rec.lang,
                category=rec.category,
            )


def _model_output(obj: dict[str, Any], src: str, where: str) -> Item:
    if "messages" in obj:
        msgs = _plain(obj["messages"])
    elif isinstance(obj.get("prompt"), str):
        msgs = [{"role": "user", "content": obj["prompt"]}]
    else:
        raise TaskError(f"{where}: a model output needs `messages` or a `prompt` string")
    raw = obj.get("answers", [obj.get("answer")] if "answer" in obj else [])
    answers, models = [], []
    for a in raw:
        if isinstance(a, dict):
            answers.append(str(a.get("content") or ""))
            models.append(str(a.get("model") or ""))
        else:
            answers.append(str(a or ""))
            models.append("")
    sid = str(obj.get("id") or _digest(["output", msgs, answers]))
    return Item(
        messages=msgs,
        answers=answers,
        source_id=sid,
        source=str(obj.get("source") or src),
        lang=obj.get("lang"),
        category=obj.get("category"),
        verdict=obj.get("verdict"),
        answer_models=models,
    )


def _digest(obj: Any) -> str:
    return hashlib.sha1(json.dumps(obj, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def _prompt_and_answer(item: Item) -> tuple[list[dict[str, str]], str | None]:
    """The dialogue up to the last user turn, and its answer (the last assistant turn, or a model answer)."""
    msgs = item.messages
    if msgs and msgs[-1]["role"] == "assistant":
        return msgs[:-1], msgs[-1]["content"]
    return msgs, (item.answers[0] if item.answers else None)


def _textarea(name: str, to: str, text: str) -> dict[str, Any]:
    return {"from_name": name, "to_name": to, "type": "textarea", "value": {"text": [text]}}


def _choices(name: str, to: str, values: list[str]) -> dict[str, Any]:
    return {"from_name": name, "to_name": to, "type": "choices", "value": {"choices": values}}


def _task(
    kind: str, data: dict[str, Any], item: Item | None, prediction: list[dict[str, Any]], extra: Any = None
) -> dict[str, Any]:
    visible = {k: v for k, v in data.items()}
    data[HASH_KEY] = _digest([kind, visible, extra])
    data[META_KEY] = {
        "kind": kind,
        "source_id": item.source_id if item else "",
        "source": item.source if item else "",
        "lang": item.lang if item else None,
        "category": item.category if item else None,
    }
    task: dict[str, Any] = {"data": data}
    if prediction:
        task["predictions"] = [{"model_version": PREDICTION_MODEL, "result": prediction}]
    return task


def demand_tasks(demand: dict[str, Any]) -> list[dict[str, Any]]:
    """`count_needed` write_instruction tasks for one demand record (topics cycled when given).

    The hash holds the slot number and the rest of the row (`have` / `target` from
    curation.sft.rebalance, `cause` / `gap` from the data loop), so the same demand pushed twice
    adds nothing, and a later demand (other counts) adds new tasks.
    """
    context = {k: v for k, v in demand.items() if k not in ("count_needed", "topics")}
    category, lang = str(demand.get("category") or "other"), demand.get("lang")
    topics = [str(t) for t in demand.get("topics") or []]
    out = []
    for i in range(int(demand["count_needed"])):
        topic = (
            topics[i % len(topics)]
            if topics
            else (
                f"Any topic for the category {category} ({lang or 'any language'}) · "
                f"{category} 类别下的任意主题（{lang or '任意语言'}）"
            )
        )
        item = Item(
            messages=[],
            source_id=f"demand:{category}:{lang}:{i}",
            source="demand",
            lang=lang,
            category=category,
            topic=topic,
        )
        data = {"topic": topic, "category": category, "lang": lang or ""}
        out.append(
            _task(
                "write_instruction",
                data,
                item,
                [_choices("category", "topic", [category])],
                extra=[i, context],
            )
        )
    return out


def item_task(kind: str, item: Item) -> dict[str, Any]:
    """The task of `kind` for one item; raises TaskError when the item does not fit the kind."""
    prompt, answer = _prompt_and_answer(item)
    if kind == "write_instruction":
        topic = item.topic or (prompt[-1]["content"] if prompt else "")
        if not topic:
            raise TaskError(f"{item.source_id}: write_instruction needs a topic or a user turn")
        data = {"topic": topic, "category": item.category or "", "lang": item.lang or ""}
        pred = [_choices("category", "topic", [item.category])] if item.category else []
        return _task(kind, data, item, pred)
    if kind == "write_instruction_in_context":
        if not item.messages or item.messages[-1]["role"] != "assistant":
            raise TaskError(
                f"{item.source_id}: write_instruction_in_context needs a dialogue ending with the assistant"
            )
        return _task(kind, {"dialogue": item.messages}, item, [])
    if kind == "write_answer":
        if not prompt or prompt[-1]["role"] != "user":
            raise TaskError(f"{item.source_id}: write_answer needs a dialogue ending with a user turn")
        pred = [_textarea("answer", "dialogue", answer)] if answer else []
        return _task(kind, {"dialogue": prompt}, item, pred)
    if kind in ("judge_answer", "revise_answer"):
        if answer is None or not prompt:
            raise TaskError(f"{item.source_id}: {kind} needs a prompt and an answer")
        if kind == "judge_answer":
            pred = (
                [_choices("verdict", "dialogue", [item.verdict])]
                if item.verdict in ("correct", "incorrect")
                else []
            )
            return _task(kind, {"dialogue": [*prompt, {"role": "assistant", "content": answer}]}, item, pred)
        return _task(
            kind, {"dialogue": prompt, "answer": answer}, item, [_textarea("revised", "answer", answer)]
        )
    if kind == "rank_answers":
        if len(item.answers) < 2 or not prompt:
            raise TaskError(f"{item.source_id}: rank_answers needs a prompt and at least two answers")
        if len(item.answers) == 2:
            return _task(
                PAIR_KIND, {"dialogue": prompt, "left": item.answers[0], "right": item.answers[1]}, item, []
            )
        answers = [
            {"id": f"a{i}", "title": f"Answer {chr(65 + i)} · 回答 {chr(65 + i)}", "body": text}
            for i, text in enumerate(item.answers)
        ]
        return _task(kind, {"dialogue": prompt, "answers": answers}, item, [])
    raise TaskError(f"unknown labeling kind {kind!r}; known: {', '.join(KINDS)}")


def make_tasks(kind: str, path: str | Path) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Tasks of `kind` from the items of `path`, grouped by project kind, and the items skipped (why)."""
    if kind not in KINDS:
        raise TaskError(f"unknown labeling kind {kind!r}; known: {', '.join(KINDS)}")
    by_kind: dict[str, list[dict[str, Any]]] = {}
    skipped: list[str] = []
    for obj in read_items(path):
        if isinstance(obj, dict):
            if kind != "write_instruction":
                skipped.append(
                    f"demand record {obj.get('category')}/{obj.get('lang')}: only write_instruction"
                )
                continue
            tasks = demand_tasks(obj)
        else:
            try:
                tasks = [item_task(kind, obj)]
            except TaskError as exc:
                skipped.append(str(exc))
                continue
        for t in tasks:
            by_kind.setdefault(t["data"][META_KEY]["kind"], []).append(t)
    return by_kind, skipped
