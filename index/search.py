"""The one search function behind both the HTML results page and /api/search.

Query text goes through a Whoosh parser stripped down to safe syntax: words,
"phrases", AND/OR/NOT and brackets. Wildcards, regexes, fuzzy terms, ranges,
boosts and field prefixes from user input are plain words here, so no query
can expand into a scan of the whole term dictionary.

Facet counts use per-searcher bitmasks (one Python int per facet value):
counting a facet value is one AND and one popcount, whatever the match size.

Plain-word queries (the usual case: an AND of words, each an OR of the same
word over the boosted fields) take a fast path that gives the same results
as Whoosh's collector: each word's postings are read once per searcher into
a bitmask and a BM25F score per document (Whoosh's own formula, idf and field
lengths), kept in a small per-searcher LRU. The match set is then bitmask
ANDs, and the top of the page is read off the words' score lists instead of
scoring every match through Whoosh's matcher tree (the ~150 ms at 10k repos
that made broad words slow). Sorting by stars or date reads a per-searcher
order, not a sort over every match. Snippets are Whoosh's
ContextFragmenter/BasicFragmentScorer/HtmlFormatter fed by a flat tokenizer
loop equivalent to the field's StemmingAnalyzer. Any other query shape
(phrases, NOT, the any-word fallback) goes through Whoosh as before. Scores
may differ from Whoosh's in the last floating-point bit (sums are added in
another order), which can only reorder documents whose scores tie to 1 ulp.
"""

from __future__ import annotations

import heapq
import re
from array import array
import threading
import weakref
from collections import OrderedDict
from itertools import compress
from dataclasses import dataclass, field

from whoosh import analysis, highlight, qparser, query, scoring
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from index.schema import _TEXT, FACET_FIELDS, to_record
from index.store import IndexStore
from pulse.errors import QueryError
from pulse.query import SearchRequest
from pulse.record import Repo
from pulse.synonyms import SYNONYM_WEIGHT, synonym_table

FIELD_BOOSTS = {"name": 3.0, "description": 2.0, "topics_text": 1.5, "readme_excerpt": 1.0}
# A query of several words that fewer repositories than this match with every word is
# widened to any word: those with every word first, then the rest (best match first).
WIDEN_BELOW = 10
SUGGEST_FIELD = "spelling"  # unstemmed words, for "did you mean"
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
    # "Did you mean": the query with its unknown words corrected, when that finds more
    # repositories than the query as typed (all words); "" otherwise.
    suggestion: str = ""
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
        self.size = reader.doc_count_all()
        self.word_cache = _WordCache(searcher)
        self._orders: dict[str, tuple[list[int], list[int]]] = {}

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

    filter_mask = facets.live
    for name, values in request.filters.items():
        known = facets.values.get(name, {})
        value_mask = 0
        for value in values:
            value_mask |= known.get(value.lower() if name == "topic" else value, 0)
        filter_mask &= value_mask

    match = _match(searcher, facets, request.q, filter_mask)
    total = match.mask.bit_count()
    facet_counts = {name: _count(values, match.mask) for name, values in facets.values.items()}
    hits = _page(searcher, facets, request, match.text_query, match.words, match.mask, total,
                 match.first) if total else []
    suggestion = _suggest(searcher, facets, request.q, filter_mask, match.strict) if request.q else ""
    return SearchPage(request=request, total=total, hits=hits, facets=facet_counts, note=match.note,
                      suggestion=suggestion)


@dataclass
class _Match:
    text_query: query.Query | None
    words: "list[_Word] | None"
    mask: int
    strict: int  # how many documents had every word (before any fallback)
    note: str = ""
    first: int = 0  # widened to any word: the documents with every word, ranked first


