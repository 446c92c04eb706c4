"""The search index: the only package that knows Whoosh.

Everything outside `pulse.index` imports from here, never from its modules:

- `IndexStore`: the index on disk (one commit per harvest, a searcher per thread);
- `search()` / `check_query()`: one query path for the HTML pages, the API, feeds and downloads;
- `iter_pages()` / `pinned()`: reading every page of a search from one index generation;
- `Related`: similar projects, forks that reuse a repo, and its upstream.
"""

from pulse.index.facets import MAX_FACET_VALUES, FacetValue
from pulse.index.paging import iter_pages, pinned
from pulse.index.parsing import FIELD_BOOSTS
from pulse.index.related import Related
from pulse.index.schema import SCHEMA_VERSION, to_document
from pulse.index.searching import Hit, SearchPage, check_query, search
from pulse.index.store import (
    DEMO_SOURCE_PREFIX,
    IndexStore,
    IndexVersionError,
    SourceSummary,
    SourceUpdate,
)

__all__ = [
    "DEMO_SOURCE_PREFIX",
    "FIELD_BOOSTS",
    "MAX_FACET_VALUES",
    "SCHEMA_VERSION",
    "FacetValue",
    "Hit",
    "IndexStore",
    "IndexVersionError",
    "Related",
    "SearchPage",
    "SourceSummary",
    "SourceUpdate",
    "check_query",
    "iter_pages",
    "pinned",
    "search",
    "to_document",
]
