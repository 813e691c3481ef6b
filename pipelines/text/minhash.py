"""Near-duplicate text rules: normalization, shingles, MinHash signatures, LSH bands, survivor rule.

Beam-free (numpy, xxhash); `pipelines.dedup_transforms` wires these into Beam stages and the SFT
side reuses them. Signatures are datasketch's: `MinHasher(num_perm, seed).signature(shingles)`
equals `datasketch.MinHash(num_perm=num_perm, seed=seed)` after `.update(s.encode("utf-8"))` for
every shingle (the same sha1_hash32, the same permutations drawn from
`numpy.random.RandomState(seed)`), for datasketch 2's default "affine32" scheme and for its
"legacy" scheme (datasketch < 2: `(a*h + b) mod (2^61 - 1)` truncated to 32 bits). All shingles of
a document are permuted at once as one (shingles × num_perm) array, in chunks. SHA-1 of every
shingle is the largest cost; `hashfunc="xxh32"` is ~2.5x faster and still datasketch's signature
for `MinHash(..., hashfunc=xxhash.xxh32_intdigest)`. For that pair ("xxh32", "affine32", the job's
default) a numba kernel (`pipelines.text.minhash_kernel`, imported lazily) hashes and permutes byte
spans of one UTF-8 buffer per document instead of Python strings, ~7x faster per document
(bench/minhash_kernel.py); without numba the numpy path gives the same signature.

Shingles are taken over `normalize_for_dedup(text)` (lower case, full-width punctuation folded to
ASCII, whitespace collapsed): character n-grams for Chinese (whitespace removed, never split into
words on spaces), word n-grams for English. A document whose `lang` is neither "zh" nor "en" gets
Chinese shingles when at least `zh_min_han_share` of its non-space characters are Han, else English.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import xxhash

from pipelines.config import ConfigError, configs_dir, from_mapping, load_yaml

log = logging.getLogger("corpusloop.minhash")

# MinHash constants as datasketch defines them.
MERSENNE_PRIME = np.uint64((1 << 61) - 1)
MAX_HASH_32 = np.uint32((1 << 32) - 1)  # an empty MinHash holds this in every slot (both schemes)
SCHEMES = ("affine32", "legacy")
HASHFUNCS = ("sha1", "xxh32")  # sha1: datasketch's default sha1_hash32; xxh32: ~2.5x faster
_CHUNK = 4096  # shingles permuted at a time: bounds the (chunk × num_perm) array to ~2 MB at 128 perms

# Published defaults.
DEFAULT_NUM_PERM = 112  # FineWeb: 14 buckets × 8 hashes per bucket
DEFAULT_BANDS = 14
DEFAULT_ROWS = 8  # (1/14)^(1/8) ≈ 0.72: the Jaccard where the LSH S-curve crosses 1/2
DEFAULT_THRESHOLD = 0.72
DEFAULT_SEED = 1  # datasketch.MinHash's default seed
DEFAULT_NGRAM_ZH = 5  # characters (Chinese has no spaces between words)
DEFAULT_NGRAM_EN = 5  # words, as FineWeb
ZH_MIN_HAN_SHARE = 0.3  # lang neither zh nor en: character shingles when >= 30% of characters are Han
BOILERPLATE_MIN_PAGES = 3  # a line on >= 3 distinct pages of one domain is boilerplate (CCNet: any repeat)

# Full-width ASCII forms (U+FF01-FF5E) to ASCII, ideographic space to space, and the common CJK
# punctuation to its ASCII counterpart, so "，" and "," or "“" and '"' shingle alike. One character
# to one character, applied as a numpy lookup over the code points (str.translate with a dict
# costs ~12x more on Chinese text).
_FOLD = {
    **{chr(cp): chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)},
    "\u3000": " ", "。": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'",
    "「": '"', "」": '"', "『": '"', "』": '"', "【": "[", "】": "]", "《": "<", "》": ">",
    "〈": "<", "〉": ">", "…": ".", "—": "-", "–": "-", "·": ".",
}
_FOLD_TABLE = np.arange(0x110000, dtype="<u4")  # every code point (4 MB): one lookup, no range checks
_FOLD_TABLE[[ord(k) for k in _FOLD]] = [ord(v) for v in _FOLD.values()]
_EN_WORD = re.compile(r"\w+(?:'\w+)*")  # minhash_kernel.join_words scans the same way
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


# ---------------------------------------------------------------------------------------------
# config


@dataclass(frozen=True)
class DedupConfig:
    """Exact, boilerplate and MinHash LSH near-duplicate removal (`dedup:` in configs/dedup.yaml)."""

    enabled: bool = False  # corpus job only: dedup after the rules (`python -m pipelines.dedup` always runs)
    exact: bool = True  # drop exact copies: xxh3-128 of the normalized text
    boilerplate: bool = True  # remove lines repeated on >= boilerplate_min_pages pages of a domain
    near: bool = True  # MinHash LSH near duplicates
    # MinHash
    num_perm: int = DEFAULT_NUM_PERM
    seed: int = DEFAULT_SEED
    scheme: str = "affine32"  # datasketch >= 2.0 default; "legacy" = datasketch < 2.0 signatures
    # "xxh32" = datasketch's MinHash(hashfunc=xxhash.xxh32_intdigest), ~2.5x faster to hash than
    # "sha1" (datasketch's default hashfunc, also supported); datatrove hashes with xxhash too
    hashfunc: str = "xxh32"
    ngram_zh: int = DEFAULT_NGRAM_ZH
    ngram_en: int = DEFAULT_NGRAM_EN
    zh_min_han_share: float = ZH_MIN_HAN_SHARE
    # LSH
    threshold: float = DEFAULT_THRESHOLD  # Jaccard; picks bands × rows only when both are null
    bands: int | None = DEFAULT_BANDS
    rows: int | None = DEFAULT_ROWS
    max_bucket_size: int = 1000  # a larger bucket becomes stars of this size chained together
    verify: bool = False  # FineWeb does not verify candidates
    verify_threshold: float = DEFAULT_THRESHOLD  # with verify: signature Jaccard an edge needs
    max_rounds: int = 12  # large-star/small-star rounds (a sorted 40-node path needs 6, 10k nodes 14)
    # Beam layout: keyed data moves in batches, one element per partition; each partition holds about
    # 1/partitions of the corpus's band keys, lines or edges at once (raise it with corpus size)
    partitions: int = 64
    doc_chunks: int = 256  # corpus-job stage only: documents travel in this many chunks
    # survivor: source priority, then signals[quality_signal] (higher first), then smallest id
    source_priority: tuple[str, ...] = ("book", "literature", "web")
    quality_signal: str = "quality"
    # boilerplate lines
    boilerplate_min_pages: int = BOILERPLATE_MIN_PAGES
    stats_top_domains: int = 100  # domains with the most removed lines listed in stats.json

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ConfigError(f"dedup.scheme must be one of {SCHEMES}, got {self.scheme!r}")
        if self.hashfunc not in HASHFUNCS:
            raise ConfigError(f"dedup.hashfunc must be one of {HASHFUNCS}, got {self.hashfunc!r}")
        if not 0.0 < self.threshold <= 1.0 or not 0.0 < self.verify_threshold <= 1.0:
            raise ConfigError("dedup.threshold and dedup.verify_threshold must be in (0, 1]")
        if (self.bands is None) != (self.rows is None):
            raise ConfigError("dedup.bands and dedup.rows go together: set both, or neither to use threshold")
        if self.bands is not None and self.rows is not None and not (
            1 <= self.bands * self.rows <= self.num_perm and self.bands >= 1 and self.rows >= 1
        ):
            raise ConfigError(f"dedup: bands × rows = {self.bands} × {self.rows} not in [1, {self.num_perm}]")
        names = ("num_perm", "ngram_zh", "ngram_en", "max_bucket_size", "max_rounds", "partitions",
                 "doc_chunks")
        for name in names:
            if getattr(self, name) < 1:
                raise ConfigError(f"dedup.{name} must be >= 1, got {getattr(self, name)}")
        if self.boilerplate_min_pages < 2:
            raise ConfigError("dedup.boilerplate_min_pages must be >= 2: a line on one page is not repeated")

    def bands_rows(self) -> tuple[int, int]:
        """(bands, rows): as set, or datasketch's optimum for `threshold` and `num_perm`."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return optimal_bands_rows(self.threshold, self.num_perm)


