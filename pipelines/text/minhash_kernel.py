"""numba kernels for `pipelines.text.minhash`: xxh32 + "affine32" MinHash over a document's UTF-8 bytes.

Imported lazily by `pipelines.text.minhash` (which falls back to its numpy path when numba is missing).
A shingle is a byte span `buf[start:end]` of one UTF-8 buffer, so no Python string per shingle is made:
its hash is XXH32 (seed 0) of those bytes, bit for bit `xxhash.xxh32_intdigest`, then MurmurHash3's
fmix32 and, per permutation, `(a*h + b) mod 2^32`; the signature keeps the minimum of each permutation.
Duplicate shingles need no set(): they leave every minimum unchanged. All arithmetic is done in uint64
and masked to 32 bits (numba would otherwise widen mixed-type integer expressions to float64).
Compiled with `cache=True`: the first process compiles (~seconds) and later ones load the cache.
"""

from __future__ import annotations

import numba
import numpy as np

_M32 = np.uint64(0xFFFFFFFF)
_P1 = np.uint64(0x9E3779B1)  # XXH32's primes
_P2 = np.uint64(0x85EBCA77)
_P3 = np.uint64(0xC2B2AE3D)
_P4 = np.uint64(0x27D4EB2F)
_P5 = np.uint64(0x165667B1)
_F1 = np.uint64(0x85EBCA6B)  # fmix32's constants
_F2 = np.uint64(0xC2B2AE35)
_U1 = np.uint64(1)
_U7 = np.uint64(7)
_U8 = np.uint64(8)
_U11 = np.uint64(11)
_U12 = np.uint64(12)
_U13 = np.uint64(13)
_U15 = np.uint64(15)
_U16 = np.uint64(16)
_U17 = np.uint64(17)
_U18 = np.uint64(18)
_U24 = np.uint64(24)
_U32 = np.uint64(32)
_SPACE = np.uint8(0x20)
_APOSTROPHE = np.uint8(0x27)
_CONT_MASK = np.uint8(0xC0)
_CONT = np.uint8(0x80)

_jit = numba.njit(cache=True, nogil=True)
_jit_inline = numba.njit(cache=True, nogil=True, inline="always")


@_jit_inline
def _rotl(x: np.uint64, r: np.uint64) -> np.uint64:
    return ((x << r) | (x >> (_U32 - r))) & _M32


@_jit_inline
def _read32(buf: np.ndarray, p: int) -> np.uint64:
    return (
        np.uint64(buf[p])
        | (np.uint64(buf[p + 1]) << _U8)
        | (np.uint64(buf[p + 2]) << _U16)
        | (np.uint64(buf[p + 3]) << _U24)
    )


@_jit_inline
def _round(acc: np.uint64, lane: np.uint64) -> np.uint64:
    acc = (acc + lane * _P2) & _M32
    return (_rotl(acc, _U13) * _P1) & _M32


@_jit
def xxh32(buf: np.ndarray, start: int, end: int) -> np.uint32:
    """XXH32 with seed 0 of `buf[start:end]` (uint8), equal to `xxhash.xxh32_intdigest`."""
    length = end - start
    p = start
    if length >= 16:
        v1 = (_P1 + _P2) & _M32
        v2 = _P2
        v3 = np.uint64(0)
        v4 = (np.uint64(1 << 32) - _P1) & _M32  # seed - P1 mod 2^32
        limit = end - 16
        while p <= limit:
            v1 = _round(v1, _read32(buf, p))
            v2 = _round(v2, _read32(buf, p + 4))
            v3 = _round(v3, _read32(buf, p + 8))
            v4 = _round(v4, _read32(buf, p + 12))
            p += 16
        h = (_rotl(v1, _U1) + _rotl(v2, _U7) + _rotl(v3, _U12) + _rotl(v4, _U18)) & _M32
    else:
        h = _P5
    h = (h + (np.uint64(length) & _M32)) & _M32
    while p + 4 <= end:
        h = (h + _read32(buf, p) * _P3) & _M32
        h = (_rotl(h, _U17) * _P4) & _M32
        p += 4
    while p < end:
        h = (h + np.uint64(buf[p]) * _P5) & _M32
        h = (_rotl(h, _U11) * _P1) & _M32
        p += 1
    h ^= h >> _U15
    h = (h * _P2) & _M32
    h ^= h >> _U13
    h = (h * _P3) & _M32
    h ^= h >> _U16
    return np.uint32(h)


@_jit_inline
def _fmix32(h: np.uint64) -> np.uint64:
    h ^= h >> _U16
    h = (h * _F1) & _M32
    h ^= h >> _U13
    h = (h * _F2) & _M32
    return h ^ (h >> _U16)


