"""Domain-list look-ups: compliance.domains.DomainSet (a set probe per host label) against the naive
loop over the list (`host == d or host.endswith("." + d)` for every entry), on the same hosts.

    .venv/bin/python bench/domain_lookup.py [--domains 20000] [--hosts 2000]

Last line: `ratio=… lookups_per_s=… naive_lookups_per_s=…` (ratio = DomainSet / naive speed).
"""

from __future__ import annotations

import argparse
import random
import time

from compliance.domains import DomainSet


def naive_match(host: str, domains: list[str]) -> str | None:
    for d in domains:
        if host == d or host.endswith("." + d):
            return d
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=20_000, help="entries in the list")
    parser.add_argument("--hosts", type=int, default=2_000, help="hosts looked up (half of them listed)")
    args = parser.parse_args(argv)
    rng = random.Random(0)
    domains = [f"site{i}.{rng.choice(['cn', 'com.cn', 'com', 'net', 'org'])}" for i in range(args.domains)]
    hosts = [
        f"www.{rng.choice(domains)}" if i % 2 else f"www.other{i}.example.com" for i in range(args.hosts)
    ]
    listed = DomainSet(domains)

    t = time.perf_counter()
    fast = [listed.match(h) for h in hosts]
    fast_s = time.perf_counter() - t
    t = time.perf_counter()
    slow = [naive_match(h, domains) for h in hosts]
    slow_s = time.perf_counter() - t
    assert fast == slow, "DomainSet and the naive loop disagree"
    fast_rate, slow_rate = len(hosts) / fast_s, len(hosts) / slow_s
    print(f"{args.domains} listed domains, {len(hosts)} hosts, {sum(m is not None for m in fast)} matched")
    ratio = fast_rate / slow_rate
    print(f"ratio={ratio:.0f} lookups_per_s={fast_rate:.0f} naive_lookups_per_s={slow_rate:.0f}")


if __name__ == "__main__":
    main()
