"""Licences: SPDX identifiers and Creative Commons / public-domain statements in metadata and text,
and the per-source-kind allow-list that decides whether a document may be trained on.

Identifiers are SPDX ids (`CC-BY-4.0`, `Apache-2.0`); what SPDX has no id for is a `LicenseRef-`:
`LicenseRef-PublicDomain`, `LicenseRef-Gutenberg` (Project Gutenberg eBooks),
`LicenseRef-All-Rights-Reserved`, and unversioned Creative Commons names (`LicenseRef-CC-BY-SA`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ACTIONS = ("keep", "drop", "tag")
PUBLIC_DOMAIN = "LicenseRef-PublicDomain"
GUTENBERG = "LicenseRef-Gutenberg"
ALL_RIGHTS_RESERVED = "LicenseRef-All-Rights-Reserved"

_CC_VERSIONS = ("1.0", "2.0", "2.5", "3.0", "4.0")
_CC_BY_ALL = tuple(f"CC-BY{kind}-{v}" for kind in ("", "-SA") for v in _CC_VERSIONS)
# Free to train on and redistribute: public domain, CC0, CC BY and BY-SA (NC and ND are not),
# permissive software licences, Project Gutenberg's public-domain eBooks.
TEXT_ALLOW = (PUBLIC_DOMAIN, GUTENBERG, "CC0-1.0", *_CC_BY_ALL, "Apache-2.0", "MIT")
# Permissive code licences, the set The Stack (BigCode) keeps.
CODE_ALLOW = (
    "MIT",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Unlicense",
    "CC0-1.0",
    "0BSD",
    "Zlib",
    "BSL-1.0",
    "MIT-0",
)

# Metadata spellings → SPDX id; keys are lowercased with every run of non-alphanumerics as "-".
_ALIASES = {
    "cc0": "CC0-1.0",
    "cc0-1-0": "CC0-1.0",
    "cc-0": "CC0-1.0",
    "cc-zero": "CC0-1.0",
    "public-domain": PUBLIC_DOMAIN,
    "publicdomain": PUBLIC_DOMAIN,
    "pd": PUBLIC_DOMAIN,
    "pdm": PUBLIC_DOMAIN,
    "public-domain-mark": PUBLIC_DOMAIN,
    "gutenberg": GUTENBERG,
    "project-gutenberg": GUTENBERG,
    "pg": GUTENBERG,
    "apache-2": "Apache-2.0",
    "apache-2-0": "Apache-2.0",
    "apache": "Apache-2.0",
    "asl-2-0": "Apache-2.0",
    "mit": "MIT",
    "mit-license": "MIT",
    "isc": "ISC",
    "unlicense": "Unlicense",
    "0bsd": "0BSD",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "zlib": "Zlib",
    "bsl-1-0": "BSL-1.0",
    "mit-0": "MIT-0",
    "mpl-2-0": "MPL-2.0",
    "all-rights-reserved": ALL_RIGHTS_RESERVED,
    "copyright": ALL_RIGHTS_RESERVED,
}
# SPDX ids written as such (case-insensitive) that are not Creative Commons (parsed below).
_SPDX_IDS = {
    s.lower(): s
    for s in (
        "MIT",
        "Apache-2.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "ISC",
        "Unlicense",
        "0BSD",
        "Zlib",
        "BSL-1.0",
        "MIT-0",
        "MPL-2.0",
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "LGPL-2.1-only",
        "LGPL-2.1-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
        "GFDL-1.3-only",
        "GFDL-1.3-or-later",
        "WTFPL",
        "Artistic-2.0",
        "EPL-2.0",
        "CC0-1.0",
        "OFL-1.1",
        "ODbL-1.0",
        "PDDL-1.0",
        "ODC-By-1.0",
    )
}

_CC_SHORT = re.compile(r"^cc[- ]?(by(?:[- ]nc)?(?:[- ](?:sa|nd))?)(?:[- ]?(\d\.\d))?(?:[- ].*)?$", re.I)


def _cc_id(kinds: str, version: str | None) -> str:
    """SPDX id of a CC licence from its elements ("by-nc-sa") and version; unversioned → LicenseRef."""
    parts = re.findall(r"by|nc|sa|nd", kinds.lower())
    name = "CC-" + "-".join(p.upper() for p in parts)
    if version in _CC_VERSIONS:
        return f"{name}-{version}"
    return f"LicenseRef-{name}"


def normalize_license(value: str | None) -> str | None:
    """The SPDX id (or LicenseRef-) of a metadata licence value; None for an empty value.

    Known spellings are mapped (`cc-by 4.0`, `CC BY-SA 3.0`, `public domain`, `gutenberg`); a
    `LicenseRef-…` is kept as written; anything else is kept verbatim (stripped): a declared licence
    this module does not know is still a declared licence, and the allow-list decides.
    """
    if value is None or not str(value).strip():
        return None
    raw = str(value).strip()
    if raw.lower().startswith("licenseref-"):
        return raw
    spdx = _SPDX_IDS.get(raw.lower())
    if spdx:
        return spdx
    m = _CC_SHORT.match(raw.replace("_", "-"))
    if m:
        return _cc_id(m.group(1), m.group(2))
    key = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")
    if key in _ALIASES:
        return _ALIASES[key]
    text_id = _detect_in_text(raw)
    return text_id[0] if text_id else raw


# Statements in text, most explicit first: (rank, pattern, id or a function of the match).
_SPDX_TAG = re.compile(r"SPDX-License-Identifier:\s*([A-Za-z0-9.+-]+)")
_CC_URL = re.compile(r"creativecommons\.org/licenses/(by(?:-nc)?(?:-sa|-nd)?)/(\d\.\d)", re.I)
_CC0_URL = re.compile(r"creativecommons\.org/publicdomain/zero/1\.0", re.I)
_PDM_URL = re.compile(r"creativecommons\.org/publicdomain/mark/", re.I)
_CC_LONG = re.compile(
    r"Creative\s+Commons\s+(?:Legal\s+Code\s+)?Attribution((?:[\s-]+(?:Non-?Commercial|Share-?Alike|No-?Deriv(?:ative)?s))*)"
    r"(?:\s+(?:License\s+)?(?:v(?:ersion)?\.?\s*)?(\d\.\d))?",
    re.I,
)
_CC_SHORT_TEXT = re.compile(r"\bCC[- ](BY(?:[- ]NC)?(?:[- ](?:SA|ND))?)(?:[- ](\d\.\d))?\b")
_CC0_TEXT = re.compile(r"\bCC0\b|\bCC[- ]Zero\b|Creative\s+Commons\s+Zero", re.I)
_CC_ZH = re.compile(
    r"知识共享\s*(?:许可协议)?\s*[（(]?\s*(?:CC\s*)?署名((?:\s*[-－—–·]?\s*(?:非商业性使用|相同方式共享|禁止演绎))*)"
    r"\s*(\d\.\d)?"
)
_ZH_ELEMENTS = {"非商业性使用": "nc", "相同方式共享": "sa", "禁止演绎": "nd"}
_PD_TEXT = re.compile(
    r"\b(?:in|into|to)\s+the\s+public\s+domain\b|\bpublic\s+domain\s+(?:dedication|mark|work)\b"
    r"|(?:属于|进入|归入|置于|献给|已进入)(?:公有|公共)领域|公有领域",
    re.I,
)
_GUTENBERG_TEXT = re.compile(r"Project\s+Gutenberg(?:\s+License|[- ]tm)|www\.gutenberg\.org", re.I)
_APACHE_TEXT = re.compile(r"Apache\s+License,?\s+Version\s+2\.0", re.I)
_MIT_TEXT = re.compile(r"\bMIT\s+License\b|Permission\s+is\s+hereby\s+granted,\s+free\s+of\s+charge", re.I)
_GPL_TEXT = re.compile(
    r"\b(Lesser\s+|Affero\s+)?General\s+Public\s+License,?\s+(?:as\s+published\s+.{0,60}?)?"
    r"(?:v(?:ersion)?\s*)?([23](?:\.\d)?)",
    re.I | re.S,
)
_ARR_TEXT = re.compile(
    r"\bAll\s+rights\s+reserved\b|版权所有|保留所有权利|未经(?:许可|授权)[，,]?\s*(?:不得|禁止)转载"
)


def _gpl_id(m: re.Match[str], text: str) -> str:
    qualifier = (m.group(1) or "").strip().lower()
    family = "LGPL" if qualifier.startswith("lesser") else "AGPL" if qualifier.startswith("affero") else "GPL"
    version = m.group(2) if "." in m.group(2) else f"{m.group(2)}.0"
    later = "later version" in text[m.end() : m.end() + 200].lower()
    return f"{family}-{version}-{'or-later' if later else 'only'}"


def _detect_in_text(text: str) -> tuple[str, str] | None:
    """(id, matched text) of the most explicit licence statement in `text`, or None."""
    m = _SPDX_TAG.search(text)
    if m:
        return normalize_license(m.group(1)) or m.group(1), m.group(0)
    m = _CC0_URL.search(text)
    if m:
        return "CC0-1.0", m.group(0)
    m = _CC_URL.search(text)
    if m:
        return _cc_id(m.group(1), m.group(2)), m.group(0)
    m = _PDM_URL.search(text)
    if m:
        return PUBLIC_DOMAIN, m.group(0)
    m = _CC_ZH.search(text)
    if m:
        kinds = "by" + "".join(f"-{v}" for k, v in _ZH_ELEMENTS.items() if k in (m.group(1) or ""))
        return _cc_id(kinds, m.group(2)), m.group(0).strip()
    m = _CC_LONG.search(text)
    if m:
        elements = (m.group(1) or "").lower()
        kinds = "by" + ("-nc" if "non" in elements else "") + ("-sa" if "share" in elements else "")
        kinds += "-nd" if "deriv" in elements else ""
        return _cc_id(kinds, m.group(2)), m.group(0).strip()
    m = _CC0_TEXT.search(text)
    if m:
        return "CC0-1.0", m.group(0)
    m = _CC_SHORT_TEXT.search(text)
    if m:
        return _cc_id(m.group(1), m.group(2)), m.group(0)
    for pattern, spdx in (
        (_PD_TEXT, PUBLIC_DOMAIN),
        (_GUTENBERG_TEXT, GUTENBERG),
        (_APACHE_TEXT, "Apache-2.0"),
        (_MIT_TEXT, "MIT"),
    ):
        m = pattern.search(text)
        if m:
            return spdx, m.group(0)
    m = _GPL_TEXT.search(text)
    if m:
        return _gpl_id(m, text), m.group(0)
    m = _ARR_TEXT.search(text)
    if m:
        return ALL_RIGHTS_RESERVED, m.group(0)
    return None


@dataclass(frozen=True)
class LicenseFinding:
    """A licence and where it was found: `metadata` (the record's licence field) or `text`."""

    license: str
    where: str
    evidence: str


META_KEYS = ("licence", "rights", "license_url", "copyright")  # extra record fields that state a licence


def detect_license(
    text: str, license_field: str | None = None, meta: dict[str, Any] | None = None, scan_chars: int = 2000
) -> LicenseFinding | None:
    """The document's licence: the `license` field, else a licence key in `meta`, else a statement in
    the first or last `scan_chars` characters of the text (where headers and footers are); None if none."""
    spdx = normalize_license(license_field)
    if spdx:
        return LicenseFinding(spdx, "metadata", str(license_field))
    for key in META_KEYS:
        value = (meta or {}).get(key)
        if isinstance(value, str) and value.strip():
            return LicenseFinding(normalize_license(value) or value, "metadata", f"{key}={value}")
    window = text if len(text) <= 2 * scan_chars else text[:scan_chars] + "\n" + text[-scan_chars:]
    found = _detect_in_text(window)
    return LicenseFinding(found[0], "text", found[1][:200]) if found else None


@dataclass(frozen=True)
class LicenseConfig:
    # Licences allowed per source kind (SPDX ids, case-insensitive); a kind not listed takes any licence.
    allow: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"book": TEXT_ALLOW, "literature": TEXT_ALLOW, "code": CODE_ALLOW}
    )
    not_allowed: str = "drop"  # a licence found that is not on the kind's allow-list
    # No licence found, per source kind: books and literature are tagged for review, code is dropped
    # (no licence means all rights reserved); kinds not listed use `default_unknown`.
    unknown: dict[str, str] = field(
        default_factory=lambda: {"book": "tag", "literature": "tag", "code": "drop"}
    )
    default_unknown: str = "keep"  # web pages rarely state a licence
    scan_chars: int = 2000  # head and tail of the text searched for a licence statement

    def __post_init__(self) -> None:
        for where, action in [
            ("not_allowed", self.not_allowed),
            ("default_unknown", self.default_unknown),
            *((f"unknown.{k}", v) for k, v in self.unknown.items()),
        ]:
            if action not in ACTIONS:
                raise ValueError(f"licenses.{where}: action must be one of {ACTIONS}, got {action!r}")


def license_decision(
    finding: LicenseFinding | None, source: str, cfg: LicenseConfig
) -> tuple[str, str | None]:
    """(action, reason): `keep, None`, or drop/tag with `license_not_allowed` / `license_unknown`."""
    if finding is None:
        action = cfg.unknown.get(source, cfg.default_unknown)
        return action, None if action == "keep" else "license_unknown"
    allowed = cfg.allow.get(source)
    if allowed is None or finding.license.lower() in {a.lower() for a in allowed}:
        return "keep", None
    return cfg.not_allowed, None if cfg.not_allowed == "keep" else "license_not_allowed"
