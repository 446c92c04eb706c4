"""The OpenAPI 3.1 description of Pulse's public HTTP API, served at /api/openapi.json.

Built from the same constants the code validates with (sorts, filters,
limits), so the document cannot drift from them; tests check it is a valid
OpenAPI 3.1 document, that every route under /api is in it, and run
generated requests against a live server to check the answers conform.
The human guide is the /api page (templates/api.html).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from pulse.core.query import DEFAULT_PER_PAGE, MAX_FILTER_VALUES, MAX_PER_PAGE, MAX_QUERY_CHARS, MAX_RESULT_WINDOW
from pulse.core.vocabulary import FILTERS, PUBLISHER_TYPES, SORTS
from pulse.web.downloads import CSV_COLUMNS
from pulse.web.feeds import FEED_ENTRIES
from pulse.web.templating import public_base_url, render

OPENAPI_PATH = "/api/openapi.json"
API_VERSION = "1.0.0"

_FILTER_HELP = {
    "language": "Primary language as GitHub reports it, e.g. `Python`; `(none)` for unknown.",
    "licence": "SPDX licence id, e.g. `MIT`; `(none)` when none was identified. `license` is an alias.",
    "publisher": "Publisher display name, e.g. `Dorset Council`.",
    "publisher_type": "One of: " + ", ".join(f"`{t}`" for t in PUBLISHER_TYPES) + ".",
    "topic": "GitHub topic, case-insensitive.",
    "archived": "`yes` or `no`.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


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
    for name in FILTERS:
        params.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "style": "form",
                "explode": True,
                "description": (
                    _FILTER_HELP.get(name, f"Filter by {name}.")
                    + " Repeat the parameter to match any of several values (OR); "
                    "different filters combine with AND."
                ),
                "schema": {
                    "type": "array",
                    "maxItems": MAX_FILTER_VALUES,
                    "items": {"type": "string", "maxLength": 200},
                },
            }
        )
    params.append(
        {
            "name": "license",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": True,
            "description": "Alias of `licence`.",
            "schema": {"type": "array", "maxItems": MAX_FILTER_VALUES, "items": {"type": "string", "maxLength": 200}},
        }
    )
    return params


_DATE = {"type": "string", "description": "ISO 8601 UTC, `YYYY-MM-DDTHH:MM:SSZ`; empty when unknown."}
_COUNT = {"type": "integer", "minimum": 0}

_REPO_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer", "description": "The forge's numeric id: stable across renames."},
    "full_name": {"type": "string", "examples": ["Dorset-Council-UK/GdsBlazorComponents"]},
    "owner": {"type": "string"},
    "name": {"type": "string"},
    "url": {"type": "string", "description": "The repository on GitHub."},
    "description": {"type": "string"},
    "homepage": {"type": "string"},
    "language": {"type": "string", "description": "Empty when unknown."},
    "licence": {"type": "string", "description": "SPDX id; empty when none was identified."},
    "topics": {"type": "array", "items": {"type": "string"}},
    "stars": _COUNT,
    "forks": _COUNT,
    "open_issues": _COUNT,
    "archived": {"type": "boolean"},
    "is_template": {"type": "boolean"},
    "fork": {"type": "boolean"},
    "created_at": _DATE,
    "pushed_at": _DATE,
    "updated_at": _DATE,
    "default_branch": {"type": "string"},
    "publisher": {"type": "string", "description": "Display name from sources.yaml."},
    "publisher_type": {"type": "string", "enum": list(PUBLISHER_TYPES)},
    "source": {"type": "string", "description": "The configured source, e.g. `github:dorset-council-uk`."},
    "harvested_at": {**_DATE, "description": "When this record's data last changed in a harvest; empty when unknown."},
    "readme_sha": {
        "type": "string",
        "description": "Harvest state: the README blob sha, `-` for none, empty if unknown.",
    },
    "fork_of": {"type": "string", "description": "`Owner/name` of the upstream when known."},
}
_REPO_REQUIRED = [
    "id",
    "full_name",
    "owner",
    "name",
    "url",
    "description",
    "homepage",
    "language",
    "licence",
    "topics",
    "stars",
    "forks",
    "open_issues",
    "archived",
    "is_template",
    "fork",
    "created_at",
    "pushed_at",
    "updated_at",
    "publisher",
    "publisher_type",
    "source",
]

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["status", "message"],
        "properties": {
            "status": {"type": "integer", "description": "The HTTP status, repeated."},
            "message": {"type": "string", "description": "What went wrong, for a person."},
        },
        "examples": [{"status": 400, "message": f"per_page must be between 1 and {MAX_PER_PAGE}."}],
    },
    "Repo": {
        "type": "object",
        "description": "One repository record. Fields are only ever added.",
        "required": _REPO_REQUIRED,
        "properties": _REPO_PROPERTIES,
    },
    "RepoWithReadme": {
        "allOf": [
            _ref("Repo"),
            {
                "type": "object",
                "required": ["readme"],
                "properties": {"readme": {"type": "string", "description": "Markdown, capped at 32,000 characters."}},
            },
        ],
    },
    "SearchResult": {
        "allOf": [
            _ref("Repo"),
            {
                "type": "object",
                "required": ["snippet"],
                "properties": {
                    "snippet": {
                        "type": "string",
                        "description": "HTML: escaped text with `<mark>` around matched words; "
                        "empty when there are no words.",
                    }
                },
            },
        ],
    },
    "FacetValue": {
        "type": "object",
        "required": ["value", "count"],
        "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
    },
    "SearchResponse": {
        "type": "object",
        "required": ["query", "filters", "sort", "total", "page", "per_page", "pages", "note", "results", "facets"],
        "properties": {
            "query": {"type": "string"},
            "filters": {
                "type": "object",
                "description": "The filters applied, by name (`license` shows as `licence`).",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "sort": {"type": "string", "enum": list(SORTS)},
            "total": _COUNT,
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "pages": {"type": "integer", "minimum": 1},
            "note": {"type": "string", "description": "E.g. that the search fell back to any word; else empty."},
            "results": {"type": "array", "items": _ref("SearchResult")},
            "facets": {
                "type": "object",
                "description": (
                    "Counts over the whole match, most common first, at most 100 "
                    "values per facet; a missing language or licence is `(none)`."
                ),
                "properties": {name: {"type": "array", "items": _ref("FacetValue")} for name in FILTERS},
            },
        },
    },
    "SourceStatus": {
        "type": "object",
        "required": ["source", "login", "repos", "status", "stale"],
        "properties": {
            "source": {"type": "string"},
            "login": {"type": "string"},
            "repos": _COUNT,
            "status": {"type": "string", "enum": ["ok", "failed", "tombstoned", "demo", "not harvested yet"]},
            "last_success": _DATE,
            "last_failure": _DATE,
            "last_error": {"type": "string"},
            "stale": {"type": "boolean"},
        },
    },
    "Publisher": {
        "type": "object",
        "required": ["name", "type", "login", "repos", "stale", "sources"],
        "properties": {
            "name": {"type": "string"},
            "type": {
                "type": "string",
                "description": "A publisher type; empty for a publisher known only from harvest history.",
            },
            "login": {"type": "string", "description": "The first source's GitHub login: the publisher's URL key."},
            "repos": _COUNT,
            "stale": {"type": "boolean"},
            "sources": {"type": "array", "items": _ref("SourceStatus")},
        },
    },
    "PublisherList": {
        "type": "object",
        "required": ["total", "publishers"],
        "properties": {"total": _COUNT, "publishers": {"type": "array", "items": _ref("Publisher")}},
    },
    "Health": {
        "type": "object",
        "required": ["status", "documents", "demo"],
        "properties": {
            "status": {"const": "ok"},
            "documents": _COUNT,
            "demo": {"type": "boolean", "description": "The demo catalogue is being served."},
        },
    },
    "Stats": {
        "type": "object",
        "required": [
            "generated_at",
            "total",
            "demo",
            "new_this_week",
            "by_publisher_type",
            "by_language",
            "by_licence",
            "history",
        ],
        "properties": {
            "generated_at": _DATE,
            "total": _COUNT,
            "demo": {"type": "boolean"},
            "new_this_week": {
                "type": "object",
                "required": ["since", "count", "newest"],
                "description": "Repositories created in the last 7 days, and the newest 20 of them.",
                "properties": {
                    "since": _DATE,
                    "count": _COUNT,
                    "newest": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["full_name", "owner", "name", "url", "publisher", "created_at"],
                            "properties": {
                                k: {"type": "string"}
                                for k in ("full_name", "owner", "name", "url", "publisher", "created_at")
                            },
                        },
                    },
                },
            },
            "by_publisher_type": {"type": "array", "items": _ref("FacetValue")},
            "by_language": {"type": "array", "items": _ref("FacetValue")},
            "by_licence": {"type": "array", "items": _ref("FacetValue")},
            "history": {
                "type": "array",
                "description": "Harvest runs, oldest first (the last 366); empty for the demo.",
                "items": {
                    "type": "object",
                    "required": ["started_at", "finished_at", "repos", "seen", "sources", "failed_sources"],
                    "properties": {
                        "started_at": _DATE,
                        "finished_at": _DATE,
                        "repos": {
                            **_COUNT,
                            "description": "Catalogue size after the run: failed sources keep their repositories.",
                        },
                        "seen": {**_COUNT, "description": "Repositories listed by the sources that succeeded."},
                        "sources": _COUNT,
                        "failed_sources": _COUNT,
                    },
                },
            },
        },
    },
}


@cache
def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (built once)."""
    bad_request = _error("A parameter is not acceptable; `message` says which and why.")
    server_error = _error("Our fault; the message says to try again later.")
    path_text = {"type": "string", "pattern": "^[A-Za-z0-9._-]+$"}
    return {
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
                        "200": _json(_ref("SearchResponse"), "A page of results."),
                        "400": bad_request,
                        "500": server_error,
                    },
                }
            },
            "/api/repos/{owner}/{name}": {
                "get": {
                    "tags": ["catalogue"],
                    "operationId": "getRepo",
                    "summary": "One repository, with its README",
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
                        "200": _json(_ref("RepoWithReadme"), "The repository."),
                        "404": _error("No such repository in the catalogue."),
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
                    "responses": {"200": _json(_ref("PublisherList"), "The publishers."), "500": server_error},
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
                        "200": _json(_ref("Publisher"), "The publisher."),
                        "404": _error("No publisher with that login."),
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
                    "responses": {"200": _json(_ref("Stats"), "The figures."), "500": server_error},
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
                    "responses": {"200": _json(_ref("Health"), "The service is up."), "500": server_error},
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
                        "200": _json({"type": "array", "items": _ref("Repo")}, "A JSON attachment."),
                        "400": _html_error("A parameter is not acceptable."),
                        "500": _html_error("Our fault."),
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }


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
