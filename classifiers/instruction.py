"""Instruction-category classifier: which kind of task an SFT instruction asks for (configs/taxonomy.yaml).

Face: `InstructionClassifier(params).fit(texts, labels)`, `predict_proba(texts)` (one column per
category in `classes_`), `predict(texts, threshold)` (a `Prediction` per text: the best category and
its probability, `uncertain` when that probability is below the threshold; those items are the ones
to send to annotators), `save(dir)` and `InstructionClassifier.load(dir)`. A text is the instruction
followed by its input (`instruction_text(instruction, input)`), as the first user turn of an SFT record.

Two models behind the face (`params.model_type`):
- `sklearn`: a union of character 1–3-gram TF-IDF views: the whole text, its first and last 20
  characters and its first and last clause (the task verb sits at either end: "请总结下面的文章：…" or
  "…\\n请回答：…"), plus structural features that say whether a passage is given (length, lines,
  quotes, the text after a colon, digits, separators, markers such as 以下/根据/文章/the following).
  Linear SVM with balanced class weights, probabilities by sigmoid calibration (CalibratedClassifierCV).
  bench/classifier_eval.py holds the ablation that chose these views and weights.
- `fasttext`: a supervised fastText model over Han characters and Latin words, with the same views as
  prefixed tokens (`H_`, `T_`, `F_`, `L_`) and bucketed structure tokens; classes are balanced by
  repeating the rarer ones. One thread and a fixed seed: the same data trains the same model.

No Beam, no curation/pipelines imports. The default model (`default_model_dir()`) ships in
classifiers/models/instruction/; `python -m classifiers.instruction build-default` remakes it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import unicodedata
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.modelmeta import read_meta, write_meta

MODEL_TYPES = ("sklearn", "fasttext")
META_FILE = "instruction_model.json"
SKLEARN_FILE = "model.joblib"
FASTTEXT_FILE = "model.bin"
FORMAT = 1
DEFAULT_THRESHOLD = 0.5  # below this probability of the best category a prediction is `uncertain`

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_MODEL_DIR = PACKAGE_DIR / "models" / "instruction"
SEED_FILE = PACKAGE_DIR / "data" / "instruction_seed.jsonl"
MODEL_ENV = "CORPUSLOOP_INSTRUCTION_MODEL"

_CLAUSE = re.compile(r"[。？！?!\n:；;]+")  # after NFKC: full-width ：？！； are ASCII
_FT_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W\d_]+|\d+|[^\w\s]")
# Words that point to a given passage or name the task; looked for at the head and tail of the text.
MARKERS = (
    "以下", "下面", "下列", "如下", "根据", "文章", "段落", "文本", "句子", "给定", "给出", "阅读",
    "问题", "提取", "摘要", "总结", "概括", "分类", "翻译", "改写", "判断", "计算", "代码", "程序",
    "写", "列出", "哪些", "什么", "为什么", "如何", "建议", "方法", "想法",
    "following", "below", "given", "passage", "text", "article", "paragraph", "sentence", "summar",
    "extract", "classif", "translat", "rewrite", "write", "code", "list", "ideas", "what", "why", "how",
    ":", '"', "“", "?",
)


def instruction_text(instruction: str, input_text: str = "") -> str:
    """The text the classifier reads: the instruction, then its input on the next line when there is one."""
    return f"{instruction}\n{input_text}" if input_text else instruction


def normalize(text: str) -> str:
    """NFKC (full-width punctuation and letters to ASCII, U+00A0/U+3000 to spaces) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def clauses(text: str) -> list[str]:
    """Non-empty clauses of a normalized text, split at sentence ends, colons and newlines."""
    return [c.strip() for c in _CLAUSE.split(text) if c.strip()] or [""]


