"""备案 numbers (compliance.icp): ICP filings and licences, 公网安备 numbers, in text and raw HTML."""

from __future__ import annotations

import pytest

from compliance.icp import PROVINCE_CODES, find_icp, icp_kind


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("京ICP备17042365号-1", ["京ICP备17042365号-1"]),
        ("京ICP备12345678号", ["京ICP备12345678号"]),
        ("沪ICP备2021012345号-3", ["沪ICP备2021012345号-3"]),  # year + 6 digits, since 2019
        ("粤ICP证B2-20041000号", ["粤ICP证B2-20041000号"]),
        ("京ICP证030173号", ["京ICP证030173号"]),
        ("京公网安备 11010502030143号", ["京公网安备11010502030143号"]),
        ("浙公网安备33010602011771号", ["浙公网安备33010602011771号"]),
        # spacing, case, full-width characters and the words around it
        ("备案号：京ICP备 12345678 号 - 2", ["京ICP备12345678号-2"]),
        ("京icp备12345678号", ["京ICP备12345678号"]),
        ("京ＩＣＰ备１２３４５６７８号－１", ["京ICP备12345678号-1"]),
        ("京ICP备案号：12345678号", ["京ICP备12345678号"]),
        ("苏ICP备\u300012345678号", ["苏ICP备12345678号"]),
        # alternative province abbreviations
        ("蜀ICP备12345678号 黔ICP备87654321号", ["蜀ICP备12345678号", "黔ICP备87654321号"]),
        # several numbers, in page order, each once
        (
            "京ICP备17042365号-1  京公网安备 11010502038721号 京ICP备17042365号-1",
            ["京ICP备17042365号-1", "京公网安备11010502038721号"],
        ),
        # not numbers: no province, unknown province, a 公网安备 whose area code is another province's,
        # too few digits, no 号
        ("ICP备12345678号", []),
        ("港ICP备12345678号", []),
        ("沪公网安备 11010502030143号", []),
        ("京ICP备123号", []),
        ("京ICP备12345678", []),
        ("京公网安备 1101050203014号", []),
        ("no filing here", []),
        ("", []),
    ],
)
def test_find_icp_in_text(text, numbers) -> None:
    assert find_icp(text) == numbers


@pytest.mark.parametrize(
    ("html", "numbers"),
    [
        (
            '<div class="footer"><a href="https://beian.miit.gov.cn/" target="_blank">京ICP备17042365号-1</a>'
            '&nbsp;&nbsp;<a href="http://www.beian.gov.cn/"><img src="ga.png"/>'
            "京公网安备 11010502038721号</a></div>",
            ["京ICP备17042365号-1", "京公网安备11010502038721号"],
        ),
        ("<p>京ICP备<span>12345678</span>号-1</p>", ["京ICP备12345678号-1"]),  # split by inline tags
        ("<p>京ICP备&#32;12345678号</p>", ["京ICP备12345678号"]),  # entity-encoded space
        ("<p>粤ICP证&nbsp;B2-20041000号</p>", ["粤ICP证B2-20041000号"]),
    ],
)
def test_find_icp_in_raw_html(html, numbers) -> None:
    assert find_icp(html) == numbers


def test_every_province_abbreviation() -> None:
    assert len(set(PROVINCE_CODES.values())) == 31  # the 31 mainland provincial divisions
    for abbr, code in PROVINCE_CODES.items():
        assert find_icp(f"{abbr}ICP备12345678号") == [f"{abbr}ICP备12345678号"]
        police = f"{abbr}公网安备{code}010502030143号"
        assert find_icp(police) == [police]


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("京ICP备17042365号-1", "icp_record"),
        ("粤ICP证B2-20041000号", "icp_licence"),
        ("京公网安备11010502038721号", "police_record"),
    ],
)
def test_icp_kind(number, kind) -> None:
    assert icp_kind(number) == kind
