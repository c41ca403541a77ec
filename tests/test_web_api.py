"""The JSON API: the same library answers as the CLI, prices, and the log behind a session or token."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fixtures_tracker import PRICED_DAY
from fixtures_web import csrf, sign_up
from openrvu.cli import app as cli_app
from openrvu.settings import Settings


def test_api_code_has_the_keys_and_values_of_openrvu_code_json(
    client: TestClient, web_settings: Settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENRVU_HOME", str(web_settings.home))
    cli = CliRunner().invoke(cli_app, ["code", "70557", "--release", "RVU25D", "--json"])
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.output)
    api = client.get("/api/codes/70557", params={"release": "RVU25D"})
    assert api.status_code == 200
    assert api.json() == expected
    assert api.json()["work_rvu"] == "0.00" and api.json()["status_code"] == "C"
    row = client.get("/api/codes/70557", params={"release": "RVU25D", "modifier": "26"}).json()
    assert (row["status_code"], row["work_rvu"]) == ("A", "2.90")


def test_api_code_unknown_is_404_with_closest_codes_and_bad_combinations_are_422(client: TestClient) -> None:
    missing = client.get("/api/codes/99299")
    assert missing.status_code == 404
    detail = missing.json()["detail"]
    assert detail["closest"] and all(len(c) >= 5 for c in detail["closest"])
    both = client.get("/api/codes/99213", params={"release": "RVU26C", "date": "2026-08-01"})
    assert both.status_code == 422
    by_date = client.get("/api/codes/27447", params={"date": "2025-11-01"}).json()
    assert (by_date["release"], by_date["work_rvu"]) == ("RVU25D", "19.60")


def test_api_search_ranks_with_reasons(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "video doctor visit at home"}).json()["hits"]
    assert "G0320" in [h["hcpcs"] for h in hits[:3]]
    assert set(hits[0]) == {"hcpcs", "modifier", "description", "score", "matched"}
    assert client.get("/api/search", params={"q": ""}).json()["hits"] == []


def test_api_price_prices_an_encounter_to_the_cent(client: TestClient) -> None:
    priced = client.get(
        "/api/price",
        params={"codes": "20610 20610", "pos": "11", "locality": "national", "date": "2026-08-03"},
    )
    assert priced.status_code == 200, priced.text
    body = priced.json()
    first, second = (Decimal(line["allowed"]) for line in body["lines"])
    # the same code twice on one day still ranks: the second takes 50% (rounded once, at the end)
    assert abs(second * 2 - first) <= Decimal("0.02") and second < first
    assert Decimal(body["total_allowed"]) == first + second
    bad = client.get(
        "/api/price", params={"codes": "99213", "pos": "98", "locality": "national", "date": "2026-08-03"}
    )
    assert bad.status_code == 422 and "place of service" in bad.text


def test_api_log_needs_a_session_or_a_token(client: TestClient) -> None:
    assert client.get("/api/log").status_code == 401
    payload = {"date_of_service": PRICED_DAY.isoformat(), "hcpcs": "99213"}
    assert client.post("/api/log", json=payload, headers={"x-csrf-token": csrf(client)}).status_code == 401
    sign_up(client, "api@example.org")
    created = client.post(
        "/api/log", json={**payload, "idempotency_key": "k1"}, headers={"x-csrf-token": csrf(client)}
    )
    again = client.post(
        "/api/log", json={**payload, "idempotency_key": "k1"}, headers={"x-csrf-token": csrf(client)}
    )
    assert created.status_code == again.status_code == 201
    assert created.json()["id"] == again.json()["id"]
    assert created.json()["wrvu"] == "1.30"
    bad = client.post("/api/log", json={**payload, "hcpcs": "ZZZZZ"}, headers={"x-csrf-token": csrf(client)})
    assert bad.status_code == 422 and "hcpcs" in bad.json()["detail"]["errors"]
    assert len(client.get("/api/log").json()["lines"]) == 1


def test_api_price_answers_exactly_what_the_cli_prints(
    client: TestClient, reference_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """One engine behind both: /api/price and `openrvu price --json` give the same JSON for an encounter."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    cli = CliRunner().invoke(
        cli_app,
        [
            "price",
            "27447",
            "20610:RT",
            "--pos",
            "22",
            "--locality",
            "01112-05",
            "--date",
            "2025-11-03",
            "--json",
        ],
    )
    assert cli.exit_code == 0, cli.output
    api = client.get(
        "/api/price",
        params={"codes": "27447 20610:RT", "pos": "22", "locality": "01112-05", "date": "2025-11-03"},
    )
    assert api.status_code == 200, api.text
    assert api.json() == json.loads(cli.output)
