"""A schemathesis run against /openapi.json: whatever a client sends, no answer is a 5xx, and
every answer is one the document declares, in the declared type and shape."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hotgate.api import create_app

Headers = dict[str, dict[str, str]]
DOCUMENT = create_app().openapi()
# every operation of the OpenAPI document, as "METHOD /path"
OPERATIONS = [
    f"{method.upper()} {path}" for path, item in DOCUMENT["paths"].items() for method in item
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
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
    who = st.sampled_from(["admin", "anonymous", "viewer", "requester", "bad-token"])

    @given(case=strategy, caller=who)
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case, caller: str) -> None:
        case.call_and_validate(headers=headers[caller], checks=CHECKS)

    run()


def _example(path: str) -> str:
    return path.replace("{decision_id}", "1").replace("{token_id}", "1")


@pytest.mark.parametrize("path", list(DOCUMENT["paths"]))
def test_a_method_a_path_does_not_take_gets_405_with_every_method_it_does(
    client: TestClient, headers: Headers, path: str
) -> None:
    declared = sorted(method.upper() for method in DOCUMENT["paths"][path])
    for method in ["OPTIONS", "PUT", "PATCH"]:
        answer = client.request(method, _example(path), headers=headers["admin"])
        assert answer.status_code == 405, (method, path)
        assert sorted(answer.headers["allow"].split(", ")) == declared
        assert answer.json()["detail"] == (
            f"{method} is not allowed on {_example(path)}; use {', '.join(declared)}"
        )


def test_every_error_answer_is_declared_as_one_line_of_detail() -> None:
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            for status, answer in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == problem, (method, path, status)
            if path != "/healthz":  # the one operation that reads no input
                assert "422" in operation["responses"], (method, path)
    assert "HTTPValidationError" not in DOCUMENT["components"]["schemas"]


def test_a_request_validation_error_is_one_line_naming_the_field(
    client: TestClient, headers: Headers
) -> None:
    answer = client.get("/api/v1/decisions?limit=0", headers=headers["viewer"])
    assert answer.status_code == 422
    assert answer.json() == {"detail": "query.limit: Input should be greater than or equal to 1"}
