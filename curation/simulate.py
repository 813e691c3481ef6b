"""Simulated annotators: held-back SFT data stands in for people answering the loop's labeling tasks.

    pool = HeldBack.from_files(["samples/sft/heldout.jsonl"], state="out/loop/simulate_state.json")
    batch = pool.fulfil(task_files, "out/loop/labeling")   # writes pull-NNNN/ as `corpusloop label pull` does

What each kind of task gets (every held-back item is given out at most once; `state` remembers
which across runs):

- write_instruction (demand rows `category`, `lang`, `count_needed`): `count_needed` held-back items
  of that category (and language, when asked), each as a new SFT record: the instruction and its
  answer, as if write_instruction and write_answer had both been done;
- write_answer (a dialogue ending with a user turn): the held-back answer of the same prompt, if any;
- revise_answer: the held-back answer of the same prompt (or the item's `reference`) replaces the
  model's answer → an SFT record, and a preference pair (revised over the model's) when they differ;
- judge_answer: verdict `correct` when the model's answer has ROUGE-L ≥ 0.5 against the reference;
- rank_answers: the reference is preferred to the model's answer → a preference pair.

The batch folder has the layout of `curation.labeling.service.write_batch`: sft.jsonl,
preferences.jsonl, judgments.jsonl, review.jsonl, summary.json (with `"simulated": true`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from curation.loop import prompt_key
from curation.sft.formats import read_sft, write_sft
from curation.sft.records import SFTError, SFTRecord, answer_text, first_user_index

JUDGE_ROUGE = 0.5  # a model answer at least this close (ROUGE-L F1) to the reference is judged correct


class HeldBack:
    """A pool of held-back SFT records, drawn by category (and language) in a seeded order."""

    def __init__(self, records: Iterable[SFTRecord], state: str | Path | None = None, seed: int = 0) -> None:
        self.records = [r for r in records if answer_text(r).strip() and first_user_index(r) is not None]
        self.state_path = Path(state) if state else None
        self.used: set[str] = set()
        if self.state_path and self.state_path.is_file():
            self.used = set(json.loads(self.state_path.read_text(encoding="utf-8"))["used"])
        self.seed = seed
        self.by_prompt = {prompt_key(r.messages): r for r in self.records}

    @classmethod
    def from_files(
        cls, paths: Iterable[str | Path], state: str | Path | None = None, seed: int = 0
    ) -> HeldBack:
        recs = []
        for p in paths:
            for item in read_sft(p):
                if isinstance(item, SFTError):
                    raise ValueError(f"{item.locator}: {item.reason} {item.detail}")
                recs.append(item)
        return cls(recs, state, seed)

    def _order(self, rec: SFTRecord) -> str:
        return hashlib.sha1(f"{self.seed}\0{rec.id}".encode()).hexdigest()

    def left(self, category: str, lang: str | None = None) -> int:
        """Held-back items of a category (and language) not given out yet."""
        return sum(
            1
            for r in self.records
            if r.category == category and (lang is None or r.lang == lang) and r.id not in self.used
        )

    def draw(self, category: str, n: int, lang: str | None = None) -> list[SFTRecord]:
        """Up to `n` unused items of the category (and language), marked used."""
        cands = sorted(
            (
                r
                for r in self.records
                if r.category == category and (lang is None or r.lang == lang) and r.id not in self.used
            ),
            key=self._order,
        )[:n]
        self.used.update(r.id for r in cands)
        return cands

    def answer_for(self, messages: list[dict[str, Any]]) -> SFTRecord | None:
        return self.by_prompt.get(prompt_key(messages))

    def fulfil(self, task_files: Mapping[str, str | Path], out_dir: str | Path) -> Path:
        """Answer the task files (kind → JSONL as `loop step` writes them); write a pull-NNNN/ batch."""
        from training.evaluate import rouge_l

        sft: list[SFTRecord] = []
        prefs: list[SFTRecord] = []
        judgments: list[dict[str, Any]] = []
        shortfall: dict[str, int] = {}
        tasks: dict[str, int] = {}
        for kind, path in task_files.items():
            rows = [
                json.loads(line)
                for line in Path(path).read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
            tasks[kind] = len(rows)
            for row in rows:
                if kind == "write_instruction":
                    got = self.draw(str(row["category"]), int(row["count_needed"]), row.get("lang"))
                    sft += [self._record(kind, r.messages, r, row["category"]) for r in got]
                    if len(got) < int(row["count_needed"]):
                        shortfall[row["category"]] = (
                            shortfall.get(row["category"], 0) + int(row["count_needed"]) - len(got)
                        )
                    continue
                msgs = row.get("messages") or []
                held = self.answer_for(msgs)
                reference = answer_text(held) if held else row.get("reference")
                if kind == "write_answer":
                    if held is not None and held.id not in self.used:
                        self.used.add(held.id)
                        last = max(i for i, m in enumerate(msgs) if m.get("role") == "user")
                        prompt = msgs[: last + 1]
                        sft.append(
                            self._record(
                                kind,
                                [*prompt, {"role": "assistant", "content": reference}],
                                held,
                                row.get("category"),
                            )
                        )
                    continue
                if not reference:
                    continue
                answer = str(row.get("answer") or "")
                if kind == "revise_answer":
                    if held is not None:
                        if held.id in self.used:
                            continue
                        self.used.add(held.id)
                    sft.append(
                        self._record(
                            kind,
                            [*msgs, {"role": "assistant", "content": reference}],
                            held,
                            row.get("category"),
                        )
                    )
                    if answer.strip() != reference.strip():
                        prefs.append(self._pair(kind, msgs, reference, answer, row))
                elif kind == "judge_answer":
                    score = rouge_l(answer, reference)
                    judgments.append(
                        {
                            "source_id": row.get("id"),
                            "category": row.get("category"),
                            "verdict": "correct" if score >= JUDGE_ROUGE else "incorrect",
                            "rouge_l": round(score, 4),
                            "simulated": True,
                        }
                    )
                elif kind == "rank_answers":
                    answers = [
                        a["content"] if isinstance(a, dict) else str(a) for a in row.get("answers", [])
                    ]
                    model = next((a for a in answers if a.strip() != reference.strip()), None)
                    if model is not None:
                        prefs.append(self._pair(kind, msgs, reference, model, row))
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        n = 1 + max((int(p.name.split("-")[1]) for p in out.glob("pull-[0-9]*")), default=0)
        batch = out / f"pull-{n:04d}"
        batch.mkdir()
        write_sft(sft, batch / "sft.jsonl")
        write_sft(prefs, batch / "preferences.jsonl")
        for name, rows in (("judgments", judgments), ("review", [])):
            with open(batch / f"{name}.jsonl", "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
        summary = {
            "simulated": True,
            "tasks": tasks,
            "outputs": {"sft": len(sft), "preferences": len(prefs), "judgments": len(judgments), "review": 0},
            "shortfall": shortfall,
        }
        (batch / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False, sort_keys=True))
        if self.state_path:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            self.state_path.write_text(json.dumps({"used": sorted(self.used)}), encoding="utf-8")
        return batch

    @staticmethod
    def _record(
        kind: str, messages: list[dict[str, Any]], held: SFTRecord | None, category: Any
    ) -> SFTRecord:
        msgs = [{"role": m["role"], "content": m["content"]} for m in messages]
        return SFTRecord.new(
            msgs,
            source=f"simulated:{kind}",
            lang=held.lang if held else None,
            category=(held.category if held else None) or category,
            meta={"labeling": {"kind": kind, "simulated": True, "held_back_id": held.id if held else None}},
        )

    @staticmethod
    def _pair(
        kind: str, msgs: list[dict[str, Any]], chosen: str, rejected: str, row: Mapping[str, Any]
    ) -> SFTRecord:
        prompt = [{"role": m["role"], "content": m["content"]} for m in msgs]
        return SFTRecord.new(
            prompt,
            source=f"simulated:{kind}",
            lang=row.get("lang"),
            category=row.get("category"),
            chosen={"role": "assistant", "content": chosen},
            rejected={"role": "assistant", "content": rejected},
            meta={"labeling": {"kind": kind, "simulated": True, "source_id": row.get("id")}},
        )
