"""The procedure log through its pages: entry, double submit, inline errors, edit/delete with audit,
favourites, templates, dashboard totals and import (preview, per-line errors, all-or-nothing)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from fixtures_tracker import PRICED_DAY, release_in_force
from fixtures_web import csrf, sign_up

HTML = {"accept": "text/html"}
DAY = PRICED_DAY.isoformat()  # lines are dated inside a loaded release, so they are priced in any year


def _form(client: TestClient, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "csrf_token": csrf(client),
        "units": "1",
        "date_of_service": DAY,
        "pos": "11",
    }
    base.update(fields)
    return base


def _lines(client: TestClient) -> list[dict[str, object]]:
    return list(client.get("/api/log").json()["lines"])


def test_log_page_prefills_date_pos_and_an_idempotency_key(client: TestClient) -> None:
    sign_up(client, "doc@example.org")
    page = client.get("/log", headers=HTML)
    assert page.status_code == 200
    assert f'name="date_of_service" type="date" value="{date.today().isoformat()}"' in page.text
    assert re.search(r'<option value="11" selected>', page.text)
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', page.text)
    assert 'type="checkbox" id="mod-25" name="modifiers" value="25"' in page.text
    assert "<textarea" not in page.text  # no free-text box that would invite patient data


def test_three_lines_with_modifiers_and_a_double_submit_stores_one_line_each(client: TestClient) -> None:
    sign_up(client, "three@example.org")
    for code, mods, units in (("99213", ["25"], "1"), ("20610", ["RT"], "1"), ("70557", ["26"], "2")):
        form = _form(client, hcpcs=code, modifiers=mods, units=units, idempotency_key=f"key-{code}")
        first = client.post("/log", data=form, follow_redirects=False)
        again = client.post("/log", data=form, follow_redirects=False)  # the same form sent twice
        assert first.status_code == again.status_code == 303
        assert first.headers["location"] == again.headers["location"]
    lines = _lines(client)
    assert sorted((str(x["hcpcs"]), tuple(x["modifiers"]), x["units"]) for x in lines) == [  # type: ignore[arg-type]
        ("20610", ("RT",), 1),
        ("70557", ("26",), 2),
        ("99213", ("25",), 1),
    ]
    text = re.sub(r"<[^>]+>", "", client.get("/log", headers=HTML).text)
    assert "99213-25" in text and "70557-26 ×2" in text


def test_bad_input_gets_inline_errors_and_keeps_what_was_typed(client: TestClient) -> None:
    sign_up(client, "typo@example.org")
    response = client.post(
        "/log",
        data=_form(client, hcpcs="9921", modifiers=["59"], units="0", date_of_service="2026-13-40"),
        headers=HTML,
    )
    assert response.status_code == 422
    text = response.text
    assert 'id="e-hcpcs"' in text and "5 letters or digits" in text
    assert 'id="e-units"' in text and 'id="e-date"' in text
    assert 'value="9921"' in text  # the code as typed
    assert re.search(r'id="mod-59" name="modifiers" value="59" checked', text)
    assert 'value="2026-13-40"' in text
    unknown = client.post("/log", data=_form(client, hcpcs="ZZZZZ"), headers=HTML)
    assert unknown.status_code == 422 and 'id="e-hcpcs"' in unknown.text and "ZZZZZ" in unknown.text
    bad_mod = client.post("/log", data=_form(client, hcpcs="99213", modifiers=["26"]), headers=HTML)
    assert bad_mod.status_code == 422 and 'id="e-modifiers"' in bad_mod.text
    assert _lines(client) == []


def test_edit_and_delete_keep_an_audit_trail(client: TestClient) -> None:
    sign_up(client, "edit@example.org")
    client.post("/log", data=_form(client, hcpcs="99213"))
    line = _lines(client)[0]["id"]
    saved = client.post(
        f"/log/{line}", data=_form(client, hcpcs="99214", modifiers=["25"]), follow_redirects=False
    )
    assert saved.status_code == 303
    assert _lines(client)[0]["hcpcs"] == "99214"
    history = client.get(f"/log/{line}/edit", headers=HTML).text
    assert "before: 99213" in history and "after: 99214-25" in history
    bad = client.post(f"/log/{line}", data=_form(client, hcpcs="99214", units="abc"), headers=HTML)
    assert bad.status_code == 422 and 'value="abc"' in bad.text
    assert client.post(f"/log/{line}/delete", data={"csrf_token": csrf(client)}).status_code == 200
    assert _lines(client) == []


def test_favourites_recent_codes_and_templates(client: TestClient) -> None:
    sign_up(client, "fast@example.org")
    client.post("/log", data=_form(client, hcpcs="99214", modifiers=["25"]))
    # the same patient: a template is saved from the day's latest encounter
    client.post("/log", data=_form(client, hcpcs="20610", modifiers=["RT"], same_patient="1"))
    page = client.get("/log", headers=HTML).text
    assert 'id="recent"' in page and 'data-pick-code="20610" data-pick-mods="RT"' in page
    client.post("/log/favourites", data={"csrf_token": csrf(client), "hcpcs": "99214", "modifiers": "25"})
    page = client.get("/log", headers=HTML).text
    assert 'id="favourites"' in page and 'data-pick-code="99214" data-pick-mods="25"' in page
    client.post("/log/templates", data={"csrf_token": csrf(client), "day": DAY})
    page = client.get("/log", headers=HTML).text
    template_id = re.search(r'action="/log/templates/(\d+)"', page)
    assert template_id and "99214-25 + 20610-RT" in page
    form = {"csrf_token": csrf(client), "idempotency_key": "tpl-1", "date_of_service": DAY, "pos": "11"}
    client.post(f"/log/templates/{template_id.group(1)}", data=form)
    client.post(f"/log/templates/{template_id.group(1)}", data=form)  # a double tap logs it once
    assert len(_lines(client)) == 4


def test_dashboard_totals_equal_the_sum_of_the_lines(client: TestClient, reference: Any) -> None:
    sign_up(client, "dash@example.org")
    today = date.today()  # the dashboard's ranges end today: the lines are dated today
    for code in ("99213", "99214", "99214"):
        client.post("/log", data=_form(client, hcpcs=code, date_of_service=today.isoformat()))
    priced = release_in_force(reference, today) is not None
    wrvus = [x["wrvu"] for x in _lines(client)]
    # in a year with no loaded release the lines wait unpriced: the dashboard counts them as 0 and says so
    assert all(x is not None for x in wrvus) if priced else wrvus == [None, None, None]
    expected = sum((Decimal(str(x)) for x in wrvus if x is not None), Decimal(0))
    page = client.get("/dashboard", params={"period": "day"}, headers=HTML)
    assert page.status_code == 200
    total = re.search(r'id="total-wrvu">([0-9.,]+)<', page.text)
    assert total and Decimal(total.group(1).replace(",", "")) == expected
    assert ("3 line(s) have no CMS amount" in page.text) is not priced
    assert re.search(r'id="total-lines">3<', page.text)
    assert "/static/vendor/vega-embed.min.js" in page.text and 'data-spec="spec-series"' in page.text
    assert 'id="em-mix"' in page.text and "99214" in page.text


def test_import_preview_shows_line_errors_and_commits_all_or_nothing(client: TestClient) -> None:
    sign_up(client, "import@example.org")
    bad = f"date,hcpcs,modifiers,units,pos\n{DAY},99213,25,1,11\n{DAY},ZZZZZ,,1,11\nnot-a-date,99214,,1,11\n"
    token = csrf(client)
    preview = client.post(
        "/import/preview",
        data={"csrf_token": token},
        files={"file": ("lines.csv", bad, "text/csv")},
        headers=HTML,
    )
    assert preview.status_code == 422
    assert 'id="import-errors"' in preview.text and "/import/commit" not in preview.text
    assert re.search(r"<td>3</td>.*ZZZZZ", preview.text, re.S) and re.search(r"<td>4</td>", preview.text)
    assert _lines(client) == []
    good = f"hcpcs,date,units\n99213,{DAY},1\n99214,{DAY},2\n"
    preview = client.post(
        "/import/preview",
        data={"csrf_token": token},
        files={"file": ("good.csv", good, "text/csv")},
        headers=HTML,
    )
    assert preview.status_code == 200
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text)
    assert digest
    commit = {"csrf_token": token, "digest": digest.group(1), "suffix": ".csv", "filename": "good.csv"}
    done = client.post("/import/commit", data=commit, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/log?imported=2"
    assert len(_lines(client)) == 2
    not_csv = client.post(
        "/import/preview",
        data={"csrf_token": token},
        files={"file": ("notes.txt", "x", "text/plain")},
        headers=HTML,
    )
    assert not_csv.status_code == 422 and 'id="e-file"' in not_csv.text


def test_profile_form_keeps_bad_input_and_saves_good_input(client: TestClient) -> None:
    sign_up(client, "profile@example.org")
    form = {
        "csrf_token": csrf(client),
        "zip_code": "1234",
        "default_pos": "11",
        "provider_kind": "physician",
        "fte": "3",
        "dollars_per_wrvu": "52.5",
        "annual_wrvu_goal": "5000",
        "reduces_bilateral": "1",
    }
    bad = client.post("/profile", data=form, headers=HTML)
    assert bad.status_code == 422
    assert 'id="e-zip_code"' in bad.text and 'id="e-fte"' in bad.text and 'value="52.5"' in bad.text
    good = client.post("/profile", data={**form, "zip_code": "10001", "fte": "0.8"}, headers=HTML)
    assert good.status_code == 200 and "Profile saved" in good.text
    assert 'value="10001"' in good.text


def test_dashboard_numbers_link_to_the_lines_behind_them(client: TestClient, reference: Any) -> None:
    sign_up(client, "trace@example.org")
    today = date.today()  # the dashboard's ranges end today: the lines are dated today
    for code in ("99213", "99214", "99214"):
        client.post("/log", data=_form(client, hcpcs=code, date_of_service=today.isoformat()))
    page = client.get("/dashboard", params={"period": "day"}, headers=HTML).text
    link = re.search(r'href="(/lines\?start=[0-9-]+&amp;end=[0-9-]+&amp;hcpcs=99214)"', page)
    assert link
    lines = client.get(link.group(1).replace("&amp;", "&"), headers=HTML)
    assert lines.status_code == 200
    # two 99214 at 1.92 (RVU26C); lines of a year with no loaded release wait unpriced and count as 0
    expected = "3.84" if release_in_force(reference, today) else "0.00"
    assert re.search(rf'id="lines-wrvu">{re.escape(expected)}<', lines.text)
    assert lines.text.count("<code>99214</code>") == 2 and "<code>99213</code>" not in lines.text
