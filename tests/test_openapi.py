"""The OpenAPI document: valid, complete, and true of the running server (checked with schemathesis)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, NotRequired, TypedDict

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator, ValidationError
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Route

from pulse.core.record import Repo
from pulse.core.registration import parse_registration
from pulse.core.settings import Settings
from pulse.core.vocabulary import KINDS, PUBLISHER_TYPES, HarvestStatus
from pulse.core.vocabulary import SourceStatus as SourceStatusEnum
from pulse.index import IndexStore
from pulse.jobs.harvest import HarvestReport, SourceReport, write_report
from pulse.jobs.registrations import Evidence, RegistrationStore
from pulse.jobs.state import HarvestState, SourceState, StateRecovery, save_state
from pulse.web.app import routes
from pulse.web.contracts import RECORD_PROPERTIES
from pulse.web.openapi import OPENAPI_PATH, openapi_document
from pulse.web.schema import Keys, Keywords, SchemaSet
from tests.conftest import LiveServer

# Routes of the public HTTP API (besides everything under /api/).
API_ROUTES = {"/healthz", "/feeds/search.atom", "/downloads/search.csv", "/downloads/search.json"}
EXAMPLES_PER_OPERATION = 20


def api_paths() -> set[str]:
    """The API's routes as OpenAPI writes paths (Starlette's `{path:path}` is the parameter `{path}`)."""
    return {
        r.path.replace(":path}", "}")
        for r in routes
        if isinstance(r, Route) and (r.path.startswith("/api/") or r.path in API_ROUTES)
    }


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
        if path.startswith("/api/registrations"):
            # The one write and what it creates: answered in collect() with real registrations.
            assert set(item) == ({"post"} if path == "/api/registrations" else {"get"})
            continue
        assert set(item) == {"get"}
        examples = {p["name"]: p.get("example") for p in item["get"].get("parameters", []) if p["in"] == "path"}
        concrete = path.format(**examples)  # each path parameter's documented example
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
    return [f"{method.upper()} {path}" for path, item in openapi_document()["paths"].items() for method in item]


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


# -- The contract: real responses match the document exactly ------------------------------------
#
# The document is generated from the types the handlers build their bodies as (pulse/web/contracts.py).
# Here it is made strict (`additionalProperties: false` on every object schema) and real responses of
# every documented JSON endpoint are validated against it: a key served but not declared, a key
# declared required but not served, or a wrong type fails. Two live servers: the demo catalogue, and a
# "harvested" catalogue with a state file and harvest reports (failed and tombstoned sources, a
# set-aside state file, history, a repository created this week, a fork by another publisher), so
# every schema in the document meets at least one real body.

BASE_URI = "urn:pulse:openapi"
JSON = "application/json"


def strict_document() -> dict[str, Any]:
    """A deep copy of the document with `additionalProperties: false` on every object schema."""
    document = copy.deepcopy(openapi_document())

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and node.get("additionalProperties") is not False:  # once if shared
                # Every object the contract declares is closed: none is an open map of schemas.
                assert "additionalProperties" not in node, node
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(document["components"])
    for path, item in document["paths"].items():
        if path != OPENAPI_PATH:  # the document itself is only declared as "an object"
            close(item)
    return document


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def method_of(path: str) -> str:
    return next(iter(openapi_document()["paths"][path]))


def response_schema_ref(path: str, status: int) -> str:
    return BASE_URI + _pointer("paths", path, method_of(path), "responses", str(status), "content", JSON, "schema")


def validator(document: dict[str, Any], ref: str) -> Draft202012Validator:
    registry = Registry().with_resource(BASE_URI, Resource.from_contents(document, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": ref}, registry=registry)


def documented_json_responses() -> set[tuple[str, int]]:
    """(path, status) of every documented JSON answer but 500s and the document itself."""
    return {
        (path, int(status))
        for path, item in openapi_document()["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        if JSON in response.get("content", {}) and status != "500" and path != OPENAPI_PATH
    }


@dataclasses.dataclass
class Sample:
    path: str  # the documented path
    status: int
    url: str
    body: Any


SEARCHES = [
    "",
    "?q=bin+collection",
    "?q=flodding",  # nothing matches: the correction ("flooding") is searched, and the note says so
    "?q=drupl+modules",  # a suggestion ("drupal modules"): "modules" matched
    "?q=bin+collection+zebra",  # no repository has every word: a note
    "?q=zzqqxxvv",  # no result
    '?q="design+system"&sort=stars',
    "?q=waste+OR+recycling+NOT+bin&sort=updated&page=2&per_page=5",
    "?publisher_type=local-government&language=Python&language=C%23",
    "?licence=(none)&archived=no&sort=stars",
    "?license=MIT&topic=govuk",
    "?kind=code&kind=resource&has_licence=no",
    "?resource_type=(none)&resource_type=guidance",
    "?publisher=Dorset+Council&per_page=100",
    "?publisher=Another+Council&publisher=Brand+New+Council",  # the harvested server's fork and new repository
]
ERRORS = [
    ("/api/search", 400, "/api/search?per_page=0"),
    ("/api/search", 400, "/api/search?sort=sideways"),
    ("/api/search", 400, "/api/search?page=99999"),
    ("/api/search", 400, "/api/search?q=" + "x" * 501),
    ("/api/repos/{owner}/{name}", 404, "/api/repos/nobody/nothing"),
    ("/api/publishers/{login}", 404, "/api/publishers/no-such-organisation"),
]


def collect(server: LiveServer) -> list[Sample]:
    """Real answers of every documented JSON endpoint, with a variety of queries and records."""
    samples: list[Sample] = []

    def get(path: str, url: str, status: int = 200) -> Any:
        response = server.get(url)
        assert response.status_code == status, (url, response.text[:300])
        assert response.headers["content-type"].split(";")[0] == JSON, url
        samples.append(Sample(path, status, url, response.json()))
        return samples[-1].body

    pages = [get("/api/search", "/api/search" + query) for query in SEARCHES]
    results = [r for page in pages for r in page["results"]]
    repos = [r for r in results if r["api_url"].startswith("/api/repos/")]  # GitHub repositories
    names = sorted({r["full_name"] for r in repos}, key=str.lower)[:8]
    names += sorted({name for r in repos if r["fork_of"] for name in (r["full_name"], r["fork_of"])})
    names += sorted({r["full_name"] for r in repos if r["metadata"]})  # a record with its project metadata
    for name in names:
        get("/api/repos/{owner}/{name}", f"/api/repos/{name}")
    for found in repos[:2]:  # a GitHub repository answers at /api/items too
        get("/api/items/{host}/{path}", f"/api/items/{found['host']}/{found['full_name']}")
    for found in [r for r in results if r["kind"] == "resource"][:3]:  # every record's api_url answers
        assert found["api_url"].startswith("/api/items/")
        get("/api/items/{host}/{path}", found["api_url"])
    get("/api/items/{host}/{path}", "/api/items/gitlab.com/no/such/project", 404)
    listed = get("/api/publishers", "/api/publishers")
    for entry in listed["publishers"][:3] + [p for p in listed["publishers"] if p["stale"] or not p["repos"]]:
        for source in entry["sources"][:1]:
            get("/api/publishers/{login}", f"/api/publishers/{source['login']}")
    get("/api/stats", "/api/stats")
    get("/healthz", "/healthz")
    get("/downloads/search.json", "/downloads/search.json?q=bin+collection")
    get("/downloads/search.json", "/downloads/search.json?publisher=Brand+New+Council")  # metadata, where harvested
    for path, status, url in ERRORS:
        get(path, url, status)

    def post(body: dict[str, str], status: int, *, form: bool = False) -> Any:
        url = server.url + "/api/registrations"
        response = httpx.post(url, data=body, timeout=30) if form else httpx.post(url, json=body, timeout=30)
        assert response.status_code == status, (body, response.text[:300])
        assert response.headers["content-type"].split(";")[0] == JSON
        samples.append(Sample("/api/registrations", status, url, response.json()))
        return samples[-1].body

    login = f"sample-council-{server.port}"
    fields = {"organisation": f"https://github.com/{login}", "publisher_name": "Sample Council",
              "publisher_type": "local-government", "contact_email": "digital@sample.gov.uk"}  # fmt: skip
    accepted = post(fields, 202)
    post(dict(fields, organisation=login.upper()), 200, form=True)
    post(dict(fields, contact_email="not an address"), 400)
    for n in range(20):  # the per-address rate limit (5 an hour by default) then answers 429
        sent = httpx.post(server.url + "/api/registrations", json=dict(fields, organisation=f"{login}-{n}"), timeout=30)
        if sent.status_code == 429:
            break
        assert sent.status_code == 202, sent.text[:300]
    assert int(httpx.post(server.url + "/api/registrations", json=fields, timeout=30).headers["retry-after"]) > 0
    post(dict(fields, organisation=f"{login}-limited"), 429)
    get("/api/registrations/{id}", f"/api/registrations/{accepted['id']}")
    get("/api/registrations/{id}", "/api/registrations/no-such-registration", 404)
    checked = getattr(server, "checked_registration", None)
    if checked:
        assert get("/api/registrations/{id}", f"/api/registrations/{checked}")["evidence"]
    return samples


@pytest.fixture(scope="module")
def harvested_server(tmp_path_factory: pytest.TempPathFactory, demo_records: list[Repo]) -> Iterator[LiveServer]:
    """A catalogue as harvests leave it: github sources, a state file with a failed and a tombstoned
    source and a set-aside unreadable file, two harvest reports, a new repository and a fork."""
    settings = Settings.from_env({}, data_dir=tmp_path_factory.mktemp("harvested-data"))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    stamp = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    records = [dataclasses.replace(r, source=r.source.replace("demo:", "github:", 1)) for r in demo_records]
    upstream = records[0]
    records += [
        dataclasses.replace(
            upstream,
            id=9_000_000_001,
            owner="Brand-New-Council",
            name="fresh-start",
            source="github:brand-new-council",
            publisher="Brand New Council",
            created_at=stamp,
            pushed_at=stamp,
            updated_at=stamp,
            harvested_at=stamp,
            has_tests=None,
            has_contributing=None,
            is_template=True,
            archived=True,
            metadata_file="publiccode.yml",
            metadata={
                "software_type": "standalone/web",
                "development_status": "beta",
                "maintenance": "internal",
                "lifecycle": "production",
                "owner": "Digital team",
                "system": "Waste",
                "description": "Bins",
                "contacts": ["Digital team"],
                "categories": ["waste-management"],
                "used_by": ["Another Council"],
            },  # fmt: skip
        ),
        dataclasses.replace(
            upstream,
            id=9_000_000_002,
            owner="Another-Council",
            name=upstream.name,
            source="github:another-council",
            publisher="Another Council",
            fork=True,
            fork_of=upstream.full_name,
            created_at=stamp,
            pushed_at=stamp,
        ),
    ]
    store = IndexStore(settings.index_dir)
    store.add_records(records)
    store.close()
    failed = records[1].source
    save_state(
        settings.data_dir,
        HarvestState(
            sources={
                records[0].source: SourceState(records[0].publisher, records[0].owner, last_success=stamp),
                failed: SourceState(
                    records[1].publisher, records[1].owner, last_failure=stamp, last_error="HTTP 502 after 3 retries"
                ),
                "github:gone-council": SourceState("Gone Council", "gone-council", tombstoned=stamp, last_error="404"),
            },
            recovery=StateRecovery(at=stamp, problem="not valid JSON", moved_to="sources-state.corrupt-x.json"),
        ),
    )
    for day, status in ((3, HarvestStatus.OK), (2, HarvestStatus.FAILED)):
        started = (now - timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")
        write_report(
            HarvestReport(
                started_at=started,
                finished_at=started,
                sources=[
                    SourceReport(records[0].publisher, records[0].source, records[0].owner, HarvestStatus.OK, seen=3),
                    SourceReport(records[1].publisher, failed, records[1].owner, status, seen=2),
                    SourceReport("Gone Council", "github:gone-council", "gone-council", HarvestStatus.TOMBSTONED),
                ],
            ),
            settings.data_dir,
        )
    # A registration whose checks have run: evidence met, not met and not known.
    registrations = RegistrationStore(settings.data_dir)
    checked, _ = registrations.submit(
        parse_registration({"organisation": "checked-council", "publisher_name": "Checked Council",
                            "publisher_type": "local-government", "contact_email": "it@checked.gov.uk"})
    )  # fmt: skip
    registrations.record_evidence(
        checked.id,
        [
            Evidence("organisation", True, "An Organization on GitHub"),
            Evidence("verified_domain", False, "No verified domain"),
            Evidence("admin", None, "The registrant has not signed in"),
        ],
    )
    with LiveServer(settings, demo=False) as server:
        server.checked_registration = checked.id  # type: ignore[attr-defined]  # read by collect()
        yield server


@pytest.fixture(scope="module")
def samples(demo_server: LiveServer, harvested_server: LiveServer) -> list[Sample]:
    return collect(demo_server) + collect(harvested_server)


def test_real_responses_match_the_strict_document(samples: list[Sample]) -> None:
    document = strict_document()
    for sample in samples:
        errors = list(validator(document, response_schema_ref(sample.path, sample.status)).iter_errors(sample.body))
        assert not errors, (sample.url, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]])
    # Every documented JSON answer was met, and the samples show what they are there for.
    assert {(s.path, s.status) for s in samples} == documented_json_responses()
    searches = [s.body for s in samples if s.path == "/api/search" and s.status == 200]
    assert any(b["suggestion"] for b in searches) and any(b["note"] for b in searches)
    assert any(b["total"] == 0 for b in searches) and any(b["total"] > 0 for b in searches)
    assert any(s.body["harvest_state"]["recovered"] for s in samples if s.path == "/api/publishers")
    assert any(s.body["reused_by"] for s in samples if s.path == "/api/repos/{owner}/{name}" and s.status == 200)


def _walk(document: dict[str, Any], schema: dict[str, Any], value: Any, where: str, seen: dict[str, set[str]]) -> None:
    """Follow `value` through `schema`: check every required key is there, and record, per object
    schema (named by component and key path), which keys real bodies have."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        _walk(document, document["components"]["schemas"][name], value, name, seen)
        return
    if "anyOf" in schema:
        (branch,) = [b for b in schema["anyOf"] if (b.get("type") == "null") == (value is None)]
        _walk(document, branch, value, where, seen)
        return
    if schema.get("type") == "object":
        assert isinstance(value, dict), (where, value)
        missing = set(schema.get("required", ())) - set(value)
        assert not missing, f"{where}: declared required, not served: {sorted(missing)}"
        seen.setdefault(where, set()).update(value)
        for key, item in value.items():
            assert key in schema["properties"], f"{where}: served, not declared: {key}"
            _walk(document, schema["properties"][key], item, f"{where}.{key}", seen)
    elif schema.get("type") == "array":
        for item in value:
            _walk(document, schema["items"], item, f"{where}[]", seen)


