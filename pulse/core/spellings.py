"""UK and US spellings as one word: `license` finds `licence`, `organization` finds `organisation`.

Applied to every word the index stores and every word of a query, before stemming
(index/schema.py), so either spelling finds both and a snippet highlights both.
The UK form is the one kept. Explicit pairs and a rule for -ize/-ization on a
curated list of stems (a plain -ize rule would turn "size" and "citizen" into
nonsense). Curated by hand; add a pair when a query shows a miss.
"""

from __future__ import annotations

import re

# US (or variant) -> UK, whole lower-case words.
PAIRS: dict[str, str] = {
    "license": "licence", "licenses": "licences", "licensing": "licencing",
    "color": "colour", "colors": "colours", "colored": "coloured",
    "center": "centre", "centers": "centres",
    "program": "programme", "programs": "programmes",
    "catalog": "catalogue", "catalogs": "catalogues",
    "behavior": "behaviour", "behaviors": "behaviours", "behavioral": "behavioural",
    "favorite": "favourite", "favorites": "favourites",
    "neighbor": "neighbour", "neighbors": "neighbours", "neighborhood": "neighbourhood",
    "labor": "labour", "honor": "honour", "humor": "humour", "harbor": "harbour",
    "analyze": "analyse", "analyzes": "analyses", "analyzed": "analysed", "analyzing": "analysing",
    "analyzer": "analyser", "analyzers": "analysers",
    "paralyze": "paralyse", "catalyze": "catalyse",
    "defense": "defence", "offense": "offence", "practiced": "practised",
    "modeling": "modelling", "modeled": "modelled", "traveling": "travelling", "traveled": "travelled",
    "canceled": "cancelled", "canceling": "cancelling", "labeled": "labelled", "labeling": "labelling",
    "enrollment": "enrolment", "fulfillment": "fulfilment", "gray": "grey", "aging": "ageing",
    "judgment": "judgement", "acknowledgment": "acknowledgement", "fiber": "fibre", "theater": "theatre",
    "dialog": "dialogue", "analog": "analogue", "mold": "mould", "plow": "plough", "tire": "tyre",
}  # fmt: skip

# Stems whose -ize/-ization forms are spelt -ise/-isation in UK English.
_ISE_STEMS = (
    "organ", "optim", "custom", "priorit", "recogn", "author", "standard", "visual", "real", "util",
    "summar", "minim", "maxim", "normal", "serial", "initial", "final", "categor", "synchron", "central",
    "decentral", "digit", "personal", "special", "modern", "local", "capital", "emphas", "apolog",
    "critic", "memor", "stabil", "mobil", "monet", "person", "polar", "legal", "global", "vandal",
    "tokenis", "containeris", "virtual", "internal", "external", "parameter", "random", "character",
    "anonym", "pseudonym", "sanit", "moder", "harmon", "industrial", "commercial", "neutral", "general",
    "fertil", "steril", "hospital", "familiar", "rational", "subsid", "revolution", "urban", "vocal",
)  # fmt: skip
_IZE = re.compile(
    r"^(" + "|".join(sorted(_ISE_STEMS, key=len, reverse=True)) + r")iz(e|es|ed|ing|er|ers|ation|ations)$"
)


def to_uk(word: str) -> str:
    """A lower-case word in its UK spelling (unchanged when it has no other spelling we know)."""
    found = PAIRS.get(word)
    if found is not None:
        return found
    if "iz" in word:
        return _IZE.sub(r"\1is\2", word)
    return word
