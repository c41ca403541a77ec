"""Parsers never fail with anything but CmsFormatError, whatever bytes they are given."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrvu.cms.anes import parse_anes
from openrvu.cms.counties import parse_locco
from openrvu.cms.discover import classify
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.gpci import parse_gpci
from openrvu.cms.hcpcs2 import parse_hcpcs2
from openrvu.cms.opps_cap import parse_oppscap
from openrvu.cms.rvu_file import parse_pprrvu
from openrvu.cms.zip5 import parse_zip5

PARSERS = [parse_pprrvu, parse_gpci, parse_locco, parse_anes, parse_oppscap, parse_zip5, parse_hcpcs2]

# Junk that looks a little like CMS files: CSV punctuation, header words, digits, quotes, NULs, non-ASCII.
_CELLS = st.sampled_from(
    [
        "HCPCS",
        "MOD",
        "DESCRIPTION",
        "WORK",
        "RVU",
        "PROCSTAT",
        "CARRIER",
        "Contractor",
        "Anes CF",
        "1.30",
        "NaN",
        "1e5",
        "-",
        '"',
        ",",
        "\r\n",
        "\n",
        "99213",
        "",
        " ",
        "\x00",
        "é",
        "PW GPCI",
        "Counties",
        "Fee Schedule Area",
        "HCPC",
        "LONG DESCRIPTION",
        "SHORT DESCRIPTION",
        "RECID",
        "7",
        "3",
    ]
)
_TEXT = st.lists(_CELLS, max_size=60).map(",".join)
_JUNK = st.one_of(st.binary(max_size=400), _TEXT.map(lambda t: t.encode("utf-8")))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=_JUNK, which=st.sampled_from(range(len(PARSERS))), suffix=st.sampled_from([".csv", ".txt", ".xlsx"])
)
def test_parsers_only_raise_format_errors(data: bytes, which: int, suffix: str) -> None:
    path = Path(tempfile.gettempdir()) / f"junk{suffix}"
    try:
        PARSERS[which](path, data)
    except CmsFormatError as exc:
        assert exc.path == str(path)


@settings(max_examples=150, deadline=None)
@given(data=_JUNK, name=st.sampled_from(["x.csv", "x.xlsx", "x.txt.gz", "ZIP5.txt"]))
def test_classify_never_raises(data: bytes, name: str) -> None:
    assert classify(name, data) in (
        None,
        "pprrvu",
        "gpci",
        "locco",
        "anes",
        "oppscap",
        "zip5",
        "hcpcs2",
        "payment_amounts",
    )
