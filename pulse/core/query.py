"""A search request, parsed once from query parameters for both HTML and API.

The same `SearchRequest.from_params` runs for `/search` and `/api/search`, so
a URL means the same thing in both, and every limit is enforced in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol
from urllib.parse import urlencode

from pulse.core.errors import QueryError
from pulse.core.vocabulary import FILTER_ALIASES, FILTERS, SORTS

MAX_QUERY_CHARS = 500
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_RESULT_WINDOW = 10_000  # page * per_page; deeper paging is refused, as most engines do
MAX_FILTER_VALUES = 20


class ParamSource(Protocol):
    """What from_params needs: Starlette's QueryParams, or any multi-dict like it."""

    def get(self, key: str, /) -> str | None: ...  # pragma: no cover

    def getlist(self, key: str, /) -> list[str]: ...  # pragma: no cover


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: words, filters, sort and page."""

    q: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def from_params(cls, params: ParamSource) -> SearchRequest:
        """Validate query parameters, raising QueryError with a message a person can act on."""
        q = (params.get("q") or "").strip()
        if len(q) > MAX_QUERY_CHARS:
            raise QueryError(f"Search terms are too long: {len(q)} characters; the most is {MAX_QUERY_CHARS}.")
        if "\x00" in q:
            raise QueryError("Search terms contain a NUL character.")
        sort = params.get("sort") or "relevance"
        if sort not in SORTS:
            raise QueryError(f"Unknown sort '{_clip(sort)}'; use one of: {', '.join(SORTS)}.")
        page = _int(params.get("page"), "page", 1)
        per_page = _int(params.get("per_page"), "per_page", DEFAULT_PER_PAGE)
        if page < 1:
            raise QueryError("page must be 1 or more.")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}.")
        if page * per_page > MAX_RESULT_WINDOW:
            raise QueryError(f"Results beyond the first {MAX_RESULT_WINDOW} cannot be paged to; narrow the search.")
        filters: dict[str, tuple[str, ...]] = {}
        for key in list(FILTERS) + list(FILTER_ALIASES):
            values = [v.strip() for v in params.getlist(key) if v.strip()]
            if not values:
                continue
            name = FILTER_ALIASES.get(key, key)
            if len(values) > MAX_FILTER_VALUES or any(len(v) > 200 for v in values):
                raise QueryError(f"Too many or too long values for the {name} filter.")
            filters[name] = tuple(dict.fromkeys(filters.get(name, ()) + tuple(values)))
        return cls(q=q, filters=filters, sort=sort, page=page, per_page=per_page)

    def to_params(self, **changes: object) -> list[tuple[str, str]]:
        """Query parameters that reproduce this request (with `changes` applied)."""
        request = replace(self, **changes) if changes else self  # type: ignore[arg-type]
        params: list[tuple[str, str]] = []
        if request.q:
            params.append(("q", request.q))
        for name in FILTERS:
            params.extend((name, value) for value in request.filters.get(name, ()))
        if request.sort != "relevance":
            params.append(("sort", request.sort))
        if request.page != 1:
            params.append(("page", str(request.page)))
        if request.per_page != DEFAULT_PER_PAGE:
            params.append(("per_page", str(request.per_page)))
        return params

    def url(self, path: str = "/search", **changes: object) -> str:
        query = urlencode(self.to_params(**changes))
        return f"{path}?{query}" if query else path

    def without_filter(self, name: str, value: str) -> SearchRequest:
        remaining = tuple(v for v in self.filters.get(name, ()) if v != value)
        filters = {k: v for k, v in self.filters.items() if k != name}
        if remaining:
            filters[name] = remaining
        return replace(self, filters=filters, page=1)

    def with_filter(self, name: str, value: str) -> SearchRequest:
        filters = dict(self.filters)
        filters[name] = tuple(dict.fromkeys(filters.get(name, ()) + (value,)))
        return replace(self, filters=filters, page=1)


def _int(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not '{_clip(raw)}'.") from None


def _clip(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


__all__ = ["SearchRequest", "MAX_PER_PAGE", "MAX_QUERY_CHARS"]