def test_every_required_key_is_served_and_every_declared_key_is_met(samples: list[Sample]) -> None:
    document = openapi_document()
    seen: dict[str, set[str]] = {}
    for sample in samples:
        operation = document["paths"][sample.path][method_of(sample.path)]
        schema = operation["responses"][str(sample.status)]["content"][JSON]["schema"]
        _walk(document, schema, sample.body, sample.path, seen)
    # Every component was met by a real body, and every key it declares was served at least once:
    # the document declares nothing the API does not send.
    assert set(document["components"]["schemas"]) <= set(seen)
    for where, keys in seen.items():
        name, *path = where.split(".")
        schema = document["components"]["schemas"].get(name) or {}
        for key in path:
            schema = schema.get("properties", {}).get(key.rstrip("[]"), {})
        declared = set(schema.get("properties", ()))
        assert declared <= keys, f"{where}: declared but never served: {sorted(declared - keys)}"
    # Required is the rule, not the exception: every key of every body is always sent.
    for name, schema in document["components"]["schemas"].items():
        assert schema["required"] == list(schema["properties"]), name


def _first(samples: list[Sample], path: str, status: int = 200) -> Any:
    return copy.deepcopy(next(s.body for s in samples if s.path == path and s.status == status))


def test_an_undeclared_or_missing_key_fails_the_check(samples: list[Sample]) -> None:
    document = strict_document()

    def check(path: str, body: Any, status: int = 200) -> None:
        validator(document, response_schema_ref(path, status)).validate(body)

    search = _first(samples, "/api/search")
    check("/api/search", search)  # as served: valid
    tampered = [
        ("/api/search", 200, lambda b: b.update(surprise=1)),
        ("/api/search", 200, lambda b: b["results"][0].update(readme="not in a result")),
        ("/api/search", 200, lambda b: b["facets"].update(colour=[])),
        ("/api/search", 200, lambda b: b["facets"]["language"][0].update(share=0.5)),
        ("/api/search", 200, lambda b: b.pop("suggestion")),
        ("/api/search", 200, lambda b: b["results"][0].pop("has_tests")),
        ("/api/search", 200, lambda b: b.update(sort="sideways")),
        ("/api/repos/{owner}/{name}", 200, lambda b: b["readiness"]["signals"][0].update(points=5)),
        ("/api/repos/{owner}/{name}", 200, lambda b: b.pop("reused_by")),
        ("/api/publishers", 200, lambda b: b["publishers"][0]["sources"][0].update(status="sleeping")),
        ("/api/publishers", 200, lambda b: b["harvest_state"].update(extra="")),
        ("/api/stats", 200, lambda b: b["new_this_week"].update(extra=0)),
        ("/healthz", 200, lambda b: b.update(version="1")),
        ("/api/search", 400, lambda b: b.update(detail="")),
        ("/downloads/search.json", 200, lambda b: b[0].update(snippet="")),
    ]
    for path, status, change in tampered:
        body = _first(samples, path, status)
        check(path, body, status)
        change(body)
        with pytest.raises(ValidationError):
            check(path, body, status)


