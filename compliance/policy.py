"""The compliance policy (configs/compliance.yaml) and the check that applies it to one document.

Order of the rules, and so of the drop reason when several apply: source domain (`<rule name>`),
licence (`license_not_allowed`, `license_unknown`), domestic hosting (`not_domestic`,
`country_unknown`), personal data (`pii_density`), sensitive content (`sensitive:<category>`).
Every rule is computed on every document, so dropped documents carry their numbers too, and the
text that comes back has its PII redacted whatever the verdict.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.config import PolicyError, from_dict, read_yaml, resolve
from compliance.domains import ACTIONS, DomainMatcher, DomainPolicy, DomainRule, normalize_host
from compliance.geo import UNKNOWN, CountryDatabase, GeoConfig
from compliance.icp import find_icp
from compliance.licenses import LicenseConfig, detect_license, license_decision
from compliance.pii import PiiConfig, find_pii, over_density, pii_counts, pii_density, redact
from compliance.sensitive import LANGS as SENSITIVE_LANGS
from compliance.sensitive import SensitiveConfig, SensitiveMatcher, over_threshold, rates_per_1k

# TLDs of adult content (ICANN's .xxx, .adult, .porn, .sex): dropped for a pretraining corpus.
ADULT_TLDS = ("xxx", "adult", "porn", "sex")


@dataclass(frozen=True)
class DomesticConfig:
    """Aquila's rule: Chinese web text comes from sites in mainland China. A document it applies to
    is domestic when hosted in one of `countries`, or it carries an ICP/公网安备 number (`icp`), or a
    `keep` domain rule matched it (`allow_listed`)."""

    sources: tuple[str, ...] = ("web",)  # source kinds the rule applies to
    langs: tuple[str, ...] = ("zh",)  # languages it applies to
    countries: tuple[str, ...] = ("CN",)  # hosting countries that count as domestic (ISO codes)
    icp: bool = True  # an ICP filing or licence number on the page counts as domestic
    allow_listed: bool = True  # a domain on a `keep` list counts as domestic
    action: str = "drop"  # hosted abroad, no ICP, not allow-listed: reason `not_domestic`
    unknown: str = "tag"  # no country known (no IP, or the database has no answer): `country_unknown`

    def __post_init__(self) -> None:
        for name in ("action", "unknown"):
            if getattr(self, name) not in ACTIONS:
                raise ValueError(f"domestic.{name} must be one of {ACTIONS}, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class CompliancePolicy:
    domains: DomainPolicy = field(
        default_factory=lambda: DomainPolicy(rules=(DomainRule("tld_denied", "drop", tlds=ADULT_TLDS),))
    )
    geo: GeoConfig = field(default_factory=GeoConfig)
    domestic: DomesticConfig = field(default_factory=DomesticConfig)
    licenses: LicenseConfig = field(default_factory=LicenseConfig)
    pii: PiiConfig = field(default_factory=PiiConfig)
    sensitive: SensitiveConfig = field(default_factory=SensitiveConfig)


def _resolved(policy: CompliancePolicy, base: Path) -> CompliancePolicy:
    """File names in the policy made absolute against the folder of the file that named them."""
    rules = tuple(
        dataclasses.replace(r, files=tuple(resolve(f, base) or f for f in r.files))
        for r in policy.domains.rules
    )
    sensitive = policy.sensitive
    if sensitive.extra_lexicons:
        lexicons = {k: resolve(v, base) or v for k, v in sensitive.extra_lexicons.items()}
        sensitive = dataclasses.replace(sensitive, extra_lexicons=lexicons)
    return dataclasses.replace(
        policy,
        domains=dataclasses.replace(policy.domains, rules=rules),
        geo=dataclasses.replace(policy.geo, mmdb=resolve(policy.geo.mmdb, base)),
        sensitive=sensitive,
    )


def policy_from_mapping(
    data: dict[str, Any] | None, base: str | Path = ".", where: str = "compliance"
) -> CompliancePolicy:
    """A policy from a mapping; relative file names are taken against `base`."""
    return _resolved(from_dict(CompliancePolicy, data, where), Path(base))


def load_policy(path: str | Path) -> CompliancePolicy:
    """The policy in a YAML file (configs/compliance.yaml); file names relative to its folder."""
    path = Path(path)
    return policy_from_mapping(read_yaml(path), path.parent, str(path))


@dataclass(frozen=True)
class ComplianceVerdict:
    """What the policy says about one document, and the numbers it decided on."""

    drop: str | None  # reason (`not_domestic`, `sensitive:crime`...); None: the document stays
    tags: tuple[str, ...]  # reasons of `tag` actions, sorted
    text: str  # the text with PII replaced by typed placeholders
    domain: str | None  # normalized host
    domain_rule: str | None  # the domain rule that matched (None: the default action)
    country: str | None  # hosting country ISO code, `unknown`, or None for documents with no host
    icp: tuple[str, ...]  # 备案 numbers found (normalized)
    license: str | None  # SPDX id or LicenseRef- of the licence found
    pii: dict[str, int]  # PII matches per kind (kinds with matches)
    pii_per_1k: float  # PII matches per 1,000 characters
    sensitive: dict[str, int]  # lexicon hits per category (categories with hits, FlagEval order)
    sensitive_per_1k: dict[str, float]  # the same per 1,000 characters


class ComplianceChecker:
    """A policy with its look-up structures built: domain sets, the country database, the lexicons.

    Build it in a stage's `setup()` (it opens the database file); `check` is then a pure function
    of the document's fields.
    """

    def __init__(self, policy: CompliancePolicy) -> None:
        self.policy = policy
        self.domains = DomainMatcher(policy.domains)
        self.geo = CountryDatabase(policy.geo.mmdb)
        self.sensitive = SensitiveMatcher(policy.sensitive)
        self._domestic_countries = frozenset(c.upper() for c in policy.domestic.countries)

    def check(
        self,
        text: str,
        *,
        source: str,
        lang: str | None,
        domain: str | None = None,
        ip: str | None = None,
        license: str | None = None,
        meta: dict[str, Any] | None = None,
        icp: tuple[str, ...] | list[str] = (),
    ) -> ComplianceVerdict:
        """Apply every rule; `icp` are numbers found earlier (in the raw HTML), merged with the text's."""
        p = self.policy
        drops: list[str] = []
        tags: list[str] = []

        def act(action: str, reason: str | None) -> None:
            if reason is None or action == "keep":
                return
            (drops if action == "drop" else tags).append(reason)

        host = normalize_host(domain)
        verdict = self.domains.check(host, source, lang)
        act(verdict.action, verdict.rule)

        finding = detect_license(text, license, meta, p.licenses.scan_chars)
        act(*license_decision(finding, source, p.licenses))

        country = self.geo.country(ip) if (host or ip) else None
        numbers = tuple(dict.fromkeys([*icp, *find_icp(text)]))
        d = p.domestic
        if source in d.sources and lang in d.langs:
            domestic = (
                country in self._domestic_countries
                or (d.icp and bool(numbers))
                or (d.allow_listed and verdict.allow_listed)
            )
            if not domestic:
                if country in (None, UNKNOWN):
                    act(d.unknown, "country_unknown")
                else:
                    act(d.action, "not_domestic")

        matches = find_pii(text, p.pii)
        clean = redact(text, matches) if matches else text
        if p.pii.mode != "redact" and over_density(matches, text, p.pii):
            act(p.pii.mode, "pii_density")

        # The lexicons are Chinese and English; documents of another language have no hits.
        hits = self.sensitive.hits(text, lang) if lang in SENSITIVE_LANGS else {}
        rates = rates_per_1k(hits, len(text))
        over = sorted(over_threshold(hits, len(text), p.sensitive), key=lambda c: -rates[c])  # worst first
        for cat in over:
            act(p.sensitive.action, f"sensitive:{cat}")

        return ComplianceVerdict(
            drop=drops[0] if drops else None,
            tags=tuple(sorted(set(tags))),
            text=clean,
            domain=host,
            domain_rule=verdict.rule,
            country=country,
            icp=numbers,
            license=finding.license if finding else None,
            pii=pii_counts(matches),
            pii_per_1k=round(pii_density(matches, text), 4),
            sensitive=hits,
            sensitive_per_1k={cat: round(rate, 4) for cat, rate in rates.items()},
        )

    def close(self) -> None:
        self.geo.close()


__all__ = [
    "ADULT_TLDS",
    "ComplianceChecker",
    "CompliancePolicy",
    "ComplianceVerdict",
    "DomesticConfig",
    "PolicyError",
    "load_policy",
    "policy_from_mapping",
]
