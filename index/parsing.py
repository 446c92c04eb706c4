"""From the user's query text to a Whoosh query: safe parsing, then synonym expansion.

Query text goes through a Whoosh parser stripped down to safe syntax: words,
"phrases", AND/OR/NOT and brackets (REQUIRE, ANDMAYBE and ANDNOT are words). Wildcards, regexes, fuzzy terms, ranges,
boosts and field prefixes from user input are plain words here, so no query
can expand into a scan of the whole term dictionary.

The parsed query's plain words then get their public-sector synonyms
(pulse/synonyms.py), in a shape the fast scoring path (scoring.py) still plans.
"""

from __future__ import annotations

from whoosh import qparser, query

from pulse.core.errors import QueryError
from pulse.core.synonyms import SYNONYM_WEIGHT, synonym_table
from pulse.index.schema import TEXT_ANALYZER

FIELD_BOOSTS = {"name": 3.0, "description": 2.0, "topics_text": 1.5, "readme_excerpt": 1.0}
MAX_QUERY_TERMS = 40


def _make_parser() -> qparser.MultifieldParser:
    parser = qparser.MultifieldParser(list(FIELD_BOOSTS), schema=None, fieldboosts=FIELD_BOOSTS)
    for plugin in (
        qparser.WildcardPlugin,
        qparser.RangePlugin,
        qparser.BoostPlugin,
        qparser.FieldsPlugin,
        qparser.EveryPlugin,
    ):
        parser.remove_plugin_class(plugin)
    # Only AND, OR and NOT: Whoosh's REQUIRE, ANDMAYBE and ANDNOT are plain words here
    # (REQUIRE between words raised an AssertionError deep in Whoosh: a 500 per request).
    parser.replace_plugin(qparser.OperatorsPlugin(AndNot=None, AndMaybe=None, Require=None))
    return parser


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


def word_count(text_query: query.Query) -> int:
    """How many words (or phrases, or bracketed groups) the user combined, in a parsed, unexpanded query."""
    if type(text_query) in (query.And, query.Or) and _word_text(text_query) is None:
        return len(text_query.subqueries)
    return 1


def has_not(text_query: query.Query) -> bool:
    """Whether the user excluded something (NOT): such a query is never widened to "any word",
    which would turn the excluded word into one more way to match."""
    if isinstance(text_query, query.Not):
        return True
    return any(has_not(sub) for sub in text_query.children())


# -- synonyms: query-time expansion ------------------------------------------------------


def _stems(text: str) -> tuple[str, ...]:
    return tuple(token.text for token in TEXT_ANALYZER(text, mode="query"))


_SYNONYMS: dict[tuple[str, ...], tuple[str, ...]] = {}
for _key, _alternatives in synonym_table().items():
    _SYNONYMS.setdefault(_stems(_key), ())
    _SYNONYMS[_stems(_key)] += _alternatives
_PHRASE_KEYS = sorted((k for k in _SYNONYMS if len(k) > 1), key=len, reverse=True)


_FIELD_TERMS: dict[tuple[str, str], tuple[str, ...]] = {}


def field_terms(schema, fieldname: str, text: str) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
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
    per_field = {fieldname: field_terms(schema, fieldname, alternative) for fieldname in FIELD_BOOSTS}
    size = len(per_field["readme_excerpt"])
    groups = [
        [
            query.Term(fieldname, texts[i], boost=boost * SYNONYM_WEIGHT)
            for fieldname, boost in FIELD_BOOSTS.items()
            if len(texts := per_field[fieldname]) == size
        ]
        for i in range(size)
    ]
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
        if expanded is not None and type(expanded) is query.Or:
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
        return _expand_word(text_query, schema)
    if type(text_query) is query.Or and text_query.boost == 1.0:  # the any-word fallback
        return query.Or(
            [_expand_word(sub, schema) if _word_text(sub) is not None else sub for sub in text_query.subqueries],
            scale=text_query.scale,
        )
    if type(text_query) is not query.And or text_query.boost != 1.0:
        return text_query
    subs = list(text_query.subqueries)
    out: list[query.Query] = []
    i = 0
    while i < len(subs):
        replaced = False
        for key in _PHRASE_KEYS:
            run = subs[i : i + len(key)]
            if len(run) == len(key) and all(_word_text(sub) == stem for sub, stem in zip(run, key, strict=True)):
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
