"""Model-based quality classifier: a fastText supervised model that scores text from 0 (low) to 1 (high).

Face: `QualityModel(params).fit(texts, labels, langs)`, `predict_proba(texts, langs)` (the score),
`predict(texts, langs, threshold)`, `save(dir)` and `QualityModel.load(dir)`. No Beam, no pipeline
imports: the corpus pipeline wraps it in a stage and `pipelines.quality_model` assembles its data.

Language is explicit. Chinese is never split on whitespace: `chars` makes every Han character a
token (fastText's word n-grams then give character bigrams), `words` segments with jieba. English
is lower-cased word and punctuation tokens; `subwords` adds fastText's character n-grams (3-5).
One model per language (`per_language=True`) or one bilingual model over both languages' tokens.

Scores are reproducible: fastText with one thread and a fixed seed trains the same model from the
same data, and a saved model loads to identical scores.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from classifiers.modelmeta import read_meta, write_meta

LANGS = ("zh", "en")
HQ, LQ = "__label__hq", "__label__lq"
BILINGUAL = "all"  # key of the single model when per_language is False
META_FILE = "quality_model.json"
FORMAT = 1

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# zh "chars": one Han character a token; Latin letters/digits as a word; any other symbol a token.
_ZH_CHAR_TOKEN = re.compile(rf"[{_HAN}]|[\U00020000-\U0002ffff]|[^\W\d_{_HAN}]+|\d+|[^\w\s]")
# English: lower-cased words (inner ' kept) and single punctuation marks; digit runs become one token.
_EN_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+|[^\w\s]")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class QualityModelParams:
    """How the model is trained; saved beside it. Defaults chosen by bench/quality_model.py's ablation."""

    per_language: bool = True  # one model per language; False: one bilingual model
    zh_features: str = "chars"  # "chars" (Han characters + char bigrams) or "words" (jieba)
    en_features: str = "words"  # "words" or "subwords" (words + fastText char 3-5-grams)
    dim: int = 32  # vector size; quality is a coarse task, small vectors score as well and faster
    epoch: int = 25  # held-out AUC +0.004 (zh) / +0.006 (en) over 10; scoring cost is the same
    lr: float = 0.3
    word_ngrams: int = 2  # token bigrams (character bigrams for zh "chars")
    min_count: int = 2  # tokens seen once are noise (names, numbers)
    bucket: int = 200_000  # hashed n-gram rows: 200k × 32 floats ≈ 26 MB per model file (unquantized)
    quantize: bool = False  # product-quantize after training: ~3 MB files, but ~20 s per model to quantize
    max_chars: int = 5000  # characters of a document that are scored (head of the text)
    seed: int = 0
    thread: int = 1  # >1 trains faster but not reproducibly (fastText's Hogwild updates)

    def __post_init__(self) -> None:
        if self.zh_features not in ("chars", "words"):
            raise ValueError(f"zh_features must be 'chars' or 'words', got {self.zh_features!r}")
        if self.en_features not in ("words", "subwords"):
            raise ValueError(f"en_features must be 'words' or 'subwords', got {self.en_features!r}")
        if self.max_chars < 1 or self.thread < 1 or self.epoch < 1 or self.dim < 1:
            raise ValueError("max_chars, thread, epoch and dim must be >= 1")


def check_lang(lang: str) -> str:
    """`lang` if it is "zh" or "en"; any other language raises (no silent whitespace split)."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGS}")
    return lang


_jieba_lock = threading.Lock()
_jieba_dt: Any = None


def _jieba() -> Any:
    """jieba's default tokenizer, initialised once per process, its cache in a private folder."""
    global _jieba_dt
    if _jieba_dt is None:
        with _jieba_lock:
            if _jieba_dt is None:
                try:
                    import jieba
                except ImportError as e:  # pragma: no cover - jieba is a declared dependency
                    raise ImportError("Chinese word features need jieba: pip install jieba") from e
                jieba.setLogLevel(logging.WARNING)
                base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                cache = base / "corpusloop" / "jieba"
                try:
                    cache.mkdir(parents=True, exist_ok=True)
                    jieba.dt.tmp_dir = str(cache)
                except OSError:
                    jieba.dt.tmp_dir = tempfile.mkdtemp(prefix="corpusloop-jieba-")
                jieba.dt.initialize()
                _jieba_dt = jieba.dt
    return _jieba_dt


def tokens(text: str, lang: str, params: QualityModelParams | None = None) -> list[str]:
    """The model's input tokens for `text` in `lang` (the first `max_chars` characters)."""
    params = params or QualityModelParams()
    text = text[: params.max_chars]
    if check_lang(lang) == "en":
        return _EN_TOKEN.findall(_DIGITS.sub("0", text.lower()))
    if params.zh_features == "chars":
        return _ZH_CHAR_TOKEN.findall(_DIGITS.sub("0", text.lower()))
    return [w for w in (t.strip() for t in _jieba().cut(_DIGITS.sub("0", text.lower()))) if w]


def _line(text: str, lang: str, params: QualityModelParams) -> str:
    toks = tokens(text, lang, params)
    if params.per_language:
        return " ".join(toks)
    return " ".join([f"<{lang}>", *toks])  # the bilingual model also sees the language


