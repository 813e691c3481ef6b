"""Personal data in text: e-mails, phones, resident IDs, bank cards, IP addresses and QQ numbers.

Each kind is a regular expression for its shape plus a validator for what a shape cannot say
(checksums, birth dates, card prefixes, global addresses, surrounding words). Chinese text has no
spaces, so digits are delimited with `(?<![0-9A-Za-z_])` / `(?!\\d)` rather than `\\b` (which
treats Han characters as word characters); a Han character next to a number is a boundary.

Rules worth knowing (each one is a test case):
- A grouped number (`6222 0202 0000 1234 567`, `138-0013-8000`) may not continue with the same
  separator and more digits: `138 0013 8000 12` is a longer code, not a phone.
- Phones and bank cards whose last cue in the clause before them is an order/tracking/ISBN/model
  word are codes, not personal data (`订单号 2023081512345678901`, `运单号 …`, `型号 …`); a later
  phone or card word wins (`订单号 123 电话 138…`).
- Four dotted numbers are a version, not an IPv4, after a leading `v` or a `name/` (user agents),
  after a version word in the clause (`版本`, `version`, `build`, `firmware` …) not followed by an
  address word (`IP`, `地址`, `server` …), and as section numbers (`第 1.2.3.4 条`, `1.0.0.1版`).
  Non-global addresses (private, loopback, documentation; for IPv6 anything outside 2000::/3) are
  skipped by default: `192.168.1.1` in a router guide names no one (BigCode's StarCoder PII
  pipeline leaves them too).
- A 3-3-4 US number without `+1` or `(area)` needs a phone word before it (`call`, `tel`, …):
  `400-820-8820` hotlines and `123-456-7890` part numbers look the same.
- Mainland landlines need an area code (`010-…`, `(0755) …`); service numbers (400/800/95xxx)
  are corporate, not personal, and are not matched.
- QQ numbers are matched only within 10 characters after `QQ`/`qq`/`扣扣`/`企鹅号` (`QQ群：`, `qq号是`).
- Overlaps: the longer span wins (`13800138000@163.com` is one EMAIL), ties by KINDS order.
"""

from __future__ import annotations

import bisect
import datetime
import ipaddress
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

KINDS = ("EMAIL", "QQ", "ID", "BANK_CARD", "PHONE", "IP")  # also the tie-break order of overlaps
_RANK = {k: i for i, k in enumerate(KINDS)}
MODES = ("redact", "drop", "tag")


@dataclass(frozen=True)
class PiiMatch:
    kind: str  # one of KINDS
    start: int
    end: int
    text: str  # text[start:end] of the searched string


@dataclass(frozen=True)
class PiiConfig:
    mode: str = "redact"  # "redact": typed placeholders; "drop"/"tag": by density (caller decides)
    kinds: tuple[str, ...] = KINDS  # kinds reported (all kinds are searched, so overlaps resolve alike)
    # drop/tag threshold in matches per 1,000 characters. A page with a contact footer has 1-3; a
    # contact list or leaked dump (one person a line) has 20-60. No published recipe sets one.
    max_per_1k_chars: float = 10.0
    # and at least this many matches: one phone in a 60-character review is already 16.7 per 1k.
    min_matches: int = 3
    skip_non_global_ips: bool = True  # private/loopback/documentation addresses are not personal
    context_chars: int = 16  # how far back context words (订单号, QQ, tel, 版本 ...) are looked for

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"pii.mode must be one of {MODES}, got {self.mode!r}")
        kinds = tuple(self.kinds)  # a YAML list becomes a tuple
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"pii.kinds: unknown kind(s) {unknown}; known: {list(KINDS)}")
        object.__setattr__(self, "kinds", kinds)
        if self.max_per_1k_chars < 0 or self.min_matches < 0 or self.context_chars < 0:
            raise ValueError("pii.max_per_1k_chars, min_matches and context_chars must be >= 0")


