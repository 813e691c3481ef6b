"""The SFT record of DESIGN.md and the error record of the SFT jobs.

An `SFTRecord` holds one conversation: `messages` is a list of `{"role", "content"}` dicts
(roles `system`, `user`, `assistant`; tool data also uses `function_call` and `observation`,
LLaMA-Factory's names, and OpenAI's `tool`). A message may carry extra keys (OpenAI `name`,
`tool_calls`, ...); they are kept. Preference (DPO) data has the prompt in `messages` and the
two answers in `chosen` / `rejected` (one assistant message each); SFT data has them None.

`meta` is free, with two keys the format writers use to give an item back exactly as it was read:
`meta["format"]` (layout of the original item: format name, where the system prompt was, which
optional keys were absent, the Alpaca `input`) and `meta["extra"]` (the item's unknown top-level
keys, in their order). `meta["uncertain"]` is the classifier's abstention flag.

`signals` holds the filter scores (score first, decide second) and `drop` the reason of a
dropped record (`filter:<reason>`, `dedup:<reason>`), both written only in the record format.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from pipelines.records import stable_id

ROLES = ("system", "user", "assistant")
TOOL_ROLES = ("function_call", "observation", "tool")  # LLaMA-Factory's and OpenAI's tool turns
ALL_ROLES = ROLES + TOOL_ROLES


def content_id(
    messages: list[dict[str, Any]],
    chosen: dict[str, Any] | None = None,
    rejected: dict[str, Any] | None = None,
) -> str:
    """Stable 16-hex-digit id (`pipelines.records.stable_id` of source "sft" and the roles and contents
    of the conversation and answers as JSON).

    Identical conversations get the same id; extra keys and metadata do not change it.
    """
    parts = [[m.get("role"), m.get("content")] for m in messages]
    for answer in (chosen, rejected):
        parts.append([answer.get("role"), answer.get("content")] if answer else None)
    return stable_id("sft", json.dumps(parts, ensure_ascii=False, separators=(",", ":")))


@dataclass
class SFTRecord:
    """One SFT conversation (or preference pair) with its labels and scores."""

    id: str
    messages: list[dict[str, Any]]
    source: str = ""
    lang: str | None = None
    category: str | None = None
    category_score: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    chosen: dict[str, Any] | None = None  # preference data: the preferred assistant message
    rejected: dict[str, Any] | None = None  # preference data: the dispreferred assistant message
    signals: dict[str, float] = field(default_factory=dict)
    drop: str | None = None
    locator: str = ""  # where it was read: `path:line` (JSONL) or `path:[index]` (JSON array)

    @classmethod
    def new(cls, messages: list[dict[str, Any]], **kwargs: Any) -> SFTRecord:
        """A record whose id is the content hash of its conversation."""
        rid = content_id(messages, kwargs.get("chosen"), kwargs.get("rejected"))
        return cls(id=rid, messages=messages, **kwargs)

    @property
    def is_preference(self) -> bool:
        return self.chosen is not None or self.rejected is not None

    def to_dict(self) -> dict[str, Any]:
        """The record format (one JSON object a line); `chosen`/`rejected`, `signals`, `drop` when set."""
        d: dict[str, Any] = {
            "id": self.id,
            "messages": self.messages,
            "source": self.source,
            "lang": self.lang,
            "category": self.category,
            "category_score": self.category_score,
            "meta": self.meta,
        }
        if self.is_preference:
            d["chosen"], d["rejected"] = self.chosen, self.rejected
        if self.signals:
            d["signals"] = self.signals
        if self.drop is not None:
            d["drop"] = self.drop
        if self.locator:
            d["locator"] = self.locator
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SFTRecord:
        """Inverse of `to_dict`; unknown keys go into `meta["extra"]` so nothing is lost."""
        names = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in d.items() if k in names}
        extra = {k: v for k, v in d.items() if k not in names}
        rec = cls(**known)
        if rec.meta is None:
            rec.meta = {}
        if rec.signals is None:
            rec.signals = {}
        if extra:
            rec.meta = {**rec.meta, "extra": {**rec.meta.get("extra", {}), **extra}}
        return rec


@dataclass(frozen=True)
class SFTError:
    """An item that could not be read: where (`file:line` or `file:[index]`), why, and details."""

    locator: str
    reason: str  # invalid_json | invalid_utf8 | not_an_object | unknown_format | bad_item
    detail: str = ""
    stage: str = "read"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


def first_user_index(rec: SFTRecord) -> int | None:
    """Index of the first user message, or None."""
    return next((i for i, m in enumerate(rec.messages) if m.get("role") == "user"), None)


def instruction_text(rec: SFTRecord) -> str:
    """The first user turn; for Alpaca data it already holds `instruction` + "\\n" + `input`."""
    i = first_user_index(rec)
    return str(rec.messages[i].get("content") or "") if i is not None else ""


def alpaca_parts(rec: SFTRecord) -> tuple[str, str]:
    """(instruction, input) of the first user turn: the Alpaca `input` context split off when known."""
    text = instruction_text(rec)
    given = (rec.meta.get("format") or {}).get("input")
    if isinstance(given, str) and given and text.endswith("\n" + given):
        return text[: -len(given) - 1], given
    return text, ""


def system_text(rec: SFTRecord) -> str:
    """The system prompt, or ""."""
    return next((str(m.get("content") or "") for m in rec.messages if m.get("role") == "system"), "")


def answer_text(rec: SFTRecord) -> str:
    """The last assistant turn; for preference data the chosen answer."""
    if rec.chosen is not None:
        return str(rec.chosen.get("content") or "")
    for m in reversed(rec.messages):
        if m.get("role") == "assistant":
            return str(m.get("content") or "")
    return ""


def turns(rec: SFTRecord, role: str) -> list[str]:
    """Contents of every `role` turn (for assistant turns of preference data: the chosen answer too)."""
    out = [str(m.get("content") or "") for m in rec.messages if m.get("role") == role]
    if role == "assistant" and rec.chosen is not None:
        out.append(str(rec.chosen.get("content") or ""))
    return out
