"""The web UI and JSON API over real HTTP, on the demo catalogue."""

from __future__ import annotations

import pytest

from tests.conftest import LiveServer

RESULT_KEYS = {
    "id",
    "full_name",
    "url",
    "description",
    "language",
    "licence",
    "stars",
    "topics",
    "publisher",
    "archived",
    "pushed_at",
}


def test_home_shows_the_catalogue_and_says_it_is_the_demo(demo_server: LiveServer) -> None:
    page = demo_server.get("/")
    assert page.status_code == 200
    assert "Search 714 repositories and 199 open resources" in page.text
    assert "Demo catalogue." in page.text


def test_api_search_contract(demo_server: LiveServer) -> None:
    body = demo_server.get("/api/search", params={"q": "drupal", "per_page": 5}).json()
    assert {"query", "total", "page", "per_page", "results", "facets"} <= body.keys()
    assert body["query"] == "drupal" and body["page"] == 1 and body["per_page"] == 5
    assert body["total"] >= 10 and len(body["results"]) == 5
    for result in body["results"]:
        assert RESULT_KEYS <= result.keys()
        assert "readme" not in result
    assert set(body["facets"]) == {
        "language",
        "licence",
        "publisher",
        "publisher_type",
        "topic",
        "archived",
        "kind",
        "resource_type",
        "has_licence",
    }
    assert sum(f["count"] for f in body["facets"]["publisher_type"]) == body["total"]
    assert (
        body["results"][0]["full_name"].startswith("localgovdrupal/")
        or "drupal" in body["results"][0]["full_name"].lower()
    )


def test_filters_narrow_and_facets_count_the_match(demo_server: LiveServer) -> None:
    everything = demo_server.get("/api/search").json()
    python = next(f for f in everything["facets"]["language"] if f["value"] == "Python")
    body = demo_server.get("/api/search", params={"language": "Python", "per_page": 100}).json()
    assert body["total"] == python["count"] > 0
    assert {r["language"] for r in body["results"]} == {"Python"}
    both = demo_server.get("/api/search", params=[("language", "Python"), ("language", "Ruby")]).json()
    assert both["total"] > body["total"]  # values of one facet combine with OR
    narrowed = demo_server.get("/api/search", params={"language": "Python", "publisher_type": "health"}).json()
    assert narrowed["total"] < body["total"]  # different facets combine with AND
    assert demo_server.get("/api/search", params={"license": "MIT"}).json()["filters"] == {"licence": ["MIT"]}


def test_paging_walks_the_whole_match_without_repeats(demo_server: LiveServer) -> None:
    seen: list[str] = []
    for page in (1, 2, 3):
        body = demo_server.get("/api/search", params={"q": "council", "per_page": 10, "page": page}).json()
        seen += [r["full_name"] for r in body["results"]]
    assert len(seen) == len(set(seen))
    total = demo_server.get("/api/search", params={"q": "council"}).json()["total"]
    assert len(seen) == min(30, total)


def test_sort_by_stars_and_updated_are_accepted(demo_server: LiveServer) -> None:
    for sort in ("stars", "updated", "relevance"):
        assert demo_server.get("/api/search", params={"q": "data", "sort": sort}).status_code == 200


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"per_page": 1000}, "per_page must be between 1 and 100"),
        ({"page": 0}, "page must be 1 or more"),
        ({"page": "two"}, "page must be a whole number"),
        ({"sort": "random"}, "Unknown sort"),
        ({"page": 1000, "per_page": 100}, "cannot be paged to"),
    ],
)
def test_bad_parameters_get_a_400_with_the_json_error_shape(demo_server: LiveServer, params, message) -> None:  # type: ignore[no-untyped-def]
    response = demo_server.get("/api/search", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and message in body["message"]
    html = demo_server.get("/search", params=params)
    assert html.status_code == 400 and message in html.text


HOSTILE = [
    "*",
    "*a*",
    '"unclosed',
    "x" * 5000,
    "AND OR NOT (",
    "((((((((((",
    ")",
    "NOT",
    "a OR",
    "🦔 Cymraeg ŵ ŷ",
    "名前",
    "name:secret",
    "a~2",
    "[a TO z]",
    "{a TO z}",
    "a^100",
    "/regex.*/",
    "\\",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%00",
    "a" * 499,
    " ".join(["word"] * 200),
    "\u202e",
    "AND AND AND",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_get_a_page_or_a_helpful_400(demo_server: LiveServer, q: str) -> None:
    for path in ("/api/search", "/search"):
        response = demo_server.get(path, params={"q": q}, timeout=10)  # a hang fails here
        assert response.status_code in (200, 400), (q, response.status_code)
        if response.status_code == 400 and path == "/api/search":
            assert response.json()["message"]
    if q.startswith("<script>"):
        assert "<script>alert(1)</script>" not in demo_server.get("/search", params={"q": q}).text


def test_html_and_api_share_one_query_path(demo_server: LiveServer) -> None:
    params = {"q": "design system", "publisher_type": "central-government"}
    api = demo_server.get("/api/search", params=params).json()
    html = demo_server.get("/search", params=params).text
    assert f"{api['total']} results" in html or f"{api['total']} result" in html
    for result in api["results"]:
        assert result["full_name"] in html
    assert "Remove filter Publisher type: Central government" in html


def test_repo_api_and_detail_page(demo_server: LiveServer) -> None:
    record = demo_server.get("/api/repos/alphagov/govuk-frontend").json()
    assert record["full_name"] == "alphagov/govuk-frontend"
    assert record["readme"]
    same = demo_server.get("/api/repos/ALPHAGOV/GOVUK-FRONTEND").json()
    assert same["id"] == record["id"]
    page = demo_server.get("/repos/alphagov/govuk-frontend")
    assert page.status_code == 200 and '<h2 class="govuk-heading-l" id="readme">README</h2>' in page.text


def test_unknown_repo_and_page_are_404s(demo_server: LiveServer) -> None:
    missing = demo_server.get("/api/repos/nobody/nothing")
    assert missing.status_code == 404 and missing.json() == {
        "status": 404,
        "message": "No repository nobody/nothing in the catalogue.",
    }
    assert demo_server.get("/repos/nobody/nothing").status_code == 404
    assert demo_server.get("/no/such/page").status_code == 404


def test_healthz_counts_documents(demo_server: LiveServer) -> None:
    assert demo_server.get("/healthz").json() == {"status": "ok", "documents": 913, "demo": True}


def test_detail_page_explains_the_readiness_score(demo_server: LiveServer) -> None:
    page = demo_server.get("/repos/alphagov/govuk-frontend").text
    assert "out of 100" in page and "Open licence" in page
    assert "Not known" in page  # the demo has no push dates: recent activity is unknown, not "No"
    api = demo_server.get("/api/repos/alphagov/govuk-frontend").json()
    assert sum(s["weight"] for s in api["readiness"]["signals"] if s["met"]) == api["readiness"]["score"]