def _match(searcher: Searcher, facets: FacetMasks, q: str, filter_mask: int) -> _Match:
    """The documents matching the words `q` within `filter_mask`, falling back to any word."""
    if not q:
        return _Match(None, None, filter_mask, filter_mask.bit_count())
    text_query: query.Query | None = parse_query(q, searcher.schema)
    if text_query is query.NullQuery:
        return _Match(None, None, filter_mask, filter_mask.bit_count())
    several = _word_count(text_query) > 1
    text_query = expand_synonyms(text_query, searcher.schema)
    words = _words_of(searcher, facets, text_query)
    if words is not None:
        match_mask = filter_mask
        for word in words:
            match_mask &= word.mask
    else:
        match_mask = _mask(text_query.docs(searcher)) & filter_mask
    strict = match_mask.bit_count()
    if strict < WIDEN_BELOW and several:
        if type(text_query) is query.And:  # the same (expanded) words, OR'd
            any_query: query.Query = query.Or(list(text_query.subqueries))
        else:  # e.g. a phrase synonym replaced the And: keep every match of the query itself
            any_query = query.Or([text_query, expand_synonyms(parse_query(q, searcher.schema, any_word=True),
                                                              searcher.schema)])
        any_mask = (_mask(any_query.docs(searcher)) & filter_mask) | match_mask
        if any_mask and any_mask != match_mask:
            if not match_mask:
                note = "No repository matched every word, so these match any of them."
            else:
                note = (f"Only {strict} {'repository matches' if strict == 1 else 'repositories match'} every word; "
                        "they come first, then those matching some of the words.")
            return _Match(any_query, None, any_mask, strict, note, first=match_mask)
    return _Match(text_query, words, match_mask, strict)


def _word_count(text_query: query.Query) -> int:
    """How many words (or phrases, or bracketed groups) the user combined, in a parsed, unexpanded query."""
    if type(text_query) in (query.And, query.Or) and _word_text(text_query) is None:
        return len(text_query.subqueries)
    return 1


# -- synonyms: query-time expansion ------------------------------------------------------

def _stems(text: str) -> tuple[str, ...]:
    return tuple(token.text for token in _TEXT(text, mode="query"))


_SYNONYMS: dict[tuple[str, ...], tuple[str, ...]] = {}
for _key, _alternatives in synonym_table().items():
    _SYNONYMS.setdefault(_stems(_key), ())
    _SYNONYMS[_stems(_key)] += _alternatives
_PHRASE_KEYS = sorted((k for k in _SYNONYMS if len(k) > 1), key=len, reverse=True)


_FIELD_TERMS: dict[tuple[str, str], tuple[str, ...]] = {}


def _field_terms(schema, fieldname: str, text: str) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    """`text` as the query terms of one field (its analyzer, query mode), memoised (one schema version)."""
    key = (fieldname, text)
    terms = _FIELD_TERMS.get(key)
    if terms is None:
        terms = tuple(schema[fieldname].process_text(text, mode="query"))
        if len(_FIELD_TERMS) < 10_000:
            _FIELD_TERMS[key] = terms
    return terms


def _word_text(q: query.Query) -> str | None:
    """The word of a plain word group (an Or of one Term per searchable field), else None."""
    if type(q) is query.Or and q.boost == 1.0 and not q.scale and not q.minmatch and q.subqueries:
        texts = {sub.text for sub in q.subqueries if type(sub) is query.Term and sub.fieldname == "readme_excerpt"}
        if len(texts) == 1 and all(type(sub) is query.Term for sub in q.subqueries):
            return texts.pop()
    return None


def _alternative(schema, alternative: str) -> query.Query | None:  # type: ignore[no-untyped-def]
    """A synonym as a query over the searchable fields, at SYNONYM_WEIGHT: one Or of Terms for a word
    (so the fast path keeps it), an And of such Ors for a phrase."""
    per_field = {fieldname: _field_terms(schema, fieldname, alternative) for fieldname in FIELD_BOOSTS}
    size = len(per_field["readme_excerpt"])
    groups = [[query.Term(fieldname, texts[i], boost=boost * SYNONYM_WEIGHT)
               for fieldname, boost in FIELD_BOOSTS.items() if len(texts := per_field[fieldname]) == size]
              for i in range(size)]
    if not groups:
        return None
    if len(groups) == 1:
        return query.Or(groups[0])
    return query.And([query.Or(terms) for terms in groups])


