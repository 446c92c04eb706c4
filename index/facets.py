"""Facet bitmasks and counts, cached per Whoosh searcher.

Facet counts use per-searcher bitmasks (one Python int per facet value):
counting a facet value is one AND and one popcount, whatever the match size.
The same per-searcher object also holds what else is worth keeping for one
index generation: the fast path's word cache and the stars/date orders.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from whoosh.searching import Searcher

from pulse.index.bitmasks import _mask
from pulse.index.schema import FACET_FIELDS
from pulse.index.scoring import _WordCache

MAX_FACET_VALUES = 100


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


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
        self.size = reader.doc_count_all()
        self.word_cache = _WordCache(searcher)
        self._orders: dict[str, tuple[list[int], list[int]]] = {}
        self._lexicons: dict[str, tuple[list[str], dict[str, int]]] = {}

    def lexicon(self, searcher: Searcher, fieldname: str) -> tuple[list[str], dict[str, int]]:
        """A field's terms, sorted, with their document frequencies, read once per searcher:
        "did you mean" walks it in memory instead of seeking through the term file."""
        cached = self._lexicons.get(fieldname)
        if cached is None:
            reader = searcher.reader()
            frequencies: dict[str, int] = {}
            if fieldname in reader.indexed_field_names():
                for term, info in reader.iter_field(fieldname):
                    text = term.decode("utf-8") if isinstance(term, bytes) else term
                    frequencies[text] = info.doc_frequency()
            cached = self._lexicons[fieldname] = (sorted(frequencies), frequencies)
        return cached

    def order(self, searcher: Searcher, sort: str) -> tuple[list[int], list[int]]:
        """Docnums in the order of a sort ("stars": stars, then pushed, descending; "updated": pushed
        descending; ties by docnum, as Whoosh's sorting collector), and each docnum's rank in it."""
        cached = self._orders.get(sort)
        if cached is None:
            reader = searcher.reader()
            pushed = list(reader.column_reader("pushed"))
            if sort == "stars":
                stars = list(reader.column_reader("stars"))
                docs = sorted(range(self.size), key=lambda d: (-stars[d], -pushed[d], d))
            else:
                docs = sorted(range(self.size), key=lambda d: (-pushed[d], d))
            rank = [0] * self.size
            for position, doc in enumerate(docs):
                rank[doc] = position
            cached = self._orders[sort] = (docs, rank)
        return cached


_facet_cache: weakref.WeakKeyDictionary[Searcher, FacetMasks] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _facets_of(searcher: Searcher) -> FacetMasks:
    with _cache_lock:
        cached = _facet_cache.get(searcher)
    if cached is None:
        cached = FacetMasks(searcher)
        with _cache_lock:
            _facet_cache[searcher] = cached
    return cached


def _count(values: dict[str, int], match_mask: int) -> list[FacetValue]:
    counted = [FacetValue(v, (m & match_mask).bit_count()) for v, m in values.items()]
    counted = [c for c in counted if c.count]
    counted.sort(key=lambda c: (-c.count, c.value.lower()))
    return counted[:MAX_FACET_VALUES]
