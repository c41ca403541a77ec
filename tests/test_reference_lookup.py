"""code_info(): the JSON shape of one code, on the real data."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrvu.reference.categories import category_of
from openrvu.reference.db import ReferenceDB
from openrvu.reference.errors import UnknownCode
from openrvu.reference.lookup import code_info

KEYS = {
    "hcpcs",
    "modifier",
    "release",
    "effective_date",
    "description",
    "long_description",
    "status_code",
    "status_meaning",
    "not_used_for_medicare_payment",
    "work_rvu",
    "nonfacility_pe_rvu",
    "facility_pe_rvu",
    "mp_rvu",
    "nonfacility_total",
    "facility_total",
    "pctc_indicator",
    "global_days",
    "mult_proc",
    "bilat_surg",
    "asst_surg",
    "co_surg",
    "team_surg",
    "endo_base",
    "conv_factor",
    "modifier_rows",
    "category",
    "comparison",
    "history",
    "indicators",
    "pre_op",
    "intra_op",
    "post_op",
    "na_indicators",
    "warnings",
}


def test_keys_and_values(reference: ReferenceDB) -> None:
    info = code_info(reference, "27447", release="RVU25D")
    assert set(info) >= KEYS  # plus any sections openrvu.knowledge adds
    json.dumps(info)  # JSON-ready as it is
    assert (info["work_rvu"], info["conv_factor"], info["global_days"]) == ("19.60", "32.3465", "090")
    assert (info["pre_op"], info["intra_op"], info["post_op"]) == ("0.10", "0.69", "0.21")
    assert info["category"] == "Surgery / Musculoskeletal System"
    assert info["indicators"]["bilat_surg"]["meaning"].startswith("Bilateral adjustment applies")
    assert [(h["release"], h["work_rvu"]) for h in info["history"]] == [
        ("RVU25D", "19.60"),
        ("RVU26C", "19.11"),
    ]
    comparison = info["comparison"]
    assert comparison["percentile"] > 80 and comparison["codes_in_category"] > 1000
    assert "median" in comparison["text"]


def test_latest_release_by_default(reference: ReferenceDB) -> None:
    assert code_info(reference, "27447")["work_rvu"] == "19.11"
    assert code_info(reference, "99213")["work_rvu"] == "1.30"


def test_pc_tc_rows(reference: ReferenceDB) -> None:
    glob = code_info(reference, "70557", release="RVU25D")
    assert (glob["status_code"], glob["work_rvu"], glob["modifier_rows"]) == ("C", "0.00", ["26", "TC"])
    assert any("Contractor-priced" in w for w in glob["warnings"])
    pc = code_info(reference, "70557", "26", release="RVU25D")
    assert (pc["status_code"], pc["work_rvu"], pc["modifier_rows"]) == ("A", "2.90", ["", "TC"])


def test_not_used_for_medicare(reference: ReferenceDB) -> None:
    info = code_info(reference, "99396", on_date=date(2025, 12, 1))
    assert info["release"] == "RVU25D" and info["not_used_for_medicare_payment"] is True
    assert info["work_rvu"] == "1.90"


def test_level2_code_with_long_description(reference: ReferenceDB) -> None:
    info = code_info(reference, "g0320", release="RVU25D")
    assert (info["status_code"], info["work_rvu"], info["category"]) == ("X", "0.00", "G Codes")
    assert info["long_description"].startswith(
        "Home health services furnished using synchronous telemedicine"
    )
    assert info["comparison"]["text"] == "In the G Codes category, 85% of codes share this characteristic"
    assert code_info(reference, "G0320", release="RVU26C")["comparison"]["share_percent"] == 84


def test_level2_code_outside_the_fee_schedule(reference: ReferenceDB) -> None:
    info = code_info(reference, "A4397")
    assert set(info) >= KEYS  # plus any sections openrvu.knowledge adds
    assert info["work_rvu"] is None and info["long_description"] and info["category"] == "A Codes"
    assert "does not list" in info["warnings"][0]


def test_date_warning_is_passed_on(reference: ReferenceDB) -> None:
    info = code_info(reference, "99213", on_date=date(2026, 3, 2))
    assert info["release"] == "RVU26C" and info["warnings"][0].startswith("RVU26A")


def test_unknown_code_names_closest(reference: ReferenceDB) -> None:
    with pytest.raises(UnknownCode) as err:
        code_info(reference, "9921")
    assert "99213" in err.value.closest or "99211" in err.value.closest
    with pytest.raises(UnknownCode) as err:
        code_info(reference, "99213", "TC")
    assert err.value.closest == ["99213"]


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("99213", "Evaluation and Management"),
        ("00100", "Anesthesia"),
        ("27447", "Surgery / Musculoskeletal System"),
        ("33533", "Surgery / Cardiovascular System"),
        ("11042", "Surgery / Integumentary System"),
        ("70557", "Radiology / Diagnostic Radiology (Imaging)"),
        ("88305", "Pathology and Laboratory"),
        ("93000", "Medicine"),
        ("99500", "Medicine / Home Health and Medication Therapy Management"),
        ("0001F", "CPT Category II"),
        ("0075T", "CPT Category III"),
        ("G0320", "G Codes"),
        ("J3420", "J Codes"),
        ("D0120", "D Codes"),
        ("hello", "Other codes"),
    ],
)
def test_categories(code: str, name: str) -> None:
    assert category_of(code).name == name


def test_every_loaded_code_has_a_category(reference: ReferenceDB) -> None:
    unknown = {c for c in reference.codes("RVU26C") if category_of(c).section in ("Other", "CPT")}
    assert not unknown


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40), modifier=st.text(max_size=4))
def test_any_input_gives_info_or_unknown_code(reference: ReferenceDB, text: str, modifier: str) -> None:
    try:
        info = code_info(reference, text, modifier)
    except UnknownCode as exc:
        assert all(isinstance(c, str) for c in exc.closest)
    else:
        assert info["hcpcs"] == text.strip().upper()
