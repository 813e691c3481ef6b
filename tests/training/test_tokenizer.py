import json
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from training.tokenizer import (
    IM_END,
    IM_START,
    SPECIAL_TOKENS,
    TokenizerConfig,
    chars_per_token,
    count_tokens,
    is_chinese,
    iter_texts,
    load_tokenizer,
    main,
    save_tokenizer,
    train_tokenizer,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ROUND_TRIP = [
    "我们家搬到山城的那一年，我九岁。“你好！”她说。",
    "The lighthouse on Gull Rock had been kept by the Marrow family for sixty years.",
    "emoji 👩‍👩‍👧‍👦 🎉 and flags 🇨🇳🇬🇧, tabs\tand\n\nblank lines,   trailing spaces   ",
    'def f(x: int) -> int:\n    return {"a": [1, 2, 3]}[x]  # 注释\n',
    "价格 ¥12,999.00，版本 v2.3.1，日期 2023-08-31。ＡＢＣ full width, é vs é (NFD)",
    "",
]


def sample_texts() -> list[str]:
    return list(iter_texts([str(SAMPLES / "books" / "*.txt"), str(SAMPLES / "literature" / "*.jsonl")]))


@pytest.fixture(scope="module")
def small() -> object:
    return train_tokenizer(sample_texts(), TokenizerConfig(vocab_size=2000))


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_round_trip_shipped_tokenizer(text: str) -> None:
    tok = load_tokenizer()
    assert tok.decode(tok.encode(text, add_special_tokens=False).ids, skip_special_tokens=False) == text


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_round_trip_freshly_trained(small, text: str) -> None:
    assert small.decode(small.encode(text).ids) == text


def test_special_tokens_have_fixed_ids(small) -> None:
    for tok in (small, load_tokenizer()):
        assert [tok.token_to_id(t) for t in SPECIAL_TOKENS] == list(range(len(SPECIAL_TOKENS)))
        assert tok.encode(f"{IM_START}user\n你好{IM_END}").ids[0] == tok.token_to_id(IM_START)


def test_saved_folder_loads_in_transformers_with_chat_template(small, tmp_path) -> None:
    save_tokenizer(small, tmp_path / "tok", TokenizerConfig(vocab_size=2000))
    hf = AutoTokenizer.from_pretrained(str(tmp_path / "tok"))
    assert hf.eos_token == "<|end_of_text|>" and hf.pad_token == "<|pad|>"
    text = "山城的雨季 and the lighthouse"
    assert hf.decode(hf(text)["input_ids"]) == text
    chat = hf.apply_chat_template([{"role": "user", "content": "你好"}], tokenize=False,
                                  add_generation_prompt=True)
    assert chat == "<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n"


def test_training_is_deterministic(tmp_path) -> None:
    texts = sample_texts()
    a = train_tokenizer(texts, TokenizerConfig(vocab_size=1500)).to_str()
    b = train_tokenizer(texts, TokenizerConfig(vocab_size=1500)).to_str()
    assert a == b


def test_digits_split_individually(small) -> None:
    assert small.encode("2023").tokens == ["2", "0", "2", "3"]


def test_bilingual_beats_english_only_on_chinese(small) -> None:
    texts = sample_texts()
    zh = [t for t in texts if is_chinese(t)]
    english_only = train_tokenizer([t for t in texts if not is_chinese(t)], TokenizerConfig(vocab_size=2000))
    assert chars_per_token(zh, small) > 2 * chars_per_token(zh, english_only)


def test_count_tokens_uses_shipped_tokenizer() -> None:
    tok = load_tokenizer()
    texts = ["今天天气很好。", "The weather is fine today."]
    assert count_tokens(texts) == [len(tok.encode(t, add_special_tokens=False).ids) for t in texts]
    assert count_tokens([]) == []


def test_cli_trains_and_reports(tmp_path, capsys) -> None:
    out = tmp_path / "tok"
    rc = main(["train", "--input", str(SAMPLES / "books" / "*.txt"), "--output", str(out),
               "--vocab-size", "1200", "--baseline"])
    assert rc == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    figures = dict(kv.split("=") for kv in last.split())
    assert set(figures) == {"zh_chars_per_token", "en_chars_per_token",
                            "baseline_zh_chars_per_token", "baseline_en_chars_per_token"}
    assert float(figures["zh_chars_per_token"]) > float(figures["baseline_zh_chars_per_token"])
    assert json.loads((out / "corpusloop_tokenizer.json").read_text())["vocab_size"] == 1200


def test_missing_input_and_missing_tokenizer(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no input file"):
        list(iter_texts([str(tmp_path / "*.jsonl")]))
    with pytest.raises(FileNotFoundError, match="corpusloop tokenizer train"):
        load_tokenizer(tmp_path)
