"""Chat template, assistant-only labels, best-fit-decreasing packing, batches and packed equality."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import torch

from training.data import (
    IGNORE,
    Batches,
    ChatFormat,
    collate,
    load_examples,
    pack_best_fit,
    packed_rows,
    read_jsonl,
    single_rows,
)
from training.model import Decoder, ModelConfig
from training.tokenizer import DEFAULT_DIR, load_tokenizer

DATA = Path(__file__).resolve().parent / "data" / "sft_tiny.jsonl"
CONVERSATION = {"messages": [
    {"role": "system", "content": "You are concise."},
    {"role": "user", "content": "2 加 3 等于几？"},
    {"role": "assistant", "content": "等于 5。"},
    {"role": "user", "content": "And doubled?"},
    {"role": "assistant", "content": "10"},
]}


@pytest.fixture(scope="module")
def fmt() -> ChatFormat:
    return ChatFormat(load_tokenizer())


def test_rendering_matches_the_tokenizer_chat_template(fmt) -> None:
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(str(DEFAULT_DIR))
    ex = fmt.encode(CONVERSATION, 1024)
    text = hf.apply_chat_template(CONVERSATION["messages"], tokenize=False)
    assert fmt.tokenizer.decode(ex.input_ids, skip_special_tokens=False) == text
    assert ex.input_ids == hf(text, add_special_tokens=False)["input_ids"]  # per-turn = whole-text tokens
    prompt = hf.apply_chat_template(CONVERSATION["messages"][:2], tokenize=False, add_generation_prompt=True)
    assert fmt.tokenizer.decode(fmt.prompt(CONVERSATION["messages"][:2]), skip_special_tokens=False) == prompt


def test_loss_only_on_assistant_content_and_end_token(fmt) -> None:
    ex = fmt.encode(CONVERSATION, 1024)
    assert len(ex.labels) == len(ex.input_ids) and ex.labels[-1] == IGNORE
    targets = [t for t in ex.labels if t != IGNORE]
    assert fmt.tokenizer.decode(targets, skip_special_tokens=False) == "等于 5。<|im_end|>10<|im_end|>"
    for i, t in enumerate(ex.labels[:-1]):  # shifted: label i is token i + 1
        assert t in (IGNORE, ex.input_ids[i + 1])


def test_truncation_and_skipping_conversations_without_targets(fmt, tmp_path) -> None:
    cut = fmt.encode(CONVERSATION, 12)
    assert len(cut) == 12 and cut.n_targets == 0
    path = tmp_path / "x.jsonl"
    no_answer = {"messages": [{"role": "user", "content": "hi"}]}
    path.write_text(json.dumps(CONVERSATION) + "\n" + json.dumps(no_answer))
    examples, skipped = load_examples([path], fmt, 1024)
    assert len(examples) == 1 and skipped == 1


def test_bad_lines_name_their_place(tmp_path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(CONVERSATION) + "\n{not json\n")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not JSON"):
        list(read_jsonl(path))
    path.write_text(json.dumps({"instruction": "alpaca, not messages"}) + "\n")
    with pytest.raises(ValueError, match=r"bad.jsonl:1: expected"):
        list(read_jsonl(path))


def test_best_fit_decreasing_by_hand() -> None:
    # longest first: 7→A (room 3); 5→B (room 5); 4→B, the tightest fit (room 1); 3→A (room 0);
    # 3→ new C (room 7); 2→C (room 5); 1→B, the tightest fit (room 0)
    bins = pack_best_fit([3, 5, 7, 4, 3, 2, 1], capacity=10)
    assert bins == [[2, 0], [1, 3, 6], [4, 5]]
    assert pack_best_fit([3, 5, 7, 4, 3, 2, 1], capacity=10) == bins  # deterministic
    lengths = [9, 1, 8, 2, 7, 3, 6, 4, 5, 5]
    bins = pack_best_fit(lengths, 10)
    assert sorted(i for b in bins for i in b) == list(range(10)) and len(bins) == 5
    assert all(sum(lengths[i] for i in b) <= 10 for b in bins)
    with pytest.raises(AssertionError):
        pack_best_fit([11], 10)


def test_packed_rows_restart_positions(fmt) -> None:
    examples, _ = load_examples([DATA], fmt, 128)
    rows = packed_rows(examples, 128)
    assert len(rows) < len(examples) and all(len(r) <= 128 for r in rows)
    assert sum(len(r) for r in rows) == sum(len(e) for e in examples)
    starts = sum(r.position_ids.count(0) for r in rows)
    assert starts == len(examples)
    batch = collate(rows[:2], fmt.pad, pad_to=128)
    assert batch["input_ids"].shape == (2, 128) and (batch["position_ids"][:, 0] == 0).all()


def test_conversation_logits_same_packed_as_alone(fmt) -> None:
    torch.manual_seed(0)
    model = Decoder(ModelConfig(vocab_size=32_000, dim=32, n_layers=2, n_heads=4, n_kv_heads=2,
                                max_seq_len=160, attention="sdpa")).eval()
    examples, _ = load_examples([DATA], fmt, 160)
    rows = packed_rows(examples, 160)
    batch = collate(rows, fmt.pad)
    with torch.no_grad():
        packed = model(batch["input_ids"], batch["position_ids"])
        checked = 0
        for r, row in enumerate(rows):
            starts = [i for i, p in enumerate(row.position_ids) if p == 0] + [len(row)]
            for a, b in itertools.pairwise(starts):
                alone = model(torch.tensor([row.input_ids[a:b]]))
                assert (packed[r, a:b] - alone[0]).abs().max() < 1e-5
                checked += 1
        assert checked == len(examples)
        # the padding baseline gives the same logits on real tokens
        padded = collate(single_rows(examples[:4]), fmt.pad)
        out = model(padded["input_ids"], padded["position_ids"])
        for i, ex in enumerate(examples[:4]):
            alone = model(torch.tensor([ex.input_ids]))
            assert (out[i, :len(ex)] - alone[0]).abs().max() < 1e-5
            assert (padded["labels"][i, len(ex):] == IGNORE).all()


def test_batches_shard_and_resume(fmt) -> None:
    examples, _ = load_examples([DATA], fmt, 64)
    rows = single_rows(examples)
    one = Batches(rows, 4, fmt.pad, seed=5)
    ranks = [Batches(rows, 2, fmt.pad, seed=5, rank=r, world_size=2) for r in range(2)]
    for _ in range(one.per_epoch + 2):  # across an epoch boundary
        whole = one.next()["input_ids"]
        parts = [b.next()["input_ids"] for b in ranks]
        got = sorted(tuple(x[x != fmt.pad].tolist()) for p in parts for x in p)
        assert got == sorted(tuple(x[x != fmt.pad].tolist()) for x in whole)
    pos = one.position()
    expected = [one.next()["input_ids"] for _ in range(3)]
    again = Batches(rows, 4, fmt.pad, seed=5)
    again.seek(pos)
    assert all(torch.equal(again.next()["input_ids"], e) for e in expected)
    with pytest.raises(ValueError, match="fewer than one global batch"):
        Batches(rows[:3], 4, fmt.pad)
