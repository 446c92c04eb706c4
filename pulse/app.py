"""The Starlette application: the route list below is the map of the site.

Endpoints are thin: they parse a request with `SearchRequest.from_params`,
call `index.search.search` or the store, and render HTML or JSON. Domain
errors are translated here, once: an error page for people, one JSON shape
(`{"status": 400, "message": "..."}`) under /api.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from index.store import IndexStore
from pulse import api, downloads, feeds, openapi, stats, views
from pulse.config import Settings
from pulse.demo import load_demo_if_empty
from pulse.errors import NotFound, QueryError

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"

routes = [
    Route("/", views.home, name="home"),
    Route("/search", views.search_page, name="search"),
    Route("/repos/{owner}/{name}", views.repo_page, name="repo"),
    Route("/publishers", views.publishers_page, name="publishers"),
    Route("/publishers/{login}", views.publisher_page, name="publisher"),
    Route("/accessibility", views.accessibility, name="accessibility"),
    Route("/api/search", api.search, name="api_search"),
    Route("/api/repos/{owner}/{name}", api.repo, name="api_repo"),
    Route("/api/publishers", api.publishers, name="api_publishers"),
    Route("/api/publishers/{login}", api.publisher, name="api_publisher"),
    Route("/healthz", api.healthz, name="healthz"),
    Route("/api", openapi.api_page, name="api_page"),
    Route("/api/openapi.json", openapi.openapi_json, name="api_openapi"),
    Route("/api/stats", stats.api_stats, name="api_stats"),
    Route("/stats", stats.stats_page, name="stats"),
    Route("/feeds/search.atom", feeds.search_atom, name="feed_search"),
    Route("/downloads/search.csv", downloads.search_csv, name="download_csv"),
    Route("/downloads/search.json", downloads.search_json, name="download_json"),
    Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
]


def create_app(settings: Settings | None = None, *, demo: bool = True) -> Starlette:
    """Build the app over the index in `settings.data_dir`.

    With `demo`, an empty index is filled with the embedded demo catalogue.
    """
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        store = IndexStore(settings.index_dir)
        if demo and load_demo_if_empty(store):
            log.info("index was empty: loaded the demo catalogue")
        app.state.store = store
        app.state.settings = settings
        yield
        store.close()

    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            QueryError: _error(400),
            NotFound: _error(404),
            HTTPException: _http_error,
            Exception: _error(500),
        },
    )


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def error_response(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"status": status, "message": message}, status_code=status)
    return views.error_page(request, status, message)


def _error(status: int):  # type: ignore[no-untyped-def]
    async def handler(request: Request, exc: Exception) -> Response:
        if status >= 500:
            log.exception("error serving %s", request.url.path, exc_info=exc)
            message = "Something went wrong on our side. Please try again later."
        else:
            message = str(exc)
        return error_response(request, status, message)

    return handler


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "There is no page at this address.", 405: "That method is not allowed here."}
    return error_response(request, exc.status_code, messages.get(exc.status_code, str(exc.detail)))
