import pytest

from pipelines.text.normalize import (
    NormalizeConfig,
    clean_whitespace,
    normalize_text,
    to_halfwidth_ascii,
    to_simplified,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # mojibake: UTF-8 read as cp1252
        ("Le cafÃ© est fermÃ© aujourd'hui.", "Le café est fermé aujourd'hui."),
        ("ä¸­æ–‡ç½‘é¡µ", "中文网页"),
        # full-width letters and digits become ASCII; Chinese punctuation stays full width
        ("型号：ＲＴＸ４０９０，价格１２９９９元。", "型号：RTX4090，价格12999元。"),
        # traditional to simplified, character by character with the default t2s config
        ("這個軟體的說明書寫得很清楚。", "这个软体的说明书写得很清楚。"),
        # Chinese curly quotes survive (ftfy would uncurl them)
        ("他说：“我们明天见。”", "他说：“我们明天见。”"),
        # whitespace: CRLF, ideographic spaces, zero-width, control chars, blank runs
        (
            "\u3000\u3000第一段。\r\n\r\n\r\n\r\n第二段\x07  有  空格\u200b。  ",
            "第一段。\n\n第二段 有 空格。",
        ),
        ("", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_is_idempotent() -> None:
    text = "這是ＡＢＣ１２３，cafÃ©。\r\n\r\n\r\n第二行"
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_config_switches_each_step_off() -> None:
    cfg = NormalizeConfig(fix_mojibake=False, fullwidth_ascii=False, traditional_to_simplified=False)
    assert normalize_text("這是ＡＢＣ cafÃ©", cfg) == "這是ＡＢＣ cafÃ©"


def test_halfwidth_touches_only_letters_and_digits() -> None:
    assert to_halfwidth_ascii("ＡＺａｚ０９！？（）") == "AZaz09！？（）"


def test_simplified_leaves_non_cjk_alone() -> None:
    assert to_simplified("plain English") == "plain English"
    assert to_simplified("臺灣", "tw2s") == "台湾"
    # tw2sp also converts Taiwanese phrasing
    assert to_simplified("這個軟體", "tw2sp") == "这个软件"


def test_clean_whitespace_keeps_paragraph_breaks() -> None:
    assert clean_whitespace("a\n\n\nb\n", max_blank_lines=1) == "a\n\nb"
    assert clean_whitespace("a\n\n\nb", max_blank_lines=0) == "a\nb"
