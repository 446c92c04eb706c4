"""Reading every match of a search, page by page, from one index generation.

Downloads, feeds and the stats page all read more than one page of a search;
they must agree with each other, so they read through a `pinned` store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from pulse.core.query import SearchRequest
from pulse.index.reading import Reading, ReadSource
from pulse.index.searching import SearchPage, search
from pulse.index.store import IndexStore


class Pinned:
    """One Reading held fast: every search() through it reads the same index generation.
    Use it from one thread only (the searcher is that thread's)."""

    def __init__(self, store: IndexStore) -> None:
        self._reading = store.reading()

    def reading(self) -> Reading:
        return self._reading


def pinned(store: IndexStore) -> Pinned:
    """A view of `store` whose searcher stays the same: for several search() calls that must agree."""
    return Pinned(store)


def iter_pages(
    store: ReadSource, request: SearchRequest, *, per_page: int, limit: int | None = None
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
