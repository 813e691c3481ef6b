"""The whole policy (compliance.policy): one table of documents and the exact verdict on each."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from compliance.config import PolicyError
from compliance.domains import DomainPolicy, DomainRule
from compliance.geo import GeoConfig
from compliance.licenses import LicenseConfig
from compliance.mmdb import build_country_mmdb
from compliance.pii import PiiConfig
from compliance.policy import (
    ComplianceChecker,
    CompliancePolicy,
    DomesticConfig,
    load_policy,
    policy_from_mapping,
)
from compliance.sensitive import SensitiveConfig

ROOT = Path(__file__).resolve().parents[2]
ZH = "今天上午，市图书馆举办了一场关于古籍修复的讲座，吸引了很多年轻读者参加。"
EN = "The city library held a talk this morning on repairing old books, and many young readers came."
CONTACTS = "\n".join(f"{name} 13{i}00138000 {name}@mail-example.com" for i, name in enumerate("abcdefgh", 3))


@pytest.fixture(scope="module")
def base_policy(tmp_path_factory) -> CompliancePolicy:
    folder = tmp_path_factory.mktemp("policy")
    mmdb = folder / "tiny.mmdb"
    mmdb.write_bytes(
        build_country_mmdb([("220.181.0.0/16", "CN"), ("168.95.0.0/16", "TW"), ("198.51.100.0/24", "US")])
    )
    (folder / "crime.txt").write_text("走私军火\nsmuggled rifles\n", encoding="utf-8")
    return CompliancePolicy(
        domains=DomainPolicy(
            rules=(
                DomainRule("allow_listed", "keep", domains=("mirror.example.com",)),
                DomainRule("domain_denied", "drop", domains=("spam.example",)),
                DomainRule("tld_denied", "drop", tlds=("xxx",)),
                DomainRule("forum_tagged", "tag", domains=("bbs.example.cn",)),
            )
        ),
        geo=GeoConfig(mmdb=str(mmdb)),
        sensitive=SensitiveConfig(
            default_lexicons=False, extra_lexicons={"crime": str(folder / "crime.txt")}
        ),
    )


def verdict_of(policy: CompliancePolicy, text: str, **fields):
    checker = ComplianceChecker(policy)
    try:
        return checker.check(text, **fields)
    finally:
        checker.close()


def web(lang: str, domain: str | None, ip: str | None = None, **more) -> dict:
    return dict(source="web", lang=lang, domain=domain, ip=ip, **more)


def lit(lang: str, license: str | None = "CC0-1.0", source: str = "literature") -> dict:
    return dict(source=source, lang=lang, license=license)


CN, TW, US = "220.181.1.1", "168.95.1.1", "198.51.100.1"
ICP = "京ICP备12345678号"
ARR = "LicenseRef-All-Rights-Reserved"
CRIME2 = "走私军火。走私军火。"
ORG = web("en", "a.org", US)
PII_DROP, PII_TAG = {"pii": PiiConfig(mode="drop")}, {"pii": PiiConfig(mode="tag")}
# fmt: off
# (case id, policy changes, text, document fields, expected drop, expected tags)
CASES = [
    ("zh_hosted_in_cn", {}, ZH, web("zh", "news.example.cn", CN), None, ()),
    ("zh_hosted_in_tw", {}, ZH, web("zh", "a.example.tw", TW), "not_domestic", ()),
    ("zh_abroad_with_icp_in_text", {}, ZH + ICP, web("zh", "a.example.com", US), None, ()),
    ("zh_abroad_with_icp_from_html", {}, ZH, web("zh", "a.example.com", US, icp=(ICP,)), None, ()),
    ("zh_abroad_allow_listed", {}, ZH, web("zh", "www.mirror.example.com", US), None, ()),
    ("zh_no_ip", {}, ZH, web("zh", "a.example.cn"), None, ("country_unknown",)),
    ("zh_ip_not_in_db", {}, ZH, web("zh", "a.example.cn", "8.8.8.8"), None, ("country_unknown",)),
    ("zh_unknown_dropped", {"domestic": DomesticConfig(unknown="drop")}, ZH, web("zh", "a.example.cn"),
     "country_unknown", ()),
    ("zh_abroad_tagged", {"domestic": DomesticConfig(action="tag")}, ZH, web("zh", "a.example.tw", TW),
     None, ("not_domestic",)),
    ("zh_abroad_icp_not_accepted", {"domestic": DomesticConfig(icp=False)}, ZH + ICP, web("zh", "a.com", US),
     "not_domestic", ()),
    ("en_abroad_is_fine", {}, EN, web("en", "a.example.org", US), None, ()),
    ("zh_book_has_no_host", {}, ZH, lit("zh", source="book"), None, ()),
    ("domain_denied", {}, EN, web("en", "www.spam.example", US), "domain_denied", ()),
    ("tld_denied", {}, EN, web("en", "video.site.xxx"), "tld_denied", ()),
    ("domain_tagged", {}, ZH, web("zh", "bbs.example.cn", CN), None, ("forum_tagged",)),
    ("license_not_allowed", {}, EN, lit("en", ARR), "license_not_allowed", ()),
    ("license_nc_in_text", {}, EN + " Licensed under CC BY-NC 4.0.", lit("en", None, "book"),
     "license_not_allowed", ()),
    ("license_unknown_literature", {}, EN, lit("en", None), None, ("license_unknown",)),
    ("license_unknown_code", {}, "def f():\n    return 1\n", lit("en", None, "code"), "license_unknown", ()),
    ("license_gutenberg_book", {}, EN, lit("en", "gutenberg", "book"), None, ()),
    ("pii_redact_never_drops", {}, CONTACTS, ORG, None, ()),
    ("pii_density_drop", PII_DROP, CONTACTS, ORG, "pii_density", ()),
    ("pii_density_tag", PII_TAG, CONTACTS, ORG, None, ("pii_density",)),
    ("pii_sparse_not_dropped", PII_DROP, EN * 3 + " Call 13800138000.", ORG, None, ()),
    ("sensitive_tag", {}, CRIME2, lit("zh"), None, ("sensitive:crime",)),
    ("sensitive_en_words", {}, "smuggled rifles; smuggled rifles", lit("en"), None, ("sensitive:crime",)),
    ("sensitive_one_hit_is_not_enough", {}, "走私军火。" + ZH, lit("zh"), None, ()),
    ("sensitive_other_language_skipped", {}, CRIME2, lit("ja"), None, ()),
    ("sensitive_drop", {"sensitive_action": "drop"}, CRIME2, lit("zh"), "sensitive:crime", ()),
    # several rules fail: the first drop in rule order names the reason; tags collect
    ("first_drop_names_the_reason", PII_DROP, CONTACTS, web("zh", "spam.example", TW),
     "domain_denied", ()),
    ("licence_before_domestic", {"licenses": LicenseConfig(allow={"web": ("CC0-1.0",)})}, ZH,
     web("zh", "a.tw", TW, license=ARR), "license_not_allowed", ()),
    ("tags_together", {}, CRIME2, web("zh", "bbs.example.cn"), None,
     ("country_unknown", "forum_tagged", "sensitive:crime")),
]
# fmt: on


@pytest.mark.parametrize(
    ("changes", "text", "fields", "drop", "tags"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_verdict(base_policy, changes, text, fields, drop, tags) -> None:
    changes = dict(changes)
    sensitive = changes.pop("sensitive_action", None)
    policy = dataclasses.replace(base_policy, **changes)
    if sensitive:
        policy = dataclasses.replace(
            policy, sensitive=dataclasses.replace(policy.sensitive, action=sensitive)
        )
    v = verdict_of(policy, text, **fields)
    assert (v.drop, v.tags) == (drop, tags)


def test_sensitive_drop_names_the_worst_category(tmp_path, base_policy) -> None:
    (tmp_path / "abuse.txt").write_text("蠢货\n", encoding="utf-8")
    sensitive = SensitiveConfig(
        action="drop",
        default_lexicons=False,
        extra_lexicons={**base_policy.sensitive.extra_lexicons, "abuse": str(tmp_path / "abuse.txt")},
    )
    policy = dataclasses.replace(base_policy, sensitive=sensitive)
    v = verdict_of(
        policy, "走私军火，走私军火，蠢货蠢货蠢货。", source="literature", lang="zh", license="CC0-1.0"
    )
    assert v.drop == "sensitive:abuse"  # 3 abuse hits outrank 2 crime hits
    assert v.sensitive == {"abuse": 3, "crime": 2}
    assert v.sensitive_per_1k == {"abuse": 176.4706, "crime": 117.6471}


def test_verdict_numbers(base_policy) -> None:
    text = ZH + "联系电话 13800138000，邮箱 zhang.san@mail-example.com。京ICP备12345678号-1"
    v = verdict_of(
        base_policy, text, source="web", lang="zh", domain="WWW.News.Example.CN.", ip="220.181.1.1"
    )
    assert v.drop is None and v.country == "CN" and v.domain == "www.news.example.cn"
    assert v.icp == ("京ICP备12345678号-1",)
    assert v.pii == {"EMAIL": 1, "PHONE": 1}
    assert "<PHONE>" in v.text and "<EMAIL>" in v.text and "13800138000" not in v.text
    assert v.pii_per_1k == round(2000 / len(text), 4)
    assert v.license is None and v.domain_rule is None


def test_dropped_documents_are_redacted_too(base_policy) -> None:
    v = verdict_of(base_policy, ZH + " 13800138000", source="web", lang="zh", domain="a.tw", ip="168.95.1.1")
    assert v.drop == "not_domestic" and "<PHONE>" in v.text


def test_default_policy_file(tmp_path) -> None:
    policy = load_policy(ROOT / "configs" / "compliance.yaml")
    defaults = CompliancePolicy()
    # the file spells out the dataclass defaults, plus the demo database and the two list files
    assert (policy.domestic, policy.licenses, policy.pii, policy.sensitive) == (
        defaults.domestic,
        defaults.licenses,
        defaults.pii,
        defaults.sensitive,
    )
    assert policy.geo.mmdb == str(ROOT / "configs" / "geo-demo.mmdb")
    assert [r.name for r in policy.domains.rules] == ["allow_listed", "domain_denied", "tld_denied"]
    assert policy.domains.rules[0].files == (str(ROOT / "configs" / "domains" / "allow.txt"),)
    assert policy.domains.rules[2] == defaults.domains.rules[0]
    checker = ComplianceChecker(policy)
    assert checker.geo.database_type == "corpusloop-demo-country"
    checker.close()


def test_relative_paths_are_taken_from_the_policy_file(tmp_path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "deny.txt").write_text("spam.example\n")
    (tmp_path / "p.yaml").write_text(
        "domains:\n  rules:\n    - {name: domain_denied, action: drop, files: [lists/deny.txt]}\n"
        "geo:\n  mmdb: null\n"
    )
    policy = load_policy(tmp_path / "p.yaml")
    assert policy.domains.rules[0].files == (str(tmp_path / "lists" / "deny.txt"),)
    assert verdict_of(policy, EN, source="web", lang="en", domain="spam.example").drop == "domain_denied"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"domestc": {}}, r"compliance: unknown key\(s\) \['domestc'\]"),
        ({"domestic": {"action": "block"}}, "domestic.action must be one of"),
        (
            {"domains": {"rules": [{"name": "x", "action": "drop", "tld": ["xxx"]}]}},
            r"compliance.domains.rules\[0\]: unknown key\(s\) \['tld'\]",
        ),
        ({"pii": {"mode": "mask"}}, "pii.mode must be one of"),
        ({"licenses": {"unknown": {"book": "maybe"}}}, r"licenses\.unknown\.book"),
        ({"geo": "x.mmdb"}, "compliance.geo: expected a mapping"),
    ],
)
def test_bad_policy_is_an_error_naming_the_key(mapping, message) -> None:
    with pytest.raises(PolicyError, match=message):
        policy_from_mapping(mapping)
