"""README markdown to safe HTML for the detail page.

markdown-it-py with raw HTML disabled, then nh3 (an allow-list sanitiser) so
that a README cannot inject script, event handlers or javascript: links.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_readme(markdown: str) -> str:
    """Sanitised HTML of a README; links open as ordinary links."""
    html = _md.render(markdown)
    return nh3.clean(html, url_schemes=_ALLOWED_SCHEMES, link_rel="nofollow noopener noreferrer")
