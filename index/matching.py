"""Which documents match the query text, as a bitmask, with the any-word fallback.

Shared by the search itself and by "did you mean" (spelling.py), which
re-runs a corrected query to see whether it finds more; that is why it is
neither in search.py nor in spelling.py (it would make an import cycle).
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query
from whoosh.searching import Searcher

from pulse.index.bitmasks import mask_of
from pulse.index.parsing import expand_synonyms, has_not, parse_query, word_count
from pulse.index.reading import Reading
from pulse.index.scoring import Word, words_of

# A query of several words that fewer repositories than this match with every word is
# widened to any word: those with every word first, then the rest (best match first).
WIDEN_BELOW = 10


@dataclass
class Match:
    text_query: query.Query | None
    words: list[Word] | None
    mask: int
    strict: int  # how many documents had every word (before any fallback)
    note: str = ""
    first: int = 0  # widened to any word: the documents with every word, ranked first


def match_query(searcher: Searcher, facets: Reading, q: str, filter_mask: int) -> Match:
    """The documents matching the words `q` within `filter_mask`, falling back to any word."""
    if not q:
        return Match(None, None, filter_mask, filter_mask.bit_count())
    text_query: query.Query | None = parse_query(q, searcher.schema)
    if text_query is query.NullQuery:
        return Match(None, None, filter_mask, filter_mask.bit_count())
    several = word_count(text_query) > 1 and not has_not(text_query)
    text_query = expand_synonyms(text_query, searcher.schema)
    words = words_of(searcher, facets, text_query)
    if words is not None:
        match_mask = filter_mask
        for word in words:
            match_mask &= word.mask
    else:
        match_mask = mask_of(searcher.docs_for_query(text_query)) & filter_mask
    strict = match_mask.bit_count()
    if strict < WIDEN_BELOW and several:
        if type(text_query) is query.And:  # the same (expanded) words, OR'd
            any_query: query.Query = query.Or(list(text_query.subqueries))
        else:  # e.g. a phrase synonym replaced the And: keep every match of the query itself
            any_query = query.Or(
                [text_query, expand_synonyms(parse_query(q, searcher.schema, any_word=True), searcher.schema)]
            )
        any_mask = (mask_of(searcher.docs_for_query(any_query)) & filter_mask) | match_mask
        if any_mask and any_mask != match_mask:
            if not match_mask:
                note = "No repository matched every word, so these match any of them."
            else:
                note = (
                    f"Only {strict} {'repository matches' if strict == 1 else 'repositories match'} every word; "
                    "they come first, then those matching some of the words."
                )
            return Match(any_query, None, any_mask, strict, note, first=match_mask)
    return Match(text_query, words, match_mask, strict)
