"""An Atom 1.0 feed (RFC 4287) of any search, newest repositories first.

    GET /feeds/search.atom?<the /search parameters>

"Tell me when a council publishes something about waste":
`/feeds/search.atom?q=waste&publisher_type=local-government`.

Newest means the repository's creation date (`created_at`; when a record has
none, its last push, then when Pulse last harvested it). The index can sort
by last push but not by creation, so the feed reads the matches most
recently pushed first, up to FEED_SCAN of them, and keeps the FEED_ENTRIES
newest by creation. That finds every new repository, because GitHub sets a
new repository's `pushed_at` when it is created, so it is among the most
recently pushed; it can miss one only if more than FEED_SCAN matching
repositories were pushed after it was created (or a fork whose `pushed_at`
is older than its creation). `sort`, `page` and `per_page` do not apply.

The XML is built with ElementTree, never by pasting strings, and characters
XML 1.0 cannot carry are dropped, so any description is safe. Dates that are
not known (the demo catalogue has none) are given as UNKNOWN_DATE, a fixed
time, so a feed reader does not see every entry as new on every poll.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from pulse.core.query import SearchRequest
from pulse.core.record import Repo, web_url
from pulse.index import IndexStore, iter_pages, pinned
from pulse.web.templating import public_base_url

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50
FEED_SCAN = 500  # matches read, most recently pushed first
UNKNOWN_DATE = "2000-01-01T00:00:00Z"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def entry_date(repo: Repo) -> str:
    """When a repository counts as new: created, else last pushed, else last harvested."""
    for value in (repo.created_at, repo.pushed_at, repo.harvested_at):
        if value and _DATE.match(value):
            return value
    return UNKNOWN_DATE


def newest(store: IndexStore, search: SearchRequest, count: int = FEED_ENTRIES) -> list[Repo]:
    """The `count` newest matches of `search` by entry_date, newest first (see the module docstring)."""
    recent = replace(search, sort="updated", page=1)
    found: list[Repo] = []
    for page in iter_pages(pinned(store), recent, per_page=100, limit=FEED_SCAN):
        found.extend(hit.repo for hit in page.hits)
        found.sort(key=lambda r: (entry_date(r), r.full_name.lower()), reverse=True)
        del found[count:]
        last = page.hits[-1].repo if page.hits else None
        # Everything after `last` was pushed no later than it: if it is older than the newest
        # `count`, nothing further (created before its own push) can get in.
        if (
            last is not None
            and len(found) == count
            and last.pushed_at
            and _DATE.match(last.pushed_at)
            and last.pushed_at < entry_date(found[-1])
        ):
            break
    return found


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def build_feed(records: list[Repo], *, base_url: str, search: SearchRequest) -> bytes:
    """The Atom document for `records` (already newest first)."""
    params = [(k, v) for k, v in search.to_params(page=1, per_page=20, sort="relevance")]
    query = urlencode(params)
    self_url = f"{base_url}/feeds/search.atom" + (f"?{query}" if query else "")
    html_url = f"{base_url}{search.url('/search', page=1, per_page=20, sort='updated')}"

    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": "en-GB"})
    _sub(feed, "id", self_url)
    _sub(feed, "title", _title(search))
    _sub(feed, "subtitle", "Newest repositories from UK public-sector publishers matching this search, from Pulse.")
    _sub(feed, "updated", max((entry_date(r) for r in records), default=UNKNOWN_DATE))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=html_url)
    author = _sub(feed, "author")
    _sub(author, "name", "Pulse")
    _sub(author, "uri", f"{base_url}/")
    _sub(feed, "generator", "Pulse", uri=f"{base_url}/api")

    for repo in records:
        entry = _sub(feed, "entry")
        page_url = base_url + repo.page_url
        forge_url = web_url(repo.url)
        _sub(entry, "id", forge_url or page_url)
        _sub(entry, "title", repo.full_name)
        _sub(entry, "updated", entry_date(repo))
        if repo.created_at and _DATE.match(repo.created_at):
            _sub(entry, "published", repo.created_at)
        _sub(entry, "link", rel="alternate", type="text/html", href=page_url)
        if forge_url:
            _sub(entry, "link", rel="related", href=forge_url)
        author = _sub(entry, "author")
        _sub(author, "name", repo.publisher or repo.owner)
        for topic in repo.topics:
            _sub(entry, "category", term=topic)
        details = [repo.description or "No description."]  # the text as published: a text feed escapes it
        facts = [f for f in (repo.language, repo.licence and f"licence {repo.licence}") if f]
        if facts:
            details.append(f"({', '.join(facts)})")
        _sub(entry, "summary", " ".join(details), type="text")

    # Unqualified names under a default xmlns on the root: every element is in the Atom namespace.
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _title(search: SearchRequest) -> str:
    parts = [f"“{search.q}”"] if search.q else []
    parts += [f"{name}: {' or '.join(values)}" for name, values in search.filters.items()]
    return "Pulse: " + ("; ".join(parts) if parts else "all repositories") + " (newest first)"


def search_atom(request: Request) -> Response:
    search = SearchRequest.from_params(request.query_params)
    records = newest(request.app.state.store, search)
    base_url = public_base_url(request)
    body = build_feed(records, base_url=base_url, search=search)
    return Response(body, media_type=MEDIA_TYPE)  # caching headers: pulse/middleware.py