def structure_features(text: str) -> list[float]:
    """Numbers that say whether a passage is given and where the task words are (normalized text)."""
    n = len(text)
    colon = text.find(":")
    head, tail = text[:30], text[-30:]
    feats = [
        math.log1p(n),
        math.log1p(text.count("\n")),
        float('"' in text or "“" in text or "「" in text),
        float(n > 100),
        float(n > 300),
        math.log1p(n - colon) if colon >= 0 else 0.0,
        sum(c.isdigit() for c in text) / max(n, 1),
        text.count(",") / max(n, 1),
    ]
    feats += [float(m in head) for m in MARKERS]
    feats += [float(m in tail) for m in MARKERS]
    return feats


_jieba_dt: Any = None


def jieba_words(text: str) -> list[str]:
    """jieba words of a text (spaces dropped); jieba's cache goes to ~/.cache/corpusloop/jieba."""
    global _jieba_dt
    if _jieba_dt is None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "corpusloop" / "jieba"
        cache.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(cache)
        _jieba_dt = jieba.dt
    return [w for w in _jieba_dt.lcut(text) if w.strip()]


class TextView:
    """A scikit-learn transformer: one view of each normalized text (head, tail, first or last clause)."""

    VIEWS = ("head", "tail", "first_clause", "last_clause")

    def __init__(self, view: str = "head", chars: int = 20) -> None:
        self.view = view
        self.chars = chars

    def fit(self, texts: Sequence[str], y: Any = None) -> TextView:
        if self.view not in self.VIEWS:
            raise ValueError(f"unknown view {self.view!r}; known: {self.VIEWS}")
        return self

    def transform(self, texts: Sequence[str]) -> list[str]:
        if self.view == "head":
            return [t[: self.chars] for t in texts]
        if self.view == "tail":
            return [t[-self.chars :] for t in texts]
        if self.view == "first_clause":
            return [clauses(t)[0][: self.chars] for t in texts]
        return [clauses(t)[-1][-self.chars :] for t in texts]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"view": self.view, "chars": self.chars}

    def set_params(self, **params: Any) -> TextView:
        for k, v in params.items():
            setattr(self, k, v)
        return self


class StructureFeatures:
    """A scikit-learn transformer: `structure_features` of each text as a dense matrix."""

    def fit(self, texts: Sequence[str], y: Any = None) -> StructureFeatures:
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([structure_features(t) for t in texts], dtype=np.float64)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {}

    def set_params(self, **params: Any) -> StructureFeatures:
        return self


