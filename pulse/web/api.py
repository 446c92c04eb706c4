"""The JSON API: the public contract, documented in the README."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from pulse.core.errors import NotFound
from pulse.core.query import SearchRequest
from pulse.core.readiness import readiness
from pulse.index import Related, SearchPage
from pulse.index import search as run_search
from pulse.jobs.publishers import get_publisher, list_publishers, state_health


def page_to_json(page: SearchPage) -> dict[str, Any]:
    """The /api/search body; also what the HTML page renders from."""
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
        "results": [dict(hit.repo.to_dict(with_readme=False), snippet=hit.snippet) for hit in page.hits],
        "facets": {
            name: [{"value": f.value, "count": f.count} for f in values] for name, values in page.facets.items()
        },
    }


def search(request: Request) -> JSONResponse:
    page = run_search(request.app.state.store, SearchRequest.from_params(request.query_params))
    return JSONResponse(page_to_json(page))


def repo(request: Request) -> JSONResponse:
    owner, name = request.path_params["owner"], request.path_params["name"]
    record = request.app.state.store.get(owner, name)
    if record is None:
        raise NotFound(f"No repository {owner}/{name} in the catalogue.")
    related = Related(request.app.state.store, record)
    body = record.to_dict()
    body["readiness"] = readiness(record, reused_by=len(related.reused_by)).to_dict()
    body["similar"] = [r.full_name for r in related.similar]
    body["reused_by"] = [r.full_name for r in related.reused_by]
    return JSONResponse(body)


def healthz(request: Request) -> JSONResponse:
    store = request.app.state.store
    return JSONResponse({"status": "ok", "documents": store.doc_count(), "demo": store.has_demo()})


def publishers(request: Request) -> JSONResponse:
    state = request.app.state
    found = list_publishers(state.store, state.settings.data_dir)
    return JSONResponse(
        {
            "total": len(found),
            "publishers": [p.to_dict() for p in found],
            "harvest_state": state_health(state.settings.data_dir).to_dict(),
        }
    )


def publisher(request: Request) -> JSONResponse:
    state, login = request.app.state, request.path_params["login"]
    found = get_publisher(state.store, state.settings.data_dir, login)
    if found is None:
        raise NotFound(f"No publisher with the GitHub login {login}.")
    return JSONResponse(found.to_dict())
