"""Markdown to plain text, for indexing and snippets.

Search runs over a bounded plain-text excerpt of the README, not the whole
markdown: whole bodies cost about 10x at query time (see BENCHMARKS.md), and
badges, link targets and HTML are noise for ranking.
"""

from __future__ import annotations

import re
from itertools import pairwise

from markdown_it import MarkdownIt
from markdown_it.token import Token

EXCERPT_CHARS = 2_000

_md = MarkdownIt("commonmark", {"html": False}).enable("table")
# One-line texts keep what was typed apart from markdown's own marks: no entity decoding, no HTML.
_inline = MarkdownIt("commonmark", {"html": False}).disable(["entity", "html_inline", "autolink"])
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANKS = re.compile(r"\n{2,}")
_TAGS = re.compile(r"<[^>]{0,500}>")
_URLS = re.compile(r"\b(?:https?://|www\.)\S{1,2000}", re.IGNORECASE)
_NAME_LIKE = re.compile(r"^[A-Za-z][\w.-]{0,60}$")  # an identifier or a package name, not a command or a path


def markdown_to_text(markdown: str) -> str:
    """The prose of a markdown document: words of headings, paragraphs, list items and tables.

    What a README runs is left out, so it cannot rank: fenced and indented code blocks
    (`source venv/bin/activate` is not about bins), inline code that is a command or a
    path rather than a name, images and badges, bare web addresses and HTML. Link text
    stays; link targets go. The README itself is shown whole, from its markdown.
    """
    parts: list[str] = []
    for token in _md.parse(markdown):
        if token.type == "inline" and token.children:
            words = [_inline_text(c) for c in token.children]
            parts.append("".join(words))
        elif token.type.endswith("_close") and token.block:
            parts.append("\n")
    text = " ".join(p for p in parts if p)
    text = _TAGS.sub(" ", text)
    text = _URLS.sub(" ", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANKS.sub("\n", text).strip()


def _inline_text(child: Token) -> str:
    if child.type == "text":
        return child.content
    if child.type == "code_inline":
        return child.content if _NAME_LIKE.match(child.content) else " "  # `govuk-frontend` yes, `npm run x` no
    return " "  # breaks, images (badges), HTML: a space keeps words apart


def plain_line(text: str) -> str:
    """A one-line markdown text (a description) as people read it: `[text](url)` shows as its text,
    `**bold**` and `code` lose their marks; for lists and pages, which must not show raw markdown."""
    if not any(mark in text for mark in "[*_`!"):
        return text  # nothing to render: most descriptions
    words: list[str] = []
    for token in _inline.parseInline(text):
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                words.append(child.content)
            elif child.type == "image":
                words.append(child.content)  # its alt text
            elif child.type in ("softbreak", "hardbreak"):
                words.append(" ")
    return _SPACES.sub(" ", "".join(words)).strip()


def headings(markdown: str) -> list[str]:
    """The text of every heading (ATX `#` and setext underlines), from markdown-it's tokens.

    A parser, not a regular expression: a README is untrusted input, and the old
    heading pattern backtracked cubically on a long run of spaces (one README
    could stall the server).
    """
    found: list[str] = []
    tokens = _md.parse(markdown)
    for token, following in pairwise(tokens):
        if token.type == "heading_open" and following.type == "inline":
            found.append(following.content.strip())
    return found


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first `limit` characters, cut at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance, optimal string alignment (an adjacent swap is one edit):
    the spelling suggestions' and the look-alike check's measure of "close"."""
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
