"""The fast path for plain-word queries: BM25F scores without Whoosh's matcher tree.

Plain-word queries (the usual case: an AND of words, each an OR of the same
word over the boosted fields) take a fast path that gives the same results
as Whoosh's collector: each word's postings are read once per searcher into
a bitmask and a BM25F score per document (Whoosh's own formula, idf and field
lengths), kept in a small per-searcher LRU. The match set is then bitmask
ANDs, and the top of the page is read off the words' score lists instead of
scoring every match through Whoosh's matcher tree (the ~150 ms at 10k repos
that made broad words slow). Sorting by stars or date reads a per-searcher
order, not a sort over every match. Any other query shape (phrases, NOT, the
any-word fallback) goes through Whoosh as before. Scores may differ from
Whoosh's in the last floating-point bit (sums are added in another order),
which can only reorder documents whose scores tie to 1 ulp.
"""

from __future__ import annotations

import heapq
from array import array
from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from whoosh import query, scoring
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from pulse.index import whoosh_internals
from pulse.index.bitmasks import bits_of, docs_of, mask_of

if TYPE_CHECKING:  # reading.py imports this module (for WordCache); only a type hint here
    from pulse.index.reading import Reading


class Word:
    """One query word over its fields: matching docs as a bitmask, and BM25F scores by docnum.

    `scores` is a dict in docnum order for rarer words, or a dense array over every docnum for words
    in more than 1/8 of the documents (8 bytes a document instead of ~100 bytes a posting)."""

    __slots__ = ("mask", "scores", "dense", "cost")

    def __init__(self, mask: int, scores: dict[int, float] | array[float], dense: bool, cost: int) -> None:
        self.mask = mask
        self.scores = scores
        self.dense = dense
        self.cost = cost  # approximate bytes held


