"""Bilingual byte-level BPE tokenizer: train on the curated corpus, save for `AutoTokenizer`, count tokens.

    python -m training.tokenizer train --input 'out/run1/kept/*.jsonl.gz' --output out/tok \
        [--vocab-size 100000] [--baseline] [--eval-zh FILE --eval-en FILE]

`--baseline` also trains the same recipe on the English documents alone and prints characters per
token for Chinese and English under both tokenizers.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

# The project's tokenizer, trained on public-domain books and speeches (see README): a default for
# reports and tests; a real run trains its own on the curated corpus.
DEFAULT_DIR = Path(__file__).resolve().parent / "assets" / "tokenizer"
BOS, EOS, PAD = "<|begin_of_text|>", "<|end_of_text|>", "<|pad|>"
IM_START, IM_END = "<|im_start|>", "<|im_end|>"
SPECIAL_TOKENS = (PAD, BOS, EOS, IM_START, IM_END)  # ids 0..4, in this order
# ChatML, the format the SFT side renders conversations in.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class TokenizerConfig:
    vocab_size: int = 100_000  # Aquila's tokenizer has ~100k entries
    min_frequency: int = 2  # a merge must be seen at least this often
    individual_digits: bool = True  # numbers split into digits, as LLaMA does: better arithmetic
    max_doc_chars: int = 200_000  # longer documents are cut for training (the count is not)


def build_tokenizer(cfg: TokenizerConfig = TokenizerConfig()) -> tuple[Tokenizer, trainers.BpeTrainer]:
    """An untrained byte-level BPE (no normalizer: decode(encode(x)) == x) and its trainer."""
    tok = Tokenizer(models.BPE())
    pre = [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]
    if cfg.individual_digits:
        pre.insert(0, pre_tokenizers.Digits(individual_digits=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence(pre)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=cfg.vocab_size,
        min_frequency=cfg.min_frequency,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # all 256 bytes: nothing is unknown
        show_progress=False,
    )
    return tok, trainer


def train_tokenizer(texts: Iterable[str], cfg: TokenizerConfig = TokenizerConfig()) -> Tokenizer:
    """Train on an iterator of documents; deterministic for the same input order."""
    tok, trainer = build_tokenizer(cfg)
    tok.train_from_iterator((t[: cfg.max_doc_chars] for t in texts), trainer=trainer)
    return tok


def save_tokenizer(tok: Tokenizer, out_dir: str | Path, cfg: TokenizerConfig | None = None) -> Path:
    """Write a folder that `transformers.AutoTokenizer.from_pretrained` loads, chat template included."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": BOS,
        "eos_token": EOS,
        "pad_token": PAD,
        "additional_special_tokens": [IM_START, IM_END],
        "model_max_length": 1_000_000,
        "clean_up_tokenization_spaces": False,
        "chat_template": CHAT_TEMPLATE,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    specials = {"bos_token": BOS, "eos_token": EOS, "pad_token": PAD,
                "additional_special_tokens": [IM_START, IM_END]}
    (out / "special_tokens_map.json").write_text(json.dumps(specials, indent=2) + "\n")
    if cfg is not None:
        (out / "corpusloop_tokenizer.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
    return out


def load_tokenizer(path: str | Path | None = None) -> Tokenizer:
    """A saved tokenizer folder (or tokenizer.json); None: the project's tokenizer in this package."""
    p = Path(path) if path else DEFAULT_DIR
    file = p / "tokenizer.json" if p.is_dir() else p
    if not file.is_file():
        raise FileNotFoundError(f"no tokenizer at {file}; train one with `corpusloop tokenizer train`")
    return Tokenizer.from_file(str(file))


def count_tokens(texts: list[str], tokenizer: Tokenizer | None = None) -> list[int]:
    """Token counts of a batch of texts, without special tokens."""
    tok = tokenizer or _default()
    return [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=False)]


_DEFAULT: Tokenizer | None = None


def _default() -> Tokenizer:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_tokenizer()
    return _DEFAULT


def chars_per_token(texts: list[str], tokenizer: Tokenizer) -> float:
    """Characters per token over a set of texts: higher means a more compact encoding."""
    tokens = sum(count_tokens(texts, tokenizer))
    return sum(len(t) for t in texts) / tokens if tokens else 0.0


def is_chinese(text: str, min_share: float = 0.3) -> bool:
    """Han characters make up at least `min_share` of the non-space characters."""
    n = sum(1 for c in text if not c.isspace())
    return n > 0 and len(_HAN.findall(text)) / n >= min_share


def json_lines(lines: Iterable[str], path: str | Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) of each non-blank JSONL line; a non-JSON line raises with its place."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON ({exc})") from exc


def iter_texts(patterns: list[str], text_field: str = "text") -> Iterator[str]:
    """Documents from files: JSONL(.gz) records' `text_field`, or whole .txt files, in sorted order."""
    paths = sorted({p for pattern in patterns for p in glob.glob(pattern, recursive=True)})
    if not paths:
        raise FileNotFoundError(f"no input file matches {patterns}")
    for path in paths:
        raw = gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")  # noqa: SIM115
        with io.TextIOWrapper(raw, encoding="utf-8", errors="replace") as f:
            if ".jsonl" in path or ".json" in path:
                for _, record in json_lines(f, path):
                    text = record.get(text_field) if isinstance(record, dict) else None
                    if isinstance(text, str) and text:
                        yield text
            else:
                yield f.read()


def _eval_texts(path: str | None, texts: list[str], chinese: bool) -> list[str]:
    if path:
        return list(iter_texts([path]))
    return [t for t in texts if is_chinese(t) == chinese][:2000]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.tokenizer", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train a byte-level BPE on documents")
    train.add_argument("--input", action="append", required=True, metavar="GLOB",
                       help="JSONL(.gz) with a text field, or .txt files; repeatable")
    train.add_argument("--output", required=True, metavar="DIR")
    train.add_argument("--vocab-size", type=int, default=TokenizerConfig.vocab_size)
    train.add_argument("--min-frequency", type=int, default=TokenizerConfig.min_frequency)
    train.add_argument("--text-field", default="text")
    train.add_argument("--baseline", action="store_true",
                       help="also train on the English documents alone and compare characters per token")
    train.add_argument("--eval-zh", help="Chinese texts to measure on (default: Chinese training documents)")
    train.add_argument("--eval-en", help="English texts to measure on (default: English training documents)")
    args = parser.parse_args(argv)

    cfg = TokenizerConfig(vocab_size=args.vocab_size, min_frequency=args.min_frequency)
    texts = list(iter_texts(args.input, args.text_field))
    print(f"training on {len(texts)} documents, {sum(map(len, texts)):,} characters", flush=True)
    tok = train_tokenizer(texts, cfg)
    out = save_tokenizer(tok, args.output, cfg)
    print(f"saved {out} (vocabulary {tok.get_vocab_size()})")
    zh, en = _eval_texts(args.eval_zh, texts, True), _eval_texts(args.eval_en, texts, False)
    figures = {"zh_chars_per_token": chars_per_token(zh, tok), "en_chars_per_token": chars_per_token(en, tok)}
    if args.baseline:
        english = [t for t in texts if not is_chinese(t)]
        base = train_tokenizer(english, cfg)
        save_tokenizer(base, Path(args.output) / "baseline_en", cfg)
        figures |= {"baseline_zh_chars_per_token": chars_per_token(zh, base),
                    "baseline_en_chars_per_token": chars_per_token(en, base)}
    print(" ".join(f"{k}={v:.3f}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