def _expand_word(group: query.Or, schema) -> query.Query:  # type: ignore[no-untyped-def]
    word = _word_text(group)
    alternatives = _SYNONYMS.get((word,), ()) if word is not None else ()
    if not alternatives:
        return group
    terms = list(group.subqueries)
    seen = {(t.fieldname, t.text) for t in terms}
    phrases = []
    for alternative in alternatives:
        expanded = _alternative(schema, alternative)
        if type(expanded) is query.Or:
            for term in expanded.subqueries:
                if (term.fieldname, term.text) not in seen:
                    seen.add((term.fieldname, term.text))
                    terms.append(term)
        elif expanded is not None:
            phrases.append(expanded)
    flat = query.Or(terms)
    return query.Or([flat] + phrases) if phrases else flat


def expand_synonyms(text_query: query.Query, schema) -> query.Query:  # type: ignore[no-untyped-def]
    """Add public-sector synonyms (pulse/synonyms.py) to the plain words of a parsed query.

    A one-word synonym joins its word's Or of Terms (at SYNONYM_WEIGHT), so an AND of plain words
    stays the shape the fast path plans. A phrase synonym, or a phrase of query words with a
    synonym ("freedom of information" -> "foi"), makes an Or of And groups, which Whoosh runs.
    Phrases, NOT and anything else the user wrote are left alone."""
    if _word_text(text_query) is not None:
        return _expand_word(text_query, schema)  # type: ignore[arg-type]
    if type(text_query) is query.Or and text_query.boost == 1.0:  # the any-word fallback
        return query.Or([_expand_word(sub, schema) if _word_text(sub) is not None else sub
                         for sub in text_query.subqueries], scale=text_query.scale)
    if type(text_query) is not query.And or text_query.boost != 1.0:
        return text_query
    subs = list(text_query.subqueries)
    out: list[query.Query] = []
    i = 0
    while i < len(subs):
        replaced = False
        for key in _PHRASE_KEYS:
            run = subs[i:i + len(key)]
            if len(run) == len(key) and all(_word_text(sub) == stem for sub, stem in zip(run, key)):
                options: list[query.Query] = [query.And(run)]
                for alternative in _SYNONYMS[key]:
                    expanded = _alternative(schema, alternative)
                    if expanded is not None:
                        options.append(expanded)
                out.append(query.Or(options))
                i += len(key)
                replaced = True
                break
        if not replaced:
            sub = subs[i]
            out.append(_expand_word(sub, schema) if _word_text(sub) is not None else sub)
            i += 1
    return query.And(out) if len(out) > 1 else out[0]


# -- "did you mean" ---------------------------------------------------------------------

_QUERY_WORD = re.compile(r"[^\W\d_]+")
_OPERATORS = frozenset({"AND", "OR", "NOT"})


def _suggest(searcher: Searcher, facets: FacetMasks, q: str, filter_mask: int, strict: int) -> str:
    """`q` with each word the index does not know replaced by the nearest known word (fewest edits,
    then most documents), if that finds more repositories with every word than `q` does."""
    reader = searcher.reader()
    if SUGGEST_FIELD not in reader.indexed_field_names():
        return ""
    changes: list[tuple[int, int, str]] = []
    for found in _QUERY_WORD.finditer(q):
        word = found.group()
        if word in _OPERATORS or len(word) < 3:
            continue
        lower = word.lower()
        if _known(searcher, lower):
            continue
        best = _nearest(reader, lower)
        if best:
            changes.append((found.start(), found.end(), best))
    if not changes:
        return ""
    corrected = q
    for start, end, best in reversed(changes):
        corrected = corrected[:start] + best + corrected[end:]
    try:
        better = _match(searcher, facets, corrected, filter_mask).strict
    except QueryError:
        return ""
    return corrected if better > strict else ""


def _known(searcher: Searcher, word: str) -> bool:
    reader = searcher.reader()
    if (SUGGEST_FIELD, word) in reader:
        return True
    for fieldname in FIELD_BOOSTS:
        for text in _field_terms(searcher.schema, fieldname, word):
            if (fieldname, text) in reader:
                return True
    return False


def _nearest(reader, word: str) -> str:  # type: ignore[no-untyped-def]
    maxdist = 1 if len(word) <= 4 else 2
    candidates: dict[str, int] = {}
    for leaf, _ in reader.leaf_readers():
        if SUGGEST_FIELD not in leaf.indexed_field_names():
            continue
        for text in leaf.terms_within(SUGGEST_FIELD, word, maxdist):
            text = text.decode("utf-8") if isinstance(text, bytes) else text
            candidates[text] = candidates.get(text, 0) + leaf.doc_frequency(SUGGEST_FIELD, text)
    if not candidates:
        return ""
    return min(candidates, key=lambda c: (_edits(word, c), -candidates[c], c))


