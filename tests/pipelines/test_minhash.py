"""MinHash text rules: normalization, shingles, datasketch-equal signatures, banding, survivor rule."""

import json
import logging
import math
import re
import sys
from pathlib import Path

import datasketch
import numpy as np
import pytest
import xxhash

from pipelines.config import ConfigError, from_mapping
from pipelines.records import Doc
from pipelines.stages import load_corpus_config
from pipelines.text.minhash import (
    MAX_HASH_32,
    DedupConfig,
    MinHasher,
    band_keys,
    content_and_line_hashes,
    content_hash,
    doc_signature,
    fold_lower,
    han_share,
    hash_shingles,
    line_hashes,
    load_dedup_config,
    lsh_threshold,
    normalize_for_dedup,
    optimal_bands_rows,
    shingle_lang,
    shingles,
    signature_jaccard,
    strip_lines,
    survivor_rank,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ZH_BOOK = (SAMPLES / "books" / "zh_shancheng_yuji.txt").read_text(encoding="utf-8")
EN_BOOK = (SAMPLES / "books" / "en_ledger_of_gull_rock.txt").read_text(encoding="utf-8")
ZH_SHORT = "今天，天气很好！"
EN_SHORT = "The quick brown fox jumps over the lazy dog."


def datasketch_values(items: list[str], num_perm: int, seed: int, scheme: str) -> list[int]:
    m = datasketch.MinHash(num_perm=num_perm, seed=seed, scheme=scheme)
    for s in items:
        m.update(s.encode("utf-8"))
    return [int(v) for v in m.hashvalues]


# -- normalization and shingles --------------------------------------------------------------------


def test_normalize_folds_case_punctuation_width_and_spaces() -> None:
    assert normalize_for_dedup("  Hello，ＷＯＲＬＤ！\n\n　“引号”。 ") == 'hello,world! "引号".'


def test_chinese_shingles_are_character_5grams_of_the_normalized_text() -> None:
    assert shingles(ZH_SHORT, "zh") == ["今天,天气", "天,天气很", ",天气很好", "天气很好!"]


def test_chinese_spaces_do_not_split_or_count() -> None:
    assert shingles("今天 天气\n很好！", "zh") == shingles("今天天气很好!", "zh")


def test_english_shingles_are_word_5grams_lower_cased() -> None:
    assert shingles(EN_SHORT, "en") == [
        "the quick brown fox jumps",
        "quick brown fox jumps over",
        "brown fox jumps over the",
        "fox jumps over the lazy",
        "jumps over the lazy dog",
    ]


def test_ngram_size_is_configurable_per_language() -> None:
    assert shingles(ZH_SHORT, "zh", ngram_zh=7) == ["今天,天气很好", "天,天气很好!"]
    assert shingles(EN_SHORT, "en", ngram_en=8)[0] == "the quick brown fox jumps over the lazy"


def test_short_and_empty_texts() -> None:
    assert shingles("你好", "zh") == ["你好"]
    assert shingles("Hello there", "en") == ["hello there"]
    assert shingles("  \n ", "en") == [] and shingles("", "zh") == []


def test_other_languages_choose_shingles_by_han_share() -> None:
    assert han_share("abc 中文") == pytest.approx(2 / 5)
    assert shingle_lang("这是一段中文，里面有 two English words", None) == "zh"
    assert shingle_lang("english text with 一个 word", "ja") == "en"
    assert shingles(ZH_SHORT, None) == shingles(ZH_SHORT, "zh")


def test_content_hash_ignores_case_width_and_spacing_only() -> None:
    assert content_hash("Hello,  World!\n") == content_hash("hello， ｗｏｒｌｄ！")
    assert content_hash("Hello, World!") != content_hash("Hello, World?")
    assert len(content_hash("x")) == 32  # 128 bits


# -- signatures ------------------------------------------------------------------------------------


def test_hash_shingles_is_datasketch_sha1_hash32() -> None:
    items = ["今天,天气", "the quick brown fox jumps"]
    assert hash_shingles(items).tolist() == [datasketch.hashfunc.sha1_hash32(s.encode()) for s in items]


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize(("num_perm", "seed"), [(112, 1), (128, 42), (256, 7), (9, 0)])
@pytest.mark.parametrize(("text", "lang"), [(ZH_BOOK, "zh"), (EN_BOOK, "en"), (ZH_SHORT, "zh")])
def test_signature_equals_datasketch(text: str, lang: str, num_perm: int, seed: int, scheme: str) -> None:
    items = shingles(text, lang)
    ours = MinHasher(num_perm, seed, scheme).signature(items)
    assert ours.dtype == np.uint32 and ours.shape == (num_perm,)
    assert ours.tolist() == datasketch_values(items, num_perm, seed, scheme)


@pytest.mark.parametrize(("text", "lang"), [(ZH_BOOK, "zh"), (EN_BOOK, "en")])
def test_xxh32_signature_equals_datasketch_with_that_hashfunc(text: str, lang: str) -> None:
    items = shingles(text, lang)
    m = datasketch.MinHash(num_perm=112, seed=1, hashfunc=xxhash.xxh32_intdigest)
    m.update_batch([s.encode() for s in items])
    assert MinHasher(112, 1, hashfunc="xxh32").signature(items).tolist() == [int(v) for v in m.hashvalues]
    cfg = DedupConfig(hashfunc="xxh32")
    assert doc_signature(text, lang, cfg).tolist() == [int(v) for v in m.hashvalues]


def test_lone_surrogates_do_not_break_hashing() -> None:
    text = json.loads('"bad \\ud800 text here with enough words to shingle"')
    assert "\ufffd" in fold_lower(text)
    assert doc_signature(text, "en", DedupConfig()) is not None and content_hash(text)


def test_fold_lower_keeps_length_and_lines() -> None:
    text = "ＡＢＣ，“引号”。\n第二行…　完"
    folded = fold_lower(text)
    assert folded == 'abc,"引号".\n第二行. 完' and len(folded) == len(text)


def test_default_signature_is_datasketch_default_minhash_with_the_configured_hashfunc() -> None:
    items = shingles(EN_BOOK, "en")
    # the installed datasketch's default scheme and seed 1; the job's default hashfunc is xxh32
    m = datasketch.MinHash(num_perm=112, hashfunc=xxhash.xxh32_intdigest)
    m.update_batch([s.encode() for s in items])
    assert DedupConfig().hashfunc == "xxh32"
    assert doc_signature(EN_BOOK, "en", DedupConfig()).tolist() == [int(v) for v in m.hashvalues]
    sha1 = datasketch.MinHash(num_perm=112)  # datasketch's own default hashfunc (sha1_hash32)
    sha1.update_batch([s.encode() for s in items])
    got = doc_signature(EN_BOOK, "en", DedupConfig(hashfunc="sha1"))
    assert got.tolist() == [int(v) for v in sha1.hashvalues]


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
def test_permutations_and_empty_signature_match_datasketch(scheme: str) -> None:
    ours, theirs = MinHasher(64, 3, scheme), datasketch.MinHash(num_perm=64, seed=3, scheme=scheme)
    assert ours.a.tolist() == theirs.permutations[0].tolist()
    assert ours.b.tolist() == theirs.permutations[1].tolist()
    assert ours.signature([]).tolist() == [int(v) for v in theirs.hashvalues] == [int(MAX_HASH_32)] * 64


def test_signature_chunks_give_the_same_minimum() -> None:
    items = [f"shingle {i}" for i in range(10_000)]  # > one 4096-shingle chunk
    assert MinHasher(32, 5).signature(items).tolist() == datasketch_values(items, 32, 5, "affine32")


def test_signature_jaccard_estimates_jaccard_as_datasketch_does() -> None:
    a = shingles(EN_BOOK, "en")
    b = a[: len(a) // 2] + [f"other {i}" for i in range(len(a) // 2)]
    sa, sb = MinHasher(256, 1).signature(a), MinHasher(256, 1).signature(b)
    truth = len(set(a) & set(b)) / len(set(a) | set(b))
    m1, m2 = (datasketch.MinHash(num_perm=256, hashvalues=s, scheme="affine32") for s in (sa, sb))
    assert signature_jaccard(sa, sb) == m1.jaccard(m2)
    assert abs(signature_jaccard(sa, sb) - truth) < 0.08
    assert signature_jaccard(sa, sa) == 1.0


def test_doc_without_shingles_has_no_signature() -> None:
    assert doc_signature(" \n ", "en", DedupConfig()) is None


# -- banding ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.72, 112), (0.8, 128), (0.5, 64), (0.9, 256)])
def test_optimal_bands_rows_are_datasketch_lsh_params(threshold: float, num_perm: int) -> None:
    lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert optimal_bands_rows(threshold, num_perm) == (lsh.b, lsh.r)


def test_fineweb_default_and_datasketch_optimum_for_072() -> None:
    assert DedupConfig().bands_rows() == (14, 8)  # FineWeb, set directly
    assert optimal_bands_rows(0.72, 112) == (12, 9)  # what datasketch derives for the same threshold
    assert DedupConfig(bands=None, rows=None).bands_rows() == (12, 9)
    assert lsh_threshold(14, 8) == pytest.approx(0.719, abs=1e-3)


def test_band_keys_change_only_with_their_band() -> None:
    sig = MinHasher(112, 1).signature(shingles(EN_BOOK, "en"))
    keys = band_keys(sig, 14, 8)
    assert len(keys) == 14 and len(set(keys)) == 14
    assert [k[:2] for k in keys] == [i.to_bytes(2, "big") for i in range(14)]
    other = sig.copy()
    other[8 * 5 + 3] ^= 1  # one slot of band 5
    changed = [i for i, (a, b) in enumerate(zip(keys, band_keys(other, 14, 8), strict=True)) if a != b]
    assert changed == [5]
    with pytest.raises(ValueError, match="bands"):
        band_keys(sig, 15, 8)


# -- config ----------------------------------------------------------------------------------------


def test_dedup_yaml_holds_the_defaults() -> None:
    assert load_dedup_config() == DedupConfig()
    assert load_corpus_config().dedup == DedupConfig(enabled=False)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"bands": 20, "rows": 8}, "not in"),
        ({"bands": 14, "rows": None}, "go together"),
        ({"scheme": "sha256"}, "scheme"),
        ({"hashfunc": "md5"}, "hashfunc"),
        ({"threshold": 1.5}, "threshold"),
        ({"boilerplate_min_pages": 1}, "boilerplate_min_pages"),
        ({"treshold": 0.8}, "unknown key"),
        ({"partitions": 0}, "partitions"),
        ({"doc_chunks": 0}, "doc_chunks"),
    ],
)
def test_bad_dedup_config_is_rejected(data: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        from_mapping(DedupConfig, data)


# -- survivor rule and boilerplate lines -----------------------------------------------------------


def _doc(id_: str, source: str, quality: float | None = None) -> Doc:
    signals = {} if quality is None else {"quality": quality}
    return Doc(id=id_, text="x", source=source, locator=f"f:{id_}", signals=signals)


def test_survivor_source_priority_beats_quality_beats_id() -> None:
    cfg = DedupConfig()
    docs = [
        _doc("a", "web", 0.99),
        _doc("z", "book", 0.1),
        _doc("b", "literature", 0.9),
        _doc("y", "book", 0.5),
        _doc("x", "book", 0.5),
        _doc("c", "book", None),
        _doc("d", "book", math.nan),
        _doc("0", "forum", 1.0),
    ]
    ranked = [d.id for d in sorted(docs, key=lambda d: survivor_rank(d, cfg))]
    assert ranked == ["x", "y", "z", "c", "d", "b", "a", "0"]
    web_first = DedupConfig(source_priority=("web", "book"))
    assert min(docs, key=lambda d: survivor_rank(d, web_first)).id == "a"


def test_strip_lines_removes_flagged_lines_only() -> None:
    text = "首页 | 新闻\n\n正文第一段。\n\n版权所有 © 2024\n正文第二段。"
    flagged = line_hashes("首页 ｜ 新闻\n版权所有 © 2024")  # normalized: width and spacing do not matter
    assert len(flagged) == 2 and len(line_hashes(text)) == 4
    stripped, removed = strip_lines(text, flagged)
    assert (stripped, removed) == ("正文第一段。\n\n正文第二段。", 2)
    assert strip_lines(text, set()) == (text, 0)


PAGE = "首页 | 新闻\n\n正文，第一段。\r\n \u3000\nＦＵＬＬ width\tline "


@pytest.mark.parametrize("text", [PAGE, "", "one"])
def test_content_and_line_hashes_fold_once_and_agree_with_the_separate_functions(text: str) -> None:
    key, lines = content_and_line_hashes(text)
    assert key == bytes.fromhex(content_hash(text)) and lines == line_hashes(text)
    assert content_and_line_hashes(text, lines=False) == (key, set())


# -- numba kernel ----------------------------------------------------------------------------------

MIXED = "这是一段中文，里面有 two English words 和一些标点。It's Ｆｕｌｌ－ｗｉｄｔｈ！"
KERNEL_TEXTS = [
    pytest.param(ZH_BOOK, "zh", id="zh-book"),
    pytest.param(EN_BOOK, "en", id="en-book"),
    pytest.param(MIXED, None, id="mixed-as-zh"),
    pytest.param(MIXED, "en", id="mixed-as-en"),
    pytest.param(ZH_SHORT, "zh", id="zh-short"),
    pytest.param("你好世界", "zh", id="zh-fewer-than-n"),
    pytest.param("今天天气好", "zh", id="zh-exactly-n"),
    pytest.param("Hello there", "en", id="en-fewer-than-n"),
    pytest.param("one two three four five", "en", id="en-exactly-n"),
    pytest.param("I 😀 love 🎉 emoji 𠀋𠀌 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math, ok? 😀😀 done now", "en", id="astral-en"),
    pytest.param("表情😀符号🎉测试𠀋𠀌𠀍字符，好吗？", "zh", id="astral-zh"),
    pytest.param("ＡＢＣ，ＤＥＦ！　全角　ｔｅｘｔ　ｗｉｔｈ　ｗｉｄｅ　ｆｏｒｍ", "en", id="full-width-en"),
    pytest.param("全角：ＡＢＣ，（测试）“引号”。【括号】", "zh", id="full-width-zh"),
    pytest.param("don't stop-believin' o'clock rock'n'roll it''s 'quoted' snake_case 42 x'", "en", id="apos"),
    pytest.param("café naïve résumé Ünïcödé ΑΒΓ αβγ кириллица e\u0301 ß İstanbul", "en", id="accents"),
    pytest.param("tab\tseparated\nlines\r\nand\u00a0nbsp\u2003em space\u3000ideographic", None, id="spaces"),
    pytest.param(json.loads('"bad \\ud800 text with enough words to shingle"'), "en", id="lone-surrogate"),
]


@pytest.fixture(scope="module")
def kernel():
    from pipelines.text import minhash as jm

    mod = jm._kernel()
    if mod is None:
        pytest.skip("numba is not installed: the kernel is not used")
    return mod


def _ds_xxh32(items: list[str], num_perm: int, seed: int) -> list[int]:
    m = datasketch.MinHash(num_perm=num_perm, seed=seed, hashfunc=xxhash.xxh32_intdigest)
    m.update_batch([s.encode("utf-8") for s in items])
    return [int(v) for v in m.hashvalues]


def test_kernel_xxh32_is_xxhash_for_every_length_and_offset(kernel) -> None:
    rng = np.random.default_rng(0)
    for length in range(71):  # < 16: tails only; >= 16: stripes, then 4-byte and 1-byte tails
        for offset in (0, 1, 3):
            data = rng.integers(0, 256, offset + length + 5, dtype=np.uint8)
            got = int(kernel.xxh32(data, offset, offset + length))
            assert got == xxhash.xxh32_intdigest(data[offset : offset + length].tobytes()), (length, offset)


def test_word_table_is_the_regex_word_class() -> None:
    from pipelines.text.minhash import _word_table

    every = "".join(map(chr, range(0x110000)))
    regex = np.frombuffer(re.sub(r"\W", "\0", every).encode("utf-32-le", "surrogatepass"), "<u4") != 0
    assert np.array_equal(_word_table(), regex)


def test_kernel_join_words_is_findall_and_join(kernel) -> None:
    from pipelines.text.minhash import _EN_WORD, _word_table

    pool = [*"ab9_'' \n.,-", "é", "e\u0301", "中", "😀", "𠀋", "ß", "\u00a0", "٣", "Ⅻ", "'x", "x'"]
    rng = np.random.default_rng(1)
    texts = ["", "'", "''a", "a'", "a''b", "a'b'c", "'a'", "_", " x ", "😀x😀"]
    texts += ["".join(rng.choice(pool, size=rng.integers(0, 40))) for _ in range(2000)]
    for text in texts:
        got = kernel.join_words(np.frombuffer(text.encode(), dtype=np.uint8), _word_table()).tobytes()
        assert got == " ".join(_EN_WORD.findall(text)).encode(), text


@pytest.mark.parametrize(("text", "lang"), KERNEL_TEXTS)
@pytest.mark.parametrize(("num_perm", "seed", "ngram"), [(112, 1, 5), (64, 7, 3), (9, 0, 1)])
def test_kernel_signature_equals_numpy_path_and_datasketch(
    kernel, monkeypatch, text: str, lang: str | None, num_perm: int, seed: int, ngram: int
) -> None:
    from pipelines.text import minhash as jm

    cfg = DedupConfig(num_perm=num_perm, seed=seed, ngram_zh=ngram, ngram_en=ngram, bands=1, rows=1)
    fast = doc_signature(text, lang, cfg)
    assert jm.minhasher(num_perm, seed, "affine32", "xxh32").kernel() is kernel
    expected = _ds_xxh32(shingles(text, lang, ngram, ngram), num_perm, seed)
    assert fast is not None and fast.dtype == np.uint32 and fast.tolist() == expected
    monkeypatch.setattr(jm, "_kernel", lambda: None)
    assert jm.minhasher(num_perm, seed, "affine32", "xxh32").kernel() is None
    assert doc_signature(text, lang, cfg).tolist() == expected


@pytest.mark.parametrize("text", ["", " \n\t ", "\u3000", "... ,,, !!!"])
def test_kernel_and_fallback_give_no_signature_without_shingles(kernel, monkeypatch, text: str) -> None:
    from pipelines.text import minhash as jm

    for lang in ("zh", "en", None):
        assert doc_signature(text, lang, DedupConfig()) is None or (text == "... ,,, !!!" and lang == "zh")
    # punctuation only: Chinese shingles keep it (characters), English ones have no words
    assert doc_signature("... ,,, !!!", "en", DedupConfig()) is None
    monkeypatch.setattr(jm, "_kernel", lambda: None)
    for lang in ("zh", "en", None):
        assert doc_signature(text, lang, DedupConfig()) is None or (text == "... ,,, !!!" and lang == "zh")


def test_kernel_minhasher_signature_equals_numpy_path(kernel, monkeypatch) -> None:
    from pipelines.text import minhash as jm

    items = [f"shingle {i} 中文😀" for i in range(10_000)] + ["dup", "dup", ""]  # > one numpy chunk
    hasher = MinHasher(128, 42, hashfunc="xxh32")
    fast = hasher.signature(iter(items))  # any iterable
    assert fast.tolist() == _ds_xxh32(items, 128, 42)
    assert hasher.signature([]).tolist() == [int(MAX_HASH_32)] * 128
    monkeypatch.setattr(jm, "_kernel", lambda: None)
    assert hasher.signature(items).tolist() == fast.tolist()


def test_kernel_is_not_used_for_sha1_or_legacy(kernel) -> None:
    assert MinHasher(16, 1, "affine32", "sha1").kernel() is None
    assert MinHasher(16, 1, "legacy", "xxh32").kernel() is None
    assert MinHasher(16, 1, "affine32", "xxh32").kernel() is kernel


def test_missing_numba_falls_back_to_numpy_with_one_debug_line(monkeypatch, caplog) -> None:
    import pipelines.text
    from pipelines.text import minhash as jm

    expected = doc_signature(EN_BOOK, "en", DedupConfig()).tolist()
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now raises ImportError
    monkeypatch.delitem(sys.modules, "pipelines.text.minhash_kernel", raising=False)
    monkeypatch.delattr(pipelines.text, "minhash_kernel", raising=False)
    jm._kernel.cache_clear()
    try:
        with caplog.at_level(logging.DEBUG, logger="corpusloop.minhash"):
            assert jm._kernel() is None and jm._kernel() is None
            assert MinHasher(112, 1, hashfunc="xxh32").kernel() is None
            assert doc_signature(EN_BOOK, "en", DedupConfig()).tolist() == expected
        (record,) = caplog.records  # logged once, at debug level, naming the cause
        assert record.levelno == logging.DEBUG
        assert "import of numba halted" in record.getMessage() and "numpy path" in record.getMessage()
    finally:
        jm._kernel.cache_clear()
