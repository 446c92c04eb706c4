"""The JSON API: the public contract, documented in the README.

Every body is built as its type in pulse/web/contracts.py, which the OpenAPI document is
generated from, so mypy checks each handler against what the document promises.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from pulse.core.errors import NotFound
from pulse.core.query import SearchRequest
from pulse.core.readiness import Readiness, readiness
from pulse.core.record import Repo
from pulse.index import Hit, Related, SearchPage
from pulse.index import search as run_search
from pulse.jobs.publishers import (
    PublisherSummary,
    SourceView,
    StateHealth,
    get_publisher,
    list_publishers,
    state_health,
)
from pulse.web import contracts


def page_to_json(page: SearchPage) -> contracts.SearchResponse:
    """The /api/search body."""
    request = page.request
    return {
        "query": request.q,
        "filters": {k: list(v) for k, v in request.filters.items()},
        "sort": request.sort,
        "total": page.total,
        "page": request.page,
        "per_page": request.per_page,
        "pages": page.pages,
        "note": page.note,
        "suggestion": page.suggestion,
        "results": [result_json(hit) for hit in page.hits],
        "facets": {
            name: [{"value": f.value, "count": f.count} for f in values] for name, values in page.facets.items()
        },
    }


def result_json(hit: Hit) -> contracts.SearchResult:
    return contracts.on_record(hit.repo.to_dict(with_readme=False), contracts.SearchResult(snippet=hit.snippet))


def readiness_json(score: Readiness) -> contracts.Readiness:
    return {
        "score": score.score,
        "signals": [{"label": s.label, "weight": s.weight, "met": s.met, "detail": s.detail} for s in score.signals],
    }


def source_json(view: SourceView) -> contracts.SourceStatus:
    return {
        "source": view.source,
        "login": view.login,
        "repos": view.repos,
        "status": view.status,
        "last_success": view.last_success,
        "last_failure": view.last_failure,
        "last_error": view.last_error,
        "stale": view.stale,
    }


def publisher_json(found: PublisherSummary) -> contracts.Publisher:
    return {
        "name": found.name,
        "type": found.type,
        "login": found.login,
        "repos": found.repos,
        "sources": [source_json(s) for s in found.sources],
        "stale": found.stale,
    }


def harvest_state_json(health: StateHealth) -> contracts.HarvestState:
    recovered = health.recovered
    return {
        "unreadable": health.unreadable,
        "recovered": None
        if recovered is None
        else {"at": recovered.at, "problem": recovered.problem, "moved_to": recovered.moved_to},
    }


def search(request: Request) -> JSONResponse:
    page = run_search(request.app.state.store, SearchRequest.from_params(request.query_params))
    return JSONResponse(page_to_json(page))


def repo(request: Request) -> JSONResponse:
    """GET /api/repos/{owner}/{name}: a GitHub repository."""
    owner, name = request.path_params["owner"], request.path_params["name"]
    record = request.app.state.store.get(owner, name)
    if record is None:
        raise NotFound(f"No repository {owner}/{name} in the catalogue.")
    return _item_json(request, record)


def item(request: Request) -> JSONResponse:
    """GET /api/items/{host}/{path}: any item by where it lives."""
    host, path = request.path_params["host"], request.path_params["path"]
    record = request.app.state.store.find(host, path)
    if record is None:
        raise NotFound(f"Nothing at {host}/{path} in the catalogue.")
    return _item_json(request, record)


def _item_json(request: Request, record: Repo) -> JSONResponse:
    related = Related(request.app.state.store, record)
    extra = contracts.RepoDetail(
        readiness=readiness_json(readiness(record, reused_by=len(related.reused_by))),
        similar=[r.full_name for r in related.similar],
        reused_by=[r.full_name for r in related.reused_by],
    )
    body: contracts.RepoDetail = contracts.on_record(record.to_dict(), extra)
    return JSONResponse(body)


def healthz(request: Request) -> JSONResponse:
    store = request.app.state.store
    body: contracts.Health = {"status": "ok", "documents": store.doc_count(), "demo": store.has_demo()}
    return JSONResponse(body)


def publishers(request: Request) -> JSONResponse:
    state = request.app.state
    found = list_publishers(state.store, state.settings.data_dir)
    body: contracts.PublisherList = {
        "total": len(found),
        "publishers": [publisher_json(p) for p in found],
        "harvest_state": harvest_state_json(state_health(state.settings.data_dir)),
    }
    return JSONResponse(body)


def publisher(request: Request) -> JSONResponse:
    state, login = request.app.state, request.path_params["login"]
    found = get_publisher(state.store, state.settings.data_dir, login)
    if found is None:
        raise NotFound(f"No publisher with the GitHub login {login}.")
    return JSONResponse(publisher_json(found))
