"""PII detection (compliance.pii): rule tables, validators, redaction, density, and the labelled set."""
# ruff: noqa: E501

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

from compliance.pii import (
    KINDS,
    PiiConfig,
    PiiMatch,
    find_pii,
    id_checksum_ok,
    luhn_ok,
    over_density,
    pii_counts,
    pii_density,
    redact,
    valid_card_number,
    valid_resident_id,
)

DATA = Path(__file__).with_name("data")


DEFAULT = PiiConfig()


def found(text: str, cfg: PiiConfig = DEFAULT) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in find_pii(text, cfg)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # e-mail
        ("邮箱zhang.san@163.com联系", [("EMAIL", "zhang.san@163.com")]),
        ("Write to First.Last+news@mail.example.co.uk.", [("EMAIL", "First.Last+news@mail.example.co.uk")]),
        ("13812345678@163.com", [("EMAIL", "13812345678@163.com")]),  # one e-mail, not a phone inside it
        # mainland mobiles: separators, +86 / 0086 / (+86), Han characters as boundaries
        ("电话13812345678张先生", [("PHONE", "13812345678")]),
        ("手机 138 1234 5678。", [("PHONE", "138 1234 5678")]),
        ("手机 138-1234-5678", [("PHONE", "138-1234-5678")]),
        ("+86 138 1234 5678", [("PHONE", "+86 138 1234 5678")]),
        ("0086 13812345678", [("PHONE", "0086 13812345678")]),
        ("（+86）13812345678", [("PHONE", "（+86）13812345678")]),
        ("13812345678 13912345678", [("PHONE", "13812345678"), ("PHONE", "13912345678")]),
        # landlines with area codes
        ("办公室 010-12345678", [("PHONE", "010-12345678")]),
        ("深圳 (0755) 1234 5678", [("PHONE", "(0755) 1234 5678")]),
        ("杭州（0571）87023456", [("PHONE", "（0571）87023456")]),
        ("座机 0512-6588 1234 转 8", [("PHONE", "0512-6588 1234")]),
        # international and North American
        ("London +44 20 7946 0958", [("PHONE", "+44 20 7946 0958")]),
        ("NYC +1 (212) 555-0198", [("PHONE", "+1 (212) 555-0198")]),
        ("Tokyo +81 3-1234-5678", [("PHONE", "+81 3-1234-5678")]),
        ("call (415) 555-0132", [("PHONE", "(415) 555-0132")]),
        ("call me on 415-555-0132", [("PHONE", "415-555-0132")]),
        # resident IDs (valid region, date, check character), grouped or not, lower-case x
        ("身份证号：11010519491231002X。", [("ID", "11010519491231002X")]),
        ("证件号 11010519491231002x", [("ID", "11010519491231002x")]),
        ("ID 110105 19491231 002X", [("ID", "110105 19491231 002X")]),
        ("身份证440305198807153312", [("ID", "440305198807153312")]),
        # bank cards: Luhn + network prefix, grouped
        ("卡号 6222 0202 0000 1234 562", [("BANK_CARD", "6222 0202 0000 1234 562")]),
        ("card 4111-1111-1111-1111", [("BANK_CARD", "4111-1111-1111-1111")]),
        ("Amex 3782 822463 10005", [("BANK_CARD", "3782 822463 10005")]),
        ("转账到6222020200001234562即可", [("BANK_CARD", "6222020200001234562")]),
        # IP addresses
        ("服务器 IP 114.114.114.114:53", [("IP", "114.114.114.114")]),
        ("server 1.0.0.1 answers", [("IP", "1.0.0.1")]),
        ("解析到 2400:da00::6666。", [("IP", "2400:da00::6666")]),
        ("http://47.95.12.103/admin", [("IP", "47.95.12.103")]),
        # QQ numbers in context only
        ("加我QQ：12345678", [("QQ", "12345678")]),
        ("QQ群：123456789，扣扣 87654321", [("QQ", "123456789"), ("QQ", "87654321")]),
        ("楼主留个QQ呗，我的是593827461", [("QQ", "593827461")]),
        ("my QQ number, 306718254, is new", [("QQ", "306718254")]),
        ("12345678@qq.com", [("EMAIL", "12345678@qq.com")]),
    ],
)
def test_positives(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # order numbers, tracking numbers, codes after a code word
        "订单号 2023081512345678901 已发货",
        "订单号：6222020200001234562，支付方式：微信",  # Luhn-valid with a card prefix: the word decides
        "运单号 13812345678，已签收",
        "Order no. 4111111111111111 was refunded",
        "快递单号 SF1234567890123",
        "型号 13912345678",
        "SKU 415-555-0132, colour: navy",
        # ISBNs, barcodes
        "ISBN 978-7-111-54742-6",
        "ISBN 0-306-40615-2",
        "ISBN 9787111547426",
        "商品条码 6901234567892",
        # timestamps, dates, times
        "时间戳 1693468800",
        "1693468800123 ms",
        "2023-08-31 12:00:00",
        "backup_20230831120000.tar.gz",
        "The time is 12:30:45 and the ratio is 16:9.",
        # prices, page counts, counts
        "价格 ¥12,999.00，优惠后 $1,299",
        "全书共 352 页",
        "2020 年全国人口为 1411778724 人",
        "+3.1415926535 stays positive",
        # versions and section numbers vs IPv4
        "v2.3.1",
        "软件 v3.2.1.8 修复了漏洞",
        "版本 1.0.0.1 已停止维护",
        "firmware version 10.2.0.15 is out",
        "Chrome/116.0.0.0 Safari/537.36",
        "1.0.0.1版",
        "第 1.2.3.4 条",
        # non-global addresses, non-addresses with colons
        "路由器地址 192.168.1.1",
        "listen on 127.0.0.1:8000 and 10.0.0.1",
        "IPv6 loopback ::1, link-local fe80::1",
        "std::vector and a::b",
        "MAC 00:1A:2B:3C:4D:5E",
        # invalid IDs and cards
        "身份证号 110105194912310021",  # wrong check character
        "身份证号 110105194902300028",  # 30 February
        "身份证号 990105194912310028",  # no such province
        "兑换码 6222 0202 0000 1234",  # fails Luhn
        # grouped numbers that run on
        "138 1234 5678 9012",
        # hotlines, service numbers, 'QQ' products
        "客服热线 400-820-8820",
        "call 1-800-555-0199 toll free",
        "银行客服 95588",
        "qq浏览器下载量 50000000 次",
        "QQ 2023 年度报告",
        "新版 QQ 9.9.3",
        # look-alike e-mails
        "logo@2x.png and banner@3x.jpg",
        "@张三 你好",
    ],
)
def test_negatives(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "number, ok",
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("440305198807153312", True),
        ("110105194912310021", False),  # check character
        ("110105194902300028", False),  # date
        ("000105194912310028", False),  # region
        ("1101051949123100", False),  # length
    ],
)
def test_resident_id(number: str, ok: bool) -> None:
    assert valid_resident_id(number) is ok


