"""HTML pages. Same search path as the API; only the rendering differs."""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from pulse.core.errors import NotFound, QueryError
from pulse.core.query import SearchRequest
from pulse.core.readiness import readiness
from pulse.core.record import GITHUB_HOST, Repo
from pulse.core.vocabulary import NONE_VALUE, PUBLISHER_TYPES
from pulse.index import Related
from pulse.index import search as run_search
from pulse.jobs.publishers import get_publisher, list_publishers, publisher_address, source_status
from pulse.web.readme_html import render_readme
from pulse.web.templating import render


def home(request: Request) -> HTMLResponse:
    page = run_search(request.app.state.store, SearchRequest(per_page=1))
    return render(request, "home.html", total=page.total, facets=page.facets)


def search_page(request: Request) -> HTMLResponse:
    search_request = SearchRequest.from_params(request.query_params)
    page = run_search(request.app.state.store, search_request)
    # "Did you mean": page.suggestion, with the URL of that search (same filters and sort, page 1).
    suggestion_url = search_request.url(q=page.suggestion, page=1) if page.suggestion else ""
    return render(
        request,
        "search.html",
        page=page,
        search=search_request,
        suggestion=page.suggestion,
        suggestion_url=suggestion_url,
    )


def repo_page(request: Request) -> HTMLResponse:
    """GET /repos/{owner}/{name}: a GitHub repository (the address every GitHub item has had from the start)."""
    owner, name = request.path_params["owner"], request.path_params["name"]
    record = request.app.state.store.get(owner, name)
    if record is None:
        raise NotFound(f"There is no repository {owner}/{name} in the catalogue.")
    return _item_page(request, record)


def item_page(request: Request) -> Response:
    """GET /items/{host}/{path}: any item by where it lives (a GitLab project's full path, a resource's address)."""
    host, path = request.path_params["host"], request.path_params["path"]
    record = request.app.state.store.find(host, path)
    if record is None:
        raise NotFound(f"There is nothing at {host}/{path} in the catalogue.")
    if record.page_url != request.url.path:  # e.g. a GitHub repository: its address is /repos/...
        return RedirectResponse(record.page_url, status_code=308)
    return _item_page(request, record)


def _item_page(request: Request, record: Repo) -> HTMLResponse:
    # Relative links in a README point into its repository on GitHub; elsewhere they are left as written.
    on_github = record.host.lower() == GITHUB_HOST
    where = (record.owner, record.name, record.default_branch) if on_github else ()
    readme_html = Markup(render_readme(record.readme, *where)) if record.readme else ""
    state = request.app.state
    source = source_status(state.settings.data_dir, record.source, record.owner)
    related = Related(state.store, record)
    return render(
        request,
        "repo.html",
        repo=record,
        readme_html=readme_html,
        source=source,
        similar=related.similar,
        reused_by=related.reused_by,
        upstream=related.upstream,
        readiness=readiness(record, reused_by=len(related.reused_by)) if record.kind != "resource" else None,
        publisher_url="/publishers/" + quote(publisher_address(record.source, record.publisher)),
    )


def publishers_page(request: Request) -> HTMLResponse:
    chosen = request.query_params.get("type", "")
    if chosen and chosen not in PUBLISHER_TYPES:
        raise QueryError(f"Unknown publisher type '{chosen[:40]}'; use one of: {', '.join(PUBLISHER_TYPES)}.")
    state = request.app.state
    everyone = list_publishers(state.store, state.settings.data_dir)
    shown = [p for p in everyone if not chosen or p.type == chosen]
    return render(request, "publishers.html", publishers=shown, everyone=everyone, chosen=chosen)


def publisher_page(request: Request) -> HTMLResponse:
    state, login = request.app.state, request.path_params["login"]
    publisher = get_publisher(state.store, state.settings.data_dir, login)
    if publisher is None:
        raise NotFound(f"There is no publisher with the GitHub login {login}.")
    search = SearchRequest(filters={"publisher": (publisher.name,)}, sort="stars", per_page=100)
    page = run_search(state.store, search)
    unlicensed = next((f.count for f in page.facets["licence"] if f.value == NONE_VALUE), 0)
    story = state.registrations.story(login)
    # Metadata files its repositories carry but Pulse could not use, with why (for the publisher to fix).
    bad_metadata = [
        r
        for s in publisher.sources
        for r in state.store.records_of_source(s.source, with_readme=False).values()
        if r.metadata_problem
    ]
    return render(
        request, "publisher.html", publisher=publisher, page=page, search=search, unlicensed=unlicensed, story=story,
        bad_metadata=sorted(bad_metadata, key=lambda r: r.title.lower()),
    )  # fmt: skip


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {400: "There is a problem with your search", 404: "Page not found", 500: "Sorry, there is a problem"}
    # A 400 from the search box shows the GOV.UK error summary and the box in its error
    # state, holding what the person typed (so they can correct it).
    search_error = status == 400 and request.url.path == "/search"
    q = (request.query_params.get("q") or "") if search_error else ""
    return render(
        request,
        "error.html",
        status=status,
        title=titles.get(status, "Error"),
        message=message,
        search_error=search_error,
        q=q,
    )


ACCESSIBILITY_STATEMENT_PREPARED = "23 November 2026"


def accessibility(request: Request) -> HTMLResponse:
    return render(request, "accessibility.html", prepared=ACCESSIBILITY_STATEMENT_PREPARED)