class WordCache:
    """Per-searcher LRU of Word, bounded by the memory it holds."""

    MAX_BYTES = 40_000_000

    def __init__(self, searcher: Searcher, *, fast: bool) -> None:
        # Only BM25F is reproduced; another model (or the fast path switched off) leaves every query to Whoosh.
        self.usable = fast and type(searcher.weighting) is scoring.BM25F
        self._weighting = searcher.weighting
        self._words: OrderedDict[tuple, Word] = OrderedDict()
        self._held = 0
        self._lengths: dict[tuple[int, str], list[int]] = {}

    def word(self, searcher: Searcher, terms: tuple[tuple[str, str, float], ...]) -> Word:
        cached = self._words.get(terms)
        if cached is not None:
            self._words.move_to_end(terms)
            return cached
        size = searcher.doc_count_all()
        postings = 0
        for fieldname, text, _ in terms:
            try:
                postings += searcher.doc_frequency(fieldname, searcher.schema[fieldname].to_bytes(text))
            except (KeyError, ValueError):
                pass
        if postings * 8 > size:
            dense = array("d", bytes(8 * size))
            seen = bytearray((size + 8) // 8)
            for fieldname, text, boost in terms:
                self._add_term(searcher, fieldname, text, boost, dense, seen)
            word = Word(int.from_bytes(seen, "little"), dense, True, 8 * size + len(seen))
        else:
            scores: dict[int, float] = {}
            for fieldname, text, boost in terms:
                self._add_term(searcher, fieldname, text, boost, scores, None)
            docs = sorted(scores)
            # Docnum order, so that a stable top-k breaks score ties by docnum, as Whoosh's TopCollector.
            word = Word(mask_of(docs), {doc: scores[doc] for doc in docs}, False, 100 * len(docs) + size // 8)
        self._words[terms] = word
        self._held += word.cost
        while self._held > self.MAX_BYTES and len(self._words) > 1:
            _, dropped = self._words.popitem(last=False)
            self._held -= dropped.cost
        return word

    def _add_term(
        self,
        searcher: Searcher,
        fieldname: str,
        text: str,
        boost: float,
        scores: dict[int, float] | array[float],
        seen: bytearray | None,
    ) -> None:
        """Add one term's BM25F scores into `scores` (a dict, or a dense array with `seen` as its bitmap)."""
        field_obj = searcher.schema[fieldname]
        btext = field_obj.to_bytes(text)
        if (fieldname, btext) not in searcher.reader():
            return
        # Whoosh's own scorer for this term gives its statistics (idf and average length from the
        # top-level searcher) and the field's B, through the weighting model's public scorer().
        scorer = self._weighting.scorer(searcher, fieldname, btext)
        idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        K1_1 = K1 + 1
        one_minus_b = 1 - B
        # bm25() of whoosh.scoring is idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))), then
        # the Term's boost. Field lengths are stored as one byte, so the length part has 256 values: computed
        # once here with the same operations, they give the same floats.
        norms = [K1 * (one_minus_b + B * length / avgfl) for length in _BYTE_LENGTHS]
        tf1 = [idf * (K1_1 / (1.0 + norm)) for norm in norms]  # tf == 1, the usual case
        if boost != 1.0:
            tf1 = [score * boost for score in tf1]
        for leaf_index, (leaf, offset) in enumerate(searcher.leaf_searchers()):
            reader = leaf.reader()
            if (fieldname, btext) not in reader:
                continue
            lengths = self._leaf_lengths(leaf_index, reader, fieldname)
            # Two copies of the posting loop on purpose: this is the hot loop of a cold word. Merged, every
            # posting would pay for a `seen is None` test (or for setting bits in a throwaway bitmap), and
            # a dict (.get with a default) and a dense array (+=, plus the `seen` bit) are added into differently.
            if seen is None:
                assert isinstance(scores, dict)  # a sparse word: scores by docnum
                get = scores.get
                for doc, weight in _postings(reader, fieldname, btext):
                    if weight == 1.0:
                        score = tf1[lengths[doc]]
                    else:
                        score = idf * ((weight * K1_1) / (weight + norms[lengths[doc]]))
                        if boost != 1.0:
                            score = score * boost
                    key = doc + offset
                    scores[key] = get(key, 0.0) + score
            else:
                for doc, weight in _postings(reader, fieldname, btext):
                    if weight == 1.0:
                        score = tf1[lengths[doc]]
                    else:
                        score = idf * ((weight * K1_1) / (weight + norms[lengths[doc]]))
                        if boost != 1.0:
                            score = score * boost
                    key = doc + offset
                    scores[key] += score
                    seen[key >> 3] |= 1 << (key & 7)

    def _leaf_lengths(self, leaf_index: int, reader: IndexReader, fieldname: str) -> list[int]:
        """Each document's field length as its one-byte code (an index into _BYTE_LENGTHS)."""
        key = (leaf_index, fieldname)
        lengths = self._lengths.get(key)
        if lengths is None:
            # The codec's length column read whole (fenced); else doc_field_length() per doc, ~10x slower.
            lengths = whoosh_internals.length_codes(reader, fieldname)
            if lengths is None:
                lengths = [
                    _LENGTH_CODES[reader.doc_field_length(doc, fieldname, 1) or 1]
                    for doc in range(reader.doc_count_all())
                ]
            self._lengths[key] = lengths
        return lengths


# Whoosh stores a field length as one byte; a term's doc has length >= 1 (the lossless default is 1).
_BYTE_LENGTHS = [byte_to_length(code) or 1 for code in range(256)]
_LENGTH_CODES = {length: code for code, length in reversed(list(enumerate(_BYTE_LENGTHS)))}


def _postings(reader: IndexReader, fieldname: str, btext: bytes) -> Iterator[tuple[int, float]]:
    """(docnum, weight) of a term in one segment: a block at a time (fenced), else through the
    matcher's public id()/weight()/next(). Deleted documents are masked out by the caller."""
    matcher = reader.postings(fieldname, btext)
    blocks = whoosh_internals.block_postings(matcher)
    if blocks is not None:
        yield from blocks
        return
    while matcher.is_active():
        yield matcher.id(), matcher.weight()
        matcher.next()


def word_plan(text_query: query.Query) -> list[tuple[tuple[str, str, float], ...]] | None:
    """The words of an AND of plain words, each as (field, text, boost) terms; None for other shapes."""

    def word(q: query.Query) -> tuple[tuple[str, str, float], ...] | None:
        if type(q) is query.Term:
            return ((q.fieldname, q.text, q.boost),) if q.minquality is None else None
        if type(q) is query.Or and q.boost == 1.0 and not q.scale and not q.minmatch:
            terms = [word(sub) for sub in q.subqueries]
            if all(t is not None and len(t) == 1 for t in terms):
                return tuple(t[0] for t in terms)  # type: ignore[index]
        return None

    if type(text_query) is query.And and text_query.boost == 1.0:
        words = [word(sub) for sub in text_query.subqueries]
        return None if any(w is None for w in words) else words  # type: ignore[return-value]
    single = word(text_query)
    return [single] if single is not None else None


def words_of(searcher: Searcher, facets: Reading, text_query: query.Query) -> list[Word] | None:
    plan = word_plan(text_query)
    if plan is None or not facets.word_cache.usable:
        return None
    return [facets.word_cache.word(searcher, terms) for terms in plan]


def top_by_relevance(words: list[Word], match_mask: int, count: int, size: int, limit: int) -> list[int]:
    """The `limit` best matches, best first, ties by docnum (heapq.nlargest is stable)."""
    if len(words) == 1:
        scores = words[0].scores
        if not isinstance(scores, dict):  # dense: an array over every docnum
            return heapq.nlargest(limit, docs_of(match_mask), key=scores.__getitem__)
        if count == len(scores):  # no filter took anything away
            return heapq.nlargest(limit, scores, key=scores.__getitem__)
        if count * 4 < len(scores):
            candidates = docs_of(match_mask)
        else:
            bits = bits_of(match_mask, size)
            candidates = [doc for doc in scores if bits[doc >> 3] >> (doc & 7) & 1]
        return heapq.nlargest(limit, candidates, key=scores.__getitem__)
    score_maps = [w.scores for w in words]
    if len(score_maps) == 2:
        first, second = score_maps
        key = lambda doc: first[doc] + second[doc]  # noqa: E731
    else:
        key = lambda doc: sum(m[doc] for m in score_maps)  # noqa: E731
    return heapq.nlargest(limit, docs_of(match_mask), key=key)


def top_by_order(searcher: Searcher, facets: Reading, sort: str, match_mask: int, count: int, limit: int) -> list[int]:
    docs, rank = facets.order(searcher, sort)
    size = facets.size
    if count * 32 < size:  # few matches: sort them rather than walk the whole order
        return heapq.nsmallest(limit, docs_of(match_mask), key=rank.__getitem__)
    bits = bits_of(match_mask, size)
    out = []
    for doc in docs:
        if bits[doc >> 3] >> (doc & 7) & 1:
            out.append(doc)
            if len(out) == limit:
                break
    return out
