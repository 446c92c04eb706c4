"""Result snippets: matched words highlighted in the README excerpt or description.

Snippets are Whoosh's ContextFragmenter/BasicFragmentScorer/HtmlFormatter fed
by a flat tokenizer loop equivalent to the field's StemmingAnalyzer, so only
the text near matched words is tokenized (Whoosh's own token pipeline is
the fallback for any other analyzer).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from whoosh import analysis, highlight
from whoosh.searching import Searcher

_FRAGMENTER = highlight.ContextFragmenter(maxchars=240, surround=60)
_FRAGMENT_SCORER = highlight.BasicFragmentScorer()


def page_formatter() -> highlight.HtmlFormatter:
    return highlight.HtmlFormatter(tagname="mark", classname="hl", between=" … ")


def highlight_field(
    searcher: Searcher,
    fieldname: str,
    text: str,
    words: frozenset[str],
    formatter: highlight.HtmlFormatter,
    top: int,
    *,
    fast: bool = True,
) -> str:
    """What Whoosh's Highlighter.highlight_hit gives with _FRAGMENTER. With `fast`, without running the
    token pipeline over the whole text: only the tokens near matched words are looked at."""
    if not text or not words:
        return ""
    analyzer = searcher.schema[fieldname].analyzer
    fragments = _fast_fragments(analyzer, text, words) if fast else None
    if fragments is None:  # not fast, or an analyzer we do not mirror: Whoosh's own token pipeline
        tokens = analyzer(text, positions=True, chars=True, mode="index", removestops=False)
        tokens = _merge_matched_tokens(highlight.set_matched_filter(tokens, words))
        fragments = _FRAGMENTER.fragment_tokens(text, tokens)
    best = highlight.top_fragments(fragments, top, _FRAGMENT_SCORER, highlight.FIRST, minscore=1)
    return formatter.format(best)


_TOKEN_CHAR = re.compile(r"[\w*]")
_STEMMERS: dict[int, tuple[analysis.StemFilter, Callable[[str], str]]] = {}


def _cached_stemmer(stem: analysis.StemFilter) -> Callable[[str], str]:
    """The filter's public `stemfn` behind an LRU cache (as StemFilter caches it), one per filter."""
    held = _STEMMERS.get(id(stem))
    if held is None or held[0] is not stem:
        held = _STEMMERS[id(stem)] = (stem, lru_cache(maxsize=50_000)(stem.stemfn))
    return held[1]


def _merge_matched_tokens(tokens: Iterable[analysis.Token]) -> Iterator[analysis.Token]:
    """Consecutive matched tokens merged, so they are highlighted as one.

    What Whoosh's Highlighter does before fragmenting a hit (a private static method there,
    so it is restated here from whoosh-reloaded 2.7.5, BSD licence)."""
    token: analysis.Token | None = None
    for t in tokens:
        if not t.matched:
            if token is not None:
                yield token
                token = None
            yield t
            continue
        if token is None:
            token = t.copy()
        elif t.startchar <= token.endchar:
            if t.endchar > token.endchar:
                token.text += t.text[token.endchar - t.endchar :]
                token.endchar = t.endchar
        else:
            yield token
            token = None
            yield t  # t was not merged, so it is yielded too
    if token is not None:
        yield token


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
    if not (
        type(tokenizer) is analysis.RegexTokenizer
        and not tokenizer.gaps
        and type(lower) is analysis.LowercaseFilter
        and type(stop) is analysis.StopFilter
        and type(stem) is analysis.StemFilter
        and tokenizer.expression.pattern == r"[\w\*]+(\.?[\w\*]+)*"
    ):
        return None
    fragmenter = _FRAGMENTER
    maxchars, surround, charlimit = fragmenter.maxchars, fragmenter.surround, fragmenter.charlimit
    if charlimit and len(text) > charlimit:
        return None
    stops, minsize, maxsize = stop.stops, stop.min, stop.max
    stemfn, ignore = _cached_stemmer(stem), stem.ignore
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
