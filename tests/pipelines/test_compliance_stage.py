"""The compliance stage in the Beam chain, the ICP hook in extraction, and the compliance report."""

from __future__ import annotations

import pickle
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from compliance.geo import GeoConfig
from compliance.mmdb import build_country_mmdb
from compliance.policy import CompliancePolicy, policy_from_mapping
from pipelines.records import Doc
from pipelines.stages import ComplianceStage, CorpusConfig, ExtractStage, load_corpus_config, run_chain
from pipelines.text.extract import ExtractConfig
from pipelines.transforms import CleanCorpus, ComplianceReport, build_compliance_report, compliance_lines

ROOT = Path(__file__).resolve().parents[2]
ZH = "今天上午，市图书馆举办了一场关于古籍修复的讲座，吸引了很多年轻读者参加。"
EN = "The city library held a talk this morning on repairing old books, and many young readers came."


@pytest.fixture(scope="module")
def policy(tmp_path_factory) -> CompliancePolicy:
    mmdb = tmp_path_factory.mktemp("geo") / "tiny.mmdb"
    mmdb.write_bytes(
        build_country_mmdb([("220.181.0.0/16", "CN"), ("168.95.0.0/16", "TW"), ("192.0.2.0/24", "DE")])
    )
    return CompliancePolicy(geo=GeoConfig(mmdb=str(mmdb)))


def doc(i: int, text: str, lang: str, source: str = "web", **fields) -> Doc:
    return Doc(id=f"d{i}", text=text, source=source, locator=f"t.jsonl:{i}", lang=lang, **fields)


DOCS = [
    doc(1, ZH, "zh", domain="news.example.cn", ip="220.181.3.4"),
    doc(2, ZH + " 电话 13800138000", "zh", domain="www.example.cn", ip="220.181.3.5"),
    doc(3, ZH, "zh", domain="shop.example.tw", ip="168.95.1.1"),  # abroad, no ICP
    doc(4, ZH, "zh", domain="abroad.example.com", ip="192.0.2.7", meta={"icp": ["京ICP备12345678号-1"]}),
    doc(5, ZH, "zh", domain="noip.example.cn"),  # no IP: kept, tagged
    doc(6, EN, "en", domain="blog.example.de", ip="192.0.2.9"),
    doc(7, EN, "en", domain="video.example.xxx", ip="192.0.2.10"),
    doc(8, EN, "en", source="literature", license="LicenseRef-All-Rights-Reserved"),
    doc(9, EN, "en", source="literature", license="cc-by 4.0"),
]


def test_stage_in_clean_corpus(policy) -> None:
    p = TestPipeline()
    kept, dropped, errors = p | beam.Create(DOCS) | CleanCorpus([ComplianceStage(policy)])
    assert_that(
        kept
        | "KeptFacts"
        >> beam.Map(lambda d: (d.id, d.country, d.license, tuple(d.meta.get("compliance_tags", ())))),
        equal_to(
            [
                ("d1", "CN", None, ()),
                ("d2", "CN", None, ()),
                ("d4", "DE", None, ()),
                ("d5", "unknown", None, ("country_unknown",)),
                ("d6", "DE", None, ()),
                ("d9", None, "CC-BY-4.0", ()),
            ]
        ),
        label="kept",
    )
    assert_that(
        dropped | "Drops" >> beam.Map(lambda d: (d.id, d.drop)),
        equal_to(
            [
                ("d3", "compliance:not_domestic"),
                ("d7", "compliance:tld_denied"),
                ("d8", "compliance:license_not_allowed"),
            ]
        ),
        label="dropped",
    )
    assert_that(
        kept
        | "Redacted" >> beam.Filter(lambda d: d.id == "d2")
        | beam.Map(lambda d: (d.text[-10:], d.signals)),
        equal_to(
            [
                (
                    "电话 <PHONE>",
                    {"icp": 0.0, "pii_phone": 1.0, "pii_per_1k": round(1000 / len(DOCS[1].text), 4)},
                )
            ]
        ),
        label="redacted",
    )
    assert_that(errors, equal_to([]), label="errors")
    result = p.run()
    result.wait_until_finish()
    counters = {
        c.key.metric.name: c.committed
        for c in result.metrics().query(MetricsFilter().with_namespace("compliance"))["counters"]
    }
    assert counters == {
        "passed": 6,
        "filtered:not_domestic": 1,
        "filtered:tld_denied": 1,
        "filtered:license_not_allowed": 1,
    }


def test_stage_fields_and_pickling(policy) -> None:
    stage = ComplianceStage(policy)
    [out] = list(run_chain([DOCS[3]], [stage]))
    assert out.meta["icp"] == ["京ICP备12345678号-1"] and out.signals["icp"] == 1.0
    assert (out.country, out.domain, out.drop) == ("DE", "abroad.example.com", None)
    [lit] = list(run_chain([DOCS[8]], [stage]))
    assert (lit.license, lit.meta["license_raw"]) == ("CC-BY-4.0", "cc-by 4.0")
    again = pickle.loads(pickle.dumps(stage))  # the open database stays behind; setup() reopens it
    assert again.checker is None and again.process(DOCS[0]).country == "CN"


