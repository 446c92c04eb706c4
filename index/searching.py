"""The one search function behind both the HTML results page and /api/search.

This module runs a request from start to finish and builds its SearchPage;
the pieces live in their own modules:

- parsing.py: safe query parsing and synonym expansion;
- matching.py: the match set as a bitmask, widened to any word when too few match;
- scoring.py: the fast BM25F path for plain words, and the top of the page;
- facets.py: facet bitmasks and counts, cached per searcher;
- spelling.py: "did you mean";
- snippets.py: highlighted snippets;
- bitmasks.py: sets of document numbers as ints.
- reading.py: the per-searcher state all of them share, owned by the store;
- whoosh_internals.py: the only module that touches Whoosh's private names.

Outside this package, import from `pulse.index` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import collectors, query
from whoosh.searching import Searcher

from pulse.core.query import SearchRequest
from pulse.core.record import Repo
from pulse.index.bitmasks import docset
from pulse.index.facets import FacetValue, count_values
from pulse.index.matching import match_query
from pulse.index.parsing import parse_query
from pulse.index.reading import Reading, ReadSource
from pulse.index.schema import to_record
from pulse.index.scoring import Word, top_by_order, top_by_relevance
from pulse.index.snippets import highlight_field, page_formatter
from pulse.index.spelling import suggest_query


@dataclass(frozen=True)
class Hit:
    repo: Repo
    snippet: str  # HTML: escaped text with <mark> around matched words; "" if none


@dataclass(frozen=True)
class SearchPage:
    """One page of results with the facet counts of the whole match."""

    request: SearchRequest
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    note: str = ""  # e.g. that no repo had every word, so any word was used
    # "Did you mean": the query with its unknown words corrected, when that finds more
    # repositories than the query as typed (all words); "" otherwise.
    suggestion: str = ""
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pages", max(1, -(-self.total // self.request.per_page)))


def search(store: ReadSource, request: SearchRequest, *, suggest: bool = True) -> SearchPage:
    """Run a validated search request: hits of the page, total and facet counts.

    `suggest=False` skips "did you mean" (a term-dictionary walk per unknown word): callers
    that read many pages of one search (feeds, downloads, stats) want it at most once."""
    facets = store.reading()
    searcher = facets.searcher

    filter_mask = facets.live
    for name, values in request.filters.items():
        known = facets.values.get(name, {})
        value_mask = 0
        for value in values:
            value_mask |= known.get(value.lower() if name == "topic" else value, 0)
        filter_mask &= value_mask

    match = match_query(searcher, facets, request.q, filter_mask)
    suggestion = suggest_query(searcher, facets, request.q, filter_mask, match.strict) if request.q and suggest else ""
    note = match.note
    if not match.mask and suggestion:
        # No empty hands: nothing matched, but the corrected spelling does. Show those, and say so.
        corrected = match_query(searcher, facets, suggestion, filter_mask)
        if corrected.mask:
            note = f"Nothing matched “{request.q}”, so these are the results for “{suggestion}”."
            match, suggestion = corrected, ""
    total = match.mask.bit_count()
    facet_counts = {name: count_values(values, match.mask) for name, values in facets.values.items()}
    hits = (
        _page(searcher, facets, request, match.text_query, match.words, match.mask, total, match.first) if total else []
    )
    return SearchPage(request=request, total=total, hits=hits, facets=facet_counts, note=note, suggestion=suggestion)


def check_query(store: ReadSource, request: SearchRequest) -> None:
    """Raise QueryError now if `request`'s words cannot be parsed: for streamed responses, which
    cannot turn into a 400 once they have started."""
    if request.q:
        parse_query(request.q, store.reading().searcher.schema)


def _page(
    searcher: Searcher,
    facets: Reading,
    request: SearchRequest,
    text_query: query.Query | None,
    words: list[Word] | None,
    match_mask: int,
    total: int,
    first: int = 0,
) -> list[Hit]:
    start = (request.page - 1) * request.per_page
    limit = start + request.per_page
    if start >= total:
        return []
    if request.sort == "stars" or (request.sort == "relevance" and text_query is None):
        docnums = top_by_order(searcher, facets, "stars", match_mask, total, limit)
    elif request.sort == "updated":
        docnums = top_by_order(searcher, facets, "updated", match_mask, total, limit)
    elif words is not None:
        docnums = top_by_relevance(words, match_mask, total, facets.size, limit)
    elif first:
        # Widened: the documents with every word first, then the others; each part by score.
        docnums = _whoosh_top(searcher, text_query, first, limit)
        if len(docnums) < limit:
            docnums.extend(_whoosh_top(searcher, text_query, match_mask & ~first, limit - len(docnums)))
    else:
        docnums = _whoosh_top(searcher, text_query, match_mask, limit)
    docnums = docnums[start:limit]

    field_words: dict[str, frozenset[str]] = {}
    if text_query is not None:
        for fieldname in ("readme_excerpt", "description"):
            # What Whoosh's highlighter looks for: the query's terms in that field.
            field_words[fieldname] = frozenset(
                searcher.schema[fieldname].from_bytes(text)
                for _, text in text_query.existing_terms(searcher.reader(), fieldname=fieldname, expand=True)
            )
    formatter = page_formatter()  # one per page, as Whoosh's Results: term classes are numbered across the page
    hits = []
    for docnum in docnums:
        stored = searcher.stored_fields(docnum)
        snippet = ""
        if text_query is not None:
            snippet = highlight_field(
                searcher,
                "readme_excerpt",
                stored.get("readme_excerpt", ""),
                field_words["readme_excerpt"],
                formatter,
                2,
                fast=facets.fast,
            ) or highlight_field(
                searcher,
                "description",
                stored.get("description", ""),
                field_words["description"],
                formatter,
                1,
                fast=facets.fast,
            )
        hits.append(Hit(repo=to_record(stored), snippet=snippet))
    return hits


def _whoosh_top(searcher: Searcher, text_query: query.Query, allowed: int, limit: int) -> list[int]:
    """The `limit` best of the documents in `allowed` by Whoosh's own scoring, best first.

    Always filtered by the match mask: whoosh-reloaded 2.7.5 returns deleted documents for a NOT
    query searched without a filter. The collector never swaps its matcher for a "more efficient"
    one (`replace=0`): with the swap, an OR's top N can lose documents that belong in it, so
    successive pages disagreed (tests/test_fast_path.py has both cases).
    """
    collector = collectors.FilterCollector(collectors.TopCollector(limit=limit, replace=0), allow=docset(allowed))
    searcher.search_with_collector(text_query, collector)
    return [hit.docnum for hit in collector.results()]
