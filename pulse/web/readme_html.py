"""README markdown to safe HTML for the detail page.

markdown-it-py with raw HTML disabled, then nh3 (an allow-list sanitiser) so
that a README cannot inject script, event handlers or javascript: links.
Relative links and images are resolved against the repository on GitHub, as
GitHub itself shows them: links to the file view, images to the raw file.
"""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_readme(markdown: str, owner: str = "", name: str = "", branch: str = "") -> str:
    """Sanitised HTML of a README, with relative URLs pointing into owner/name on GitHub."""
    tokens = _md.parse(markdown)
    if owner and name:
        ref = quote(branch or "HEAD", safe="")
        repo = f"{quote(owner, safe='')}/{quote(name, safe='')}"
        _resolve(tokens, f"https://github.com/{repo}/blob/{ref}/", f"https://raw.githubusercontent.com/{repo}/{ref}/")
    html = _md.renderer.render(tokens, _md.options, {})
    return nh3.clean(html, url_schemes=_ALLOWED_SCHEMES, link_rel="nofollow noopener noreferrer")


def _resolve(tokens, link_base: str, image_base: str) -> None:  # type: ignore[no-untyped-def]
    for token in tokens:
        if token.children:
            _resolve(token.children, link_base, image_base)
        if token.type == "link_open":
            token.attrSet("href", _absolute(str(token.attrGet("href") or ""), link_base))
        elif token.type == "image":
            token.attrSet("src", _absolute(str(token.attrGet("src") or ""), image_base))


def _absolute(url: str, base: str) -> str:
    """Relative paths join the repo base; absolute URLs, anchors and other schemes stay (nh3 filters schemes)."""
    if not url or url.startswith("#") or urlsplit(url).scheme or url.startswith("//"):
        return url
    return urljoin(base, url.lstrip("/") if url.startswith("/") else url)
