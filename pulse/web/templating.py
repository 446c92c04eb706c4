"""The Jinja environment and `render()`, shared by every HTML page.

Labels shown to people come from `pulse.core.vocabulary`, so a new filter or
publisher type reads right on every page without touching this module.
Templates can import the GOV.UK Frontend Jinja macros (govuk-frontend-jinja,
which ports govuk-frontend 6.x) as "govuk_frontend_jinja/components/<name>/macro.html".
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from pulse.core.record import web_url
from pulse.core.resources import shipped_dir
from pulse.core.text import plain_line
from pulse.core.vocabulary import (
    FILTER_SPECS,
    FILTERS,
    NONE_VALUE,
    PUBLISHER_TYPE_TERMS,
    RESOURCE_TYPE_TERMS,
    SORT_TERMS,
    SORTS,
)

TEMPLATES_DIR = shipped_dir("templates")
STATIC_DIR = Path(__file__).resolve().parent / "static"
BUILT_STYLESHEET = STATIC_DIR / "build" / "pulse.css"
FACETS_SHOWN = 10

FACET_LABELS = {f.name: f.label for f in FILTER_SPECS}
SORT_LABELS = {t.value: t.label for t in SORT_TERMS}
TYPE_LABELS = {t.value: t.label for t in PUBLISHER_TYPE_TERMS}
VALUE_LABELS = {(f.name, t.value): t.label for f in FILTER_SPECS for t in f.values}
VALUE_LABELS.update({("language", NONE_VALUE): "Not known", ("licence", NONE_VALUE): "No licence identified"})


def facet_label(name: str, value: str) -> str:
    """How a facet value reads to a person ("(none)" and "yes" do not)."""
    return VALUE_LABELS.get((name, value), value)


def stylesheet_url() -> str:
    """The compiled GOV.UK Frontend stylesheet (`make assets`), versioned by its mtime so a
    rebuild is never served stale; the small plain stylesheet if it was never built."""
    try:
        return f"/static/build/pulse.css?v={int(BUILT_STYLESHEET.stat().st_mtime)}"
    except OSError:
        return "/static/pulse.css"


env = Environment(
    loader=ChoiceLoader(
        [
            FileSystemLoader(TEMPLATES_DIR),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    ),
    autoescape=select_autoescape(default=True),
)
env.filters["web_url"] = web_url  # every record URL rendered as a link goes through it


def long_date(iso: str) -> str:
    """ "2026-12-02" (or a timestamp) as GOV.UK writes dates: "2 December 2026"."""
    try:
        return date.fromisoformat(iso[:10]).strftime("%-d %B %Y")
    except ValueError:
        return iso


env.filters["long_date"] = long_date
env.filters["plain"] = plain_line  # descriptions: never raw markdown in a page
env.globals.update(
    RESOURCE_TYPE_LABELS={t.value: t.label for t in RESOURCE_TYPE_TERMS},
    METADATA_LABELS={
        "software_type": "Software type",
        "development_status": "Development status",
        "maintenance": "Maintenance",
        "lifecycle": "Lifecycle",
        "owner": "Owner",
        "system": "System",
        "contacts": "Contacts",
        "categories": "Categories",
        "used_by": "Used by",
    },  # fmt: skip
    FACET_LABELS=FACET_LABELS,
    SORT_LABELS=SORT_LABELS,
    TYPE_LABELS=TYPE_LABELS,
    FILTERS=FILTERS,
    SORTS=SORTS,
    FACETS_SHOWN=FACETS_SHOWN,
    facet_label=facet_label,
    stylesheet_url=stylesheet_url,
)


def public_base_url(request: Request) -> str:
    """The site's address for absolute links: PULSE_BASE_URL when set, else this request's own
    (whose Host the TrustedHostMiddleware has already checked against the allowed names)."""
    configured: str = request.app.state.settings.base_url
    return configured or str(request.base_url).rstrip("/")


def render(request: Request, template: str, status: int = 200, **context: object) -> HTMLResponse:
    """A template rendered as a page; every page knows whether it shows the demo catalogue."""
    store = getattr(request.app.state, "store", None)
    context.setdefault("demo", bool(store and store.has_demo()))
    html = env.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status)
