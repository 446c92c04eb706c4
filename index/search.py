"""The one search function behind both the HTML results page and /api/search.

Query text goes through a Whoosh parser stripped down to safe syntax: words,
"phrases", AND/OR/NOT and brackets. Wildcards, regexes, fuzzy terms, ranges,
boosts and field prefixes from user input are plain words here, so no query
can expand into a scan of the whole term dictionary.

Facet counts use per-searcher bitmasks (one Python int per facet value):
counting a facet value is one AND and one popcount, whatever the match size.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field

from whoosh import highlight, qparser, query
from whoosh.searching import Searcher
from whoosh.sorting import FieldFacet, MultiFacet

from index.schema import FACET_FIELDS, to_record
from index.store import IndexStore
from pulse.errors import QueryError
from pulse.query import SearchRequest
from pulse.record import Repo

FIELD_BOOSTS = {"name": 3.0, "description": 2.0, "topics_text": 1.5, "readme_excerpt": 1.0}
MAX_FACET_VALUES = 100
MAX_QUERY_TERMS = 40


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


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
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pages", max(1, -(-self.total // self.request.per_page)))


def _make_parser() -> qparser.MultifieldParser:
    parser = qparser.MultifieldParser(list(FIELD_BOOSTS), schema=None, fieldboosts=FIELD_BOOSTS)
    for plugin in (qparser.WildcardPlugin, qparser.RangePlugin, qparser.BoostPlugin,
                   qparser.FieldsPlugin, qparser.EveryPlugin):
        parser.remove_plugin_class(plugin)
    return parser


class FacetMasks:
    """Facet bitmasks of one Whoosh searcher (one index generation, one thread)."""

    def __init__(self, searcher: Searcher) -> None:
        reader = searcher.reader()
        self.live = _mask(reader.all_doc_ids())
        self.values: dict[str, dict[str, int]] = {}
        for name, fieldname in FACET_FIELDS.items():
            masks: dict[str, int] = {}
            if fieldname in reader.indexed_field_names():
                for term in reader.lexicon(fieldname):
                    masks[term.decode("utf-8")] = _mask(reader.postings(fieldname, term).all_ids()) & self.live
            self.values[name] = masks


_facet_cache: "weakref.WeakKeyDictionary[Searcher, FacetMasks]" = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _facets_of(searcher: Searcher) -> FacetMasks:
    with _cache_lock:
        cached = _facet_cache.get(searcher)
    if cached is None:
        cached = FacetMasks(searcher)
        with _cache_lock:
            _facet_cache[searcher] = cached
    return cached


def parse_query(text: str, schema, *, any_word: bool = False) -> query.Query:  # type: ignore[no-untyped-def]
    """Parse user words safely; raise QueryError for input that makes no query."""
    parser = _make_parser()
    parser.schema = schema
    parser.group = qparser.OrGroup.factory(0.9) if any_word else qparser.AndGroup
    try:
        parsed = parser.parse(text)
    except Exception as exc:  # Whoosh's parser has no single error type
        raise QueryError("Those search terms could not be understood; try plain words.") from exc
    terms = list(parsed.iter_all_terms()) if parsed is not query.NullQuery else []
    if len(terms) > MAX_QUERY_TERMS:
        raise QueryError(f"Too many search words ({len(terms)}); use at most {MAX_QUERY_TERMS // len(FIELD_BOOSTS)}.")
    return parsed


def search(store: IndexStore, request: SearchRequest) -> SearchPage:
    """Run a validated search request: hits of the page, total and facet counts."""
    searcher = store.searcher()
    facets = _facets_of(searcher)
    note = ""

    filter_mask = facets.live
    for name, values in request.filters.items():
        known = facets.values.get(name, {})
        value_mask = 0
        for value in values:
            value_mask |= known.get(value.lower() if name == "topic" else value, 0)
        filter_mask &= value_mask

    text_query: query.Query | None = None
    if request.q:
        text_query = parse_query(request.q, searcher.schema)
        if text_query is query.NullQuery:
            text_query = None
    match_mask = filter_mask
    if text_query is not None:
        match_mask = _mask(text_query.docs(searcher)) & filter_mask
        if not match_mask and len(list(text_query.iter_all_terms())) > 1:
            any_query = parse_query(request.q, searcher.schema, any_word=True)
            any_mask = _mask(any_query.docs(searcher)) & filter_mask
            if any_mask:
                text_query, match_mask = any_query, any_mask
                note = "No repository matched every word, so these match any of them."

    total = match_mask.bit_count()
    facet_counts = {name: _count(values, match_mask) for name, values in facets.values.items()}
    hits = _page(searcher, request, text_query, match_mask) if total else []
    return SearchPage(request=request, total=total, hits=hits, facets=facet_counts, note=note)


def _page(searcher: Searcher, request: SearchRequest, text_query: query.Query | None, match_mask: int) -> list[Hit]:
    start = (request.page - 1) * request.per_page
    limit = start + request.per_page
    if start >= match_mask.bit_count():
        return []
    # Whoosh already skips deleted documents, so a filter is only needed for facet filters.
    whoosh_filter = _docset(match_mask) if request.filters else None
    run_query = text_query if text_query is not None else query.Every()
    if request.sort == "stars" or (request.sort == "relevance" and text_query is None):
        sortedby = MultiFacet([FieldFacet("stars", reverse=True), FieldFacet("pushed", reverse=True)])
        results = searcher.search(run_query, filter=whoosh_filter, limit=limit, sortedby=sortedby)
    elif request.sort == "updated":
        results = searcher.search(run_query, filter=whoosh_filter, limit=limit, sortedby=FieldFacet("pushed", reverse=True))
    else:
        results = searcher.search(run_query, filter=whoosh_filter, limit=limit)
    results.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
    results.formatter = highlight.HtmlFormatter(tagname="mark", classname="hl", between=" … ")
    hits = []
    for hit in results[start:limit]:
        snippet = ""
        if text_query is not None:
            snippet = hit.highlights("readme_excerpt", top=2) or hit.highlights("description", top=1)
        hits.append(Hit(repo=to_record(hit.fields()), snippet=snippet))
    return hits


def _count(values: dict[str, int], match_mask: int) -> list[FacetValue]:
    counted = [FacetValue(v, (m & match_mask).bit_count()) for v, m in values.items()]
    counted = [c for c in counted if c.count]
    counted.sort(key=lambda c: (-c.count, c.value.lower()))
    return counted[:MAX_FACET_VALUES]


def _mask(docnums) -> int:  # type: ignore[no-untyped-def]
    """A set of document numbers as one big int, bit n set for document n."""
    bits = bytearray()
    for doc in docnums:
        index = doc >> 3
        if index >= len(bits):
            bits.extend(bytes(index - len(bits) + 1))
        bits[index] |= 1 << (doc & 7)
    return int.from_bytes(bits, "little")


def _docset(mask: int) -> set[int]:
    """The document numbers of a bitmask, as Whoosh's filter wants them."""
    raw = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
    docs: set[int] = set()
    for index, byte in enumerate(raw):
        if byte:
            base = index << 3
            for bit in range(8):
                if byte >> bit & 1:
                    docs.add(base + bit)
    return docs
