"""Hosting country (compliance.geo) through a tiny MaxMind DB built by compliance.mmdb."""

from __future__ import annotations

from pathlib import Path

import maxminddb
import pytest

from compliance.geo import UNKNOWN, CountryDatabase, country_from_record, parse_ip
from compliance.mmdb import build_country_mmdb, encode, read_network_table

ROOT = Path(__file__).resolve().parents[2]
NETWORKS = [
    ("220.181.0.0/16", "CN"),
    ("61.135.0.0/16", "CN"),
    ("168.95.0.0/16", "TW"),
    ("198.51.100.0/24", "US"),
    ("192.0.2.0/24", "DE"),
    ("220.181.99.0/24", "TW"),  # a more specific network inside a CN one wins
    ("2001:db8:86::/48", "CN"),
    ("2001:db8:886::/48", "TW"),
    ("2001:db8:1::/48", "US"),
    ("2001:db8:49::/48", "DE"),
]


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("geo") / "tiny.mmdb"
    path.write_bytes(build_country_mmdb(NETWORKS, names={"CN": "China"}, database_type="corpusloop-test"))
    return str(path)


@pytest.mark.parametrize(
    ("ip", "country"),
    [
        ("220.181.38.148", "CN"),
        ("61.135.169.121", "CN"),
        ("220.181.99.7", "TW"),
        ("220.181.100.7", "CN"),
        ("168.95.245.12", "TW"),
        ("198.51.100.23", "US"),
        ("192.0.2.41", "DE"),
        ("2001:db8:86::1", "CN"),
        ("2001:db8:886:ffff::1", "TW"),
        ("2001:db8:1::abcd", "US"),
        ("2001:db8:49::2", "DE"),
        ("::ffff:168.95.1.1", "TW"),  # IPv4-mapped IPv6 is looked up as IPv4
        (" 220.181.1.1 ", "CN"),
        ("8.8.8.8", UNKNOWN),  # not in the database
        ("2001:db8:2::1", UNKNOWN),
        ("10.0.0.1", UNKNOWN),
        ("", UNKNOWN),
        (None, UNKNOWN),
        ("not-an-ip", UNKNOWN),
        ("999.1.1.1", UNKNOWN),
        ("news.qinghe-daily.com.cn", UNKNOWN),  # a host name is never resolved: no DNS
    ],
)
def test_country_of_ip(tiny_db, ip, country) -> None:
    db = CountryDatabase(tiny_db)
    assert db.country(ip) == country
    db.close()


@pytest.mark.parametrize("mode", [maxminddb.MODE_MMAP_EXT, maxminddb.MODE_FILE, maxminddb.MODE_MEMORY])
def test_written_database_reads_in_libmaxminddb_and_pure_python(tiny_db, mode) -> None:
    with maxminddb.open_database(tiny_db, mode) as reader:
        meta = reader.metadata()
        assert (meta.ip_version, meta.record_size, meta.database_type) == (6, 32, "corpusloop-test")
        assert reader.get("220.181.1.1") == {"country": {"iso_code": "CN", "names": {"en": "China"}}}
        assert reader.get("168.95.1.1") == {"country": {"iso_code": "TW"}}
        assert reader.get_with_prefix_len("220.181.99.1")[1] == 24
        assert reader.get("8.8.8.8") is None


def test_no_database_is_all_unknown() -> None:
    db = CountryDatabase(None)
    assert (db.country("220.181.1.1"), db.database_type) == (UNKNOWN, "none")


def test_missing_database_file_is_a_config_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        CountryDatabase(str(tmp_path / "nope.mmdb"))


@pytest.mark.parametrize(
    ("record", "country"),
    [
        ({"country": {"iso_code": "cn"}}, "CN"),
        ({"registered_country": {"iso_code": "TW"}}, "TW"),  # anycast ranges: only the registrant's
        ({"country": "DE"}, "DE"),  # ipinfo-style flat records
        ({"country_code": "us"}, "US"),
        ({"continent": {"code": "EU"}}, UNKNOWN),
        (None, UNKNOWN),
        ("CN", UNKNOWN),
    ],
)
def test_country_from_record(record, country) -> None:
    assert country_from_record(record) == country


def test_parse_ip() -> None:
    assert str(parse_ip("[2001:db8::1]")) == "2001:db8::1"
    assert parse_ip("1.2.3") is None


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("CN", b"\x42CN"),
        ({}, b"\xe0"),
        (0, b"\xa0"),
        (300, b"\xa2\x01\x2c"),
        (70000, b"\xc3\x01\x11\x70"),
        (True, b"\x01\x07"),
        ([], b"\x00\x04"),
        ("x" * 29, b"\x5d\x00" + b"x" * 29),  # sizes from 29 take an extra byte
    ],
)
def test_data_section_encoding(value, encoded) -> None:
    assert encode(value) == encoded


def test_bad_networks_raise() -> None:
    with pytest.raises(ValueError):
        build_country_mmdb([("220.181.1.0/16", "CN")])  # host bits set
    with pytest.raises(ValueError, match="/0"):
        build_country_mmdb([("::/0", "CN")])


def test_demo_database_is_built_from_its_table() -> None:
    """configs/geo-demo.mmdb is exactly what `python -m compliance.mmdb` makes of configs/geo-demo.tsv."""
    from compliance.mmdb import COUNTRY_NAMES

    table = read_network_table(ROOT / "configs" / "geo-demo.tsv")
    built = build_country_mmdb(
        table, names=COUNTRY_NAMES, description="corpusloop demo country database: made-up ranges"
    )
    assert (ROOT / "configs" / "geo-demo.mmdb").read_bytes() == built
    db = CountryDatabase(str(ROOT / "configs" / "geo-demo.mmdb"))
    assert db.database_type == "corpusloop-demo-country"
    assert [db.country(ip) for ip in ("220.181.38.148", "168.95.245.12", "104.21.48.117")] == [
        "CN",
        "TW",
        "US",
    ]
