"""The stem function of every text field: the UK spelling of a word, then Porter's stem.

A module-level function, because Whoosh pickles the schema (and so the analyzer's
stem function, by reference) into the index: it must stay importable by this name.
"""

from __future__ import annotations

from whoosh.lang.porter import stem

from pulse.core.spellings import to_uk


def uk_stem(word: str) -> str:
    """`licenses` and `licences` both stem to `licenc`; `organization` and `organisation` to `organis`."""
    return str(stem(to_uk(word)))
