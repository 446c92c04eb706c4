"""HTML pages. Same search path as the API; only the rendering differs."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from index.related import Related
from index.search import search as run_search
from pulse.errors import NotFound, QueryError
from pulse.publishers import get_publisher, list_publishers, source_status
from pulse.query import FILTERS, SORTS, SearchRequest
from pulse.readiness import readiness
from pulse.record import web_url
from pulse.render import render_readme

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
FACET_LABELS = {
    "publisher_type": "Publisher type", "publisher": "Publisher", "language": "Language",
    "licence": "Licence", "topic": "Topic", "archived": "Archived",
    "kind": "Kind", "has_licence": "Has a licence",
}
SORT_LABELS = {"relevance": "Best match", "stars": "Most stars", "updated": "Recently updated"}
TYPE_LABELS = {
    "local-government": "Local government", "central-government": "Central government",
    "health": "Health", "devolved": "Devolved government", "other-public": "Other public body",
}
FACETS_SHOWN = 10
VALUE_LABELS = {
    ("archived", "yes"): "Archived", ("archived", "no"): "Not archived",
    ("language", "(none)"): "Not known", ("licence", "(none)"): "No licence identified",
    ("has_licence", "yes"): "Has a licence", ("has_licence", "no"): "No licence",
    ("kind", "code"): "Code", ("kind", "template"): "Template", ("kind", "resource"): "Resource",
}


def facet_label(name: str, value: str) -> str:
    """How a facet value reads to a person ("(none)" and "yes" do not)."""
    if name == "publisher_type":
        return TYPE_LABELS.get(value, value)
    return VALUE_LABELS.get((name, value), value)


env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(default=True))
env.filters["web_url"] = web_url  # every record URL rendered as a link goes through it
env.globals.update(FACET_LABELS=FACET_LABELS, SORT_LABELS=SORT_LABELS, TYPE_LABELS=TYPE_LABELS,
                   FILTERS=FILTERS, SORTS=SORTS, FACETS_SHOWN=FACETS_SHOWN, facet_label=facet_label)


def public_base_url(request: Request) -> str:
    """The site's address for absolute links: PULSE_BASE_URL when set, else this request's own
    (whose Host the TrustedHostMiddleware has already checked against the allowed names)."""
    configured: str = request.app.state.settings.base_url
    return configured or str(request.base_url).rstrip("/")


def render(request: Request, template: str, status: int = 200, **context: object) -> HTMLResponse:
    store = getattr(request.app.state, "store", None)
    context.setdefault("demo", bool(store and store.has_demo()))
    html = env.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status)


def home(request: Request) -> HTMLResponse:
    page = run_search(request.app.state.store, SearchRequest(per_page=1))
    return render(request, "home.html", total=page.total, facets=page.facets)


def search_page(request: Request) -> HTMLResponse:
    search_request = SearchRequest.from_params(request.query_params)
    page = run_search(request.app.state.store, search_request)
    # "Did you mean": page.suggestion, with the URL of that search (same filters and sort, page 1).
    suggestion_url = search_request.url(q=page.suggestion, page=1) if page.suggestion else ""
    return render(request, "search.html", page=page, search=search_request, suggestion=page.suggestion,
                  suggestion_url=suggestion_url)


def repo_page(request: Request) -> HTMLResponse:
    owner, name = request.path_params["owner"], request.path_params["name"]
    record = request.app.state.store.get(owner, name)
    if record is None:
        raise NotFound(f"There is no repository {owner}/{name} in the catalogue.")
    readme_html = Markup(render_readme(record.readme, record.owner, record.name, record.default_branch)) if record.readme else ""
    state = request.app.state
    source = source_status(state.settings.data_dir, record.source, record.owner)
    related = Related(state.store, record)
    return render(request, "repo.html", repo=record, readme_html=readme_html, source=source,
                  similar=related.similar, reused_by=related.reused_by, upstream=related.upstream,
                  readiness=readiness(record, reused_by=len(related.reused_by)))


def publishers_page(request: Request) -> HTMLResponse:
    chosen = request.query_params.get("type", "")
    if chosen and chosen not in TYPE_LABELS:
        raise QueryError(f"Unknown publisher type '{chosen[:40]}'; use one of: {', '.join(TYPE_LABELS)}.")
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
    unlicensed = next((f.count for f in page.facets["licence"] if f.value == "(none)"), 0)
    return render(request, "publisher.html", publisher=publisher, page=page, search=search, unlicensed=unlicensed)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {400: "There is a problem with your search", 404: "Page not found", 500: "Sorry, there is a problem"}
    # A 400 from the search box shows the GOV.UK error summary and the box in its error
    # state, holding what the person typed (so they can correct it).
    search_error = status == 400 and request.url.path == "/search"
    q = (request.query_params.get("q") or "") if search_error else ""
    return render(request, "error.html", status=status, title=titles.get(status, "Error"), message=message,
                  search_error=search_error, q=q)


# --- GOV.UK Frontend, page furniture and static pages ----------------------------------
# Templates can import the GOV.UK Frontend Jinja macros (govuk-frontend-jinja, which ports
# govuk-frontend 6.x) as "govuk_frontend_jinja/components/<name>/macro.html".
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader  # noqa: E402

env.loader = ChoiceLoader([
    FileSystemLoader(TEMPLATES_DIR),
    PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
])
BUILT_STYLESHEET = Path(__file__).resolve().parent / "static" / "build" / "pulse.css"


def stylesheet_url() -> str:
    """The compiled GOV.UK Frontend stylesheet (`make assets`), versioned by its mtime so a
    rebuild is never served stale; the small plain stylesheet if it was never built."""
    try:
        return f"/static/build/pulse.css?v={int(BUILT_STYLESHEET.stat().st_mtime)}"
    except OSError:
        return "/static/pulse.css"


env.globals.update(stylesheet_url=stylesheet_url)
ACCESSIBILITY_STATEMENT_PREPARED = "23 November 2026"


def accessibility(request: Request) -> HTMLResponse:
    return render(request, "accessibility.html", prepared=ACCESSIBILITY_STATEMENT_PREPARED)