@dataclass(frozen=True)
class InstructionParams:
    """How the model is trained; saved beside it. Defaults chosen by bench/classifier_eval.py's ablation."""

    model_type: str = "sklearn"  # "sklearn" or "fasttext"
    threshold: float = DEFAULT_THRESHOLD
    seed: int = 0
    # sklearn
    ngram_max: int = 3  # character 1..ngram_max-grams in every view
    full_text: bool = True  # a TF-IDF view of the whole text
    edge_chars: int = 20  # head and tail views: the first and last characters
    edge_weight: float = 1.0
    clause_chars: int = 40  # first- and last-clause views (0: off)
    clause_weight: float = 0.5
    structure_weight: float = 0.3  # structural features, max-abs scaled (0: off)
    word_weight: float = 0.0  # jieba word TF-IDF view of the whole text (0: off; it did not help)
    min_df: int = 2  # n-grams seen in one training text only are dropped: smaller model, +0.01 macro-F1
    C: float = 0.5  # LinearSVC regularization
    class_weight: str | None = "balanced"
    calibration_folds: int = 3
    calibration_ensemble: bool = False  # False: one SVM on all data, sigmoid fit on out-of-fold scores
    # fasttext
    dim: int = 16
    epoch: int = 25
    lr: float = 0.5
    word_ngrams: int = 2
    bucket: int = 20_000  # hashed n-gram rows: 20k × 16 floats ≈ 1.3 MB per model file
    edge_tokens: int = 8  # H_/T_ tokens: the first and last tokens
    clause_tokens: int = 15  # F_/L_ tokens: the first and last clause's tokens
    body_tokens: int = 16  # plain tokens kept from each end of a long text (0: all): passages drown tasks
    balance: bool = True  # repeat rarer classes to about the largest class's count

    def __post_init__(self) -> None:
        if self.model_type not in MODEL_TYPES:
            raise ValueError(f"model_type must be one of {MODEL_TYPES}, got {self.model_type!r}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> InstructionParams:
        """Params from a saved mapping; an unknown key is an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown instruction-model parameter(s) {unknown}")
        return cls(**data)


@dataclass(frozen=True)
class Prediction:
    category: str  # the best category, also when uncertain
    score: float  # its probability
    uncertain: bool  # score below the threshold: send to annotators


def _check_training_data(texts: Sequence[str], labels: Sequence[str], min_per_class: int) -> None:
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    counts = Counter(labels)
    if len(counts) < 2:
        raise ValueError(f"need at least two categories to train, got {sorted(counts)}")
    rare = sorted(c for c, n in counts.items() if n < min_per_class)
    if rare:
        raise ValueError(f"categories with fewer than {min_per_class} training items: {rare}")


class _SklearnModel:
    def __init__(self, params: InstructionParams) -> None:
        self.params = params
        self.pipeline: Any = None

    def build(self) -> Any:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.model_selection import StratifiedKFold
        from sklearn.pipeline import FeatureUnion, make_pipeline
        from sklearn.preprocessing import MaxAbsScaler
        from sklearn.svm import LinearSVC

        p = self.params

        def tfidf() -> Any:
            return TfidfVectorizer(
                analyzer="char", ngram_range=(1, p.ngram_max), sublinear_tf=True, min_df=p.min_df,
                lowercase=False, dtype=np.float32,
            )

        parts: list[tuple[str, Any]] = []
        weights: dict[str, float] = {}
        if p.full_text:
            parts.append(("full", tfidf()))
        if p.edge_chars:
            for view in ("head", "tail"):
                parts.append((view, make_pipeline(TextView(view, p.edge_chars), tfidf())))
                weights[view] = p.edge_weight
        if p.clause_chars:
            for view in ("first_clause", "last_clause"):
                parts.append((view, make_pipeline(TextView(view, p.clause_chars), tfidf())))
                weights[view] = p.clause_weight
        if p.word_weight:
            words = TfidfVectorizer(tokenizer=jieba_words, token_pattern=None, lowercase=False,
                                    sublinear_tf=True, min_df=p.min_df, dtype=np.float32)
            parts.append(("words", words))
            weights["words"] = p.word_weight
        if p.structure_weight:
            parts.append(("structure", make_pipeline(StructureFeatures(), MaxAbsScaler())))
            weights["structure"] = p.structure_weight
        if not parts:
            raise ValueError("no feature view is switched on")
        svm = LinearSVC(C=p.C, class_weight=p.class_weight, random_state=p.seed)
        folds = StratifiedKFold(p.calibration_folds, shuffle=True, random_state=p.seed)
        model = CalibratedClassifierCV(svm, cv=folds, method="sigmoid", ensemble=p.calibration_ensemble)
        return make_pipeline(FeatureUnion(parts, transformer_weights=weights), model)

    def fit(self, texts: list[str], labels: list[str]) -> list[str]:
        _check_training_data(texts, labels, self.params.calibration_folds)
        self.pipeline = self.build().fit(texts, labels)
        _drop_stop_words(self.pipeline)
        for calibrated in self.pipeline[-1].calibrated_classifiers_:  # float32 weights: half the file
            svm = calibrated.estimator
            svm.coef_ = svm.coef_.astype(np.float32)
            svm.intercept_ = svm.intercept_.astype(np.float32)
        return [str(c) for c in self.pipeline.classes_]

    def proba(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.pipeline.predict_proba(texts), dtype=np.float64)

    def save(self, directory: Path) -> None:
        import joblib

        joblib.dump(self.pipeline, directory / SKLEARN_FILE, compress=3)

    def load(self, directory: Path) -> None:
        import joblib

        self.pipeline = joblib.load(directory / SKLEARN_FILE)


def _drop_stop_words(obj: Any) -> None:
    """Remove TF-IDF vectorizers' `stop_words_` (the pruned terms: only for introspection, and large)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, TfidfVectorizer) and hasattr(o, "stop_words_"):
            delattr(o, "stop_words_")
        for attr in ("steps", "transformer_list"):
            stack.extend(step for _, step in getattr(o, attr, []))


def fasttext_tokens(text: str, params: InstructionParams) -> str:
    """The fastText line of a normalized text: tokens, then edge, clause and structure tokens."""
    toks = _FT_TOKEN.findall(text)
    b = params.body_tokens
    out = toks[:b] + toks[-b:] if b and len(toks) > 2 * b else list(toks)
    k = params.edge_tokens
    if k:
        out += ["H_" + t for t in toks[:k]] + ["T_" + t for t in toks[-k:]]
    c = params.clause_tokens
    if c:
        parts = clauses(text)
        out += ["F_" + t for t in _FT_TOKEN.findall(parts[0])[:c]]
        out += ["L_" + t for t in _FT_TOKEN.findall(parts[-1])[-c:]]
    out.append(f"LEN{min(int(math.log2(len(text) + 1)), 12)}")
    out.append(f"NL{min(text.count(chr(10)), 4)}")
    cut = min((i for i in (text.find(":"), text.find("\n")) if i >= 0), default=-1)
    if cut >= 0:  # how much text follows the first colon or line break: a given passage
        out.append(f"PASS{min(int(math.log2(len(text) - cut)), 12)}")
    if '"' in text or "“" in text:
        out.append("QUOTE")
    return " ".join(out)


_LABEL = "__label__"


class _FastTextModel:
    def __init__(self, params: InstructionParams) -> None:
        self.params = params
        self.model: Any = None
        self.classes: list[str] = []

    def fit(self, texts: list[str], labels: list[str]) -> list[str]:
        import fasttext

        _check_training_data(texts, labels, 1)
        bad = sorted({lab for lab in labels if not lab or any(ch.isspace() for ch in lab)})
        if bad:
            raise ValueError(f"fastText labels may not be empty or hold spaces: {bad}")
        p = self.params
        counts = Counter(labels)
        top = max(counts.values())
        fd, path = tempfile.mkstemp(suffix=".txt", prefix="instruction-ft-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for text, label in zip(texts, labels, strict=True):
                    line = f"{_LABEL}{label} {fasttext_tokens(text, p)}\n"
                    repeat = max(1, round(top / counts[label])) if p.balance else 1
                    f.write(line * repeat)
            self.model = fasttext.train_supervised(
                input=path, dim=p.dim, epoch=p.epoch, lr=p.lr, wordNgrams=p.word_ngrams, bucket=p.bucket,
                minCount=1, thread=1, seed=p.seed, verbose=0,
            )
        finally:
            os.unlink(path)
        self.classes = sorted(counts)
        return self.classes

    def proba(self, texts: list[str]) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.classes)}
        out = np.zeros((len(texts), len(self.classes)), dtype=np.float64)
        if not texts:
            return out
        lines = [fasttext_tokens(t, self.params) for t in texts]
        # a list: fasttext's single-string path breaks under numpy 2
        labels, probs = self.model.predict(lines, k=-1)
        for row, (labs, ps) in enumerate(zip(labels, probs, strict=True)):
            for lab, pr in zip(labs, ps, strict=True):
                out[row, index[lab[len(_LABEL) :]]] = min(float(pr), 1.0)
        return out

    def save(self, directory: Path) -> None:
        self.model.save_model(str(directory / FASTTEXT_FILE))

    def load(self, directory: Path) -> None:
        import fasttext

        self.model = fasttext.load_model(str(directory / FASTTEXT_FILE))


