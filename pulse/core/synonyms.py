"""Public-sector synonyms for query expansion: the words a council developer types
for the same service. Pure data; `index/search.py` applies it at query time.

Each entry maps a query word, or a phrase of consecutive query words, to the
alternatives that also satisfy it. A query word keeps its full weight; an
alternative counts SYNONYM_WEIGHT as much, so a repo that uses the searcher's
own word still comes first. Entries are one-directional where a word is
ambiguous: "send" (special educational needs) is expanded, but "special
educational needs" is not expanded to "send", which mostly means sending email.

Keep it small and about the domain. A synonym is right here only if a person
searching for one word would be glad of a repo that only uses the other.
"""

from __future__ import annotations

SYNONYM_WEIGHT = 0.6

# Cost: a one-word alternative joins its word's Or of terms and keeps the fast path of
# index/search.py; a phrase (an alternative or a key of several words) sends the query
# through Whoosh's slower matcher path, so phrases are kept to the few entries that need
# them (FOI, SEND), whose words are rare.

# Groups of interchangeable words or phrases: each member expands to all the others.
_GROUPS: tuple[tuple[str, ...], ...] = (
    ("waste", "refuse", "rubbish", "recycling"),
    ("foi", "freedom of information"),
    ("roadworks", "streetworks"),
    ("gritting", "salting"),
    ("accessibility", "a11y", "wcag"),
    ("booking", "appointment", "reservation"),
    ("payment", "pay"),
    ("gis", "map", "mapping", "geospatial"),
    ("etl", "pipeline"),
    ("ctax", "counciltax"),
)

# One-directional expansions: key -> alternatives (not the other way round).
_ONE_WAY: dict[str, tuple[str, ...]] = {
    # Not the other way: "bin" is also a folder of scripts (bin/setup) in many READMEs.
    "bin": ("waste", "refuse", "rubbish", "recycling"),
    # "send" mostly means sending email: the phrase does not expand back to it.
    "send": ("special educational needs", "sen"),
    "address": ("postcode", "gazetteer", "llpg", "uprn"),
    "form": ("webform", "questionnaire"),
    "cms": ("drupal", "umbraco", "wagtail", "wordpress"),
    "gp": ("surgery",),
}


def synonym_table() -> dict[str, tuple[str, ...]]:
    """Every key (a word or a phrase, lower case) and what it expands to."""
    table: dict[str, list[str]] = {}
    for group in _GROUPS:
        for member in group:
            table.setdefault(member, []).extend(m for m in group if m != member)
    for key, alternatives in _ONE_WAY.items():
        table.setdefault(key, []).extend(alternatives)
    return {key: tuple(dict.fromkeys(values)) for key, values in table.items()}


__all__ = ["SYNONYM_WEIGHT", "synonym_table"]
