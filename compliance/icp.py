"""备案 numbers of Chinese websites: ICP filings (京ICP备…号), ICP licences (京ICP证…号) and
public-security filings (京公网安备 …号), found in page text or raw HTML and normalized.

A site that serves the mainland must show its ICP filing number, usually in the page footer,
which main-text extraction removes: run `find_icp` on the raw HTML before it is discarded.
"""

from __future__ import annotations

import html
import re
import unicodedata

# The 31 mainland provincial divisions: abbreviation → the 2-digit administrative code that
# opens their 公网安备 numbers (GB/T 2260). Alternative abbreviations (蜀, 黔, 滇, 陇, 秦) occur too.
PROVINCE_CODES = {
    "京": "11",
    "津": "12",
    "冀": "13",
    "晋": "14",
    "蒙": "15",
    "辽": "21",
    "吉": "22",
    "黑": "23",
    "沪": "31",
    "苏": "32",
    "浙": "33",
    "皖": "34",
    "闽": "35",
    "赣": "36",
    "鲁": "37",
    "豫": "41",
    "鄂": "42",
    "湘": "43",
    "粤": "44",
    "桂": "45",
    "琼": "46",
    "渝": "50",
    "川": "51",
    "蜀": "51",
    "贵": "52",
    "黔": "52",
    "云": "53",
    "滇": "53",
    "藏": "54",
    "陕": "61",
    "秦": "61",
    "甘": "62",
    "陇": "62",
    "青": "63",
    "宁": "64",
    "新": "65",
}
_PROV = "[" + "".join(PROVINCE_CODES) + "]"
_SP = r"[ \t\u00a0\u3000]*"  # spaces, non-breaking spaces and ideographic spaces between the parts

# 京ICP备17042365号-1, 京ICP备2021012345号, 京ICP备 05002571号: 4-10 digits (6-8 before 2019,
# year + 6 digits since), an optional site suffix -N.
_ICP_RECORD = re.compile(
    rf"({_PROV}){_SP}ICP{_SP}备(?:案)?{_SP}(?:号{_SP}[:：]?{_SP})?(\d{{4,10}}){_SP}号(?:{_SP}-{_SP}(\d{{1,3}}))?",
    re.I,
)
# 京ICP证000007号, 粤ICP证B2-20041000号: the value-added telecoms licence, optional class prefix.
_ICP_LICENCE = re.compile(rf"({_PROV}){_SP}ICP{_SP}证{_SP}((?:[A-Z]\d{_SP}-{_SP})?\d{{6,8}}){_SP}号", re.I)
# 京公网安备 11010502030143号: 14 digits whose first two are the province's code.
_POLICE = re.compile(rf"({_PROV}){_SP}公网安备{_SP}(?:号{_SP}[:：]?{_SP})?(\d{{14}}){_SP}号")

_MARKERS = ("ICP", "icp", "Icp", "ＩＣＰ", "公网安备")  # a page without one of these has no number


def _prepare(text: str) -> str:
    """Entities decoded, full-width digits/letters/dashes folded; tags between parts removed."""
    if "&" in text:
        text = html.unescape(text)
    if any("\uff01" <= c <= "\uff5e" for c in text):
        text = unicodedata.normalize("NFKC", text)
    # Footers sometimes split the number with inline tags: 京ICP备<span>1234</span>号.
    return re.sub(r"<[^<>]{0,200}>", "", text) if "<" in text else text


def find_icp(text: str | None) -> list[str]:
    """The 备案 numbers in `text` (plain text or raw HTML), normalized, in order of first appearance.

    Normalized forms: `京ICP备17042365号-1`, `粤ICP证B2-20041000号`, `京公网安备11010502038721号`.
    A 公网安备 number whose first two digits are not its province's code is not a real one and is
    left out.
    """
    if not text or not any(m in text for m in _MARKERS):
        return []
    text = _prepare(text)
    found: list[tuple[int, str]] = []
    for m in _ICP_RECORD.finditer(text):
        suffix = f"-{m.group(3)}" if m.group(3) else ""
        found.append((m.start(), f"{m.group(1)}ICP备{m.group(2)}号{suffix}"))
    for m in _ICP_LICENCE.finditer(text):
        number = re.sub(r"\s", "", m.group(2)).upper()
        found.append((m.start(), f"{m.group(1)}ICP证{number}号"))
    for m in _POLICE.finditer(text):
        if m.group(2)[:2] == PROVINCE_CODES[m.group(1)]:
            found.append((m.start(), f"{m.group(1)}公网安备{m.group(2)}号"))
    out: list[str] = []
    for _, number in sorted(found):
        if number not in out:
            out.append(number)
    return out


def icp_kind(number: str) -> str:
    """`icp_record` (ICP备), `icp_licence` (ICP证) or `police_record` (公网安备) of a normalized number."""
    if "公网安备" in number:
        return "police_record"
    return "icp_licence" if "ICP证" in number else "icp_record"