# --- context words --------------------------------------------------------------------------------
_CLAUSE_BREAK = re.compile(r"[，。；！？,;!?\n|]")
# Numbers after these (same clause) are codes, not phones or cards.
_CODE_WORDS = (
    "订单", "单号", "运单", "快递", "物流", "编号", "流水号", "交易号", "型号", "货号", "料号", "批号",
    "序列号", "条码", "条形码", "书号", "isbn", "issn", "order", "tracking", "invoice", "serial", "sku",
    "model", "part no", "p/n", "s/n", "waybill", "barcode", "ean", "upc",
)
_PHONE_WORDS = (
    "phone", "tel", "call", "cell", "mobile", "fax", "text me", "whatsapp", "contact", "reach",
    "my number", "'s number", "number is", "电话", "手机", "联系", "致电", "热线",
)
_VERSION_WORDS = (
    "版本", "固件", "升级", "更新", "version", "ver.", "release", "build", "firmware", "update", "upgrade",
    "sdk", "kernel", "patch",
)
_CARD_WORDS = ("卡号", "银行卡", "信用卡", "储蓄卡", "借记卡", "账号", "card", "account")
_ADDRESS_WORDS = (
    "ip", "地址", "address", "server", "服务器", "host", "dns", "ping", "网关", "gateway", "节点",
)


def _clause_before(text: str, start: int, window: int) -> str:
    """The `window` characters before `start`, cut at the last clause break, lower-cased."""
    left = text[max(0, start - window) : start]
    return _CLAUSE_BREAK.split(left)[-1].lower()


def _last(s: str, words: tuple[str, ...]) -> int:
    """Position of the last occurrence of any of `words` in `s` (-1 when none)."""
    return max(s.rfind(w) for w in words)


def _code_context(before: str, positives: tuple[str, ...]) -> bool:
    """A code word (订单号, ISBN, model ...) is the last cue before the number."""
    return _last(before, _CODE_WORDS) > _last(before, positives)


def _continues_group(text: str, start: int, end: int) -> bool:
    """True when a grouped number runs on: `sep digit` after it or `digit sep` before it."""
    match = text[start:end]
    for sep in " -":
        if sep not in match:
            continue
        if text[end : end + 1] == sep and text[end + 1 : end + 2].isdigit():
            return True
        if start >= 2 and text[start - 1] == sep and text[start - 2].isdigit():
            return True
    return False


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