def test_the_repo_record_is_generated_from_its_dataclass(demo_records: list[Repo]) -> None:
    schemas = openapi_document()["components"]["schemas"]
    fields = [f.name for f in dataclasses.fields(Repo)]
    record = demo_records[0]
    assert list(schemas["Repo"]["properties"]) == [f for f in fields if f != "readme"] + list(RECORD_PROPERTIES)
    assert list(schemas["Repo"]["properties"]) == list(record.to_dict(with_readme=False))
    assert list(schemas["SearchResult"]["properties"]) == [*record.to_dict(with_readme=False), "snippet"]
    assert list(schemas["RepoDetail"]["properties"]) == [*record.to_dict(), "readiness", "similar", "reused_by"]
    for field in dataclasses.fields(Repo):  # every field says what it is, for the document
        assert field.metadata.get("description"), field.name
    assert schemas["Repo"]["properties"]["publisher_type"]["enum"] == list(PUBLISHER_TYPES)
    assert schemas["Repo"]["properties"]["has_tests"]["type"] == ["boolean", "null"]
    assert schemas["SourceStatus"]["properties"]["status"]["enum"] == [s.value for s in SourceStatusEnum]
    assert {p["name"]: p for p in openapi_document()["paths"]["/api/search"]["get"]["parameters"]}["kind"]["schema"][
        "items"
    ]["enum"] == list(KINDS)


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class Inner(TypedDict):
    """An inner thing."""

    n: Annotated[int, Keywords(minimum=0), "How many."]


