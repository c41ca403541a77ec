"""The catalog of official CMS download locations (openrvu.cms.catalog)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from openrvu.cms.catalog import PFS, UnknownSource, join_url, load_catalog, local_name, parse_catalog


def test_every_source_is_well_formed() -> None:
    catalog = load_catalog()
    assert catalog.base_url == "https://www.cms.gov/files/zip/"
    keys = [s.key for s in catalog.sources]
    assert len(keys) == len(set(keys))
    for source in catalog.sources:
        assert source.files and all(f.endswith(".zip") for f in source.files)
        assert all(u.startswith("https://www.cms.gov/files/zip/") for u in source.urls(catalog.base_url))
        assert "/" not in local_name(source.files[0])
        if source.group == PFS:
            assert re.fullmatch(r"RVU\d\d[A-D]", source.key)
            assert source.kinds == {"pprrvu"}
            # the plain official pattern is always the last name tried
            assert source.files[-1] == source.key.lower() + ".zip"


def test_get_is_forgiving_and_unknown_keys_suggest() -> None:
    catalog = load_catalog()
    assert catalog.get("rvu25d").key == "RVU25D"
    assert catalog.get(" RVU25D.zip ").key == "RVU25D"
    with pytest.raises(UnknownSource, match="did you mean RVU25D") as caught:
        catalog.get("RVU25E")
    assert "known: " in str(caught.value)


def test_latest_in_effect_on_a_date() -> None:
    catalog = load_catalog()
    assert catalog.latest(PFS, on=date(2025, 11, 3)).key == "RVU25D"
    assert catalog.latest(PFS, on=date(2026, 7, 1)).key == "RVU26C"
    assert catalog.latest("zip_locality", on=date(2025, 12, 1)).key == "ZIP5-2025"
    with pytest.raises(UnknownSource, match="no pfs source in effect on 1999-01-01"):
        catalog.latest(PFS, on=date(1999, 1, 1))


def test_base_url_swap_keeps_official_names() -> None:
    source = load_catalog().get("ZIP5-2025")
    mirror = "http://127.0.0.1:8080/mirror"
    assert source.urls(mirror) == [f"{mirror}/zip-code-carrier-locality-file-revised-08/14/2025.zip"]
    assert local_name(source.files[0]) == "zip-code-carrier-locality-file-revised-08-14-2025.zip"
    assert join_url("http://h/x/", "a.zip") == join_url("http://h/x", "a.zip") == "http://h/x/a.zip"


def test_bad_catalog_names_the_entry() -> None:
    with pytest.raises(ValueError, match="catalog source #1: bad or missing field 'files'"):
        parse_catalog(
            'base_url = "x"\n[[source]]\nkey="A"\ngroup="pfs"\ntitle="t"\neffective="2025-01-01"\n'
            'kinds=["pprrvu"]\n'
        )
    with pytest.raises(ValueError, match="catalog source B: needs a group"):
        parse_catalog(
            'base_url = "x"\n[[source]]\nkey="B"\ngroup="other"\ntitle="t"\neffective="2025-01-01"\n'
            'files=["b.zip"]\nkinds=["pprrvu"]\n'
        )
