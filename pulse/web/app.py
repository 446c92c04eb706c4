"""The Starlette application: the route list below is the map of the site.

Endpoints are thin: they parse a request with `SearchRequest.from_params`,
call `index.search.search` or the store, and render HTML or JSON. Domain
errors are translated here, once: an error page for people, one JSON shape
(`{"status": 400, "message": "..."}`) under /api.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pulse.core.errors import NotFound, QueryError, ServiceBusy
from pulse.core.settings import Settings
from pulse.index import IndexStore
from pulse.jobs.approval import HarvestWorker
from pulse.jobs.demo import load_demo_if_empty
from pulse.jobs.evidence import EvidenceWorker, github_fetcher
from pulse.jobs.mail import run_mail_jobs
from pulse.jobs.registrations import RegistrationStore
from pulse.jobs.state import STATE_FILE
from pulse.web import api, auth, contracts, downloads, feeds, moderation, openapi, registration, stats, views
from pulse.web.middleware import ResponsePolicy, SignedSessions
from pulse.web.templating import STATIC_DIR
from pulse.web.throttle import Throttle

log = logging.getLogger(__name__)

routes = [
    Route("/", views.home, name="home"),
    Route("/search", views.search_page, name="search"),
    Route("/repos/{owner}/{name}", views.repo_page, name="repo"),
    Route("/items/{host}/{path:path}", views.item_page, name="item"),
    Route("/publishers", views.publishers_page, name="publishers"),
    Route("/publishers/{login}", views.publisher_page, name="publisher"),
    Route("/accessibility", views.accessibility, name="accessibility"),
    Route("/sign-in", auth.sign_in, name="sign_in"),
    Route("/sign-in/callback", auth.callback, name="sign_in_callback"),
    Route("/sign-out", auth.sign_out, methods=["POST"], name="sign_out"),
    Route("/moderate", moderation.queue_page, name="moderate"),
    Route("/moderate/{id}", moderation.registration_page, methods=["GET"], name="moderate_registration"),
    Route("/moderate/{id}", moderation.decide, methods=["POST"], name="moderate_decide"),
    Route("/register", registration.register_page, methods=["GET"], name="register"),
    Route("/register", registration.register_submit, methods=["POST"], name="register_submit"),
    Route("/registrations/{id}", registration.status_page, name="registration"),
    Route("/registrations/{id}/confirm", registration.confirm_page, methods=["GET"], name="confirm"),
    Route("/registrations/{id}/confirm", registration.confirm_submit, methods=["POST"], name="confirm_submit"),
    Route("/api/registrations", registration.api_submit, methods=["POST"], name="api_registrations"),
    Route("/api/registrations/{id}", registration.api_status, name="api_registration"),
    Route("/api/search", api.search, name="api_search"),
    Route("/api/repos/{owner}/{name}", api.repo, name="api_repo"),
    Route("/api/items/{host}/{path:path}", api.item, name="api_item"),
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


def create_app(settings: Settings | None = None, *, demo: bool = True) -> ResponsePolicy:
    """Build the app over the index in `settings.data_dir`.

    With `demo`, an empty index is filled with the embedded demo catalogue. Inside the
    response policy (headers, validators: pulse/middleware.py): only the configured
    Host names are answered, and responses over 1 KB are gzipped for clients that ask.
    """
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        store = IndexStore(settings.index_dir, fast_path=settings.fast_path)
        if demo and load_demo_if_empty(store):
            log.info("index was empty: loaded the demo catalogue")
        app.state.store = store
        app.state.settings = settings
        app.state.registrations = RegistrationStore(settings.data_dir)
        # Evidence for registrations is gathered here, in the background, never in a handler.
        registrations = app.state.registrations
        app.state.evidence = EvidenceWorker(
            registrations, github_fetcher(settings), also=[lambda: run_mail_jobs(registrations, settings)]
        )
        app.state.evidence.start()
        # Approved organisations are harvested by a child process (`pulse harvest --only`), never here.
        app.state.harvests = HarvestWorker(app.state.registrations, settings)
        app.state.harvests.start()
        yield
        app.state.harvests.stop()
        app.state.evidence.stop()
        store.close()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts), www_redirect=False),
            Middleware(GZipMiddleware, minimum_size=1000),
        ],
        exception_handlers={
            QueryError: _error(400),
            NotFound: _error(404),
            ServiceBusy: _busy,
            HTTPException: _http_error,
            Exception: _error(500),
        },
    )
    app.state.oauth = auth.oauth_client(settings)
    app.state.throttle = Throttle(settings)
    # Sessions (sign-in) and CSRF tokens exist only on the pages that need them (SignedSessions).
    inner = SignedSessions(app, settings) if settings.secret_key else app
    return ResponsePolicy(
        inner, state=app.state, catalogue_version=catalogue_version, hsts_seconds=settings.hsts_seconds
    )


def catalogue_version(state: Any) -> str:
    """A short tag that changes whenever what the open-data responses show can change: the
    index generation, the harvest state and the latest report. "" before startup."""
    store: IndexStore | None = getattr(state, "store", None)
    settings: Settings | None = getattr(state, "settings", None)
    if store is None or settings is None:
        return ""
    parts = [str(store.generation())]
    for path in (
        settings.data_dir / STATE_FILE,
        settings.data_dir / "reports" / "harvest-latest.json",
        settings.index_dir / "PULSE_SCHEMA_VERSION",
    ):
        try:
            parts.append(str(path.stat().st_mtime_ns))
        except OSError:
            parts.append("-")
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()[:12]


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


MAX_MESSAGE_CHARS = 300  # an error message may quote input; never all of a 60 KB path


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + "…"
    if _wants_json(request):
        body: contracts.Error = {"status": status, "message": message}
        response: Response = JSONResponse(body, status_code=status)
    else:
        response = views.error_page(request, status, message)
    response.headers.update(headers or {})
    return response


def _error(status: int):  # type: ignore[no-untyped-def]
    async def handler(request: Request, exc: Exception) -> Response:
        if status >= 500:
            log.exception("error serving %s", request.url.path, exc_info=exc)
            message = "Something went wrong on our side. Please try again later."
        else:
            message = str(exc)
        return error_response(request, status, message)

    return handler


async def _busy(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceBusy)
    return error_response(request, 503, str(exc), headers={"Retry-After": str(exc.retry_after)})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "There is no page at this address.", 405: "That method is not allowed here."}
    # HTTPException's headers matter: a 405 must say which methods are allowed (Allow).
    return error_response(
        request, exc.status_code, messages.get(exc.status_code, str(exc.detail)), headers=dict(exc.headers or {})
    )
