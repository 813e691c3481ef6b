"""Licences (compliance.licenses): metadata values, statements in text, and the per-kind allow-list."""

from __future__ import annotations

import pytest

from compliance.licenses import (
    ALL_RIGHTS_RESERVED,
    GUTENBERG,
    PUBLIC_DOMAIN,
    LicenseConfig,
    LicenseFinding,
    detect_license,
    license_decision,
    normalize_license,
)


@pytest.mark.parametrize(
    ("value", "spdx"),
    [
        ("CC-BY-4.0", "CC-BY-4.0"),
        ("cc-by-sa-3.0", "CC-BY-SA-3.0"),
        ("CC BY-NC-SA 4.0", "CC-BY-NC-SA-4.0"),
        ("cc_by_nd_2.0", "CC-BY-ND-2.0"),
        ("CC BY 4.0 International", "CC-BY-4.0"),
        ("CC-BY", "LicenseRef-CC-BY"),  # no version: not guessed
        ("CC0", "CC0-1.0"),
        ("cc0-1.0", "CC0-1.0"),
        ("CC0 1.0 Universal", "CC0-1.0"),
        ("Creative Commons Attribution-ShareAlike 4.0 International", "CC-BY-SA-4.0"),
        ("public domain", PUBLIC_DOMAIN),
        ("Public-Domain", PUBLIC_DOMAIN),
        ("gutenberg", GUTENBERG),  # what the book reader writes for Project Gutenberg-style files
        ("apache 2.0", "Apache-2.0"),
        ("MIT", "MIT"),
        ("mit license", "MIT"),
        ("gpl-3.0-or-later", "GPL-3.0-or-later"),
        ("LicenseRef-All-Rights-Reserved", ALL_RIGHTS_RESERVED),
        ("LicenseRef-Internal-Use", "LicenseRef-Internal-Use"),
        (
            "our own licence v2",
            "our own licence v2",
        ),  # declared but unknown: kept for the allow-list to refuse
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_normalize_license(value, spdx) -> None:
    assert normalize_license(value) == spdx


@pytest.mark.parametrize(
    ("text", "spdx", "evidence"),
    [
        (
            "// SPDX-License-Identifier: BSD-3-Clause\nint main() {}",
            "BSD-3-Clause",
            "SPDX-License-Identifier: BSD-3-Clause",
        ),
        (
            "This work is licensed under a Creative Commons Attribution-NonCommercial 4.0 International"
            " License.",
            "CC-BY-NC-4.0",
            "Creative Commons Attribution-NonCommercial 4.0",
        ),
        (
            "Text: https://creativecommons.org/licenses/by-sa/4.0/deed.zh",
            "CC-BY-SA-4.0",
            "creativecommons.org/licenses/by-sa/4.0",
        ),
        (
            "https://creativecommons.org/publicdomain/zero/1.0/",
            "CC0-1.0",
            "creativecommons.org/publicdomain/zero/1.0",
        ),
        (
            "Photo: Public Domain Mark creativecommons.org/publicdomain/mark/1.0/",
            PUBLIC_DOMAIN,
            "creativecommons.org/publicdomain/mark/",
        ),
        (
            "本作品采用知识共享署名-相同方式共享 4.0 国际许可协议进行许可。",
            "CC-BY-SA-4.0",
            "知识共享署名-相同方式共享 4.0",
        ),
        (
            "本文采用知识共享署名-非商业性使用-禁止演绎 4.0 国际许可协议。",
            "CC-BY-NC-ND-4.0",
            "知识共享署名-非商业性使用-禁止演绎 4.0",
        ),
        ("Released under CC BY 4.0.", "CC-BY-4.0", "CC BY 4.0"),
        ("Dedicated under CC0.", "CC0-1.0", "CC0"),
        ("This book is in the public domain in the United States.", PUBLIC_DOMAIN, "in the public domain"),
        ("作者逝世已逾五十年，本书已进入公有领域。", PUBLIC_DOMAIN, "已进入公有领域"),
        (
            "This eBook is for the use of anyone anywhere. Project Gutenberg License included.",
            GUTENBERG,
            "Project Gutenberg License",
        ),
        (
            'Licensed under the Apache License, Version 2.0 (the "License")',
            "Apache-2.0",
            "Apache License, Version 2.0",
        ),
        (
            "Permission is hereby granted, free of charge, to any person",
            "MIT",
            "Permission is hereby granted, free of charge",
        ),
        (
            "under the terms of the GNU General Public License as published by the Free Software Foundation, "
            "either version 3 of the License, or (at your option) any later version.",
            "GPL-3.0-or-later",
            "General Public License as published by the Free Software Foundation, either version 3",
        ),
        (
            "GNU Lesser General Public License version 2.1",
            "LGPL-2.1-only",
            "Lesser General Public License version 2.1",
        ),
        ("© 2023 Harbour Lane Gazette. All rights reserved.", ALL_RIGHTS_RESERVED, "All rights reserved"),
        ("版权所有 © 北方生活网，未经许可不得转载", ALL_RIGHTS_RESERVED, "版权所有"),
        # an explicit licence wins over a rights-reserved line on the same page
        ("All rights reserved for the photos. Text: CC BY-SA 4.0.", "CC-BY-SA-4.0", "CC BY-SA 4.0"),
    ],
)
def test_detect_license_in_text(text, spdx, evidence) -> None:
    assert detect_license(text) == LicenseFinding(spdx, "text", evidence)


def test_no_statement_is_none() -> None:
    assert detect_license("A short poem about the sea, with no licence at all.") is None


def test_metadata_wins_over_text_and_meta_keys_count() -> None:
    text = "Licensed under CC BY-NC 4.0."
    assert detect_license(text, "CC0-1.0") == LicenseFinding("CC0-1.0", "metadata", "CC0-1.0")
    assert detect_license(text, None, {"licence": "cc-by 4.0"}) == LicenseFinding(
        "CC-BY-4.0", "metadata", "licence=cc-by 4.0"
    )


def test_only_head_and_tail_are_scanned() -> None:
    middle = "x " * 5000 + "Licensed under CC BY 4.0. " + "y " * 5000
    assert detect_license(middle, scan_chars=2000) is None
    assert detect_license(middle + " CC0", scan_chars=2000) == LicenseFinding("CC0-1.0", "text", "CC0")


CFG = LicenseConfig()


@pytest.mark.parametrize(
    ("finding", "source", "decision"),
    [
        (LicenseFinding("CC0-1.0", "metadata", ""), "literature", ("keep", None)),
        (LicenseFinding("CC-BY-4.0", "metadata", ""), "literature", ("keep", None)),
        (LicenseFinding("cc-by-sa-4.0", "metadata", ""), "book", ("keep", None)),  # case-insensitive
        (LicenseFinding(GUTENBERG, "metadata", ""), "book", ("keep", None)),
        (LicenseFinding(ALL_RIGHTS_RESERVED, "metadata", ""), "literature", ("drop", "license_not_allowed")),
        (LicenseFinding("CC-BY-NC-4.0", "text", ""), "book", ("drop", "license_not_allowed")),
        (LicenseFinding("CC-BY-ND-4.0", "text", ""), "literature", ("drop", "license_not_allowed")),
        (LicenseFinding("GPL-3.0-only", "text", ""), "code", ("drop", "license_not_allowed")),
        (LicenseFinding("BSD-3-Clause", "text", ""), "code", ("keep", None)),
        (LicenseFinding(ALL_RIGHTS_RESERVED, "text", ""), "web", ("keep", None)),  # web has no allow-list
        (None, "book", ("tag", "license_unknown")),
        (None, "literature", ("tag", "license_unknown")),
        (None, "code", ("drop", "license_unknown")),
        (None, "web", ("keep", None)),
    ],
)
def test_license_decision(finding, source, decision) -> None:
    assert license_decision(finding, source, CFG) == decision


def test_decision_actions_come_from_the_config() -> None:
    cfg = LicenseConfig(allow={"web": ("CC-BY-4.0",)}, not_allowed="tag", default_unknown="drop", unknown={})
    assert license_decision(LicenseFinding("MIT", "text", ""), "web", cfg) == ("tag", "license_not_allowed")
    assert license_decision(None, "book", cfg) == ("drop", "license_unknown")
    with pytest.raises(ValueError, match=r"licenses\.not_allowed"):
        LicenseConfig(not_allowed="refuse")
