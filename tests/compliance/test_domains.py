"""Source-domain rules (compliance.domains): suffix matching, TLDs, source and language conditions."""

from __future__ import annotations

import time

import pytest

from compliance.domains import (
    DomainMatcher,
    DomainPolicy,
    DomainRule,
    DomainSet,
    DomainVerdict,
    normalize_host,
)

POLICY = DomainPolicy(
    rules=(
        DomainRule("allow_listed", "keep", domains=("gov.cn", "trusted.example.com")),
        DomainRule("domain_denied", "drop", domains=("spam.example", "bad.cn")),
        DomainRule("tld_denied", "drop", tlds=("xxx", ".porn")),
        DomainRule("zh_forum_tagged", "tag", domains=("bbs.example.cn",), langs=("zh",)),
        DomainRule("code_only_github", "tag", domains=("github.com",), sources=("code",)),
        DomainRule("ja_dropped", "drop", langs=("ja",)),
    ),
    default="keep",
)


@pytest.mark.parametrize(
    ("domain", "source", "lang", "expected"),
    [
        ("www.gov.cn", "web", "zh", DomainVerdict("keep", "allow_listed", "domain:gov.cn")),
        ("GOV.CN.", "web", "zh", DomainVerdict("keep", "allow_listed", "domain:gov.cn")),
        (
            "trusted.example.com",
            "web",
            "en",
            DomainVerdict("keep", "allow_listed", "domain:trusted.example.com"),
        ),
        ("example.com", "web", "en", DomainVerdict("keep")),  # the parent of a listed domain is not listed
        ("spam.example", "web", "en", DomainVerdict("drop", "domain_denied", "domain:spam.example")),
        ("a.b.spam.example", "web", "en", DomainVerdict("drop", "domain_denied", "domain:spam.example")),
        ("notspam.example", "web", "en", DomainVerdict("keep")),  # suffix on label boundaries only
        ("www.bad.cn:8080", "web", "zh", DomainVerdict("drop", "domain_denied", "domain:bad.cn")),
        ("video.site.xxx", "web", "en", DomainVerdict("drop", "tld_denied", "tld:xxx")),
        ("site.porn", "web", "en", DomainVerdict("drop", "tld_denied", "tld:porn")),
        ("xxx.com", "web", "en", DomainVerdict("keep")),  # only the last label is the TLD
        (
            "bbs.example.cn",
            "web",
            "zh",
            DomainVerdict("tag", "zh_forum_tagged", "domain:bbs.example.cn,lang:zh"),
        ),
        ("bbs.example.cn", "web", "en", DomainVerdict("keep")),  # language condition fails
        (
            "github.com",
            "code",
            "en",
            DomainVerdict("tag", "code_only_github", "domain:github.com,source:code"),
        ),
        ("github.com", "web", "en", DomainVerdict("keep")),  # source condition fails
        ("anything.jp", "web", "ja", DomainVerdict("drop", "ja_dropped", "lang:ja")),
        (None, "book", "ja", DomainVerdict("drop", "ja_dropped", "lang:ja")),  # no domain needed
        (None, "book", "zh", DomainVerdict("keep")),
        ("", "web", "zh", DomainVerdict("keep")),
    ],
)
def test_first_matching_rule_decides(domain, source, lang, expected) -> None:
    assert DomainMatcher(POLICY).check(domain, source, lang) == expected


def test_first_rule_wins_over_later_ones() -> None:
    policy = DomainPolicy(
        rules=(
            DomainRule("allow_listed", "keep", domains=("ok.spam.example",)),
            DomainRule("domain_denied", "drop", domains=("spam.example",)),
        )
    )
    m = DomainMatcher(policy)
    assert m.check("ok.spam.example", "web", "en").allow_listed
    assert m.check("x.spam.example", "web", "en") == DomainVerdict(
        "drop", "domain_denied", "domain:spam.example"
    )


def test_default_action_and_allow_listed_flag() -> None:
    m = DomainMatcher(DomainPolicy(default="tag"))
    assert m.check("a.com", "web", "en") == DomainVerdict("tag")
    assert not DomainVerdict("keep").allow_listed  # the default keeps, but lists nothing


def test_emptied_list_file_matches_nothing(tmp_path) -> None:
    # a rule whose list file has no entry left must not turn into "every web page"
    empty = tmp_path / "deny.txt"
    empty.write_text("# nothing listed\n")
    policy = DomainPolicy(rules=(DomainRule("domain_denied", "drop", files=(str(empty),), sources=("web",)),))
    m = DomainMatcher(policy)
    assert m.check("a.com", "web", "en") == DomainVerdict("keep")
    # a rule with no condition at all never matches either
    assert (
        DomainMatcher(DomainPolicy(rules=(DomainRule("nothing", "drop"),))).check("a.com", "web", "en").rule
        is None
    )


def test_list_files(tmp_path) -> None:
    path = tmp_path / "deny.txt"
    path.write_text(
        "# spam farms\nfarm-one.example  # since 2023\n*.farm-two.example\n.farm-three.example\n\n"
    )
    m = DomainMatcher(DomainPolicy(rules=(DomainRule("domain_denied", "drop", files=(str(path),)),)))
    for host, hit in [
        ("farm-one.example", "farm-one.example"),
        ("x.farm-two.example", "farm-two.example"),
        ("farm-three.example", "farm-three.example"),
    ]:
        assert m.check(host, "web", "en") == DomainVerdict("drop", "domain_denied", f"domain:{hit}")
    assert m.check("farm-four.example", "web", "en").action == "keep"


@pytest.mark.parametrize(
    ("raw", "host"),
    [
        ("Example.COM.", "example.com"),
        ("*.example.com", "example.com"),
        (".example.com", "example.com"),
        ("example.com:443", "example.com"),
        ("[2001:db8::1]:80", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("", None),
        (None, None),
    ],
)
def test_normalize_host(raw, host) -> None:
    assert normalize_host(raw) == host


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Bad Name", "action": "drop"}, "name must match"),
        ({"name": "ok", "action": "block"}, "action must be one of"),
    ],
)
def test_bad_rules_raise(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        DomainRule(**kwargs)


def test_duplicate_rule_names_and_bad_default_raise() -> None:
    with pytest.raises(ValueError, match="unique"):
        DomainPolicy(rules=(DomainRule("a", "drop", tlds=("x",)), DomainRule("a", "tag", tlds=("y",))))
    with pytest.raises(ValueError, match=r"domains\.default"):
        DomainPolicy(default="allow")


def test_lookup_cost_does_not_grow_with_the_list() -> None:
    """100,000 listed domains: a look-up is a few set probes, like with 10."""
    hosts = [f"www.site{i}.example.com" for i in range(2000)]
    small, large = DomainSet(f"d{i}.cn" for i in range(10)), DomainSet(f"d{i}.cn" for i in range(100_000))
    assert len(large) == 100_000 and large.match("a.b.d99999.cn") == "d99999.cn"

    def cost(s: DomainSet) -> float:
        t = time.perf_counter()
        for h in hosts:
            s.match(h)
        return time.perf_counter() - t

    best_small = min(cost(small) for _ in range(5))
    best_large = min(cost(large) for _ in range(5))
    assert best_large < 5 * best_small + 0.01  # a linear scan would be ~10,000 times slower
