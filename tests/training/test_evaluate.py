"""Evaluation metrics on hand-made examples, and the per-category evaluation files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from training.checkpoint import save_model
from training.evaluate import (
    exact_match,
    final_answer,
    final_number,
    lcs_length,
    load_taxonomy,
    main,
    read_history,
    rouge_l,
    rouge_units,
    task_of,
)
from training.model import Decoder, ModelConfig

DATA = Path(__file__).resolve().parent / "data" / "sft_tiny.jsonl"


def test_rouge_units_split_chinese_by_character() -> None:
    assert rouge_units("The Cat, 猫咪在睡觉！ 42x") == ["the", "cat", "猫", "咪", "在", "睡", "觉", "42x"]


@pytest.mark.parametrize("pred,ref,expected", [
    ("the cat sat on the mat", "the cat sat on the mat", 1.0),
    ("the cat on the mat", "the cat sat on the mat", 10 / 11),  # LCS 5: P = 5/5, R = 5/6
    ("The CAT sat.", "the cat sat", 1.0),  # case and punctuation do not count
    ("今天天气很好", "今天天气不错", 2 / 3),  # LCS 今天天气 = 4 of 6 characters each
    ("天气今天", "今天天气", 0.5),  # LCS 2 (天气 or 今天): order matters
    ("apples", "橘子", 0.0),
    ("", "anything", 0.0),
])
def test_rouge_l_by_hand(pred: str, ref: str, expected: float) -> None:
    assert rouge_l(pred, ref) == pytest.approx(expected)


def test_lcs_length() -> None:
    assert lcs_length("ABCBDAB", "BDCABA") == 4
    assert lcs_length([], ["a"]) == 0


@pytest.mark.parametrize("text,answer,number", [
    ("2 + 3 = 5. The answer is 5.", "5.", "5"),
    ("Each box has 12, so 100 boxes hold 1,200.\n#### 1,200", "1,200", "1200"),
    ("3 ÷ 4 的结果，答案是 3/4。", "3/4。", "0.75"),
    ("First 7 apples.\nThen 2.5 more.", "Then 2.5 more.", "2.5"),
    ("所以答案为 -8", "-8", "-8"),
    ("no digits here", "no digits here", None),
])
def test_final_answer_and_number(text: str, answer: str, number: str | None) -> None:
    assert final_answer(text) == answer
    assert final_number(text) == number


def test_exact_match_math_and_classification() -> None:
    assert exact_match("7 × 8 = 56，答案是 56。", "7 × 8 = 56，答案是 56。", "math") == 1.0
    assert exact_match("The answer is 56.0", "#### 56", "math") == 1.0
    assert exact_match("The answer is 54", "#### 56", "math") == 0.0
    assert exact_match("Positive.", "positive", "classification") == 1.0
    assert exact_match("ＰＯＳＩＴＩＶＥ", "positive", "classification") == 1.0  # full width
    assert exact_match("正面", "正面", "classification") == 1.0
    assert exact_match("负面", "正面", "classification") == 0.0
    assert exact_match("positive or negative", "positive", "classification") == 0.0


def test_taxonomy_follows_configs_and_aliases(tmp_path) -> None:
    assert task_of("math") == ("reasoning", "math", "exact_match")
    assert task_of("摘要") == ("simple_understanding", "summarization", "rouge_l")
    assert task_of("Open QA") == ("knowledge_application", "open_qa", None)
    assert task_of("rewrite")[2] == "rouge_l" and task_of("classification")[2] == "exact_match"
    assert task_of("poetry") == ("general", "poetry", None)
    custom = tmp_path / "t.yaml"
    custom.write_text("categories:\n  math: {zh: 算术, en: Arithmetic, flageval: reasoning}\n"
                      "  jokes: {zh: 笑话, en: Jokes, flageval: special_tasks}\n")
    taxonomy, aliases = load_taxonomy(custom)
    assert taxonomy == {"math": ("reasoning", "math", "exact_match"),
                        "jokes": ("special_tasks", "jokes", None)}
    assert aliases["算术"] == "math" and aliases["jokes"] == "jokes"
    with pytest.raises(FileNotFoundError):
        load_taxonomy(tmp_path / "missing.yaml")


def test_evaluate_cli_writes_latest_history_generations_and_chart(tmp_path, capsys) -> None:
    torch.manual_seed(0)
    ckpt = tmp_path / "ckpt"
    save_model(Decoder(ModelConfig(dim=32, n_layers=2, n_heads=4, max_seq_len=128)), ckpt)
    out = tmp_path / "eval"
    for step in (10, 20):
        assert main(["--checkpoint", str(ckpt), "--data", str(DATA), "--out", str(out), "--step", str(step),
                     "--max-new-tokens", "3", "--max-examples", "2"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("step=20 loss=")

    def strict(text: str) -> object:
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))

    latest = strict((out / "eval.json").read_text())
    cats = latest["categories"]
    assert set(cats) == {"chat", "classification", "math", "open_qa", "rewrite", "summarization"}
    math_ = cats["math"]
    assert math_["metric"] == "exact_match" and math_["n"] == 12 and math_["n_generated"] == 2
    assert cats["summarization"]["metric"] == "rouge_l" and 0.0 <= cats["summarization"]["rouge_l"] <= 1.0
    qa = cats["open_qa"]
    assert qa["metric"] == "token_acc" and qa["score"] == qa["token_acc"] and 0 <= qa["token_acc"] <= 1
    assert cats["chat"]["tokens"] > 0 and cats["math"]["loss"] > 5  # an untrained model: about ln(32000)
    assert cats["summarization"]["ability"] == "simple_understanding"  # FlagEval, configs/taxonomy.yaml
    assert latest["abilities"]["simple_understanding"] == pytest.approx(
        (cats["summarization"]["score"] + cats["classification"]["score"]) / 2)
    assert [h["step"] for h in read_history(out)] == [10, 20]
    gens = [strict(line) for line in (out / "generations" / "step_000020.jsonl").read_text().splitlines()]
    assert len(gens) == 2 + 2 + 2 + 2  # math, classification, summarization, rewrite
    assert {"prediction", "reference", "messages"} <= set(gens[0])
    assert (out / "eval.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["--checkpoint", str(tmp_path / "none"), "--data", str(DATA)]) == 2
