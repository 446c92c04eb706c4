"""The OpenAPI 3.1 description of Pulse's public HTTP API, served at /api/openapi.json.

Built from what the code runs on, so the document cannot drift from it: the parameters from
the constants the requests are validated with (sorts, filters, limits: pulse.core.query and
pulse.core.vocabulary), the response schemas from the types the handlers build their bodies as
(pulse/web/contracts.py, turned into JSON Schema by pulse/web/schema.py; the repository record
from `dataclasses.fields(Repo)`). Tests check it is a valid OpenAPI 3.1 document, that every
route under /api is in it, that real responses match it with no undeclared key, and run
generated requests against a live server to check the answers conform.
The human guide is the /api page (templates/api.html).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from pulse.core.query import DEFAULT_PER_PAGE, MAX_FILTER_VALUES, MAX_PER_PAGE, MAX_QUERY_CHARS, MAX_RESULT_WINDOW
from pulse.core.registration import MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS
from pulse.core.vocabulary import FILTER_ALIASES, FILTER_SPECS, FILTERS, PUBLISHER_TYPES, SORTS
from pulse.web import contracts
from pulse.web.downloads import CSV_COLUMNS
from pulse.web.feeds import FEED_ENTRIES
from pulse.web.schema import SchemaSet
from pulse.web.templating import public_base_url, render

OPENAPI_PATH = "/api/openapi.json"
API_VERSION = "1.0.0"

_FILTER_VALUE = {"type": "string", "maxLength": 200}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _html_error(description: str) -> dict[str, Any]:
    return {
        "description": description + " An HTML error page (these URLs are opened by people and feed readers).",
        "content": {"text/html": {"schema": {"type": "string"}}},
    }


def _search_parameters(*, paging: bool, sort: bool) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": "q",
            "in": "query",
            "required": False,
            "description": (
                f'Search words: plain words, `"phrases"`, `AND`, `OR`, `NOT` and brackets. At most '
                f"{MAX_QUERY_CHARS} characters. Other query syntax is treated as plain words. When no "
                "repository has every word, the search falls back to any word and `note` says so."
            ),
            "schema": {"type": "string", "maxLength": MAX_QUERY_CHARS, "pattern": "^[^\\x00]*$"},
            "example": "bin collection",
        }
    ]
    if sort:
        params.append(
            {
                "name": "sort",
                "in": "query",
                "required": False,
                "description": "`relevance` (with no words: most stars), `stars`, or `updated` (most recently pushed).",
                "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"},
            }
        )
    if paging:
        params += [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": f"Page number from 1. `page * per_page` may not exceed {MAX_RESULT_WINDOW:,}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_RESULT_WINDOW, "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": "Results per page.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
            },
        ]
    for spec in FILTER_SPECS:
        # A closed filter (publisher type, kind...) matches only its vocabulary's values.
        items = dict(_FILTER_VALUE, enum=[t.value for t in spec.values]) if spec.values else _FILTER_VALUE
        params.append(
            {
                "name": spec.name,
                "in": "query",
                "required": False,
                "style": "form",
                "explode": True,
                "description": (
                    spec.help + " Repeat the parameter to match any of several values (OR); "
                    "different filters combine with AND."
                ),
                "schema": {"type": "array", "maxItems": MAX_FILTER_VALUES, "items": items},
            }
        )
    for alias, name in FILTER_ALIASES.items():
        params.append(
            {
                "name": alias,
                "in": "query",
                "required": False,
                "style": "form",
                "explode": True,
                "description": f"Alias of `{name}`.",
                "schema": {"type": "array", "maxItems": MAX_FILTER_VALUES, "items": _FILTER_VALUE},
            }
        )
    return params


@cache
def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (built once)."""
    schemas = SchemaSet()  # collects the components the responses below refer to
    body = schemas.schema

    def error(description: str) -> dict[str, Any]:
        return _json(body(contracts.Error), description)

    bad_request = error("A parameter is not acceptable; `message` says which and why.")
    server_error = error("Our fault; the message says to try again later.")
    path_text = {"type": "string", "pattern": "^[A-Za-z0-9._-]+$"}
    registration_fields: dict[str, Any] = {
        "type": "object",
        "required": ["organisation", "publisher_name", "publisher_type", "contact_email"],
        "properties": {
            "organisation": {
                "type": "string",
                "maxLength": 300,
                "description": "The login, `@login` or `https://github.com/login`.",
                "examples": ["Dorset-Council-UK"],
            },
            "publisher_name": {"type": "string", "maxLength": MAX_NAME_CHARS, "examples": ["Dorset Council"]},
            "publisher_type": {"type": "string", "enum": list(PUBLISHER_TYPES)},
            "contact_email": {
                "type": "string",
                "maxLength": MAX_EMAIL_CHARS,
                "description": "Never shown on the site or in the API.",
                "examples": ["digital@dorsetcouncil.gov.uk"],
            },
            "note": {"type": "string", "maxLength": MAX_NOTE_CHARS},
        },
    }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Pulse API",
            "version": API_VERSION,
            "summary": "Search reusable code published by UK councils and the wider public sector.",
            "description": (
                "Read-only, no authentication. Fields are only ever added, so ignore ones you do not "
                'know. Every error under `/api` is `{"status": <int>, "message": <str>}` with the '
                "same HTTP status. The HTML pages take the same parameters: `/search?q=…` shows what "
                "`/api/search?q=…` returns. A guide with examples is at `/api`."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [
            {"name": "search", "description": "Search the catalogue."},
            {"name": "catalogue", "description": "Repositories and publishers."},
            {"name": "feeds and downloads", "description": "Atom feeds, CSV and JSON downloads of any search."},
            {"name": "service", "description": "Health, statistics and this document."},
        ],
        "paths": {
            "/api/search": {
                "get": {
                    "tags": ["search"],
                    "operationId": "search",
                    "summary": "Search repositories",
                    "description": f"One page of results with facet counts over the whole match. Paging stops at "
                    f"{MAX_RESULT_WINDOW:,} results.",
                    "parameters": _search_parameters(paging=True, sort=True),
                    "responses": {
                        "200": _json(body(contracts.SearchResponse), "A page of results."),
                        "400": bad_request,
                        "500": server_error,
                    },
                }
            },
            "/api/repos/{owner}/{name}": {
                "get": {
                    "tags": ["catalogue"],
                    "operationId": "getRepo",
                    "summary": "One repository, with its README, readiness score and related repositories",
                    "description": "Case-insensitive, like GitHub.",
                    "parameters": [
                        {
                            "name": "owner",
                            "in": "path",
                            "required": True,
                            "schema": path_text,
                            "example": "Dorset-Council-UK",
                        },
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": path_text,
                            "example": "GdsBlazorComponents",
                        },
                    ],
                    "responses": {
                        "200": _json(body(contracts.REPO_DETAIL), "The repository."),
                        "404": error("No such repository in the catalogue."),
                        "500": server_error,
                    },
                }
            },
            "/api/items/{host}/{path}": {
                "get": {
                    "tags": ["catalogue"],
                    "operationId": "getItem",
                    "summary": "Any item by where it lives: a GitLab project, an inventory entry, a listed resource",
                    "description": (
                        "Every record's `api_url`. `path` is its path on `host` and may hold slashes (a GitLab "
                        "project's full `group/subgroup/project` path, a resource's address); case-insensitive. "
                        "GitHub repositories answer here too, and at /api/repos/{owner}/{name}."
                    ),
                    "parameters": [
                        {
                            "name": "host",
                            "in": "path",
                            "required": True,
                            "schema": path_text,
                            "example": "design-system.service.gov.uk",
                        },
                        {
                            "name": "path",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 1000},
                            "example": "components/button",
                        },
                    ],
                    "responses": {
                        "200": _json(body(contracts.REPO_DETAIL), "The item."),
                        "404": error("Nothing at that address in the catalogue."),
                        "500": server_error,
                    },
                }
            },
            "/api/publishers": {
                "get": {
                    "tags": ["catalogue"],
                    "operationId": "listPublishers",
                    "summary": "Every publisher",
                    "description": "Publishers with repositories or a harvest history, by name.",
                    "responses": {"200": _json(body(contracts.PublisherList), "The publishers."), "500": server_error},
                }
            },
            "/api/publishers/{login}": {
                "get": {
                    "tags": ["catalogue"],
                    "operationId": "getPublisher",
                    "summary": "One publisher",
                    "description": "By any of its GitHub logins, case-insensitive.",
                    "parameters": [
                        {
                            "name": "login",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9-]+$"},
                            "example": "Dorset-Council-UK",
                        }
                    ],
                    "responses": {
                        "200": _json(body(contracts.Publisher), "The publisher."),
                        "404": error("No publisher with that login."),
                        "500": server_error,
                    },
                }
            },
            "/api/registrations": {
                "post": {
                    "tags": ["registration"],
                    "operationId": "register",
                    "summary": "Register a GitHub organisation",
                    "description": (
                        "A council or public body asks for its GitHub organisation to be listed. The fields are "
                        "checked before anything else (no GitHub request is made while answering); a moderator "
                        "decides later. Registering an organisation already pending or registered (any letter "
                        "case) answers 200 with that registration."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            media: {"schema": registration_fields}
                            for media in ("application/json", "application/x-www-form-urlencoded")
                        },
                    },
                    "responses": {
                        "202": _json(body(contracts.RegistrationAccepted), "Received: pending."),
                        "200": _json(body(contracts.RegistrationAccepted), "Already open for that organisation."),
                        "400": _json(body(contracts.FieldErrorBody), "A field is wrong; `field` names it."),
                        "429": dict(
                            error(
                                "Too many registrations from this address or from everyone (rate limits), or too "
                                "many waiting for moderators; `Retry-After` says when to try again."
                            ),
                            headers={"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
                        ),
                        "500": server_error,
                    },
                }
            },
            "/api/registrations/{id}": {
                "get": {
                    "tags": ["registration"],
                    "operationId": "getRegistration",
                    "summary": "Where a registration stands",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
                        }
                    ],
                    "responses": {
                        "200": _json(body(contracts.RegistrationView), "The registration (never its contact email)."),
                        "404": error("No registration with that id."),
                        "500": server_error,
                    },
                }
            },
            "/api/stats": {
                "get": {
                    "tags": ["service"],
                    "operationId": "getStats",
                    "summary": "Catalogue statistics",
                    "description": "What the /stats page shows: size over time, breakdowns, new this week.",
                    "responses": {"200": _json(body(contracts.Stats), "The figures."), "500": server_error},
                }
            },
            OPENAPI_PATH: {
                "get": {
                    "tags": ["service"],
                    "operationId": "getOpenAPI",
                    "summary": "This document",
                    "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.1 description of the API.")},
                }
            },
            "/healthz": {
                "get": {
                    "tags": ["service"],
                    "operationId": "health",
                    "summary": "Service status",
                    "responses": {"200": _json(body(contracts.Health), "The service is up."), "500": server_error},
                }
            },
            "/feeds/search.atom": {
                "get": {
                    "tags": ["feeds and downloads"],
                    "operationId": "searchFeed",
                    "summary": "Atom feed of a search, newest repositories first",
                    "description": (
                        f"The {FEED_ENTRIES} newest matching repositories by creation date (last push, then "
                        "harvest time, when unknown), as Atom 1.0 (RFC 4287). Takes the /api/search "
                        "parameters; `sort`, `page` and `per_page` do not apply."
                    ),
                    "parameters": _search_parameters(paging=False, sort=False),
                    "responses": {
                        "200": {
                            "description": "An Atom feed.",
                            "content": {"application/atom+xml": {"schema": {"type": "string"}}},
                        },
                        "400": _html_error("A parameter is not acceptable."),
                        "500": _html_error("Our fault."),
                    },
                }
            },
            "/downloads/search.csv": {
                "get": {
                    "tags": ["feeds and downloads"],
                    "operationId": "downloadCSV",
                    "summary": "CSV of every match of a search (no parameters: the whole catalogue)",
                    "description": (
                        "Streamed, in the search's order. Columns: "
                        + ", ".join(f"`{c}`" for c in CSV_COLUMNS)
                        + ". UTF-8 with a byte order mark (for Excel); topics joined with `;`; booleans `true`/"
                        "`false`; cells starting with `=`, `+`, `-`, `@`, tab or carriage return are prefixed with "
                        f"`'` so spreadsheets do not run them as formulas. A search with words stops at the first "
                        f"{MAX_RESULT_WINDOW:,} results; filters alone and the whole catalogue have no limit."
                    ),
                    "parameters": _search_parameters(paging=False, sort=True),
                    "responses": {
                        "200": {
                            "description": "A CSV attachment.",
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        },
                        "400": _html_error("A parameter is not acceptable."),
                        "500": _html_error("Our fault."),
                    },
                }
            },
            "/downloads/search.json": {
                "get": {
                    "tags": ["feeds and downloads"],
                    "operationId": "downloadJSON",
                    "summary": "JSON array of every match of a search (no parameters: the whole catalogue)",
                    "description": (
                        "Streamed, in the search's order: the /api/search results without `snippet`. Same "
                        f"limit as the CSV: a search with words stops at {MAX_RESULT_WINDOW:,} results."
                    ),
                    "parameters": _search_parameters(paging=False, sort=True),
                    "responses": {
                        "200": _json({"type": "array", "items": body(contracts.REPO)}, "A JSON attachment."),
                        "400": _html_error("A parameter is not acceptable."),
                        "500": _html_error("Our fault."),
                    },
                }
            },
        },
    }
    schemas.components["Error"]["examples"] = [
        {"status": 400, "message": f"per_page must be between 1 and {MAX_PER_PAGE}."}
    ]
    document["components"] = {"schemas": schemas.components}
    return document


def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document(), headers={"Access-Control-Allow-Origin": "*"})


def api_page(request: Request) -> HTMLResponse:

    base_url = public_base_url(request)
    return render(
        request,
        "api.html",
        base_url=base_url,
        openapi_path=OPENAPI_PATH,
        csv_columns=CSV_COLUMNS,
        max_per_page=MAX_PER_PAGE,
        result_window=MAX_RESULT_WINDOW,
        feed_entries=FEED_ENTRIES,
        filters=FILTERS,
        sorts=SORTS,
        publisher_types=PUBLISHER_TYPES,
    )