def test_checksums() -> None:
    assert id_checksum_ok("11010519491231002X") and not id_checksum_ok("110105194912310020")
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert valid_card_number("6222020200001234562")
    assert not valid_card_number("1234567890123452")  # Luhn-valid, no network issues 1...
    assert luhn_ok("411111111111116") and not valid_card_number("411111111111116")  # no 15-digit Visa


def test_overlaps_and_kinds() -> None:
    text = "QQ：13812345678，邮箱 13812345678@qq.com"
    assert found(text) == [("QQ", "13812345678"), ("EMAIL", "13812345678@qq.com")]  # QQ outranks PHONE
    assert found(text, PiiConfig(kinds=("PHONE",))) == []  # the kinds filter does not unshield digits
    assert found("电话 13812345678", PiiConfig(kinds=["PHONE"])) == [("PHONE", "13812345678")]


def test_ip_option() -> None:
    assert found("网关 192.168.1.1", PiiConfig(skip_non_global_ips=False)) == [("IP", "192.168.1.1")]


def test_redact() -> None:
    text = "联系人：王女士，手机 138 1234 5678，邮箱 wang@163.com，身份证 11010519491231002X，IP 114.114.114.114。"
    assert redact(text, find_pii(text)) == "联系人：王女士，手机 <PHONE>，邮箱 <EMAIL>，身份证 <ID>，IP <IP>。"
    text = "Card 4111 1111 1111 1111, QQ 12345678."
    assert redact(text, find_pii(text)) == "Card <BANK_CARD>, QQ <QQ>."
    assert redact("no pii here", []) == "no pii here"
    with pytest.raises(ValueError, match="overlapping"):
        redact("abcdef", [PiiMatch("PHONE", 0, 4, "abcd"), PiiMatch("QQ", 2, 6, "cdef")])


