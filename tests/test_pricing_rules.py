"""Worked examples of payment-rules.md, the traps of issue 3, and bad input, on the real reference data.

Locality 01112-05 (San Francisco), release RVU25D, CF 32.3465.
Every expected amount below is computed in the test from the formula in its docstring, with the real
RVUs and GPCIs, so a wrong rule (not a changed file) makes it fail.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from typer.testing import CliRunner

from openrvu.cli.app import app
from openrvu.pricing.contract import Contract, contract_from_dict
from openrvu.pricing.errors import PricingError
from openrvu.pricing.model import LineInput, Provider
from openrvu.pricing.service import PricingService, parse_code

DAY = date(2025, 11, 3)
SF = "01112-05"


@pytest.fixture(scope="module")
def svc(reference) -> PricingService:
    return PricingService(reference)


def fee(svc: PricingService, code: str, mod: str = "", facility: bool = False) -> Decimal:
    """Exact fee of a row in San Francisco: [(W x wG) + (PE x peG) + (MP x mpG)] x CF."""
    row = svc.row("RVU25D", code, mod)
    g = svc.gpci("RVU25D", SF)
    pe = row.fac_pe_rvu if facility else row.nonfac_pe_rvu
    return (row.work_rvu * g.work_gpci + pe * g.pe_gpci + row.mp_rvu * g.mp_gpci) * row.conv_factor


def c(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def price(
    svc, *codes: str, pos: str = "11", provider: Provider = Provider(), contract: Contract | None = None
):
    lines = [LineInput(p.hcpcs, p.modifiers, p.units, pos) for p in map(parse_code, codes)]
    return svc.price(lines, on=DAY, locality=SF, provider=provider, contract=contract)


def test_rule1_formula_rounded_once(svc) -> None:
    """99213 office: [(1.30 x wG) + (1.35 x peG) + (0.10 x mpG)] x 32.3465, rounded half-up once."""
    assert price(svc, "99213").lines[0].allowed == c(fee(svc, "99213"))


def test_rule5_facility_pos_takes_facility_pe(svc) -> None:
    """99213 at POS 22 uses the facility PE RVU 0.57: [(1.30 x wG) + (0.57 x peG) + (0.10 x mpG)] x CF."""
    line = price(svc, "99213", pos="22").lines[0]
    assert line.facility and line.allowed == c(fee(svc, "99213", facility=True))


@pytest.mark.parametrize(
    "pos", ["19", "21", "22", "23", "24", "26", "31", "34", "41", "42", "51", "52", "53", "56", "61", "02"]
)
def test_trap_facility_settings(svc, pos: str) -> None:
    """The facility POS list of IOM 100-04 ch.12 s.20.4.2 plus telehealth POS 02 (rule 6)."""
    assert price(svc, "99213", pos=pos).lines[0].facility


def test_rule6_pos10_non_facility(svc) -> None:
    assert not price(svc, "99213", pos="10").lines[0].facility


def test_trap_same_code_twice_ranks_100_50(svc) -> None:
    """20610 + 20610 = 100% + 50% of the fee (rule 13, indicator 2)."""
    res = price(svc, "20610", "20610")
    f = fee(svc, "20610")
    assert [x.allowed for x in res.lines] == [c(f), c(f / 2)]


def test_rule12_bilateral_indicator1_150(svc) -> None:
    """20610-50 (bilateral indicator 1) = 150% of the fee; wRVU 0.79 x 1.5 = 1.19 (CMS-consistent)."""
    line = price(svc, "20610:50").lines[0]
    assert line.allowed == c(fee(svc, "20610") * Decimal("1.5"))
    assert line.wrvu == c(Decimal("0.79") * Decimal("1.5"))


def test_trap_bilateral_indicator0_no_uplift(svc) -> None:
    """A bilateral-indicator-0 code billed -50 pays 100%, not 150%."""
    row = next(
        r
        for r in svc.db.iter_rvu("RVU25D")
        if r.bilat_surg == "0" and r.status_code == "A" and r.mult_proc == "2" and not r.modifier
    )
    line = price(svc, f"{row.hcpcs}:50").lines[0]
    assert line.allowed == c(fee(svc, row.hcpcs))


def test_trap_third_procedure_50_not_25(svc) -> None:
    """27447 + 20610 + 20610: 100% / 50% / 50% (indicator 2; never the old 25%)."""
    res = price(svc, "27447", "20610", "20610", pos="22")
    assert res.lines[2].allowed == c(fee(svc, "20610", facility=True) / 2)


def test_rule14_assistant_16_and_as_13_6(svc) -> None:
    """27447-80 = 16% of the fee; 27447-AS = 85% x 16% = 13.6%."""
    assert price(svc, "27447:80", pos="22").lines[0].allowed == c(
        fee(svc, "27447", facility=True) * Decimal("0.16")
    )
    assert price(svc, "27447:AS", pos="22").lines[0].allowed == c(
        fee(svc, "27447", facility=True) * Decimal("0.136")
    )


def test_trap_assistant_forbidden_not_paid(svc) -> None:
    """An assistant on a code with ASST SURG 1 (statutory restriction) is not paid."""
    row = next(
        r for r in svc.db.iter_rvu("RVU25D") if r.asst_surg == "1" and r.status_code == "A" and not r.modifier
    )
    assert price(svc, f"{row.hcpcs}:80").lines[0].allowed == 0


def test_rule15_co_surgeon_62_5(svc) -> None:
    """27447-62 (co-surgeon indicator 1) = 62.5% of the fee."""
    assert price(svc, "27447:62", pos="22").lines[0].allowed == c(
        fee(svc, "27447", facility=True) * Decimal("0.625")
    )


def test_rule17_split_care_shares(svc) -> None:
    """27447-54 = pre + intra (0.10 + 0.69); -55 = post 0.21."""
    f = fee(svc, "27447", facility=True)
    assert price(svc, "27447:54", pos="22").lines[0].allowed == c(f * Decimal("0.79"))
    assert price(svc, "27447:55", pos="22").lines[0].allowed == c(f * Decimal("0.21"))


def test_rule10_reduced_default_50(svc) -> None:
    assert price(svc, "20610:52").lines[0].allowed == c(fee(svc, "20610") / 2)


def test_rule9_own_53_row_and_contractor_otherwise(svc) -> None:
    """45378-53 uses its own row; 20610-53 is contractor-priced (never shown as 0)."""
    assert price(svc, "45378:53").lines[0].allowed == c(fee(svc, "45378", "53"))
    assert price(svc, "20610:53").lines[0].allowed is None


def test_rule8_26_row_of_70557(svc) -> None:
    """70557 global is status C (no amount) but -26 is active with 2.90 work RVU."""
    assert price(svc, "70557").lines[0].allowed is None
    line = price(svc, "70557:26").lines[0]
    assert line.wrvu == Decimal("2.90") and line.allowed == c(fee(svc, "70557", "26"))


def test_rule19_npp_and_nonpar(svc) -> None:
    """NPP 85%; non-par 95%, limiting charge = 1.0925 x fee; wRVU unchanged."""
    f = fee(svc, "99213")
    line = price(svc, "99213", provider=Provider(npp=True)).lines[0]
    assert line.allowed == c(f * Decimal("0.85")) and line.wrvu == Decimal("1.30")
    line = price(svc, "99213", provider=Provider(participating=False)).lines[0]
    assert line.allowed == c(f * Decimal("0.95")) and line.limiting_charge == c(f * Decimal("1.0925"))


def test_rule13_imaging_family_tc50_pc5(svc) -> None:
    """74177 + 72193: the lower (72193) loses 50% of its TC and 5% of its PC."""
    res = price(svc, "74177", "72193")
    low = fee(svc, "72193") - fee(svc, "72193", "TC") / 2 - fee(svc, "72193", "26") * Decimal("0.05")
    assert res.lines[1].allowed == c(low)


def test_rule13_status_t_only_when_alone(svc) -> None:
    t = next(
        r for r in svc.db.iter_rvu("RVU25D") if r.status_code == "T" and not r.modifier and r.nonfac_total > 0
    )
    assert price(svc, t.hcpcs).lines[0].allowed > 0
    assert price(svc, t.hcpcs, "99213").lines[0].allowed == 0


def test_contract_switch_keeps_full_wrvu(svc) -> None:
    """With multiple_procedure off, the second 20610 credits its full 0.79 wRVU; payment still 50%."""
    contract = contract_from_dict({"reduces_wrvu": {"multiple_procedure": False}})
    res = price(svc, "20610", "20610", contract=contract)
    assert [x.wrvu for x in res.lines] == [Decimal("0.79"), Decimal("0.79")]
    assert res.lines[1].allowed == c(fee(svc, "20610") / 2)


def test_contract_compensation_tiers() -> None:
    """threshold 100, $40 from 0 and $50 from 150: 200 wRVU -> 50 x 40 + 50 x 50 = 4500."""
    contract = contract_from_dict(
        {"threshold": 100, "tiers": [{"from": 0, "rate": 40}, {"from": 150, "rate": 50}]}
    )
    assert contract.compensation(Decimal(200)) == Decimal("4500.00")


@pytest.mark.parametrize(
    ("codes", "field"),
    [
        (["76145:26:TC"], "modifiers"),
        (["99213:26"], "modifiers"),
        (["99213x0"], "units"),
        (["99213x-1"], "units"),
        (["ZZZZ9"], "hcpcs"),
        (["99213:Q9"], "modifiers"),
    ],
)
def test_bad_lines_are_errors(svc, codes: list[str], field: str) -> None:
    with pytest.raises(PricingError) as err:
        price(svc, *codes)
    assert err.value.field == field


def test_bad_pos_locality_zip_date(svc) -> None:
    line = [LineInput("99213")]
    for kwargs, field in (
        ({"locality": "05"}, "locality"),
        ({"locality": "99999-99"}, "locality"),
        ({"locality": "00000"}, "locality"),
    ):
        with pytest.raises(PricingError) as err:
            svc.price(line, on=DAY, **kwargs)
        assert err.value.field == field
    with pytest.raises(PricingError) as err:
        svc.price([LineInput("99213", pos="98")], on=DAY, locality=SF)
    assert err.value.field == "pos"
    with pytest.raises(PricingError) as err:
        svc.price(line, on=date(1999, 1, 4), locality=SF)
    assert err.value.field == "date"


@pytest.mark.parametrize(
    "args",
    [
        ["76145:26:TC"],
        ["99213:26"],
        ["99213x0"],
        ["99213", "--pos", "98"],
        ["99213", "--zip", "00000"],
        ["99213", "--date", "1999-01-04"],
    ],
)
def test_cli_bad_input_exit_2(reference_path, monkeypatch, tmp_path, args: list[str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    opts = {"--pos": "11", "--date": "2025-11-03", **dict(zip(args[1::2], args[2::2], strict=True))}
    if "--zip" not in opts:
        opts["--locality"] = SF
    argv = ["price", args[0], *[x for kv in opts.items() for x in kv]]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2, result.output


def test_cli_price_json(reference_path, monkeypatch, tmp_path) -> None:
    import json

    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    result = CliRunner().invoke(
        app, ["price", "20610", "20610", "--pos", "11", "--locality", SF, "--date", "2025-11-03", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [line["rules"][1]["code"] for line in data["lines"]] == ["13:100", "13:50"]
    first, second = (Decimal(line["allowed"]) for line in data["lines"])
    assert Decimal(data["total_allowed"]) == first + second and len(data["total_allowed"].split(".")[1]) == 2


def test_rule2_cf_from_the_release_row(svc) -> None:
    """CY2025 lines use the RVU25D row's CF 32.3465; a 2026 date uses RVU26C's 33.4009 (rule 21)."""
    assert price(svc, "99213").lines[0].conv_factor == Decimal("32.3465")
    line = svc.price([LineInput("99213")], on=date(2026, 8, 3), locality=SF).lines[0]
    assert (line.release, line.conv_factor) == ("RVU26C", Decimal("33.4009"))


def test_rule22_credit_follows_release(svc) -> None:
    """27447 credited 19.60 wRVU in 2025 and 19.11 in 2026; a contract frozen at RVU25D credits 19.60
    in 2026 and shows 19.11 as the current-release credit."""
    on26 = date(2026, 8, 3)
    assert price(svc, "27447", pos="22").lines[0].wrvu == Decimal("19.60")
    assert svc.price([LineInput("27447", pos="22")], on=on26, locality=SF).lines[0].wrvu == Decimal("19.11")
    frozen = contract_from_dict({"frozen_release": "RVU25D"})
    line = svc.price([LineInput("27447", pos="22")], on=on26, locality=SF, contract=frozen).lines[0]
    assert (line.wrvu, line.wrvu_current) == (Decimal("19.60"), Decimal("19.11"))


def test_rule3_alaska_work_gpci_floor(svc) -> None:
    """Alaska (02102-01) work GPCI 1.5: 99213 = [(1.30 x 1.5) + (1.35 x 1.081) + (0.10 x 0.592)] x 32.3465."""
    line = svc.price([LineInput("99213")], on=DAY, locality="02102-01").lines[0]
    exact = (
        Decimal("1.30") * Decimal("1.5")
        + Decimal("1.35") * Decimal("1.081")
        + Decimal("0.10") * Decimal("0.592")
    ) * Decimal("32.3465")
    assert line.work_gpci == Decimal("1.5") and line.allowed == c(exact)


def test_rule4_zip_resolves_to_carrier_locality(svc) -> None:
    """ZIP 94110 (San Francisco) prices exactly as 01112-05."""
    by_zip = svc.price([LineInput("99213")], on=DAY, locality="94110").lines[0]
    assert (by_zip.carrier, by_zip.locality, by_zip.allowed) == (
        "01112",
        "05",
        price(svc, "99213").lines[0].allowed,
    )


def test_rule7_not_paid_status_keeps_rvus_and_contract_may_credit(svc) -> None:
    """99396 is status N with RVUs 'not used for Medicare payment': allowed 0.00, RVUs shown, credit 0
    by default, 1.90 when the contract credits non-payable rows."""
    line = price(svc, "99396").lines[0]
    assert (line.allowed, line.work_rvu, line.wrvu) == (Decimal("0.00"), Decimal("1.90"), Decimal("0.00"))
    assert "not used for Medicare payment" in line.rules[-1].effect
    credit = contract_from_dict({"credit_non_payable": True})
    assert price(svc, "99396", contract=credit).lines[0].wrvu == Decimal("1.90")


def test_rule11_and_16_by_report(svc) -> None:
    """-22 prices at 100% (contractor may add); -66 on a team-permitted code is by report (None)."""
    assert price(svc, "27447:22", pos="22").lines[0].allowed == c(fee(svc, "27447", facility=True))
    team = next(
        r for r in svc.db.iter_rvu("RVU25D") if r.team_surg == "2" and r.status_code == "A" and not r.modifier
    )
    assert price(svc, f"{team.hcpcs}:66", pos="22").lines[0].allowed is None


def test_rule18_opps_cap_binds_for_70496(svc) -> None:
    """70496 office: OPPS PE 6.11 < PFS PE 6.56, so [(W x wG) + (6.11 x peG) + (0.11 x mpG)] x CF."""
    row = svc.row("RVU25D", "70496", "")
    g = svc.gpci("RVU25D", SF)
    capped = (
        row.work_rvu * g.work_gpci + row.nonfac_pe_opps * g.pe_gpci + row.mp_opps * g.mp_gpci
    ) * row.conv_factor
    line = price(svc, "70496").lines[0]
    assert line.allowed == c(capped) and any(r.rule == 18 for r in line.rules)


def test_rule20_anesthesia(svc) -> None:
    """00142, 4 base units, 47 minutes (3.1 time units) in 01112-05: (4 + 3.1) x the ANES CF."""
    cf = svc.db.anesthesia_cf("RVU25D", "01112", "05").conv_factor
    line = svc.price([LineInput("00142", (), 1, "22", 47, Decimal(4))], on=DAY, locality=SF).lines[0]
    assert line.allowed == c(Decimal("7.1") * cf)
    with pytest.raises(PricingError, match="anesthesia"):
        svc.price([LineInput("00142", pos="22")], on=DAY, locality=SF)


def test_trap_therapy_reduces_pe_only(svc) -> None:
    """97110 x 2: the second unit loses 50% of its PE only: 2 x fee - 0.5 x (PE x peG x CF)."""
    row = svc.row("RVU25D", "97110", "")
    g = svc.gpci("RVU25D", SF)
    expected = 2 * fee(svc, "97110") - row.nonfac_pe_rvu * g.pe_gpci * row.conv_factor / 2
    line = price(svc, "97110x2").lines[0]
    assert line.allowed == c(expected) and line.wrvu == Decimal("0.90")


def test_rule13_cardiovascular_tc_25(svc) -> None:
    """93306 + 93880 (both indicator 6): the lower one loses 25% of its TC."""
    res = price(svc, "93306", "93880")
    amounts = {x.hcpcs: x.allowed for x in res.lines}
    low, high = sorted(["93306", "93880"], key=lambda code: fee(svc, code, "TC"))
    assert amounts[high] == c(fee(svc, high))
    assert amounts[low] == c(fee(svc, low) - fee(svc, low, "TC") / 4)


def test_contract_file_errors(tmp_path, reference_path, monkeypatch) -> None:
    from openrvu.pricing.contract import load_contract

    bad = tmp_path / "bad.toml"
    bad.write_text("[reduces_wrvu]\nbilaterall = false\n")
    with pytest.raises(PricingError, match="bilaterall"):
        load_contract(bad)
    good = tmp_path / "good.json"
    good.write_text('{"reduces_wrvu": {"bilateral": false}, "dollars_per_wrvu": 45}')
    assert load_contract(good).reduces("bilateral") is False
    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    argv = ["price", "99213", "--pos", "11", "--locality", SF, "--date", "2025-11-03", "--contract", str(bad)]
    assert CliRunner().invoke(app, argv).exit_code == 2


@pytest.mark.parametrize(
    "tiers",
    [
        [{"from": 5000, "rate": 50}, {"from": 4000, "rate": 55}],  # out of order
        [{"from": 5000, "rate": 50}, {"from": 5000, "rate": 55}],  # same start: the first covers nothing
    ],
)
def test_contract_tiers_must_start_strictly_increasing(tiers: list[dict[str, int]]) -> None:
    with pytest.raises(PricingError, match="strictly increasing") as err:
        contract_from_dict({"tiers": tiers})
    assert err.value.field == "tiers"
