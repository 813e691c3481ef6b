"""SFT data for the trainer: chat template, per-turn tokenization, assistant-only labels, packing.

Input: JSONL, one conversation a line:
`{"messages": [{"role", "content"}, ...], "category"?, "lang"?, "id"?}`.

Chat template (ChatML, the same text as the tokenizer's `chat_template` in training/tokenizer.py):

    <|im_start|>{role}\\n{content}<|im_end|>\\n      for every message (system, user, assistant, ...)
    <|im_start|>assistant\\n                         the generation prompt

`<|im_start|>` and `<|im_end|>` are special tokens of the shipped tokenizer (ids 3 and 4), so nothing is
added to its vocabulary. Each turn is tokenized on its own (header `role\\n`, then the content), so the
labels line up with turn boundaries exactly. Loss is on the assistant's content and its `<|im_end|>`
(the model learns to stop); system and user turns, the role headers and the newline after
`<|im_end|>` are context only (label -100). Labels are already shifted: `labels[i]` is the target of
the logits at position i.

Packing puts several conversations into one row of `max_seq_len` tokens with best-fit decreasing;
position ids restart at 0 for each conversation, which is also how the model builds its block-diagonal
mask (training/model.py). The padding collator (one conversation a row, padded to the longest in the
batch) is the baseline.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Tokenizer

from training.tokenizer import EOS, IM_END, IM_START, PAD, json_lines

IGNORE = -100


@dataclass
class Example:
    """One tokenized conversation: ids and shifted labels of the same length."""

    input_ids: list[int]
    labels: list[int]
    category: str = ""
    lang: str = ""
    id: str = ""

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def n_targets(self) -> int:
        return sum(1 for t in self.labels if t != IGNORE)


@dataclass
class ChatFormat:
    """Renders conversations in ChatML with a tokenizer that has the ChatML special tokens."""

    tokenizer: Tokenizer
    im_start: int = field(init=False)
    im_end: int = field(init=False)
    eos: int = field(init=False)
    pad: int = field(init=False)
    newline: list[int] = field(init=False)

    def __post_init__(self) -> None:
        ids = {t: self.tokenizer.token_to_id(t) for t in (IM_START, IM_END, EOS, PAD)}
        missing = [t for t, i in ids.items() if i is None]
        if missing:
            raise ValueError(f"tokenizer lacks special tokens {missing}: train it with training.tokenizer")
        self.im_start, self.im_end, self.eos, self.pad = (ids[IM_START], ids[IM_END], ids[EOS], ids[PAD])
        self.newline = self._encode("\n")

    def _encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def turn(self, role: str, content: str) -> tuple[list[int], list[bool]]:
        """Tokens of one message and, per token, whether it is trained on (assistant content + <|im_end|>)."""
        head = [self.im_start, *self._encode(f"{role}\n")]
        body = [*self._encode(content), self.im_end]
        train = role == "assistant"
        mask = [False] * len(head) + [train] * len(body) + [False] * len(self.newline)
        return head + body + self.newline, mask

    def prompt(self, messages: Sequence[dict[str, str]]) -> list[int]:
        """Tokens of `messages` followed by the generation prompt `<|im_start|>assistant\\n`."""
        ids: list[int] = []
        for m in messages:
            ids += self.turn(m["role"], m["content"])[0]
        return [*ids, self.im_start, *self._encode("assistant\n")]

    def encode(self, record: dict[str, Any], max_len: int) -> Example:
        """A conversation record → Example, cut to `max_len` tokens (targets beyond the cut are lost)."""
        ids: list[int] = []
        train: list[bool] = []
        for m in record["messages"]:
            t_ids, t_train = self.turn(m["role"], m["content"])
            ids += t_ids
            train += t_train
        ids, train = ids[:max_len], train[:max_len]
        # labels[i] = ids[i + 1] when token i + 1 is trained on
        labels = [ids[i + 1] if train[i + 1] else IGNORE for i in range(len(ids) - 1)] + [IGNORE]
        return Example(ids, labels, str(record.get("category") or ""), str(record.get("lang") or ""),
                       str(record.get("id") or ""))


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Conversation records of a messages JSONL file; a line that is no conversation raises with its place."""
    with open(path, encoding="utf-8") as f:
        for n, record in json_lines(f, path):
            messages = record.get("messages") if isinstance(record, dict) else None
            if not isinstance(messages, list) or not all(
                    isinstance(m, dict) and isinstance(m.get("role"), str)
                    and isinstance(m.get("content"), str) for m in messages):
                raise ValueError(f"{path}:{n}: expected {{'messages': [{{'role', 'content'}}, ...]}}")
            yield record


def load_examples(paths: Sequence[str | Path], fmt: ChatFormat, max_len: int) -> tuple[list[Example], int]:
    """Tokenized conversations of the files (in order) and how many were skipped for having no target."""
    examples, skipped = [], 0
    for path in paths:
        for record in read_jsonl(path):
            ex = fmt.encode(record, max_len)
            if ex.n_targets == 0:
                skipped += 1
                continue
            examples.append(ex)
    return examples, skipped