@_jit
def spans_signature(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """uint32[len(a)]: min over shingles `buf[starts[i]:ends[i]]` of (a*fmix32(xxh32) + b) mod 2^32."""
    count = starts.shape[0]
    hashes = np.empty(count, dtype=np.uint32)
    for i in range(count):
        hashes[i] = np.uint32(_fmix32(np.uint64(xxh32(buf, starts[i], ends[i]))))
    num_perm = a.shape[0]
    sig = np.empty(num_perm, dtype=np.uint32)
    for k in range(num_perm):  # per permutation a min-reduction over the shingles: it vectorizes
        ak, bk = a[k], b[k]
        low = np.uint32(0xFFFFFFFF)
        for i in range(count):
            low = min(low, np.uint32(ak * hashes[i] + bk))  # low 32 bits: the product mod 2^32
        sig[k] = low
    return sig


@_jit
def shingle_spans(buf: np.ndarray, n: int, words: bool) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the n-unit shingles of `buf`: UTF-8 characters, or words joined by single spaces.

    At most n units: one span of the whole buffer (a text shorter than n units is one shingle of all);
    an empty buffer has none.
    """
    size = buf.shape[0]
    unit_starts = np.empty(size + 1, dtype=np.int64)
    units = 0
    if words:
        if size > 0:
            unit_starts[0] = 0
            units = 1
        for p in range(size):
            if buf[p] == _SPACE:
                unit_starts[units] = p + 1
                units += 1
    else:
        for p in range(size):
            if (buf[p] & _CONT_MASK) != _CONT:
                unit_starts[units] = p
                units += 1
    if units == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    if units <= n:
        return np.zeros(1, dtype=np.int64), np.full(1, size, dtype=np.int64)
    count = units - n + 1
    starts = unit_starts[:count].copy()
    ends = np.empty(count, dtype=np.int64)
    gap = 1 if words else 0  # a word shingle ends before the space that starts the next word
    for i in range(count):
        j = i + n
        ends[i] = unit_starts[j] - gap if j < units else size
    return starts, ends


@_jit_inline
def _code_point(text: np.ndarray, p: int) -> tuple[int, int]:
    """(code point, byte length) of the valid UTF-8 sequence at text[p]."""
    b0 = np.int64(text[p])
    if b0 < 0x80:
        return b0, 1
    if b0 < 0xE0:
        return ((b0 & 0x1F) << 6) | (np.int64(text[p + 1]) & 0x3F), 2
    if b0 < 0xF0:
        return ((b0 & 0x0F) << 12) | ((np.int64(text[p + 1]) & 0x3F) << 6) | (np.int64(text[p + 2]) & 0x3F), 3
    return (
        ((b0 & 0x07) << 18)
        | ((np.int64(text[p + 1]) & 0x3F) << 12)
        | ((np.int64(text[p + 2]) & 0x3F) << 6)
        | (np.int64(text[p + 3]) & 0x3F)
    ), 4


@_jit
def join_words(text: np.ndarray, is_word: np.ndarray) -> np.ndarray:
    r"""UTF-8 of `" ".join(re.findall(r"\w+(?:'\w+)*", s))` for `text` = s.encode("utf-8").

    `is_word[cp]` says whether `re`'s `\w` matches code point cp. The scan is the regex's: a match is
    the longest run of word characters, extended by "'" + a word run while one follows.
    """
    size = text.shape[0]
    out = np.empty(size, dtype=np.uint8)  # matches are separated by >= 1 byte: the joined text fits
    o = 0
    p = 0
    while p < size:
        cp, width = _code_point(text, p)
        if not is_word[cp]:
            p += width
            continue
        start = p
        p += width
        while True:
            while p < size:
                cp, width = _code_point(text, p)
                if not is_word[cp]:
                    break
                p += width
            if p + 1 < size and text[p] == _APOSTROPHE:
                cp, width = _code_point(text, p + 1)
                if is_word[cp]:
                    p += 1 + width
                    continue
            break
        if o > 0:
            out[o] = _SPACE
            o += 1
        for q in range(start, p):
            out[o] = text[q]
            o += 1
    return out[:o]


@_jit
def text_signature(
    text: np.ndarray, n: int, words: bool, is_word: np.ndarray, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """Signature of a folded text's n-unit shingles; empty (length 0) when it has none.

    words False: `text` is the UTF-8 of the characters without whitespace, a unit is a character.
    words True: `text` is the UTF-8 of the folded text; its words (`join_words`) are the units.
    """
    if words:
        joined = join_words(text, is_word)
        starts, ends = shingle_spans(joined, n, True)
        if starts.shape[0] == 0:
            return np.empty(0, dtype=np.uint32)
        return spans_signature(joined, starts, ends, a, b)
    chars = text.copy()  # writable like `joined`: one compiled instance of the callees serves both
    starts, ends = shingle_spans(chars, n, False)
    if starts.shape[0] == 0:
        return np.empty(0, dtype=np.uint32)
    return spans_signature(chars, starts, ends, a, b)