# The functional syntax: this module's `from __future__ import annotations` would hide NotRequired.
Outer = TypedDict(  # noqa: UP013
    "Outer",
    {
        "tag": Literal["x"],
        "colour": Colour,
        "maybe": str | None,
        "inner": Inner | None,
        "items": list[Inner],
        "pair": tuple[str, ...],
        "counts": Annotated[dict[str, int], Keys(("a", "b"))],
        "free": dict[str, bool],
        "later": NotRequired[float],
    },
)


def test_the_generator() -> None:
    built = SchemaSet()
    assert built.schema(Outer) == {"$ref": "#/components/schemas/Outer"}
    assert built.components["Inner"] == {
        "type": "object",
        "description": "An inner thing.",
        "required": ["n"],
        "properties": {"n": {"type": "integer", "minimum": 0, "description": "How many."}},
    }
    outer = built.components["Outer"]
    assert outer["required"] == ["tag", "colour", "maybe", "inner", "items", "pair", "counts", "free"]
    assert outer["properties"] == {
        "tag": {"type": "string", "const": "x"},
        "colour": {"type": "string", "enum": ["red", "blue"]},
        "maybe": {"type": ["string", "null"]},
        "inner": {"anyOf": [{"$ref": "#/components/schemas/Inner"}, {"type": "null"}]},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Inner"}},
        "pair": {"type": "array", "items": {"type": "string"}},
        "counts": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}},
        "free": {"type": "object", "additionalProperties": {"type": "boolean"}},
        "later": {"type": "number"},
    }
    for unsupported in (set[str], tuple[str, int], dict[int, str], object):
        with pytest.raises(TypeError):
            SchemaSet().schema(unsupported)
