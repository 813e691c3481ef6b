"""Source-domain policy: rules over the page's domain, its TLD, the source kind and the language,
each with an action (keep, drop or tag); the first rule that matches decides, and names itself.

Domain lists match by suffix on label boundaries: `example.com` covers `example.com` and
`news.example.com`, not `badexample.com`. A list is a set of domains and a look-up walks up the
host's labels, so it costs one set probe per label whatever the list's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ACTIONS = ("keep", "drop", "tag")
_NAME = re.compile(r"^[a-z0-9_]+$")


def normalize_host(host: str | None) -> str | None:
    """Lowercased host without a trailing dot, port or `*.` / leading-dot list syntax; None if empty."""
    if not host:
        return None
    host = host.strip().lower().rstrip(".")
    if host.startswith("*."):
        host = host[2:]
    host = host.lstrip(".")
    if host.startswith("[") and "]" in host:  # [::1]:8080
        return host[1 : host.index("]")] or None
    if host.count(":") == 1:  # example.com:8080 (an IPv6 literal has several colons)
        host = host.split(":", 1)[0]
    return host or None


class DomainSet:
    """A set of domains with suffix look-up: O(labels of the host) per query, any list size."""

    def __init__(self, domains: Iterable[str] = ()) -> None:
        self._domains: set[str] = set()
        for d in domains:
            self.add(d)

    def add(self, domain: str) -> None:
        host = normalize_host(domain)
        if host:
            self._domains.add(host)

    def __len__(self) -> int:
        return len(self._domains)

    def match(self, host: str | None) -> str | None:
        """The listed domain that `host` is, or is under; None when no entry covers it."""
        host = normalize_host(host)
        if not host or not self._domains:
            return None
        if host in self._domains:
            return host
        i = host.find(".")
        while i != -1:
            parent = host[i + 1 :]
            if parent in self._domains:
                return parent
            i = host.find(".", i + 1)
        return None


def read_domain_list(path: str | Path) -> list[str]:
    """Domains of a list file: one a line; `#` comments, blank lines and `*.`/leading dots allowed."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            entry = line.split("#", 1)[0].strip()
            if entry:
                out.append(entry)
    return out


@dataclass(frozen=True)
class DomainRule:
    """One rule: every condition given must hold (a list holds when any of its items does).

    A rule with no condition at all never matches (an emptied list does not turn into a catch-all;
    the catch-all is `DomainPolicy.default`).
    """

    name: str  # the reason written on the document: drop `compliance:<name>`, or tag `<name>`
    action: str = "tag"  # keep (allow-list: stop here, and count as allow-listed), drop, or tag
    domains: tuple[str, ...] = ()  # domain suffixes
    files: tuple[str, ...] = ()  # list files of domain suffixes, one a line (relative to compliance.yaml)
    tlds: tuple[str, ...] = ()  # last labels: "xxx", "cn"; a "." prefix is allowed
    sources: tuple[str, ...] = ()  # source kinds: web, book, literature, code
    langs: tuple[str, ...] = ()  # document languages: zh, en

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"domain rule name must match [a-z0-9_]+, got {self.name!r}")
        if self.action not in ACTIONS:
            raise ValueError(f"domain rule {self.name}: action must be one of {ACTIONS}, got {self.action!r}")


@dataclass(frozen=True)
class DomainPolicy:
    rules: tuple[DomainRule, ...] = ()  # in order: the first rule that matches decides
    default: str = "keep"  # action when no rule matches

    def __post_init__(self) -> None:
        if self.default not in ACTIONS:
            raise ValueError(f"domains.default must be one of {ACTIONS}, got {self.default!r}")
        names = [r.name for r in self.rules]
        if len(names) != len(set(names)):
            raise ValueError(f"domain rule names must be unique, got {names}")


@dataclass(frozen=True)
class DomainVerdict:
    """The action, the deciding rule (None: the default), and what matched (`domain:x.cn`, `tld:xxx`)."""

    action: str
    rule: str | None = None
    matched: str | None = None

    @property
    def allow_listed(self) -> bool:
        """A `keep` rule matched this domain (the default action does not count)."""
        return self.action == "keep" and self.rule is not None


@dataclass
class _CompiledRule:
    rule: DomainRule
    domains: DomainSet
    tlds: frozenset[str]
    sources: frozenset[str]
    langs: frozenset[str]
    wants_domain: bool = field(init=False)  # the rule lists domains (an emptied list matches nothing)
    has_condition: bool = field(init=False)

    def __post_init__(self) -> None:
        self.wants_domain = bool(self.rule.domains or self.rule.files)
        self.has_condition = bool(self.wants_domain or self.tlds or self.sources or self.langs)


class DomainMatcher:
    """A `DomainPolicy` with its lists loaded (list files are read here, once)."""

    def __init__(self, policy: DomainPolicy) -> None:
        self.policy = policy
        self._rules = []
        for rule in policy.rules:
            entries = list(rule.domains)
            for path in rule.files:
                entries += read_domain_list(path)
            self._rules.append(
                _CompiledRule(
                    rule=rule,
                    domains=DomainSet(entries),
                    tlds=frozenset(t.strip().lower().lstrip(".") for t in rule.tlds),
                    sources=frozenset(rule.sources),
                    langs=frozenset(rule.langs),
                )
            )

    def check(self, domain: str | None, source: str, lang: str | None) -> DomainVerdict:
        """The first rule whose conditions all hold decides; else the policy's default."""
        host = normalize_host(domain)
        tld = host.rsplit(".", 1)[-1] if host else None
        for r in self._rules:
            if not r.has_condition:
                continue
            matched = []
            if r.wants_domain:
                hit = r.domains.match(host)
                if hit is None:
                    continue
                matched.append(f"domain:{hit}")
            if r.tlds:
                if tld not in r.tlds:
                    continue
                matched.append(f"tld:{tld}")
            if r.sources:
                if source not in r.sources:
                    continue
                matched.append(f"source:{source}")
            if r.langs:
                if lang not in r.langs:
                    continue
                matched.append(f"lang:{lang}")
            return DomainVerdict(r.rule.action, r.rule.name, ",".join(matched))
        return DomainVerdict(self.policy.default)