def _edits(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count one edit), as terms_within uses."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _words_of(searcher: Searcher, facets: FacetMasks, text_query: query.Query) -> list[_Word] | None:
    plan = _word_plan(text_query)
    if plan is None or not facets.word_cache.usable:
        return None
    return [facets.word_cache.word(searcher, terms) for terms in plan]


def _page(searcher: Searcher, facets: FacetMasks, request: SearchRequest, text_query: query.Query | None,
          words: list[_Word] | None, match_mask: int, total: int, first: int = 0) -> list[Hit]:
    start = (request.page - 1) * request.per_page
    limit = start + request.per_page
    if start >= total:
        return []
    if request.sort == "stars" or (request.sort == "relevance" and text_query is None):
        docnums = _top_by_order(searcher, facets, "stars", match_mask, total, limit)
    elif request.sort == "updated":
        docnums = _top_by_order(searcher, facets, "updated", match_mask, total, limit)
    elif words is not None:
        docnums = _top_by_relevance(words, match_mask, total, facets.size, limit)
    elif first:
        # Widened: the documents with every word first, then the others; each part by score.
        docnums = [hit.docnum for hit in searcher.search(text_query, filter=_docset(first), limit=limit)]
        if len(docnums) < limit:
            rest = searcher.search(text_query, filter=_docset(match_mask & ~first), limit=limit - len(docnums))
            docnums.extend(hit.docnum for hit in rest)
    else:
        # Whoosh already skips deleted documents, so a filter is only needed for facet filters.
        whoosh_filter = _docset(match_mask) if request.filters else None
        results = searcher.search(text_query, filter=whoosh_filter, limit=limit)
        docnums = [hit.docnum for hit in results]
    docnums = docnums[start:limit]

    field_words: dict[str, frozenset[str]] = {}
    if text_query is not None:
        for fieldname in ("readme_excerpt", "description"):
            # What Whoosh's highlighter looks for: the query's terms in that field.
            field_words[fieldname] = frozenset(
                searcher.schema[fieldname].from_bytes(text)
                for _, text in text_query.existing_terms(searcher.reader(), fieldname=fieldname, expand=True))
    formatter = _formatter()  # one per page, as Whoosh's Results: term classes are numbered across the page
    hits = []
    for docnum in docnums:
        stored = searcher.stored_fields(docnum)
        snippet = ""
        if text_query is not None:
            snippet = (_highlight(searcher, "readme_excerpt", stored.get("readme_excerpt", ""),
                                  field_words["readme_excerpt"], formatter, 2)
                       or _highlight(searcher, "description", stored.get("description", ""),
                                     field_words["description"], formatter, 1))
        hits.append(Hit(repo=to_record(stored), snippet=snippet))
    return hits


# -- the fast path for plain words --------------------------------------------------


class _Word:
    """One query word over its fields: matching docs as a bitmask, and BM25F scores by docnum.

    `scores` is a dict in docnum order for rarer words, or a dense array over every docnum for words
    in more than 1/8 of the documents (8 bytes a document instead of ~100 bytes a posting)."""

    __slots__ = ("mask", "scores", "dense", "cost")

    def __init__(self, mask: int, scores, dense: bool, cost: int) -> None:  # type: ignore[no-untyped-def]
        self.mask = mask
        self.scores = scores
        self.dense = dense
        self.cost = cost  # approximate bytes held