def _fit_one(lines: list[str], labels: list[int], params: QualityModelParams, lang: str) -> Any:
    import fasttext

    subwords = lang in ("en", BILINGUAL) and params.en_features == "subwords"
    with tempfile.TemporaryDirectory(prefix="corpusloop-quality-") as tmp:
        path = Path(tmp) / "train.txt"
        with open(path, "w", encoding="utf-8") as f:
            for line, label in zip(lines, labels, strict=True):
                f.write(f"{HQ if label else LQ} {line}\n")
        model = fasttext.train_supervised(
            input=str(path), dim=params.dim, epoch=params.epoch, lr=params.lr,
            wordNgrams=params.word_ngrams, minCount=params.min_count, bucket=params.bucket,
            minn=3 if subwords else 0, maxn=5 if subwords else 0, loss="softmax",
            seed=params.seed, thread=params.thread, verbose=0,
        )
    if params.quantize:
        model.quantize(qnorm=True, retrain=False)
    return model


class QualityModel:
    """fastText quality classifier: `fit`, `predict_proba` (the high-quality class's probability), `save`,
    `load`."""

    def __init__(self, params: QualityModelParams | None = None) -> None:
        self.params = params or QualityModelParams()
        self.models_: dict[str, Any] = {}
        self.languages_: tuple[str, ...] = ()

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages the fitted model scores."""
        return self.languages_

    def fit(self, texts: Sequence[str], labels: Sequence[int], langs: Sequence[str]) -> QualityModel:
        """Train on texts labelled 1 (high quality) or 0 (low) in their languages; returns self."""
        if not (len(texts) == len(labels) == len(langs)):
            raise ValueError(
                f"texts, labels and langs differ in length: {len(texts)}, {len(labels)}, {len(langs)}"
            )
        if any(label not in (0, 1) for label in labels):
            raise ValueError("labels must be 0 (low quality) or 1 (high quality)")
        groups: dict[str, tuple[list[str], list[int]]] = {}
        seen_langs = set()
        for text, label, lang in zip(texts, labels, langs, strict=True):
            seen_langs.add(check_lang(lang))
            key = lang if self.params.per_language else BILINGUAL
            lines, labs = groups.setdefault(key, ([], []))
            lines.append(_line(text, lang, self.params))
            labs.append(int(label))
        if not groups:
            raise ValueError("no training examples")
        for key, (_, labs) in groups.items():
            if len(set(labs)) < 2:
                raise ValueError(f"language {key!r} needs both high- (1) and low-quality (0) examples")
        self.models_ = {
            key: _fit_one(lines, labs, self.params, key) for key, (lines, labs) in sorted(groups.items())
        }
        self.languages_ = tuple(sorted(seen_langs))
        return self

    def _model_for(self, lang: str) -> Any:
        if not self.models_:
            raise RuntimeError("the quality model is not fitted or loaded")
        if check_lang(lang) not in self.languages_:
            raise ValueError(f"no quality model for language {lang!r}; this one scores {self.languages}")
        return self.models_[BILINGUAL if BILINGUAL in self.models_ else lang]

    def predict_proba(self, texts: Sequence[str], langs: Sequence[str]) -> list[float]:
        """Probability of high quality for each text (4 decimals), in input order."""
        if len(texts) != len(langs):
            raise ValueError(f"texts and langs differ in length: {len(texts)}, {len(langs)}")
        scores: list[float] = [0.0] * len(texts)
        by_lang: dict[str, list[int]] = {}
        for i, lang in enumerate(langs):
            by_lang.setdefault(lang, []).append(i)
        for lang, idx in by_lang.items():
            model = self._model_for(lang)
            lines = [_line(texts[i], lang, self.params) for i in idx]
            labels, probs = model.predict(lines, k=2)  # fastText wants a list under numpy 2
            for i, labs, ps in zip(idx, labels, probs, strict=True):
                scores[i] = _hq_prob(labs, ps)
        return scores

    def score(self, text: str, lang: str) -> float:
        """Probability that one text in `lang` is high quality (4 decimals)."""
        return self.predict_proba([text], [lang])[0]

    def predict(self, texts: Sequence[str], langs: Sequence[str], threshold: float = 0.5) -> list[int]:
        """1 (high quality) where the score is at least `threshold`, else 0."""
        return [int(s >= threshold) for s in self.predict_proba(texts, langs)]

    def save(self, directory: str | Path) -> Path:
        """Write the model(s) and `quality_model.json` (params, languages) into `directory`."""
        if not self.models_:
            raise RuntimeError("nothing to save: the quality model is not fitted")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        suffix = ".ftz" if self.params.quantize else ".bin"
        files = {}
        for key, model in self.models_.items():
            files[key] = f"{key}{suffix}"
            model.save_model(str(directory / files[key]))
        meta = {"format": FORMAT, "params": asdict(self.params), "languages": list(self.languages),
                "files": files}
        write_meta(directory, META_FILE, meta)
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> QualityModel:
        """A model saved by `save`; a missing or foreign folder raises FileNotFoundError/ValueError."""
        import fasttext

        directory = Path(directory)
        meta = read_meta(directory, META_FILE, FORMAT, "quality")
        model = cls(QualityModelParams(**meta["params"]))
        for key, name in sorted(meta["files"].items()):
            path = directory / name
            if not path.is_file():
                raise FileNotFoundError(f"quality model file missing: {path}")
            model.models_[key] = fasttext.load_model(str(path))
        model.languages_ = tuple(meta["languages"])
        return model


def _hq_prob(labels: Sequence[str], probs: Sequence[float]) -> float:
    for label, p in zip(labels, probs, strict=True):
        if label == HQ:
            return round(min(1.0, max(0.0, float(p))), 4)  # fastText's softmax can give 1.00001
    return 0.0