def test_extract_keeps_icp_numbers_from_the_footer() -> None:
    html = (
        "<html><body><article><h1>社区新闻</h1>" + "".join(f"<p>{ZH}</p>" for _ in range(5)) + "</article>"
        '<footer><a href="https://beian.miit.gov.cn/">京ICP备17042365号-1</a>'
        " 京公网安备 11010502038721号</footer>"
        "</body></html>"
    )
    page = Doc(
        id="p", text="", source="web", locator="x.warc#1", html=html, url="https://www.example.cn/a.html"
    )
    out = ExtractStage(ExtractConfig()).process(page)
    assert "ICP" not in out.text  # extraction dropped the footer ...
    assert out.meta["icp"] == ["京ICP备17042365号-1", "京公网安备11010502038721号"]  # ... not the numbers
    plain = ExtractStage(ExtractConfig()).process(
        Doc(
            id="q",
            text="",
            source="web",
            locator="x.warc#2",
            html=f"<html><body><p>{ZH * 5}</p></body></html>",
        )
    )
    assert "icp" not in plain.meta


def kept_doc(i: int, country: str | None, domain: str | None, lang: str = "zh", **more) -> Doc:
    return Doc(
        id=f"k{i}",
        text="x",
        source=more.pop("source", "web"),
        locator=f"k:{i}",
        lang=lang,
        country=country,
        domain=domain,
        **more,
    )


REPORT_DOCS = [
    kept_doc(1, "CN", "a.cn", meta={"icp": ["京ICP备1234567号"]}),
    kept_doc(2, "CN", "a.cn", signals={"pii_phone": 2.0, "pii_per_1k": 3.5}),
    kept_doc(3, "CN", "b.cn", signals={"pii_email": 1.0}, meta={"sensitive_hits": {"crime": 2}}),
    kept_doc(4, "US", "c.com", lang="en"),
    kept_doc(5, "unknown", "d.cn", meta={"compliance_tags": ["country_unknown"]}),
    kept_doc(6, None, None, lang="en", source="book", license="LicenseRef-Gutenberg"),
]
EXPECTED_REPORT = {
    "country_database": "test-db: tiny",
    "web_pages": 5,
    "web_sites": 4,
    "countries": {
        "CN": {
            "sites": 2,
            "pages": 3,
            "share": 0.6,
            "zh_pages": 3,
            "top_domains": [["a.cn", 2], ["b.cn", 1]],
        },
        "US": {"sites": 1, "pages": 1, "share": 0.2, "zh_pages": 0, "top_domains": [["c.com", 1]]},
        "unknown": {"sites": 1, "pages": 1, "share": 0.2, "zh_pages": 1, "top_domains": [["d.cn", 1]]},
    },
    "zh_web_pages": 4,
    "zh_web_domestic_share": 0.75,
    "icp": {
        "pages_with_icp": 1,
        "coverage": 0.2,
        "zh_pages_with_icp": 1,
        "zh_coverage": 0.25,
        "sites_with_icp": 1,
    },
    "pii_redactions": {"EMAIL": 1, "PHONE": 2},
    "docs_with_pii": 2,
    "sensitive_hits": {"crime": 2},
    "docs_with_sensitive_hits": {"crime": 1},
    "tags": {"country_unknown": 1},
    "licenses": {"book/LicenseRef-Gutenberg": 1, "web/none": 5},
}


def test_compliance_report_combines_kept_docs() -> None:
    with TestPipeline() as p:
        report = p | beam.Create(REPORT_DOCS) | ComplianceReport(country_database="test-db: tiny")
        assert_that(report, equal_to([EXPECTED_REPORT]))


def test_compliance_report_of_nothing_is_one_empty_report() -> None:
    with TestPipeline() as p:
        report = p | beam.Create([], reshuffle=False).with_output_types(Doc) | ComplianceReport()
        assert_that(
            report | beam.Map(lambda r: (r["web_pages"], r["countries"], r["icp"]["coverage"])),
            equal_to([(0, {}, None)]),
        )


def test_top_domains_are_most_pages_first_then_by_name() -> None:
    docs = [
        kept_doc(i, "CN", d) for i, d in enumerate(["z.cn", "z.cn", "b.cn", "a.cn", "c.cn", "z.cn", "b.cn"])
    ]
    with TestPipeline() as p:
        report = p | beam.Create(docs) | ComplianceReport(top_n=3)
        assert_that(
            report | beam.Map(lambda r: r["countries"]["CN"]["top_domains"]),
            equal_to([[["z.cn", 3], ["b.cn", 2], ["a.cn", 1]]]),
        )


def test_summary_lines_show_the_country_table() -> None:
    lines = compliance_lines({**EXPECTED_REPORT, "country_database": "corpusloop-demo-country: demo"})
    assert lines[1].startswith("  DEMO database")
    assert lines[2].split() == ["country", "sites", "pages", "share", "top", "domains"]
    assert lines[3].split() == ["CN", "2", "3", "60.0%", "a.cn", "2,", "b.cn", "1"]
    assert "  PII redacted: EMAIL 1, PHONE 2 (in 2 documents)" in lines
    assert "  sensitive hits: crime 2" in lines
    assert build_compliance_report([], "none")["zh_web_domestic_share"] is None


def test_corpus_config_takes_the_policy_by_path_or_inline(tmp_path) -> None:
    assert load_corpus_config().compliance == CorpusConfig().compliance
    assert CorpusConfig().compliance.geo.mmdb == str(ROOT / "configs" / "geo-demo.mmdb")
    (tmp_path / "policy.yaml").write_text("geo:\n  mmdb: null\n")
    (tmp_path / "a.yaml").write_text("compliance: policy.yaml\n")
    assert load_corpus_config(tmp_path / "a.yaml").compliance == policy_from_mapping({"geo": {"mmdb": None}})
    (tmp_path / "b.yaml").write_text("compliance:\n  domestic:\n    action: tag\n")
    assert load_corpus_config(tmp_path / "b.yaml").compliance.domestic.action == "tag"
