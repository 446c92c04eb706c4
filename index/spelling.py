"""Suggestions ("did you mean"): the query with its unknown words replaced by the nearest known words.

A suggestion is only offered when the corrected query finds more
repositories with every word than the query as typed.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.searching import Searcher

from pulse.core.errors import QueryError
from pulse.core.text import edit_distance
from pulse.index.matching import match_query
from pulse.index.parsing import FIELD_BOOSTS, field_terms
from pulse.index.reading import Reading

SUGGEST_FIELD = "spelling"  # unstemmed words, for "did you mean"
# At most this many distinct unknown words are looked up per query: each lookup walks the
# term dictionary, so "the" x 125 or 60 made-up words must not cost 60 walks.
MAX_SUGGEST_WORDS = 5
_QUERY_WORD = re.compile(r"[^\W\d_]+")
_OPERATORS = frozenset({"AND", "OR", "NOT"})


def suggest_query(searcher: Searcher, facets: Reading, q: str, filter_mask: int, strict: int) -> str:
    """`q` with each word the index does not know replaced by the nearest known word (fewest edits,
    then most documents), if that finds more repositories with every word than `q` does."""
    reader = searcher.reader()
    if SUGGEST_FIELD not in reader.indexed_field_names():
        return ""
    changes: list[tuple[int, int, str]] = []
    verdicts: dict[str, str] = {}  # lower-cased word -> its correction, "" when none or known
    for found in _QUERY_WORD.finditer(q):
        word = found.group()
        if word in _OPERATORS or len(word) < 3:
            continue
        lower = word.lower()
        if lower not in verdicts:
            if len(verdicts) >= MAX_SUGGEST_WORDS:
                break
            # A stop word is no term of any field: nothing to correct.
            stop = not field_terms(searcher.schema, "readme_excerpt", lower)
            verdicts[lower] = "" if stop or _known(searcher, lower) else _nearest(searcher, facets, lower)
        if verdicts[lower]:
            changes.append((found.start(), found.end(), verdicts[lower]))
    if not changes:
        return ""
    corrected = q
    for start, end, best in reversed(changes):
        corrected = corrected[:start] + best + corrected[end:]
    try:
        better = match_query(searcher, facets, corrected, filter_mask).strict
    except QueryError:
        return ""
    return corrected if better > strict else ""


def _known(searcher: Searcher, word: str) -> bool:
    reader = searcher.reader()
    if (SUGGEST_FIELD, word) in reader:
        return True
    for fieldname in FIELD_BOOSTS:
        for text in field_terms(searcher.schema, fieldname, word):
            if (fieldname, text) in reader:
                return True
    return False


def _nearest(searcher: Searcher, facets: Reading, word: str) -> str:
    """The known word nearest to `word` (fewest edits, then most documents), or "".

    Whoosh's own Levenshtein automaton, run over the field's terms held in memory per
    searcher (a bisect per step) rather than over the on-disk term file (a seek per step:
    about 70 ms a word on the demo catalogue, against well under a millisecond here)."""
    terms, frequencies = facets.lexicon(searcher, SUGGEST_FIELD)
    if not terms:
        return ""

    def first_at_or_after(key: str) -> str | None:
        position = bisect_left(terms, key)
        return terms[position] if position < len(terms) else None

    maxdist = 1 if len(word) <= 4 else 2
    dfa = levenshtein_automaton(word, maxdist).to_dfa()
    candidates = list(find_all_matches(dfa, first_at_or_after))
    if not candidates:
        return ""
    return min(candidates, key=lambda c: (edit_distance(word, c), -frequencies[c], c))