def load_dedup_config(path: str | Path | None = None) -> DedupConfig:
    """The `dedup:` section of a job config (default `configs/dedup.yaml`)."""
    path = Path(path) if path else configs_dir() / "dedup.yaml"
    section = load_yaml(path).get("dedup")
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"{path}: dedup must be a mapping")
    return from_mapping(DedupConfig, section, f"{path}:dedup")


# ---------------------------------------------------------------------------------------------
# normalization and shingles


def fold_lower(text: str) -> str:
    """Lower case with full-width and CJK punctuation folded to ASCII (same length; lines kept)."""
    if not text.isascii():  # a lone surrogate (possible in JSON input) becomes U+FFFD
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        text = np.take(_FOLD_TABLE, cps).tobytes().decode("utf-32-le", "replace")
    return text.lower()


def normalize_for_dedup(text: str) -> str:
    """Lower case, full-width punctuation folded to ASCII, every whitespace run one space, trimmed."""
    return " ".join(fold_lower(text).split())


def han_share(text: str) -> float:
    """Share of Han characters among the non-space characters (0.0 for empty text)."""
    chars = len("".join(text.split()))
    return len(_HAN.findall(text)) / chars if chars else 0.0


def shingle_lang(normalized: str, lang: str | None, zh_min_han_share: float = ZH_MIN_HAN_SHARE) -> str:
    """"zh" or "en": the document's language when it is one of them, else by Han share."""
    if lang in ("zh", "en"):
        return lang
    return "zh" if han_share(normalized) >= zh_min_han_share else "en"