# --- patterns --------------------------------------------------------------------------------------
_NB = r"(?<![0-9A-Za-z_+])"  # not after an ASCII word character or '+' (Han characters are fine)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24})(?![A-Za-z0-9-])"
)
# logo@2x.png is an image name, not an address
_FILE_EXTENSIONS = frozenset(["png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "js", "css", "pdf"])
_MOBILE = re.compile(_NB + r"(?:(?:\+|00)86[ -]?|[(（]\+?86[)）] ?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_AREA = r"0(?:10|2\d|[3-9]\d{2})"  # 010, 02x, 0xxx: the mainland's 3- and 4-digit area codes
_LANDLINE = re.compile(
    _NB + r"(?:[(（]" + _AREA + r"[)）] ?|" + _AREA + r"[ -]?)[1-9]\d{2,3}[ -]?\d{4}(?!\d)"
)
_INTL = re.compile(_NB + r"\+\d{1,3}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,4})){1,7}(?!\d)")
_NANP_PAREN = re.compile(_NB + r"(?:1[ -]?)?\(([2-9]\d{2})\) ?[2-9]\d{2}[-. ]\d{4}(?!\d)")
_NANP_BARE = re.compile(_NB + r"(?:1-)?([2-9]\d{2})([-. ])[2-9]\d{2}\2\d{4}(?!\d)")
# US toll-free codes and China's 400 numbers: companies' lines, not people's
_TOLL_FREE = frozenset(["400", "800", "833", "844", "855", "866", "877", "888"])
_ID = re.compile(
    r"(?<![0-9A-Za-z_])[1-8]\d{5}( ?)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\1\d{3}[\dXx]"
    r"(?![0-9A-Za-z_])"
)
_CARD = re.compile(
    r"(?<![0-9A-Za-z_])(?:\d{13,19}|\d{4}([ -])\d{4}(?:\1\d{4}){1,2}(?:\1\d{1,4})?|\d{4}([ -])\d{6}\2\d{4,5})"
    r"(?![0-9A-Za-z_])"
)
_IPV4 = re.compile(r"(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")
_IPV6 = re.compile(r"(?<![0-9A-Za-z_:.])[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")
# A QQ word, then at most 10 non-digit characters (号码是, 群：, 呗，我的是, " number, "), then
# the 5-11 digit number.
# Tencent's other products named QQ... are not accounts: "QQ浏览器下载量 50000000".
_QQ_PRODUCTS = "浏览器|音乐|空间|邮箱|游戏|会员|等级|钱包|飞车|炫舞|堂|秀|输入法|影音|视频|阅读|看点|\\.com"
_QQ = re.compile(
    r"(?<![A-Za-z@.])(?:[Qq]{2}(?!" + _QQ_PRODUCTS + r")|扣扣|企鹅号)"
    r"[^\d\n]{0,10}?(?<!\d)([1-9]\d{4,10})(?!\d)"
)

# Province-level prefixes of GB/T 2260 (the first two digits of a resident ID).
_PROVINCES = frozenset(
    str(p) for p in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83)
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643, ISO 7064 MOD 11-2
_ID_CHECK = "10X98765432"
# Card prefixes (IIN) and the lengths each network issues.
_CARD_NETWORKS = (
    (re.compile(r"4"), (13, 16, 19)),  # Visa
    (re.compile(r"5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)"), (16,)),  # Mastercard
    (re.compile(r"3[47]"), (15,)),  # American Express
    (re.compile(r"35(?:2[89]|[3-8]\d)"), (16, 17, 18, 19)),  # JCB
    (re.compile(r"3(?:0[0-5]|[689])"), (14, 15, 16, 17, 18, 19)),  # Diners Club
    (re.compile(r"62"), (16, 17, 18, 19)),  # China UnionPay
    (re.compile(r"6(?:011|4[4-9]|5)"), (16, 17, 18, 19)),  # Discover
    (re.compile(r"60|9558"), (16, 17, 18, 19)),  # domestic Chinese debit BINs (e.g. 603367, 9558 ICBC)
)


def id_checksum_ok(number: str) -> bool:
    """ISO 7064 MOD 11-2 check character of an 18-character resident ID (last may be X)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def valid_resident_id(number: str) -> bool:
    """Province prefix, a real birth date in 1900-2099, and the check character."""
    if len(number) != 18 or number[:2] not in _PROVINCES:
        return False
    try:
        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return id_checksum_ok(number)


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check of a digit string."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def valid_card_number(digits: str) -> bool:
    """Luhn and a known network prefix issued at this length."""
    if not luhn_ok(digits):
        return False
    return any(p.match(digits) and len(digits) in lengths for p, lengths in _CARD_NETWORKS)


# --- finders: each yields (start, end) of valid spans of one kind --------------------------------
Span = tuple[int, int]
Runs = list[Span]
# Digits with what groups them. Every PHONE, ID, BANK_CARD and IPv4 match lies inside one such run
# (an ID's final X just after it), so their regexes run on these windows only: Python's re cannot
# skip ahead to a pattern that opens with a lookbehind, and tries it at every character otherwise.
_NUMERIC_RUN = re.compile(r"[\d(（+][\d ()（）+.\-]*\d")


def _numeric_runs(text: str) -> Runs:
    """Windows (start, end) around numeric runs of 7+ characters, 2 characters past the last digit
    (an ID's X and the character after it, which the patterns' lookaheads check)."""
    n = len(text)
    return [(m.start(), min(n, m.end() + 2)) for m in _NUMERIC_RUN.finditer(text) if m.end() - m.start() >= 7]


def _in_runs(pattern: re.Pattern[str], text: str, runs: Runs, min_len: int) -> Iterator[re.Match[str]]:
    """`pattern`'s matches inside the runs of at least `min_len` characters (lookbehinds see the
    text before a window: `finditer(text, pos, endpos)` does not cut the string there)."""
    for start, end in runs:
        if end - start >= min_len:
            yield from pattern.finditer(text, start, end)


def _emails(text: str, cfg: PiiConfig, runs: Runs) -> Iterator[Span]:
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        if m.group(1).lower() not in _FILE_EXTENSIONS:
            yield m.span()


def _phones(text: str, cfg: PiiConfig, runs: Runs) -> Iterator[Span]:
    for pattern in (_MOBILE, _LANDLINE, _INTL, _NANP_PAREN):
        for m in _in_runs(pattern, text, runs, 9):  # +12345678: 9 characters at least
            s, e = m.span()
            if pattern is _INTL and not 8 <= len(_digits(m.group())) <= 15:  # E.164: at most 15
                continue
            if pattern is _NANP_PAREN and m.group(1) in _TOLL_FREE:
                continue
            if pattern is _INTL and m.group().count(".") == 1:
                continue  # +3.1415926535: a signed decimal, not a number with dotted groups
            before = _clause_before(text, s, cfg.context_chars)
            if _continues_group(text, s, e) or _code_context(before, _PHONE_WORDS):
                continue
            yield s, e
    for m in _in_runs(_NANP_BARE, text, runs, 12):
        s, e = m.span()
        if m.group(1) in _TOLL_FREE:
            continue
        before = _clause_before(text, s, cfg.context_chars)
        if _last(before, _PHONE_WORDS) > _last(before, _CODE_WORDS):
            yield s, e


def _ids(text: str, cfg: PiiConfig, runs: Runs) -> Iterator[Span]:
    for m in _in_runs(_ID, text, runs, 18):
        if valid_resident_id(m.group().replace(" ", "")) and not _continues_group(text, *m.span()):
            yield m.span()


def _cards(text: str, cfg: PiiConfig, runs: Runs) -> Iterator[Span]:
    for m in _in_runs(_CARD, text, runs, 13):
        s, e = m.span()
        if not valid_card_number(_digits(m.group())) or _continues_group(text, s, e):
            continue
        if not _code_context(_clause_before(text, s, cfg.context_chars), _CARD_WORDS):
            yield s, e


def _ips(text: str, cfg: PiiConfig, runs: Runs) -> Iterator[Span]:
    if "." in text:
        for m in _in_runs(_IPV4, text, runs, 7):  # 1.1.1.1
            s, e = m.span()
            if _looks_like_version(text, s, e, cfg):
                continue
            if _address_ok(m.group(), cfg):
                yield s, e
    if "::" in text or text.count(":") >= 7:
        for m in _IPV6.finditer(text):
            s, e = m.span()
            cand = m.group()
            while cand and cand[-1] in ".:" and not cand.endswith("::"):
                cand = cand[:-1]  # a sentence's full stop or a trailing colon is not the address's
            e = s + len(cand)
            if text[e : e + 1].isalnum() and text[e : e + 1].isascii():
                continue  # runs into a word: not an address
            if cand.count(":") >= 2 and sum(1 for g in cand.split(":") if g) >= 2 and _address_ok(cand, cfg):
                yield s, e


_SECTION_AFTER = frozenset("版条节章款")  # 1.0.0.1版, 第 1.2.3.4 条


def _looks_like_version(text: str, s: int, e: int, cfg: PiiConfig) -> bool:
    """Four dotted numbers that are a version or a section number, not an address."""
    prev = text[s - 1 : s]
    if prev in ("v", "V") or (prev == "/" and text[s - 2 : s - 1].isalpha()):
        return True  # v1.2.3.4, Chrome/116.0.0.0
    if text[e : e + 2].lstrip()[:1] in _SECTION_AFTER or text[max(0, s - 2) : s].strip()[-1:] in ("第", "§"):
        return True
    before = _clause_before(text, s, cfg.context_chars)
    return _last(before, _VERSION_WORDS) > _last(before, _ADDRESS_WORDS)


_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


def _address_ok(cand: str, cfg: PiiConfig) -> bool:
    try:
        addr = ipaddress.ip_address(cand)
    except ValueError:
        return False
    if not cfg.skip_non_global_ips:
        return True
    if addr.version == 6 and addr not in _GLOBAL_UNICAST:
        return False  # Python counts a::b (reserved ::/8) as global; only 2000::/3 is handed out
    return addr.is_global


def _qqs(text: str, cfg: PiiConfig, runs: Runs) -> Iterator[Span]:
    if not any(w in text for w in ("QQ", "qq", "Qq", "qQ", "扣扣", "企鹅号")):
        return
    for m in _QQ.finditer(text):
        yield m.span(1)


_FINDERS = (
    ("EMAIL", _emails), ("QQ", _qqs), ("ID", _ids), ("BANK_CARD", _cards), ("PHONE", _phones), ("IP", _ips),
)
_DEFAULT = PiiConfig()


def find_pii(text: str, cfg: PiiConfig = _DEFAULT) -> list[PiiMatch]:
    """Non-overlapping PII matches of the configured kinds, sorted by start."""
    return _resolve(text, cfg, _candidates(text, cfg, _numeric_runs(text)))


def _candidates(text: str, cfg: PiiConfig, runs: Runs) -> list[tuple[int, int, str]]:
    """Every kind's valid spans; `runs` are the windows the digit patterns search."""
    return [(s, e, kind) for kind, finder in _FINDERS for s, e in finder(text, cfg, runs)]


def _resolve(text: str, cfg: PiiConfig, cands: list[tuple[int, int, str]]) -> list[PiiMatch]:
    """Longest span first, ties in KINDS order; the kept ones of the configured kinds, by start."""
    if not cands:
        return []
    cands.sort(key=lambda c: (c[0] - c[1], _RANK[c[2]], c[0]))  # longest first, then KINDS order
    starts: list[int] = []  # the kept spans, sorted (they do not overlap, so ends are sorted too)
    ends: list[int] = []
    kinds: list[str] = []
    for s, e, kind in cands:
        i = bisect.bisect_right(starts, s)
        if (i and ends[i - 1] > s) or (i < len(starts) and starts[i] < e):
            continue  # overlaps the kept span before or after it
        starts.insert(i, s)
        ends.insert(i, e)
        kinds.insert(i, kind)
    wanted = set(cfg.kinds)
    return [PiiMatch(k, s, e, text[s:e]) for s, e, k in zip(starts, ends, kinds, strict=True) if k in wanted]


def redact(text: str, matches: list[PiiMatch]) -> str:
    """`text` with each match replaced by its typed placeholder (`<PHONE>`, `<ID>` ...)."""
    out: list[str] = []
    pos = 0
    for m in sorted(matches, key=lambda m: m.start):
        if m.start < pos:
            raise ValueError(f"overlapping matches at {m.start}: redact takes find_pii's output")
        out.append(text[pos : m.start])
        out.append(f"<{m.kind}>")
        pos = m.end
    out.append(text[pos:])
    return "".join(out)


def pii_counts(matches: list[PiiMatch]) -> dict[str, int]:
    """Matches per kind (only kinds that occur), in KINDS order."""
    c = Counter(m.kind for m in matches)
    return {k: c[k] for k in KINDS if c[k]}


def pii_density(matches: list[PiiMatch], text: str) -> float:
    """Matches per 1,000 characters of `text` (0.0 for empty text)."""
    return 1000.0 * len(matches) / len(text) if text else 0.0


def over_density(matches: list[PiiMatch], text: str, cfg: PiiConfig = _DEFAULT) -> bool:
    """The drop/tag rule: at least `min_matches` and more than `max_per_1k_chars` per 1,000 chars."""
    return len(matches) >= cfg.min_matches and pii_density(matches, text) > cfg.max_per_1k_chars
