"""The abbreviation dictionary: expansion of real short descriptors and coverage of the real files."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from english_words import get_english_words_set
from hypothesis import given
from hypothesis import strategies as st

from openrvu.knowledge import abbreviations, coverage, expand_descriptor, tokenize


def _pprrvu_descriptions(path: Path) -> list[str]:
    with path.open(newline="", encoding="latin-1") as handle:
        rows = list(csv.reader(handle))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "HCPCS")
    column = rows[header].index("DESCRIPTION")
    return [row[column] for row in rows[header + 1 :] if row and row[0]]


@pytest.fixture(scope="module")
def hcpcs_rows(cms_dir: Path) -> list[dict[str, str]]:
    with (cms_dir / "hcpcs_level2_2025" / "HCPC2025_OCT_ANWEB.csv").open(newline="", encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if len(row["HCPC"].strip()) == 5]


def test_dictionary_is_well_formed() -> None:
    table = abbreviations()
    assert len(table) > 1000
    for token, expansion in table.items():
        assert token == token.lower() and " " not in token, token
        assert expansion and expansion != token, token


@pytest.mark.parametrize(
    ("short", "expected"),
    [
        ("Office o/p est low 20 min", "Office outpatient established low 20 minutes"),
        ("Drain/inj joint/bursa w/o us", "Drain/injection joint/bursa without ultrasound"),
        ("Ct head/brain w/o&w/dye", "CT scan head/brain without&with dye"),
        ("Njx paravert w/us cer/thor", "Injection paravertebral with ultrasound cervical/thoracic"),
        ("I&d abscess comp/multiple", "Incision and drainage abscess complex/multiple"),
        ("Decompress spine cord add-on", "Decompress spine cord add-on"),
        ("Vitamin d assay", "Vitamin d assay"),
    ],
)
def test_expand_descriptor(short: str, expected: str) -> None:
    assert expand_descriptor(short) == expected


def test_tokenize_keeps_slash_abbreviations_whole() -> None:
    assert tokenize("Ct abd w/o&w/dye 1mg") == ["ct", "abd", "w/o", "w/", "dye", "1", "mg"]
    assert tokenize("w/oct gdn 2nd") == ["w/", "oct", "gdn", "2nd"]


@given(st.text(max_size=200))
def test_expand_and_tokenize_never_raise(text: str) -> None:
    assert isinstance(expand_descriptor(text), str)
    assert all(token == token.lower() for token in tokenize(text))


def test_coverage_counts_each_kind() -> None:
    report = coverage(["Rpr 2 zzqx b w/o"], words={"b"})
    assert report.total == 5
    assert (report.abbreviations, report.numbers, report.letters) == (2, 1, 1)
    assert report.unknown == {"zzqx": 1}
    assert report.share == pytest.approx(0.8)


def test_coverage_of_the_real_short_descriptors(cms_dir: Path, hcpcs_rows: list[dict[str, str]]) -> None:
    """Above 98% of the tokens of every real short descriptor are words or known abbreviations."""
    descriptors = (
        _pprrvu_descriptions(cms_dir / "pfs_rvu_2025" / "PPRRVU2025_Oct.csv")
        + _pprrvu_descriptions(cms_dir / "pfs_rvu_2026" / "PPRRVU2026_Jul_nonQPP.csv")
        + [row["SHORT DESCRIPTION"] for row in hcpcs_rows]
    )
    # "Word" means a general English word (pinned word list) or a word of the public-domain HCPCS long
    # descriptions, which are plain English; the dictionary has to explain the rest.
    words = get_english_words_set(["web2", "gcide"], lower=True) | {
        token for row in hcpcs_rows for token in re.findall(r"[a-z]+", row["LONG DESCRIPTION"].lower())
    }
    report = coverage(descriptors, words)
    assert report.total > 200_000
    assert report.share > 0.98, report.unknown.most_common(30)