def shingles(
    text: str,
    lang: str | None,
    ngram_zh: int = DEFAULT_NGRAM_ZH,
    ngram_en: int = DEFAULT_NGRAM_EN,
    zh_min_han_share: float = ZH_MIN_HAN_SHARE,
) -> list[str]:
    """Shingles of `text` (normalized here): Chinese character n-grams or English word n-grams.

    A text shorter than n units is one shingle of all of it; an empty text has none.
    """
    folded = fold_lower(text)
    if shingle_lang(folded, lang, zh_min_han_share) == "zh":
        chars = "".join(folded.split())
        n = ngram_zh
        if len(chars) <= n:
            return [chars] if chars else []
        return [chars[i : i + n] for i in range(len(chars) - n + 1)]
    words = _EN_WORD.findall(folded)
    n = ngram_en
    if len(words) <= n:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


def content_hash(text: str) -> str:
    """Exact-duplicate key: xxh3-128 (hex) of the normalized text."""
    return xxhash.xxh3_128_hexdigest(normalize_for_dedup(text).encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# MinHash


def hash_shingles(items: Collection[str], hashfunc: str = "sha1") -> np.ndarray:
    """32-bit hashes of the shingles' UTF-8 bytes.

    "sha1": datasketch's default sha1_hash32 (the first 4 SHA-1 bytes, little-endian).
    "xxh32": `xxhash.xxh32_intdigest`, ~2.5x faster; pass it as datasketch's `hashfunc` to match.
    """
    if hashfunc == "xxh32":
        xxh32 = xxhash.xxh32_intdigest
        return np.fromiter(map(xxh32, map(str.encode, items)), dtype=np.uint32, count=len(items))
    if hashfunc != "sha1":
        raise ValueError(f"hashfunc must be one of {HASHFUNCS}, got {hashfunc!r}")
    sha1 = hashlib.sha1
    digests = b"".join([sha1(b).digest() for b in map(str.encode, items)])
    return np.frombuffer(digests, dtype="<u4").reshape(-1, 5)[:, 0].astype(np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (datasketch's pre-mix for "affine32"); uint32 wraps on purpose."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@functools.cache
def _kernel() -> ModuleType | None:
    """`pipelines.text.minhash_kernel` (numba), or None when numba is missing or fails to load."""
    try:
        from pipelines.text import minhash_kernel
    except Exception as exc:
        # numba can fail in many ways (missing, numpy/llvmlite mismatch, no cache locator); the numpy
        # path gives the same signatures, only slower, so any failure just selects it
        log.debug("numba MinHash kernel unavailable (%s: %s); using the numpy path", type(exc).__name__, exc)
        return None
    return minhash_kernel


_NO_TABLE = np.zeros(0, dtype=np.bool_)  # Chinese shingles need no word table


@functools.cache
def _word_table() -> np.ndarray:
    """bool[0x110000]: whether `re`'s `\\w` (as in `_EN_WORD`) matches each code point (~0.1 s, once)."""
    # sre's \w is str.isalnum() or "_"; tests check this against the regex over every code point
    table = np.array([chr(cp).isalnum() for cp in range(0x110000)], dtype=np.bool_)
    table[ord("_")] = True
    return table


class MinHasher:
    """The permutations of `datasketch.MinHash(num_perm, seed, scheme)`, applied to whole documents."""

    def __init__(
        self,
        num_perm: int = DEFAULT_NUM_PERM,
        seed: int = DEFAULT_SEED,
        scheme: str = "affine32",
        hashfunc: str = "sha1",
    ) -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
        if hashfunc not in HASHFUNCS:
            raise ValueError(f"hashfunc must be one of {HASHFUNCS}, got {hashfunc!r}")
        self.num_perm, self.seed, self.scheme, self.hashfunc = num_perm, seed, scheme, hashfunc
        gen = np.random.RandomState(seed)
        if scheme == "legacy":  # drawn one (a, b) pair at a time, as datasketch < 2 does
            p = MERSENNE_PRIME
            u64 = np.uint64
            pairs = [(gen.randint(1, p, dtype=u64), gen.randint(0, p, dtype=u64)) for _ in range(num_perm)]
            self.a, self.b = np.array(pairs, dtype=np.uint64).T
        else:  # odd a: h -> a*h + b mod 2^32 is a bijection
            self.a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
            self.b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)

    def signature_of_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """uint32[num_perm] minimum of every permutation over the 32-bit shingle hashes."""
        sig = np.full(self.num_perm, MAX_HASH_32, dtype=np.uint32)
        for start in range(0, len(hashes), _CHUNK):
            h = hashes[start : start + _CHUNK]
            if self.scheme == "legacy":  # uint64 products wrap exactly as datasketch's do
                hv = h.astype(np.uint64)[:, None]
                phv = np.bitwise_and((hv * self.a + self.b) % MERSENNE_PRIME, np.uint64(MAX_HASH_32))
                np.minimum(sig, phv.min(axis=0).astype(np.uint32), out=sig)
            else:
                phv = _fmix32(h.astype(np.uint32))[:, None] * self.a + self.b  # (shingles, num_perm)
                np.minimum(sig, phv.min(axis=0), out=sig)
        return sig

    def kernel(self) -> ModuleType | None:
        """The numba kernel module when it applies to this MinHasher ("xxh32", "affine32") and loads."""
        if self.hashfunc == "xxh32" and self.scheme == "affine32":
            return _kernel()
        return None

    def signature(self, items: Iterable[str]) -> np.ndarray:
        """Signature of a set of shingles (duplicates are harmless; none: every slot MAX_HASH_32)."""
        kernel = self.kernel()
        if kernel is None:
            return self.signature_of_hashes(hash_shingles(set(items), self.hashfunc))
        encoded = [s.encode("utf-8") for s in items]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        ends = np.cumsum(lengths)
        starts = ends - lengths
        buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return kernel.spans_signature(buf, starts, ends, self.a, self.b)


@functools.lru_cache(maxsize=8)
def minhasher(
    num_perm: int = DEFAULT_NUM_PERM,
    seed: int = DEFAULT_SEED,
    scheme: str = "affine32",
    hashfunc: str = "sha1",
) -> MinHasher:
    """A shared MinHasher per configuration: the permutations are drawn once per process."""
    return MinHasher(num_perm, seed, scheme, hashfunc)


def doc_signature(text: str, lang: str | None, cfg: DedupConfig) -> np.ndarray | None:
    """The configured signature of a document, or None when it has no shingles (empty text).

    With "xxh32" and "affine32" (the defaults) and numba installed, the kernel hashes spans of one
    UTF-8 buffer; otherwise `shingles()` and the numpy path: the same signature.
    """
    hasher = minhasher(cfg.num_perm, cfg.seed, cfg.scheme, cfg.hashfunc)
    kernel = hasher.kernel()
    if kernel is not None:
        folded = fold_lower(text)  # as shingles() does; no lone surrogate is left to encode
        if shingle_lang(folded, lang, cfg.zh_min_han_share) == "zh":
            buf, n, words, table = "".join(folded.split()).encode("utf-8"), cfg.ngram_zh, False, _NO_TABLE
        else:
            buf, n, words, table = folded.encode("utf-8"), cfg.ngram_en, True, _word_table()
        sig = kernel.text_signature(np.frombuffer(buf, dtype=np.uint8), n, words, table, hasher.a, hasher.b)
        return sig if len(sig) else None
    items = shingles(text, lang, cfg.ngram_zh, cfg.ngram_en, cfg.zh_min_han_share)
    if not items:
        return None
    return hasher.signature(items)


def signature_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard estimate of two signatures: the share of equal slots (datasketch's `MinHash.jaccard`)."""
    if a.shape != b.shape:
        raise ValueError(f"signatures of different lengths: {a.shape} and {b.shape}")
    return float(np.count_nonzero(a == b)) / len(a)


def signature_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


# ---------------------------------------------------------------------------------------------
# LSH banding


@functools.lru_cache(maxsize=64)
def optimal_bands_rows(
    threshold: float, num_perm: int, false_positive_weight: float = 0.5, false_negative_weight: float = 0.5
) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false positive + negative areas, as datasketch's MinHashLSH."""
    from scipy.integrate import quad  # scipy comes with datasketch; only this function needs it

    def fp(b: int, r: int) -> float:
        return quad(lambda s: 1 - (1 - s ** float(r)) ** float(b), 0.0, threshold)[0]

    def fn(b: int, r: int) -> float:
        return quad(lambda s: 1 - (1 - (1 - s ** float(r)) ** float(b)), threshold, 1.0)[0]

    best, opt = math.inf, (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            error = fp(b, r) * false_positive_weight + fn(b, r) * false_negative_weight
            if error < best:
                best, opt = error, (b, r)
    return opt


def lsh_threshold(bands: int, rows: int) -> float:
    """The Jaccard at which a pair becomes a candidate with probability about 1/2: (1/b)^(1/r)."""
    return (1.0 / bands) ** (1.0 / rows)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """One key per band: 2-byte band index + xxh3-64 of the band's `rows` slots."""
    if bands * rows > len(sig):
        raise ValueError(f"bands × rows = {bands * rows} > signature length {len(sig)}")
    block = sig[: bands * rows].astype("<u4").reshape(bands, rows)
    return [i.to_bytes(2, "big") + xxhash.xxh3_64_digest(block[i].tobytes()) for i in range(bands)]


# ---------------------------------------------------------------------------------------------
# survivor rule and boilerplate lines


def survivor_rank(doc: Any, cfg: DedupConfig) -> tuple[Any, ...]:
    """Sort key of a duplicate: the smallest survives. Source priority, higher quality, smaller id, locator.

    `doc` needs `source`, `signals`, `id` and `locator` (a `pipelines.records.Doc`). A missing or NaN
    quality ranks after every present one.
    """
    prio: Sequence[str] = cfg.source_priority
    source_rank = prio.index(doc.source) if doc.source in prio else len(prio)
    q = doc.signals.get(cfg.quality_signal)
    quality = (0, -float(q)) if isinstance(q, int | float) and not math.isnan(q) else (1, 0.0)
    return source_rank, quality, doc.id, doc.locator


def line_hash(line: str) -> int:
    """Boilerplate key of a line: xxh3-64 of the normalized line."""
    return _folded_line_hash(fold_lower(line))


def _folded_line_hash(folded: str) -> int:
    return xxhash.xxh3_64_intdigest(" ".join(folded.split()).encode("utf-8"))


def line_hashes(text: str) -> set[int]:
    """Hashes of the distinct non-blank lines of `text`."""
    return _folded_line_hashes(fold_lower(text))


def _folded_line_hashes(folded: str) -> set[int]:
    return {_folded_line_hash(line) for line in folded.split("\n") if line.strip()}


def content_and_line_hashes(text: str, lines: bool = True) -> tuple[bytes, set[int]]:
    """`content_hash(text)` as 16 bytes and, with `lines`, `line_hashes(text)`, folding the text once."""
    folded = fold_lower(text)
    key = xxhash.xxh3_128_digest(" ".join(folded.split()).encode("utf-8"))
    return key, _folded_line_hashes(folded) if lines else set()


def strip_lines(text: str, boilerplate: set[int]) -> tuple[str, int]:
    """`text` without the lines whose hash is in `boilerplate`, and how many lines went.

    Blank-line runs the removal leaves collapse to one blank line; leading/trailing ones go.
    """
    kept: list[str] = []
    removed = 0
    # fold_lower keeps the line breaks, so its lines pair with the original ones
    for line, folded in zip(text.split("\n"), fold_lower(text).split("\n"), strict=True):
        if line.strip() and _folded_line_hash(folded) in boilerplate:
            removed += 1
        else:
            kept.append(line)
    if not removed:
        return text, 0
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
    return out, removed


def compile_kernel() -> bool:
    """Compile the numba MinHash kernel into its cache now (or load it); False when the numpy path runs.

    `make install` calls it, so the first dedup run does not spend ~3 s per worker compiling.
    """
    cfg = DedupConfig()
    for text, lang in (("预先编译签名内核。", "zh"), ("compile the kernel once for english", "en")):
        doc_signature(text, lang, cfg)
    return minhasher(cfg.num_perm, cfg.seed, cfg.scheme, cfg.hashfunc).kernel() is not None


if __name__ == "__main__":
    print("MinHash signatures:", "numba kernel (compiled and cached)" if compile_kernel() else "numpy path")
