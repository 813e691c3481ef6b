"""A small writer for MaxMind DB (.mmdb) country databases: the tests' databases and the demo one.

The format (https://maxmind.github.io/MaxMind-DB/): a binary search tree over the address bits,
16 zero bytes, a data section of typed values, then `\\xab\\xcd\\xefMaxMind.com` and a metadata map.
This writer builds an IPv6 tree (IPv4 networks live under ::/96, where readers look for them) with
32-bit records, and one `{"country": {"iso_code": ..., "names": {"en": ...}}}` record per country,
the layout of GeoLite2-Country and DB-IP's country databases. Same input, same bytes.

    python -m compliance.mmdb configs/geo-demo.tsv configs/geo-demo.mmdb
"""

from __future__ import annotations

import argparse
import ipaddress
import struct
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"
DEMO_DATABASE_TYPE = "corpusloop-demo-country"  # geo.py warns about a database of this type
RECORD_SIZE = 32  # bits per tree record: 8 bytes a node, room for 2**32 nodes + data

# Data section type numbers (spec "Output Data Section").
_UTF8, _DOUBLE, _UINT16, _UINT32, _MAP, _UINT64, _ARRAY, _BOOL = 2, 3, 5, 6, 7, 9, 11, 14


def _control(type_num: int, size: int) -> bytes:
    """Control byte(s) of a value: type in the top 3 bits (or an extended-type byte), then the size."""
    if size < 29:
        first, extra = size, b""
    elif size < 29 + 256:
        first, extra = 29, bytes([size - 29])
    elif size < 285 + 65536:
        first, extra = 30, (size - 285).to_bytes(2, "big")
    else:
        first, extra = 31, (size - 65821).to_bytes(3, "big")
    if type_num <= 7:
        return bytes([(type_num << 5) | first]) + extra
    return bytes([first, type_num - 7]) + extra


class Uint(int):
    """An unsigned integer written with a fixed type: libmaxminddb checks the metadata's types."""

    bits: int = 32

    def __new__(cls, value: int, bits: int) -> Uint:
        obj = super().__new__(cls, value)
        obj.bits = bits
        return obj


def encode(value: Any) -> bytes:
    """One value in the MaxMind DB data format (str, non-negative int, float, bool, list, dict).

    A plain int gets the smallest unsigned type that holds it; a `Uint` its own width.
    """
    if isinstance(value, bool):
        return _control(_BOOL, int(value))
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _control(_UTF8, len(data)) + data
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"only non-negative integers are written, got {value}")
        bits = (
            value.bits
            if isinstance(value, Uint)
            else 16
            if value < 1 << 16
            else 32
            if value < 1 << 32
            else 64
        )
        if value >= 1 << bits:
            raise ValueError(f"{value} does not fit in {bits} bits")
        type_num = {16: _UINT16, 32: _UINT32, 64: _UINT64}[bits]
        data = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return _control(type_num, len(data)) + data
    if isinstance(value, float):
        return _control(_DOUBLE, 8) + struct.pack(">d", value)
    if isinstance(value, list | tuple):
        return _control(_ARRAY, len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, dict):
        body = b"".join(encode(str(k)) + encode(v) for k, v in value.items())
        return _control(_MAP, len(value)) + body
    raise TypeError(f"cannot encode {type(value).__name__} in a MaxMind DB")


def _network_bits(network: str) -> tuple[int, int]:
    """(128-bit address, prefix length) of a network in the IPv6 tree; IPv4 goes under ::/96."""
    net = ipaddress.ip_network(network.strip(), strict=True)
    if net.version == 4:
        return int(net.network_address), 96 + net.prefixlen
    return int(net.network_address), net.prefixlen


def build_country_mmdb(
    networks: Iterable[tuple[str, str]],
    *,
    names: dict[str, str] | None = None,
    database_type: str = DEMO_DATABASE_TYPE,
    description: str = "corpusloop country database",
    build_epoch: int = 1704067200,  # 2024-01-01; fixed so the output is reproducible (libmaxminddb needs > 0)
) -> bytes:
    """The bytes of an .mmdb mapping each (CIDR network, ISO country code) to that country.

    More specific networks win over broader ones; for the same network the last one wins.
    `names` gives English country names.
    """
    leaves: list[dict[str, Any]] = []
    leaf_of: dict[str, int] = {}
    items = []
    for order, (network, country) in enumerate(networks):
        addr, plen = _network_bits(network)
        if plen == 0:
            raise ValueError(f"{network}: a /0 network is not supported")
        code = country.strip().upper()
        if code not in leaf_of:
            record: dict[str, Any] = {"iso_code": code}
            if names and code in names:
                record["names"] = {"en": names[code]}
            leaf_of[code] = len(leaves)
            leaves.append({"country": record})
        items.append((plen, order, addr, leaf_of[code]))
    # Tree: each node is [left, right]; a child is a node index (int), ("leaf", n) or None (no data).
    nodes: list[list[Any]] = [[None, None]]
    for plen, _, addr, leaf in sorted(items):  # broad networks first: specific ones split them
        node = 0
        for i in range(plen - 1):
            bit = (addr >> (127 - i)) & 1
            child = nodes[node][bit]
            if not isinstance(child, int):
                nodes.append([child, child])
                child = nodes[node][bit] = len(nodes) - 1
            node = child
        nodes[node][(addr >> (128 - plen)) & 1] = ("leaf", leaf)
    data, offsets = b"", []
    for leaf_value in leaves:
        offsets.append(len(data))
        data += encode(leaf_value)
    count = len(nodes)

    def record_value(child: Any) -> int:
        if child is None:
            return count
        if isinstance(child, int):
            return child
        return count + 16 + offsets[child[1]]

    tree = b"".join(
        record_value(left).to_bytes(4, "big") + record_value(right).to_bytes(4, "big")
        for left, right in nodes
    )
    metadata = {
        "binary_format_major_version": Uint(2, 16),
        "binary_format_minor_version": Uint(0, 16),
        "build_epoch": Uint(build_epoch, 64),
        "database_type": database_type,
        "description": {"en": description},
        "ip_version": Uint(6, 16),
        "languages": ["en"],
        "node_count": Uint(count, 32),
        "record_size": Uint(RECORD_SIZE, 16),
    }
    return tree + b"\x00" * 16 + data + METADATA_MARKER + encode(metadata)


def read_network_table(path: str | Path) -> list[tuple[str, str]]:
    """(network, country) rows of a text table: `NETWORK COUNTRY [note...]`, `#` comments."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) < 2:
            raise ValueError(f"{path}:{n}: expected 'NETWORK COUNTRY', got {line!r}")
        rows.append((parts[0], parts[1]))
    return rows


COUNTRY_NAMES = {
    "CN": "China",
    "TW": "Taiwan",
    "US": "United States",
    "DE": "Germany",
    "GB": "United Kingdom",
    "JP": "Japan",
    "HK": "Hong Kong",
    "SG": "Singapore",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compliance.mmdb", description=__doc__.split("\n\n")[0])
    parser.add_argument("table", help="text table: NETWORK COUNTRY per line, # comments")
    parser.add_argument("output", help="the .mmdb file to write")
    parser.add_argument("--database-type", default=DEMO_DATABASE_TYPE)
    parser.add_argument("--description", default="corpusloop demo country database: made-up ranges")
    args = parser.parse_args(argv)
    data = build_country_mmdb(
        read_network_table(args.table),
        names=COUNTRY_NAMES,
        database_type=args.database_type,
        description=args.description,
    )
    Path(args.output).write_bytes(data)
    print(f"{args.output}: {len(data)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
