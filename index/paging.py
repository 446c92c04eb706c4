"""Reading every match of a search, page by page, from one index generation.

Downloads, feeds and the stats page all read more than one page of a search;
they must agree with each other, so they read through a `pinned` store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from whoosh.searching import Searcher

from pulse.core.query import SearchRequest
from pulse.index.searching import SearchPage, search
from pulse.index.store import IndexStore


class _PinnedStore:
    """Quacks like IndexStore for `search()`: always the same searcher, so every page of one
    download reads one index generation in one thread."""

    def __init__(self, store: IndexStore) -> None:
        self._store = store
        self._searcher = store.searcher()

    def searcher(self) -> Searcher:
        return self._searcher

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._store, name)  # anything else search() may come to use


def pinned(store: IndexStore) -> IndexStore:
    """A view of `store` whose searcher stays the same: for several search() calls that must agree.
    Use it from one thread only (the searcher is that thread's)."""
    return _PinnedStore(store)  # type: ignore[return-value]


def iter_pages(
    store: IndexStore, request: SearchRequest, *, per_page: int, limit: int | None = None
) -> Iterator[SearchPage]:
    """Successive pages of `request` (from page 1), until every match (or `limit` matches) was read.

    Beyond the API's result window on purpose: callers are in-process and bounded. Pass a
    `pinned` store so the pages agree with each other.
    """
    page_number = 1
    while True:
        page = search(store, replace(request, page=page_number, per_page=per_page), suggest=False)
        yield page
        read = page_number * per_page
        if read >= page.total or (limit is not None and read >= limit) or not page.hits:
            return
        page_number += 1
