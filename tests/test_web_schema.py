"""schemathesis over the app's OpenAPI schema: no generated input makes the JSON API answer 5xx.

The log endpoints are called with a real API token, so they are exercised past the 401.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from fixtures_web import csrf, sign_up


@pytest.fixture()
def api_token(web_app: FastAPI) -> str:
    """An API token of a fresh account."""
    client = TestClient(web_app, base_url="https://testserver")
    sign_up(client, "schema@example.org")
    page = client.post("/profile/tokens", data={"csrf_token": csrf(client), "token_name": "script"})
    return page.text.split('id="new-token">')[1].split("<")[0]


MAX_EXAMPLES = 30  # per operation: enough to find crashes, small enough to finish in about a minute


def test_no_generated_input_makes_a_server_error(web_app: FastAPI, api_token: str) -> None:
    """Every operation of /openapi.json, with schemathesis-generated (valid and invalid) inputs."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", web_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check(case: Any) -> None:
            try:
                response = case.call(headers={"Authorization": f"Bearer {api_token}"})
            except Exception as exc:  # in-process, an unhandled error surfaces here instead of a 500
                failures.append(f"{case.method} {case.formatted_path}: {type(exc).__name__}: {exc}")
                raise AssertionError(str(exc)) from exc
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}"
                )
            assert response.status_code < 500

        # a failure is recorded above with its request; every operation still runs
        with contextlib.suppress(AssertionError):
            check()
    assert sorted(set(f.split(":")[0] + ":" + f.split(":")[-1] for f in failures)) == []


def test_openapi_schema_lists_the_json_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/codes/{hcpcs}", "/api/search", "/api/price", "/api/log", "/api/log/{entry_id}"} <= set(
        paths
    )
    assert not any(path.startswith("/log") or path.startswith("/codes") for path in paths)  # pages stay out
