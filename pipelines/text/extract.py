"""Main-text extraction from one HTML page: boilerplate (navigation, banners, sidebars, footers) out,
body paragraphs in, one paragraph per line.

Plain functions, no Beam: the corpus job maps `extract_main_text` over decoded pages. Decoding bytes
(declared charset, GBK/GB2312 read as GB18030, ...) happens before this, in the reader.

Backends are imported lazily so that importing this module costs nothing; resiliparse is optional
(`pip install resiliparse`) and its absence is reported by name when it is asked for.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

BACKENDS = ("trafilatura", "resiliparse")

# Pages over this many characters are cut before parsing. On the 990 benchmark pages and 66
# Chinese news pages the median page is ~100k characters, the 99th percentile ~770k and the largest
# 1.6M, so 2M keeps every real article page whole; past that the tail is inlined data (base64
# images, JSON state, endless comment threads) and parse time and memory grow with size, so one
# pathological page cannot stall a worker.
MAX_HTML_CHARS = 2_000_000

# a markdown table rule line as trafilatura writes it between a header row and the body rows
_TABLE_RULE = re.compile(r"\|(?:\s*:?-+:?\s*\|)+")
# libxml2 (under lxml, so under trafilatura) drops everything after the first </html>, where a
# browser keeps parsing; pages that include a complete header template have one near the top and
# lose their whole article (gne_zh_news_html/tests/other/1.html)
_SPACE = " \t\r\f\v\u00a0\u3000"
_HTML_END_TAG = re.compile(r"</html\s*>", re.I)


@dataclass(frozen=True)
class ExtractConfig:
    """How to pull the main text out of a page.

    The defaults are the settings that measured best with bench/extraction_quality.py, on
    trafilatura's own 990-page benchmark (snippet-level F1, mostly English and German) and on 67
    Chinese article pages (character-3-gram recall/precision against a hand-delimited body), every
    setting run in one process on the same pages, one core (F1 / Chinese recall / Chinese
    precision / pages per second relative to trafilatura's defaults):

        trafilatura.extract() defaults                  0.921 / 0.940 / 0.787 / 1x
        these defaults (recall, no comments, ...)       0.918 / 0.972 / 0.824 / 1.6-1.7x
        same, balanced instead of recall                0.925 / 0.967 / 0.840 / 1.1x
        same, favor_precision                           0.919 / 0.881 / 0.853 / 1.1x
        favor_precision, MIN_EXTRACTED_SIZE 250         0.921 / 0.852 / 0.825 / 1.1x  (datatrove's)
        same as defaults with fast=True                 0.912 / 0.972 / 0.815 / 1.9x
        resiliparse main_content=True, plain call       0.842 / 0.933 / 0.689 / 12x
        resiliparse through this module                 0.861 / 0.934 / 0.719 / 15x

    backend: "trafilatura" (default) or "resiliparse". resiliparse is an order of magnitude
        faster but keeps far more boilerplate (F1 0.86 against 0.92, Chinese precision 0.72
        against 0.82); extraction errors pass into every later stage, while trafilatura at these
        settings already runs 1.6x faster than its defaults and than datatrove's settings.
    """

    backend: str = "trafilatura"
    # fast=False lets trafilatura ask readability-lxml and jusText for a second opinion when its
    # first pass is short. In recall mode that only happens for short pages, so it costs ~10%
    # time for +0.6 F1 point (fast=True: 0.912).
    fast: bool = False
    # favor_recall keeps borderline blocks and skips the "balanced" mode's recall retry on short
    # extractions, which re-runs the whole cascade: 1.6x faster than balanced for -0.7 F1 point,
    # and the best Chinese recall. Leaked boilerplate lines are what the later line and
    # repetition rules and near-dedup remove; a dropped paragraph is lost for good.
    favor_recall: bool = True
    # favor_precision prunes harder and never falls back to the whole page: on Chinese pages it
    # loses a tenth of the body (recall 0.88), so it stays off. Exclusive with favor_recall.
    favor_precision: bool = False
    # Tables hold real content on many pages (specs, results, old table-layout sites); without
    # them F1 drops by 0.7 point (0.920 -> 0.913 with fast=True). Table markup is undone in the
    # output (see _one_paragraph_per_line).
    include_tables: bool = True
    # Comment sections are reader text of mixed quality and not the page's main text.
    include_comments: bool = False
    # trafilatura's MIN_EXTRACTED_SIZE (default 250 characters): below it a first pass counts as
    # a failure and fallbacks take over, the last one being the text of the whole page. 250
    # characters is a short English paragraph but a whole Chinese news brief (one character
    # carries ~2.5 letters' worth of text), so short Chinese articles came out as the whole page
    # with its navigation. 100 lifts Chinese recall and precision and leaves English F1 as it was.
    min_extracted_size: int = 100
    # Characters of HTML kept before parsing; see MAX_HTML_CHARS.
    max_html_chars: int = MAX_HTML_CHARS

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown extraction backend {self.backend!r}; choose one of {BACKENDS}")
        if self.favor_precision and self.favor_recall:
            raise ValueError("favor_precision and favor_recall are mutually exclusive")
        for name in ("fast", "favor_recall", "favor_precision", "include_tables", "include_comments"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        for name in ("max_html_chars", "min_extracted_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive int, got {value!r}")


def extract_main_text(html: str, url: str | None = None, cfg: ExtractConfig = ExtractConfig()) -> str:
    """Main text of `html`, paragraphs separated by "\\n", no markup; "" when nothing is found.

    Never raises on bad HTML (empty, binary garbage, truncated markup); a wrong `cfg` raises
    ValueError (checked when the config is built, and again here for non-ExtractConfig objects).
    """
    if not isinstance(cfg, ExtractConfig):
        raise ValueError(f"cfg must be an ExtractConfig, got {type(cfg).__name__}")
    if not isinstance(html, str):
        raise TypeError(f"html must be str (decode bytes first), got {type(html).__name__}")
    if len(html) > cfg.max_html_chars:
        html = html[: cfg.max_html_chars]
    if not html.strip():
        return ""
    try:
        html.encode("utf-8")  # ~0.5 ms for a 300k-character Chinese page, ~2% of the extraction
    except UnicodeEncodeError:
        # lone surrogates (bytes decoded with errors="surrogateescape"): resiliparse refuses the
        # page (TypeError) and libxml2 stops parsing at the bad byte; U+FFFD keeps the rest
        html = html.encode("utf-8", errors="replace").decode("utf-8")
    if cfg.backend == "trafilatura":
        text = _trafilatura(_without_early_html_end(html), url, cfg)
    else:
        text = _resiliparse(html, cfg)
    return _one_paragraph_per_line(text)


def _without_early_html_end(html: str) -> str:
    """Drop </html> end tags when anything but whitespace follows the first one."""
    match = _HTML_END_TAG.search(html)
    if match is None or not html[match.end() :].strip():
        return html
    return _HTML_END_TAG.sub("", html)


def _one_paragraph_per_line(text: str | None) -> str:
    """One paragraph per line: each line stripped (NBSP and ideographic space too), blank lines
    dropped, table markup undone. trafilatura writes a table row as "| a | b |" with a "|---|---|"
    rule under the header; old Chinese sites lay out whole articles in one-cell tables, which
    would leave every paragraph as "| 正文。 |" and fail line rules such as "ends with terminal
    punctuation". So rule lines go and the outer pipes of a row go; the inner " | " stays as the
    cell separator. List items keep trafilatura's "- " bullet: quality rules count bullet lines.
    """
    if not text:
        return ""
    lines = []
    for line in text.splitlines():
        line = line.strip(_SPACE)
        if line.startswith("|"):
            if _TABLE_RULE.fullmatch(line):
                continue
            line = line.strip("|").strip(_SPACE)
        if line:
            lines.append(line)
    return "\n".join(lines)


def _trafilatura(html: str, url: str | None, cfg: ExtractConfig) -> str | None:
    trafilatura, lxml_errors = _trafilatura_module()
    try:
        return trafilatura.extract(
            html,
            url=url,
            fast=cfg.fast,
            favor_precision=cfg.favor_precision,
            favor_recall=cfg.favor_recall,
            include_comments=cfg.include_comments,
            include_tables=cfg.include_tables,
            # everything below is output we do not use: skipping it saves time per page
            output_format="txt",
            include_formatting=False,
            include_links=False,
            include_images=False,
            with_metadata=False,  # no htmldate/author/title search
            # trafilatura's dedup is a per-process LRU cache: a paragraph would vanish or not
            # depending on which pages the worker saw before (not reproducible); dedup is a stage
            deduplicate=False,
            config=_trafilatura_settings(cfg.min_extracted_size),
        )
    except lxml_errors:
        # lxml refuses some inputs outright (e.g. control characters, an unparseable document);
        # for the corpus that is an empty page, not a crashed worker
        return None


def _resiliparse(html: str, cfg: ExtractConfig) -> str | None:
    extract_plain_text, parser_errors = _resiliparse_module()
    try:
        return extract_plain_text(
            html,
            main_content=True,
            preserve_formatting=True,
            list_bullets=False,
            alt_texts=False,
            links=False,
            form_fields=False,
            noscript=False,
            comments=cfg.include_comments,
        )
    except parser_errors:
        return None


@lru_cache(maxsize=1)
def _trafilatura_module() -> tuple[Any, tuple[type[BaseException], ...]]:
    try:
        import trafilatura
        from lxml import etree
    except ImportError as exc:  # pragma: no cover - a hard dependency in setup.cfg
        raise ImportError("backend 'trafilatura' needs `pip install trafilatura`") from exc
    # trafilatura logs a warning for every page it finds nothing in; that is the normal case for
    # a corpus job and would flood the worker logs
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    return trafilatura, (etree.LxmlError, ValueError)


@lru_cache(maxsize=8)
def _trafilatura_settings(min_extracted_size: int) -> Any:
    """trafilatura's settings.cfg defaults with MIN_EXTRACTED_SIZE replaced (built once per value)."""
    from copy import deepcopy

    from trafilatura.settings import DEFAULT_CONFIG

    config = deepcopy(DEFAULT_CONFIG)
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = str(min_extracted_size)
    return config


@lru_cache(maxsize=1)
def _resiliparse_module() -> tuple[Any, tuple[type[BaseException], ...]]:
    try:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLParserException
    except ImportError as exc:
        raise ImportError("backend 'resiliparse' needs `pip install resiliparse`") from exc
    return extract_plain_text, (HTMLParserException, ValueError)