def test_density() -> None:
    one = find_pii("电话 13812345678")
    assert pii_density(one, "x" * 2000) == 0.5
    assert pii_density([], "") == 0.0
    assert not over_density(one, "电话 13812345678")  # 1 match: under min_matches however dense
    listing = "\n".join(f"张{i} 1381234{i:04d} zhang{i}@163.com" for i in range(10))
    matches = find_pii(listing)
    assert pii_counts(matches) == {"EMAIL": 10, "PHONE": 10}
    assert over_density(matches, listing)
    page = "正文" * 1000 + "联系电话 13812345678，邮箱 a@163.com，QQ 12345678"
    assert not over_density(find_pii(page), page)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"mode": "mask"}, "pii.mode"), ({"kinds": ("PHONE", "SSN")}, "SSN"), ({"min_matches": -1}, ">= 0")],
)
def test_config_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PiiConfig(**kwargs)


# --- the labelled set ----------------------------------------------------------------------------------


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_pii_set", DATA / "make_pii_set.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_labelled_set_is_current() -> None:
    gen = _load_generator()
    assert (DATA / "pii_labelled.jsonl").read_text(encoding="utf-8") == gen.dumps(gen.build_lines()), (
        "pii_labelled.jsonl is stale: run tests/compliance/data/make_pii_set.py"
    )


def test_labelled_precision_recall() -> None:
    """Exact span match (start, end and kind) per type: precision >= 0.98, recall >= 0.95."""
    lines = [json.loads(s) for s in (DATA / "pii_labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 300
    assert sum(1 for d in lines if not d["spans"]) >= 100  # many lines are tricky negatives
    tp, fp, fn = Counter(), Counter(), Counter()
    for d in lines:
        gold = {(s, e, k) for s, e, k in d["spans"]}
        pred = {(m.start, m.end, m.kind) for m in find_pii(d["text"])}
        tp.update(k for _, _, k in pred & gold)
        fp.update(k for _, _, k in pred - gold)
        fn.update(k for _, _, k in gold - pred)
    print(f"\n{'kind':<10} {'gold':>5} {'tp':>5} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}")
    failures = []
    for k in KINDS:
        p = tp[k] / (tp[k] + fp[k]) if tp[k] + fp[k] else 1.0
        r = tp[k] / (tp[k] + fn[k]) if tp[k] + fn[k] else 1.0
        print(f"{k:<10} {tp[k] + fn[k]:>5} {tp[k]:>5} {fp[k]:>4} {fn[k]:>4} {p:>9.3f} {r:>7.3f}")
        assert tp[k] + fn[k] >= 20, f"too few {k} examples"
        if p < 0.98 or r < 0.95:
            failures.append(f"{k}: precision {p:.3f}, recall {r:.3f}")
    assert not failures, failures


def test_numeric_runs_change_nothing() -> None:
    """find_pii searches digit patterns in numeric runs only; whole-text search finds the same."""
    from compliance import pii

    lines = [json.loads(s)["text"] for s in (DATA / "pii_labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [*lines, "\n".join(lines), "身份证11010519491231002X号", "QQ12345678X", "a+86 13812345678b"]
    for text in texts:
        whole = pii._resolve(text, DEFAULT, pii._candidates(text, DEFAULT, [(0, len(text))]))
        assert find_pii(text) == whole, text


def test_many_matches_stay_fast() -> None:
    dump = "\n".join(f"{i} 1381234{i % 10000:04d} user{i}@163.com" for i in range(5000))
    matches = find_pii(dump)  # overlaps are resolved with a sorted index, not pairwise
    assert pii_counts(matches) == {"EMAIL": 5000, "PHONE": 5000}
