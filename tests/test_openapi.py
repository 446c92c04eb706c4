"""The OpenAPI document: valid, complete, and true of the running server (checked with schemathesis)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Route

from pulse.web.app import routes
from pulse.web.openapi import openapi_document
from tests.conftest import LiveServer

# Routes of the public HTTP API (besides everything under /api/).
API_ROUTES = {"/healthz", "/feeds/search.atom", "/downloads/search.csv", "/downloads/search.json"}
EXAMPLES_PER_OPERATION = 20


def api_paths() -> set[str]:
    return {r.path for r in routes if isinstance(r, Route) and (r.path.startswith("/api/") or r.path in API_ROUTES)}


def test_the_document_is_valid_openapi_3_1(demo_server: LiveServer) -> None:
    response = demo_server.get("/api/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    document = response.json()
    assert document == openapi_document()
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on an invalid document


def test_every_api_route_is_documented_and_nothing_else() -> None:
    documented = set(openapi_document()["paths"])
    assert api_paths() == documented
    assert {
        "/api/search",
        "/api/repos/{owner}/{name}",
        "/api/publishers",
        "/api/publishers/{login}",
        "/api/stats",
        "/api/openapi.json",
    } <= documented


def test_every_api_route_answers_get_as_documented(demo_server: LiveServer) -> None:
    for path, item in openapi_document()["paths"].items():
        assert set(item) == {"get"}
        concrete = re.sub(r"\{[^}]+\}", "Dorset-Council-UK", path).replace(
            "Dorset-Council-UK/Dorset-Council-UK", "Dorset-Council-UK/GdsBlazorComponents"
        )
        response = demo_server.get(concrete)
        assert response.status_code == 200, (path, response.text[:200])
        documented = item["get"]["responses"]["200"]["content"]
        assert response.headers["content-type"].split(";")[0] in documented


def test_search_parameters_match_the_validation() -> None:
    from pulse.core.vocabulary import FILTERS, SORTS

    search = openapi_document()["paths"]["/api/search"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert names == {"q", "sort", "page", "per_page", "license", *FILTERS}
    sort = next(p for p in search["parameters"] if p["name"] == "sort")
    assert sort["schema"]["enum"] == list(SORTS)


def test_the_api_page_links_the_document_feeds_and_downloads(demo_server: LiveServer) -> None:
    page = demo_server.get("/api")
    assert page.status_code == 200
    for href in (
        'href="/api/openapi.json"',
        'href="/downloads/search.csv"',
        'href="/downloads/search.json"',
        'href="/feeds/search.atom"',
        'href="/stats"',
    ):
        assert href in page.text
    assert f"curl '{demo_server.url}/api/search?q=bin+collection" in page.text


@pytest.fixture(scope="module")
def schema(demo_server: LiveServer):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_url(demo_server.url + "/api/openapi.json")


def operation_labels() -> list[str]:
    return [f"GET {path}" for path in openapi_document()["paths"]]


# Generated data that fits the schema may still be refused (e.g. "AND AND" parses to nothing, or
# page * per_page beyond the window), so positive_data_acceptance is not among the checks.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize("label", operation_labels())
def test_generated_requests_get_documented_answers(schema, demo_server: LiveServer, label: str) -> None:  # type: ignore[no-untyped-def]
    operation = schema.find_operation_by_label(label)
    assert operation is not None, label

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(base_url=demo_server.url, checks=CHECKS, timeout=30)

    check()
