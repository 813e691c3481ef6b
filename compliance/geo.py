"""Hosting country of a page from its server IP (WARC-IP-Address) through an offline country database.

The database is any MaxMind DB format country file (GeoLite2-Country, DB-IP IP-to-Country Lite,
or the tiny demo one in configs/): never a DNS or network look-up. A missing or malformed IP, an
address the database does not cover, or no database at all gives the `unknown` bucket, never an
error. A configured database file that does not exist is a configuration error and raises.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

UNKNOWN = "unknown"  # the country bucket of every page whose hosting country is not known


@dataclass(frozen=True)
class GeoConfig:
    # Country database in MaxMind DB format: a GeoLite2-Country.mmdb or dbip-country-lite.mmdb path
    # (relative to compliance.yaml). None: no database, every country is "unknown".
    mmdb: str | None = None


def country_from_record(record: Any) -> str:
    """ISO code of a database record: GeoIP2/DB-IP `country.iso_code`, else `registered_country`,
    else a plain `country` / `country_code` string (ipinfo-style databases); `unknown` otherwise."""
    if not isinstance(record, dict):
        return UNKNOWN
    for key in ("country", "registered_country"):
        value = record.get(key)
        if isinstance(value, dict) and isinstance(value.get("iso_code"), str):
            return value["iso_code"].upper()
    for key in ("country", "country_code"):
        value = record.get(key)
        if isinstance(value, str) and len(value) == 2:
            return value.upper()
    return UNKNOWN


def parse_ip(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address of a WARC-IP-Address value; None when it is missing or not an IP.

    IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) come back as IPv4, as databases file them there.
    """
    if not ip:
        return None
    try:
        addr = ipaddress.ip_address(ip.strip().strip("[]"))
    except ValueError:  # not an IP address: the "unknown" bucket, by design
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


class CountryDatabase:
    """An open country database; `country(ip)` answers an ISO code or `unknown`, and never raises.

    `path=None` is no database: every answer is `unknown`. Holds an open file: build it in a
    stage's `setup()`, not before pickling.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._reader: Any = None
        self.database_type = "none"
        self.description = ""
        if path is None:
            return
        try:
            import maxminddb
        except ImportError as exc:
            raise ImportError(
                "the country database needs the `maxminddb` package: pip install maxminddb"
            ) from exc
        self._reader = maxminddb.open_database(path)  # FileNotFoundError for a wrong path: a config error
        meta = self._reader.metadata()
        self.database_type = meta.database_type
        self.description = (meta.description or {}).get("en", "")
        self._ip_version = meta.ip_version

    def country(self, ip: str | None) -> str:
        """ISO 3166 alpha-2 code of the network `ip` is in, or `unknown`."""
        if self._reader is None:
            return UNKNOWN
        addr = parse_ip(ip)
        if addr is None or (addr.version == 6 and self._ip_version == 4):
            return UNKNOWN
        return country_from_record(self._reader.get(addr))

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def describe_database(path: str | None) -> str:
    """`<database_type>: <description>` of a country database, or `none`; opens and closes the file."""
    db = CountryDatabase(path)
    try:
        return f"{db.database_type}: {db.description}" if path else "none"
    finally:
        db.close()
