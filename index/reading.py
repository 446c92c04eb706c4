"""Per-searcher state: what one index generation computes once and every search reuses."""

from __future__ import annotations

from typing import Protocol

from whoosh import scoring
from whoosh.searching import Searcher

from pulse.index import whoosh_internals
from pulse.index.bitmasks import mask_of
from pulse.index.schema import FACET_FIELDS
from pulse.index.scoring import WordCache


class Reading:
    """Everything kept for one Whoosh searcher (one index generation, one thread).

    Facet bitmasks (and the live documents), the fast path's word cache, the stars
    and date orders and the spelling lexicons. `IndexStore.reading()` owns it and
    builds a new one with each new searcher, so nothing outlives its generation.
    `fast` says whether the fenced fast path (pulse.index.whoosh_internals) is used.
    """

    def __init__(self, searcher: Searcher, *, fast_path: bool = True) -> None:
        self.searcher = searcher
        self.fast = fast_path and whoosh_internals.AVAILABLE and type(searcher.weighting) is scoring.BM25F
        reader = searcher.reader()
        self.live = mask_of(reader.all_doc_ids())
        self.values: dict[str, dict[str, int]] = {}
        for name, fieldname in FACET_FIELDS.items():
            masks: dict[str, int] = {}
            if fieldname in reader.indexed_field_names():
                for term in reader.lexicon(fieldname):
                    masks[term.decode("utf-8")] = mask_of(reader.postings(fieldname, term).all_ids()) & self.live
            self.values[name] = masks
        self.size = reader.doc_count_all()
        self.word_cache = WordCache(searcher, fast=self.fast)
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


class ReadSource(Protocol):
    """What search() reads from: an IndexStore (this thread's newest Reading) or a pinned one."""

    def reading(self) -> Reading: ...  # pragma: no cover