def pack_best_fit(lengths: Sequence[int], capacity: int) -> list[list[int]]:
    """Best-fit decreasing: indices grouped into bins of total length <= capacity.

    Longest first; each goes into the open bin with the least room that still fits it, else a new bin.
    Ties break on the lower index, so the result is deterministic.
    """
    assert all(0 < n <= capacity for n in lengths), "every item must fit in an empty bin"
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    bins: list[list[int]] = []
    room: list[tuple[int, int]] = []  # sorted (remaining capacity, bin index)
    for i in order:
        k = bisect.bisect_left(room, (lengths[i], -1))
        if k == len(room):
            bins.append([i])
            bisect.insort(room, (capacity - lengths[i], len(bins) - 1))
        else:
            left, b = room.pop(k)
            bins[b].append(i)
            bisect.insort(room, (left - lengths[i], b))
    return bins


@dataclass
class Row:
    """One training row: concatenated conversations, their labels and restarting position ids."""

    input_ids: list[int]
    labels: list[int]
    position_ids: list[int]

    def __len__(self) -> int:
        return len(self.input_ids)


def packed_rows(examples: Sequence[Example], max_len: int) -> list[Row]:
    """Examples packed into rows of at most `max_len` tokens (best-fit decreasing)."""
    rows = []
    for group in pack_best_fit([len(e) for e in examples], max_len):
        ids, labels, pos = [], [], []
        for i in group:
            ids += examples[i].input_ids
            labels += examples[i].labels
            pos += list(range(len(examples[i])))
        rows.append(Row(ids, labels, pos))
    return rows


def single_rows(examples: Sequence[Example]) -> list[Row]:
    """One conversation a row (the padding baseline)."""
    return [Row(e.input_ids, e.labels, list(range(len(e)))) for e in examples]


def collate(rows: Sequence[Row], pad_id: int, pad_to: int | None = None) -> dict[str, torch.Tensor]:
    """Rows → tensors (B, T), T = the longest row (or `pad_to`).

    The padding tail gets label -100 and position ids that restart at 0, so in a packed row it is a
    conversation of its own that nobody attends to; in a one-conversation row it sits after the
    conversation, which causal attention never lets it see.
    """
    t = max(pad_to or 0, max(len(r) for r in rows))
    ids = torch.full((len(rows), t), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), t), IGNORE, dtype=torch.long)
    pos = torch.zeros((len(rows), t), dtype=torch.long)
    for b, r in enumerate(rows):
        n = len(r)
        ids[b, :n] = torch.tensor(r.input_ids)
        labels[b, :n] = torch.tensor(r.labels)
        pos[b, :n] = torch.tensor(r.position_ids)
        single = all(p == i for i, p in enumerate(r.position_ids))
        # continuing positions keep a padded single conversation on the plain causal fast path
        pos[b, n:] = torch.arange(n, t) if single else torch.arange(t - n)
    return {"input_ids": ids, "labels": labels, "position_ids": pos}


class Batches:
    """Deterministic, resumable batches of rows for one rank: epoch e shuffles the rows with seed + e.

    The global batch of a step holds `batch_size · world_size` rows; rank r takes every world_size-th
    of them, so a 2-process run sees the same rows per step as a 1-process run with twice the batch.
    Rows left over at the end of an epoch's order (fewer than a global batch) sit that epoch out.
    """

    def __init__(self, rows: Sequence[Row], batch_size: int, pad_id: int, seed: int = 0,
                 rank: int = 0, world_size: int = 1) -> None:
        self.rows, self.batch_size, self.pad_id, self.seed = list(rows), batch_size, pad_id, seed
        self.rank, self.world_size = rank, world_size
        self.per_epoch = len(self.rows) // (batch_size * world_size)
        if self.per_epoch == 0:
            raise ValueError(f"{len(self.rows)} rows are fewer than one global batch "
                             f"({batch_size} × {world_size} processes)")
        self.epoch, self.index = 0, 0
        self._order = self._shuffle(0)

    def _shuffle(self, epoch: int) -> np.ndarray:
        return np.random.default_rng(self.seed + epoch).permutation(len(self.rows))

    def position(self) -> dict[str, int]:
        """Where the next batch comes from: saved in checkpoints."""
        return {"epoch": self.epoch, "index": self.index}

    def seek(self, position: dict[str, int]) -> None:
        self.epoch, self.index = position["epoch"], position["index"]
        self._order = self._shuffle(self.epoch)

    def next(self) -> dict[str, torch.Tensor]:
        if self.index >= self.per_epoch:
            self.seek({"epoch": self.epoch + 1, "index": 0})
        g = self.batch_size * self.world_size
        chunk = self._order[self.index * g:(self.index + 1) * g]
        self.index += 1
        return collate([self.rows[i] for i in chunk[self.rank::self.world_size]], self.pad_id)