def _library_version(model_type: str) -> str:
    """The version of the library that trained the model (a joblib pickle wants the same sklearn)."""
    from importlib.metadata import PackageNotFoundError, version

    name = "scikit-learn" if model_type == "sklearn" else "fasttext-community"
    try:
        return f"{name} {version(name)}"
    except PackageNotFoundError:
        return f"{name} unknown"


class InstructionClassifier:
    """Instruction category of a text, with a probability and an abstention flag; see the module doc."""

    def __init__(self, params: InstructionParams | None = None) -> None:
        self.params = params or InstructionParams()
        self._model: _SklearnModel | _FastTextModel = (
            _SklearnModel(self.params) if self.params.model_type == "sklearn" else _FastTextModel(self.params)
        )
        self.classes_: list[str] = []
        self.info: dict[str, Any] = {}  # free metadata saved beside the model (training data, licence)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> InstructionClassifier:
        """Train on raw texts (instruction + input) and category ids."""
        norm = [normalize(t) for t in texts]
        self.classes_ = self._model.fit(norm, [str(lab) for lab in labels])
        if isinstance(self._model, _FastTextModel):
            self._model.classes = self.classes_
        self.info = {**self.info, "train_counts": dict(sorted(Counter(str(x) for x in labels).items())),
                     "library": _library_version(self.params.model_type)}
        return self

    def _check_fitted(self) -> None:
        if not self.classes_:
            raise RuntimeError("the instruction classifier is not trained: call fit() or load()")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text and one column per category of `classes_`."""
        self._check_fitted()
        if not texts:
            return np.zeros((0, len(self.classes_)), dtype=np.float64)
        return self._model.proba([normalize(t) for t in texts])

    def predict(self, texts: Sequence[str], threshold: float | None = None) -> list[Prediction]:
        """The best category of each text and its probability; `uncertain` below `threshold`."""
        t = self.params.threshold if threshold is None else threshold
        probs = self.predict_proba(texts)
        out = []
        for row in probs:
            best = int(np.argmax(row))  # first of equal maxima: classes_ order breaks ties
            score = round(float(row[best]), 6)
            out.append(Prediction(self.classes_[best], score, score < t))
        return out

    def labels(self, texts: Sequence[str]) -> list[str]:
        """Just the best category of each text."""
        return [p.category for p in self.predict(texts)]

    def save(self, directory: str | Path) -> Path:
        """Write the model file and its metadata (params, classes, info) into `directory`."""
        self._check_fitted()
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self._model.save(d)
        meta = {"format": FORMAT, "params": asdict(self.params), "classes": self.classes_, "info": self.info}
        write_meta(d, META_FILE, meta)
        return d

    @classmethod
    def load(cls, directory: str | Path) -> InstructionClassifier:
        """A model saved by `save`. The sklearn file is a pickle: load only models you made or trust."""
        d = Path(directory)
        meta = read_meta(d, META_FILE, FORMAT, "instruction")
        clf = cls(InstructionParams.from_mapping(meta["params"]))
        trained_with = meta.get("info", {}).get("library")
        if trained_with and trained_with != _library_version(clf.params.model_type):
            warnings.warn(
                f"{d}: model trained with {trained_with}, running {_library_version(clf.params.model_type)}; "
                "rebuild it if predictions look wrong", stacklevel=2,
            )
        clf._model.load(d)
        clf.classes_ = list(meta["classes"])
        if isinstance(clf._model, _FastTextModel):
            clf._model.classes = clf.classes_
        clf.info = meta.get("info", {})
        return clf


def default_model_dir() -> Path:
    """The shipped model: $CORPUSLOOP_INSTRUCTION_MODEL or classifiers/models/instruction/."""
    env = os.environ.get(MODEL_ENV)
    return Path(env) if env else DEFAULT_MODEL_DIR


def load_default() -> InstructionClassifier:
    """The shipped default instruction classifier."""
    d = default_model_dir()
    if not (d / META_FILE).is_file():
        raise FileNotFoundError(
            f"default instruction model missing in {d}: "
            "build it with `python -m classifiers.instruction build-default`"
        )
    return InstructionClassifier.load(d)


# ---------------------------------------------------------------------------------------------
# labelled data


def read_seed(path: str | Path = SEED_FILE) -> list[dict[str, str]]:
    """The bilingual seed set: dicts with instruction, input, category, lang."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            missing = [k for k in ("instruction", "input", "category", "lang") if k not in row]
            if missing:
                raise ValueError(f"{path}:{n}: missing field(s) {missing}")
            rows.append(row)
    return rows


