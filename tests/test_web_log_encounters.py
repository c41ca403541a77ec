"""Encounters through the pages and the JSON API: each line is a new patient unless "same patient as my
last line" joins it (or an API token names one); templates are one encounter; shared ones are marked."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from fixtures_tracker import PRICED_DAY
from fixtures_web import csrf, sign_up

HTML = {"accept": "text/html"}
DAY = PRICED_DAY.isoformat()  # inside a loaded release, so the lines are priced in any year


def _form(client: TestClient, **fields: object) -> dict[str, object]:
    return {"csrf_token": csrf(client), "units": "1", "date_of_service": DAY, "pos": "11", **fields}


def _lines(client: TestClient) -> list[dict[str, object]]:
    return sorted(client.get("/api/log").json()["lines"], key=lambda x: x["id"])


def _api(client: TestClient, **fields: object) -> Any:
    body = {"date_of_service": DAY, "hcpcs": "20610", **fields}
    return client.post("/api/log", json=body, headers={"x-csrf-token": csrf(client)})


def test_each_line_is_a_new_patient_unless_same_patient_is_ticked(client: TestClient) -> None:
    sign_up(client, "enc@example.org")
    page = client.get("/log", headers=HTML).text
    assert 'name="same_patient" value="1"' in page and "Same patient as my last line" in page
    assert re.search(r'name="same_patient" value="1"\s*>', page)  # not ticked by default
    client.post("/log", data=_form(client, hcpcs="20610", idempotency_key="a"))
    client.post(
        "/log", data=_form(client, hcpcs="20610", modifiers=["59"], same_patient="1", idempotency_key="b")
    )
    client.post("/log", data=_form(client, hcpcs="20610", idempotency_key="c"))  # the next patient
    first, joined, other = _lines(client)
    assert first["encounter"] == joined["encounter"] != other["encounter"]
    assert Decimal(str(joined["wrvu"])) < Decimal(str(first["wrvu"])) == Decimal(str(other["wrvu"]))
    # the latest lines show the shared encounter with a letter; the lone line has none
    page = client.get("/log", headers=HTML).text
    marked = re.findall(r'<li id="line-(\d+)">(?:(?!</li>).)*?data-encounter="([A-Z])"', page, re.S)
    assert sorted(int(i) for i, _ in marked) == sorted([int(str(first["id"])), int(str(joined["id"]))])
    assert len({m for _, m in marked}) == 1
    lines_page = client.get("/lines", headers=HTML).text
    assert lines_page.count('data-encounter="A"') == 2 and "one patient's encounter" in lines_page
    # the edit page says what the line is priced with, and saving keeps its encounter
    edit = client.get(f"/log/{joined['id']}/edit", headers=HTML).text
    assert 'id="encounter-note"' in edit and "1 other line of the same patient" in edit
    assert 'name="same_patient"' not in edit
    form = _form(client, hcpcs="20610", modifiers=["59", "RT"])
    assert client.post(f"/log/{joined['id']}", data=form, follow_redirects=False).status_code == 303
    assert _lines(client)[1]["encounter"] == first["encounter"]
    assert 'id="encounter-note"' not in client.get(f"/log/{other['id']}/edit", headers=HTML).text


def test_same_patient_with_nothing_logged_that_day_is_an_inline_error(client: TestClient) -> None:
    sign_up(client, "first@example.org")
    form = _form(client, hcpcs="99213", same_patient="1", idempotency_key="x", date_of_service="2025-11-03")
    response = client.post("/log", data=form, headers=HTML)
    assert response.status_code == 422
    assert 'id="e-same-patient"' in response.text and "Nothing is logged on 2025-11-03 yet" in response.text
    assert re.search(r'name="same_patient" value="1" checked', response.text)  # kept as chosen
    assert _lines(client) == []


def test_a_template_logs_its_codes_as_one_encounter(client: TestClient) -> None:
    sign_up(client, "tpl@example.org")
    client.post("/log", data=_form(client, hcpcs="99213", idempotency_key="0"))  # an earlier patient
    client.post("/log", data=_form(client, hcpcs="20610", idempotency_key="1"))
    client.post(
        "/log", data=_form(client, hcpcs="20610", modifiers=["59"], same_patient="1", idempotency_key="2")
    )
    client.post("/log/templates", data={"csrf_token": csrf(client), "day": DAY})
    page = client.get("/log", headers=HTML).text
    template_id = re.search(r'action="/log/templates/(\d+)"', page)
    assert template_id and "<strong>20610 + 20610-59</strong>" in page  # the last patient's lines only
    for key in ("t1", "t2"):  # two more patients with the usual pair
        form = {"csrf_token": csrf(client), "idempotency_key": key, "date_of_service": DAY, "pos": "11"}
        client.post(f"/log/templates/{template_id.group(1)}", data=form)
    lines = _lines(client)[1:]
    assert len(lines) == 6
    groups = [lines[i]["encounter"] for i in range(0, 6, 2)]
    assert all(lines[i]["encounter"] == lines[i + 1]["encounter"] for i in range(0, 6, 2))
    assert len(set(groups)) == 3
    assert [x["wrvu"] for x in lines[2:4]] == [x["wrvu"] for x in lines[:2]]  # ranked within, not across


def test_api_encounter_field_groups_validates_and_keeps_idempotency(client: TestClient) -> None:
    sign_up(client, "apienc@example.org")
    plain = [_api(client) for _ in range(2)]
    assert all(r.status_code == 201 for r in plain)
    a, b = (r.json() for r in plain)
    assert a["encounter"] != b["encounter"] and a["wrvu"] == b["wrvu"]  # absent: a new encounter each
    joined = _api(client, modifiers=["59"], encounter=a["encounter"]).json()
    assert joined["encounter"] == a["encounter"] and Decimal(joined["wrvu"]) < Decimal(a["wrvu"])
    mine = [_api(client, encounter="visit_7-b", idempotency_key=f"k{i}").json() for i in range(2)]
    assert mine[0]["encounter"] == mine[1]["encounter"] == "visit_7-b"
    last = _api(client, same_patient=True, modifiers=["RT"]).json()
    assert last["encounter"] == "visit_7-b"
    # a repeated key returns the first line, whatever encounter the repeat names
    again = _api(client, encounter="other", idempotency_key="k0").json()
    assert (again["id"], again["encounter"]) == (mine[0]["id"], "visit_7-b")
    for bad in ("has space", "x" * 33, "semi;colon", "é"):
        r = _api(client, encounter=bad)
        assert r.status_code == 422 and "encounter" in r.json()["detail"]["errors"]
    both = _api(client, encounter="abc", same_patient=True)
    assert both.status_code == 422 and "encounter" in both.json()["detail"]["errors"]
    nothing = _api(client, same_patient=True, date_of_service="2025-11-03")
    assert nothing.status_code == 422 and "same_patient" in nothing.json()["detail"]["errors"]
    assert client.get(f"/api/log/{a['id']}").json()["encounter"] == a["encounter"]
    assert len(_lines(client)) == 6
    schema = client.get("/openapi.json").json()["components"]["schemas"]["LineIn"]["properties"]
    assert {"encounter", "same_patient"} <= set(schema)


def test_import_page_explains_the_encounter_column_and_never_echoes_its_values(client: TestClient) -> None:
    sign_up(client, "imp@example.org")
    assert 'id="import-encounters"' in client.get("/import", headers=HTML).text
    data = f"date,hcpcs,modifiers,visit\n{DAY},20610,,ENC-77\n{DAY},20610,59,ENC-77\n{DAY},20610,,ENC-78\n"
    token = csrf(client)
    preview = client.post(
        "/import/preview",
        data={"csrf_token": token},
        files={"file": ("v.csv", data, "text/csv")},
        headers=HTML,
    )
    assert preview.status_code == 200 and "ENC-7" not in preview.text
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text)
    assert digest
    commit = {"csrf_token": token, "digest": digest.group(1), "suffix": ".csv", "filename": "v.csv"}
    assert client.post("/import/commit", data=commit, follow_redirects=False).status_code == 303
    first, joined, other = _lines(client)
    assert first["encounter"] == joined["encounter"] != other["encounter"]
    assert "ENC" not in str(first["encounter"]) and "ENC-7" not in client.get("/log", headers=HTML).text


def test_a_visit_beside_another_patients_biopsy_gets_no_badge_and_the_same_patients_does(
    client: TestClient,
) -> None:
    sign_up(client, "derm@example.org")
    client.post("/log", data=_form(client, hcpcs="99213", idempotency_key="v"))
    client.post("/log", data=_form(client, hcpcs="11102", idempotency_key="b"))  # the next patient
    assert "em-same-day-minor-procedure" not in client.get("/log", headers=HTML).text
    client.post("/log", data=_form(client, hcpcs="99214", idempotency_key="v2"))
    client.post("/log", data=_form(client, hcpcs="11102", same_patient="1", idempotency_key="b2"))
    page = client.get("/log", headers=HTML).text
    assert page.count('data-code="em-same-day-minor-procedure" data-severity="warning"') == 1
    assert '<summary class="pill warn"' in page


def test_a_visit_in_an_earlier_global_period_is_info_that_asks_if_same_patient(client: TestClient) -> None:
    sign_up(client, "ortho@example.org")
    earlier = (PRICED_DAY - timedelta(days=10)).isoformat()
    client.post(
        "/log", data=_form(client, hcpcs="27447", pos="22", date_of_service=earlier, idempotency_key="s")
    )
    client.post("/log", data=_form(client, hcpcs="99213", idempotency_key="v"))
    page = client.get("/log", headers=HTML).text
    badge = re.search(r'<details class="coding-warnings.*?</details>', page, re.S)
    assert badge and 'data-code="em-in-global-period" data-severity="info"' in badge.group(0)
    assert '<summary class="pill" ' in badge.group(0) and "ℹ Check coding" in badge.group(0)
    assert "same patient" in badge.group(0)
