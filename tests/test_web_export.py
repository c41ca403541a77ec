"""Exports from the dashboard: CSV with every line, an Excel workbook, a PDF report."""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from fixtures_web import csrf, sign_up

TODAY = date.today().isoformat()


def test_csv_xlsx_and_pdf_exports_hold_the_users_lines(client: TestClient) -> None:
    sign_up(client, "export@example.org")
    for code, mods in (("99213", ["25"]), ("20610", ["RT"])):
        client.post(
            "/log",
            data={
                "csrf_token": csrf(client),
                "hcpcs": code,
                "modifiers": mods,
                "units": "1",
                "date_of_service": TODAY,
                "pos": "11",
            },
        )
    as_csv = client.get("/export.csv")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert sorted((r["hcpcs"], r["modifiers"], r["date_of_service"]) for r in rows) == [
        ("20610", "RT", TODAY),
        ("99213", "25", TODAY),
    ]
    workbook = load_workbook(io.BytesIO(client.get("/export.xlsx").content))
    values = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(values) == 3 and values[0][2] == "hcpcs"  # header and two lines
    assert sorted(str(row[2]) for row in values[1:]) == ["20610", "99213"]
    pdf = client.get("/export.pdf", params={"period": "month"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/export.csv", params={"start": "yesterday"}).status_code == 422


def test_exports_need_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/export.csv", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/signin?next=/export.csv")