def seed_examples(path: str | Path = SEED_FILE) -> tuple[list[str], list[str], list[str]]:
    """(texts, categories, langs) of the seed set."""
    rows = read_seed(path)
    return (
        [instruction_text(r["instruction"], r["input"]) for r in rows],
        [r["category"] for r in rows],
        [r["lang"] for r in rows],
    )


def read_belle(path: str | Path, taxonomy: Any, refine: bool = False) -> tuple[list[str], list[str]]:
    """(texts, categories) of BELLE's eval_set.jsonl (`question`, `class`), mapped through the taxonomy.

    `refine`: apply the taxonomy's refine rules (BELLE rewrite items asking for a translation → translation).
    """
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            cat = taxonomy.map_label("belle", row["class"])
            if cat is None:
                continue
            if refine:
                cat = taxonomy.refine_label("belle", cat, row["question"])
            texts.append(row["question"])
            labels.append(cat)
    return texts, labels


def read_instructionwild(
    path: str | Path, taxonomy: Any
) -> tuple[list[str], list[str], list[str], list[int]]:
    """(texts, categories, langs, item ids) of InstructionWild's zh_en_labelled_429.jsonl; both languages."""
    texts, labels, langs, ids = [], [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            cat = taxonomy.map_label("instructionwild", row["instruction_type"])
            if cat is None:
                continue
            for lang in ("zh", "en"):
                texts.append(row[f"instruction_{lang}"])
                labels.append(cat)
                langs.append(lang)
                ids.append(int(row["id"]))
    return texts, labels, langs, ids


# ---------------------------------------------------------------------------------------------
# the shipped default model

BELLE_LICENCE = (
    "trained on BELLE eval_set (LianjiaTech/BELLE, research use only, non-commercial; ODC-By data "
    "licence): for the project's internal use"
)


def build_default(output: str | Path = DEFAULT_MODEL_DIR, belle: str | Path | None = None) -> Path:
    """Train and save the default model: the seed set, plus BELLE (translation refined) when given."""
    from classifiers.taxonomy import load_taxonomy

    texts, labels, _ = seed_examples()
    sources = {"seed": {"file": "classifiers/data/instruction_seed.jsonl", "items": len(texts)}}
    if belle:
        tax = load_taxonomy()
        b_texts, b_labels = read_belle(belle, tax, refine=True)
        texts, labels = texts + b_texts, labels + b_labels
        sources["belle"] = {
            "file": "sft/belle_eval/eval_set.jsonl", "items": len(b_texts), "licence": BELLE_LICENCE
        }
    clf = InstructionClassifier(InstructionParams()).fit(texts, labels)
    clf.info["sources"] = sources
    command = "python -m classifiers.instruction build-default"
    belle_arg = " --belle ../shared/data/sft/belle_eval/eval_set.jsonl" if belle else ""
    clf.info["built_by"] = command + belle_arg
    return clf.save(output)


def main(argv: list[str] | None = None) -> int:
    """`python -m classifiers.instruction build-default [--belle PATH] [--output DIR]`."""
    ap = argparse.ArgumentParser(prog="python -m classifiers.instruction", description=main.__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build-default", help="train the shipped default model from the seed set (+ BELLE)")
    b.add_argument("--belle", help="BELLE eval_set.jsonl to add (in ../shared/data/sft/belle_eval/)")
    b.add_argument("--output", default=str(DEFAULT_MODEL_DIR))
    args = ap.parse_args(argv)
    out = build_default(args.output, args.belle)
    print(f"default instruction model written to {out}")
    return 0


if __name__ == "__main__":
    # Run from the imported module, not __main__: pickled feature classes must name classifiers.instruction.
    from classifiers.instruction import main as _main

    sys.exit(_main())
