"""A schemathesis run against /openapi.json: whatever a client sends, no answer is a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from hotgate.api import create_app

Headers = dict[str, dict[str, str]]
# every operation of the OpenAPI document, as "METHOD /path"
OPERATIONS = [
    f"{method.upper()} {path}"
    for path, item in create_app().openapi()["paths"].items()
    for method in item
]


def test_the_document_lists_every_endpoint() -> None:
    assert {
        "GET /healthz",
        "POST /api/v1/assess",
        "GET /api/v1/issues",
        "POST /api/v1/issues",
        "GET /api/v1/decisions",
        "GET /api/v1/decisions/{decision_id}",
        "POST /api/v1/decisions/{decision_id}/review",
        "POST /api/v1/webhooks/github",
        "POST /api/v1/webhooks/gitlab",
        "POST /api/v1/webhooks/jira",
    } <= set(OPERATIONS)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_no_server_error(client: TestClient, headers: Headers, operation: str) -> None:
    method, path = operation.split(" ", 1)
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    strategy = schema[path][method.lower()].as_strategy()
    who = st.sampled_from(["admin", "anonymous", "viewer", "bad-token"])

    @given(case=strategy, caller=who)
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case, caller: str) -> None:
        case.call_and_validate(headers=headers[caller], checks=[not_a_server_error])

    run()