class _WordCache:
    """Per-searcher LRU of _Word, bounded by the memory it holds."""

    MAX_BYTES = 40_000_000

    def __init__(self, searcher: Searcher) -> None:
        weighting = searcher.weighting
        # Only BM25F is reproduced; another model makes the fast path step aside.
        self.usable = type(weighting) is scoring.BM25F
        self._weighting = weighting
        self._words: "OrderedDict[tuple, _Word]" = OrderedDict()
        self._held = 0
        self._lengths: dict[tuple[int, str], list[int]] = {}

    def word(self, searcher: Searcher, terms: tuple[tuple[str, str, float], ...]) -> _Word:
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
            word = _Word(int.from_bytes(seen, "little"), dense, True, 8 * size + len(seen))
        else:
            scores: dict[int, float] = {}
            for fieldname, text, boost in terms:
                self._add_term(searcher, fieldname, text, boost, scores, None)
            docs = sorted(scores)
            # Docnum order, so that a stable top-k breaks score ties by docnum, as Whoosh's TopCollector.
            word = _Word(_mask(docs), {doc: scores[doc] for doc in docs}, False, 100 * len(docs) + size // 8)
        self._words[terms] = word
        self._held += word.cost
        while self._held > self.MAX_BYTES and len(self._words) > 1:
            _, dropped = self._words.popitem(last=False)
            self._held -= dropped.cost
        return word

    def _add_term(self, searcher: Searcher, fieldname: str, text: str, boost: float, scores,  # type: ignore[no-untyped-def]
                  seen: bytearray | None) -> None:
        """Add one term's BM25F scores into `scores` (a dict, or a dense array with `seen` as its bitmap)."""
        field_obj = searcher.schema[fieldname]
        btext = field_obj.to_bytes(text)
        if (fieldname, btext) not in searcher.reader():
            return
        # BM25FScorer's statistics come from the top-level searcher.
        idf = searcher.idf(fieldname, btext)
        avgfl = searcher.avg_field_length(fieldname) or 1
        weighting = self._weighting
        B = weighting._field_B.get(fieldname, weighting.B)
        K1 = weighting.K1
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
            if seen is None:
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

    def _leaf_lengths(self, leaf_index: int, reader, fieldname: str) -> list[int]:  # type: ignore[no-untyped-def]
        """Each document's field length as its one-byte code (an index into _BYTE_LENGTHS)."""
        key = (leaf_index, fieldname)
        lengths = self._lengths.get(key)
        if lengths is None:
            try:  # the codec's length column, read whole (doc_field_length() per doc is ~10x slower)
                from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

                column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
                lengths = list(column) if column is not None else None
            except (AttributeError, ImportError):
                lengths = None
            if lengths is None or len(lengths) < reader.doc_count_all():
                lengths = [_LENGTH_CODES[reader.doc_field_length(doc, fieldname, 1) or 1]
                           for doc in range(reader.doc_count_all())]
            self._lengths[key] = lengths
        return lengths


# Whoosh stores a field length as one byte; a term's doc has length >= 1 (the lossless default is 1).
_BYTE_LENGTHS = [byte_to_length(code) or 1 for code in range(256)]
_LENGTH_CODES = {length: code for code, length in reversed(list(enumerate(_BYTE_LENGTHS)))}


def _postings(reader, fieldname: str, btext: bytes):  # type: ignore[no-untyped-def]
    """(docnum, weight) of a term in one segment, block by block where the codec allows."""
    matcher = reader.postings(fieldname, btext)
    leaf = getattr(matcher, "child", matcher)  # deletions wrap the leaf; deleted docs are masked out later
    if hasattr(leaf, "_read_ids") and hasattr(leaf, "_next_block"):
        while leaf.is_active():
            leaf._read_ids()
            leaf._read_weights()
            yield from zip(leaf._ids, leaf._weights)
            leaf._next_block()
    else:
        while matcher.is_active():
            yield matcher.id(), matcher.weight()
            matcher.next()


def _word_plan(text_query: query.Query) -> list[tuple[tuple[str, str, float], ...]] | None:
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


def _bits(mask: int, size: int) -> bytes:
    return mask.to_bytes((size + 8) // 8, "little")


def _top_by_relevance(words: list[_Word], match_mask: int, count: int, size: int, limit: int) -> list[int]:
    """The `limit` best matches, best first, ties by docnum (heapq.nlargest is stable)."""
    if len(words) == 1:
        scores = words[0].scores
        if words[0].dense:
            return heapq.nlargest(limit, _docs_of(match_mask), key=scores.__getitem__)
        if count == len(scores):  # no filter took anything away
            return heapq.nlargest(limit, scores, key=scores.__getitem__)
        if count * 4 < len(scores):
            candidates = _docs_of(match_mask)
        else:
            bits = _bits(match_mask, size)
            candidates = [doc for doc in scores if bits[doc >> 3] >> (doc & 7) & 1]
        return heapq.nlargest(limit, candidates, key=scores.__getitem__)
    score_maps = [w.scores for w in words]
    if len(score_maps) == 2:
        first, second = score_maps
        key = lambda doc: first[doc] + second[doc]  # noqa: E731
    else:
        key = lambda doc: sum(m[doc] for m in score_maps)  # noqa: E731
    return heapq.nlargest(limit, _docs_of(match_mask), key=key)


def _top_by_order(searcher: Searcher, facets: FacetMasks, sort: str, match_mask: int, count: int,
                  limit: int) -> list[int]:
    docs, rank = facets.order(searcher, sort)
    size = facets.size
    if count * 32 < size:  # few matches: sort them rather than walk the whole order
        return heapq.nsmallest(limit, _docs_of(match_mask), key=rank.__getitem__)
    bits = _bits(match_mask, size)
    out = []
    for doc in docs:
        if bits[doc >> 3] >> (doc & 7) & 1:
            out.append(doc)
            if len(out) == limit:
                break
    return out


# Byte value -> its 8 bits as 8 bytes of 0/1 (least significant first): expands a bitmask for compress().
_EXPAND = [bytes((value >> bit) & 1 for bit in range(8)) for value in range(256)]


def _docs_of(mask: int) -> list[int]:
    """The document numbers of a bitmask, ascending (C-speed: join + compress, no Python loop per doc)."""
    raw = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
    flags = b"".join(map(_EXPAND.__getitem__, raw))
    return list(compress(range(len(flags)), flags))


# -- snippets -----------------------------------------------------------------------

_FRAGMENTER = highlight.ContextFragmenter(maxchars=240, surround=60)
_FRAGMENT_SCORER = highlight.BasicFragmentScorer()


def _formatter() -> highlight.HtmlFormatter:
    return highlight.HtmlFormatter(tagname="mark", classname="hl", between=" … ")


def _highlight(searcher: Searcher, fieldname: str, text: str, words: frozenset[str],
               formatter: highlight.HtmlFormatter, top: int) -> str:
    """What Whoosh's Highlighter.highlight_hit gives with _FRAGMENTER, without running the token pipeline
    over the whole text: only the tokens near matched words are looked at."""
    if not text or not words:
        return ""
    fragments = _fast_fragments(searcher.schema[fieldname].analyzer, text, words)
    if fragments is None:  # an analyzer we do not mirror: Whoosh's own path
        tokens = searcher.schema[fieldname].analyzer(text, positions=True, chars=True, mode="index", removestops=False)
        tokens = highlight.Highlighter._merge_matched_tokens(highlight.set_matched_filter(tokens, words))
        fragments = _FRAGMENTER.fragment_tokens(text, tokens)
    best = highlight.top_fragments(fragments, top, _FRAGMENT_SCORER, highlight.FIRST, minscore=1)
    return formatter.format(best)


_TOKEN_CHAR = re.compile(r"[\w*]")


def _fast_fragments(analyzer, text: str, words: frozenset[str]) -> list[highlight.Fragment] | None:  # type: ignore[no-untyped-def]
    """ContextFragmenter.fragment_tokens over the tokens of a RegexTokenizer|Lowercase|Stop|Stem analyzer.

    Same fragments as Whoosh, but a token far from every match only matters to
    the fragmenter as context it will forget, so the text is tokenized only
    around candidate matches (found by a regex on the stems' prefixes: the
    Porter stemmer changes at most the last two letters of a word's prefix).
    """
    items = getattr(analyzer, "items", None)
    if not items or len(items) != 4:
        return None
    tokenizer, lower, stop, stem = items
    if not (type(tokenizer) is analysis.RegexTokenizer and not tokenizer.gaps
            and type(lower) is analysis.LowercaseFilter and type(stop) is analysis.StopFilter
            and type(stem) is analysis.StemFilter and tokenizer.expression.pattern == r"[\w\*]+(\.?[\w\*]+)*"):
        return None
    fragmenter = _FRAGMENTER
    maxchars, surround, charlimit = fragmenter.maxchars, fragmenter.surround, fragmenter.charlimit
    if charlimit and len(text) > charlimit:
        return None
    stops, minsize, maxsize = stop.stops, stop.min, stop.max
    stemfn, ignore = stem._stem, stem.ignore
    token_re = tokenizer.expression
    is_token_char = _TOKEN_CHAR.match

    def stem_of(word: str) -> str:
        if len(word) >= minsize and (maxsize is None or len(word) <= maxsize) and word not in stops:
            return word if word in ignore else stemfn(word)
        return word  # a stop word keeps its text (StopFilter with removestops=False)

    # Matched tokens: startchar -> (endchar, stem).
    prefixes = sorted({w[: max(1, len(w) - 2)] for w in words}, key=len, reverse=True)
    candidates = re.compile("|".join(re.escape(p) for p in prefixes), re.IGNORECASE)
    matches: dict[int, tuple[int, str]] = {}
    for found in candidates.finditer(text):
        i = found.start()
        if i and (is_token_char(text, i - 1) or (text[i - 1] == "." and i >= 2 and is_token_char(text, i - 2))):
            continue  # inside a token
        token = token_re.match(text, i)
        if token is None:
            continue
        stemmed = stem_of(token.group().lower())
        if stemmed in words:
            matches[i] = (token.end(), stemmed)
    if not matches:
        return []

    fragments: list[highlight.Fragment] = []
    pos = 0  # tokens before pos have been through the fragmenter
    starts = sorted(matches)
    next_index = 0
    while next_index < len(starts):
        match_start = starts[next_index]
        if match_start < pos:
            next_index += 1
            continue
        # Context before the match: the unmatched tokens within `surround` chars of the last one.
        back = 2 * surround
        while True:
            region = _safe_start(text, pos, match_start - back)
            before = [(t.start(), t.end()) for t in _tokens_between(token_re, text, region, match_start)]
            if region <= pos or not before or before[-1][1] - surround >= region:
                break
            back *= 2
        firsts: list[int] = []
        head = 0
        for startchar, endchar in before:
            firsts.append(startchar)
            while head < len(firsts) and endchar - firsts[head] > surround:
                head += 1
        # The fragment: from the match until the countdown runs out.
        first = None
        countdown = -1
        tks: list[analysis.Token] = []
        currentlen = 0
        endchar = 0
        emitted = False
        for token in token_re.finditer(text, match_start):
            startchar, endchar = token.start(), token.end()
            tlength = endchar - startchar
            matched = matches.get(startchar)
            if countdown < 0 and matched is None:  # cannot happen before the first match
                firsts.append(startchar)
                while head < len(firsts) and endchar - firsts[head] > surround:
                    head += 1
            elif currentlen + tlength > maxchars:
                countdown = 0
            elif matched is not None:
                countdown = surround
                if first is None:
                    if head < len(firsts):
                        first = firsts[head]
                    else:
                        first = startchar
                        countdown += surround
                t = analysis.Token(positions=True, chars=True, removestops=False, mode="index")
                t.text, t.startchar, t.endchar, t.matched, t.stopped = matched[1], startchar, endchar, True, False
                tks.append(t)
            if countdown >= 0:
                currentlen += tlength
                countdown -= tlength
                if countdown <= 0:
                    fragments.append(highlight.mkfrag(text, tks, startchar=first, endchar=endchar))
                    emitted = True
                    break
        if not emitted:
            if tks:  # the text ended inside the fragment
                fragments.append(highlight.mkfrag(text, tks, startchar=first, endchar=endchar))
            break
        pos = endchar
        if countdown == 0:
            # Whoosh's fragmenter then swallows the next token into an empty fragment (scored 0, never
            # shown) and starts its context afresh after it.
            following = token_re.search(text, pos)
            if following is not None and following.start() not in matches:
                pos = following.end()
    return fragments


def _safe_start(text: str, pos: int, at: int) -> int:
    """A position <= at (and >= pos) that no token straddles: at a space or newline, or pos itself."""
    if at <= pos:
        return pos
    cut = max(text.rfind(" ", pos, at + 1), text.rfind("\n", pos, at + 1))
    return cut if cut > pos else pos


def _tokens_between(token_re, text: str, start: int, stop: int):  # type: ignore[no-untyped-def]
    for token in token_re.finditer(text, start):
        if token.start() >= stop:
            return
        yield token


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
