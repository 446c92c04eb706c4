"""Suggestions ("did you mean"): the query with its unknown words replaced by the nearest known words.

A suggestion is only offered when the corrected query finds more
repositories with every word than the query as typed.
"""

from __future__ import annotations

import re

from whoosh.searching import Searcher

from index.facets import FacetMasks
from index.matching import _match
from index.parsing import FIELD_BOOSTS, _field_terms
from pulse.errors import QueryError


SUGGEST_FIELD = "spelling"  # unstemmed words, for "did you mean"
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
