"""Open-resources lists: templates, patterns, guidance, datasets and components a body publishes
that are not code, listed in YAML or CSV; each item is indexed as `kind: resource`.

YAML: a mapping whose `items:` is a list (other header keys such as `publisher`,
`source_repository` and `notes` are not read), or a bare list of items. Each item is a mapping:

    title (required), url (required), description, resource_type, licence, tags (a list),
    updated, publisher, status

CSV: a header row naming the same columns (`title` and `url` required, any order; `license` is
read as `licence`; other columns are ignored), then one row per item. `tags` holds several tags
separated by semicolons (`accessibility; PSBAR; GOV.UK`): a comma is the CSV delimiter, and a
semicolon inside a quoted cell needs no escaping in any spreadsheet.

What the fields become:

- `host`/`path`: the URL's host (lower-case, no trailing dot: `ico.org.uk.` -> `ico.org.uk`; the
  URL itself is corrected the same way) and path (no leading or trailing slash; empty -> `index`).
  Items of one list that share a URL (the 14 points of the Service Standard are one page) each get
  `/` + a slug of their title appended, so every item has its own key whatever the order; an item
  with both the same URL and the same title as an earlier one is a duplicate, reported and skipped.
- `resource_type`: one of RESOURCE_TYPES, else `other` (the item is kept, the value reported).
- `licence`: an SPDX id where the text names one plainly ("ogl3", "OGL v3.0", "Open Government
  Licence v3.0" -> OGL-UK-3.0; "OGL-UK-3.0 (content); MIT (code)" -> the first); phrases such as
  "not stated" -> "".
- `updated_at`: from `updated`: an ISO date or datetime, or a month ("June 2026" -> 2026-06-01).
- `archived`: `status` starts with "archived" (the GOV.UK Design System's retired patterns).
- `publisher`/`publisher_type`: always the configured Publisher. An item's own `publisher` (the
  templates list names the real body per item) goes to `metadata["owner"]`; `metadata_file` stays
  empty, because the list, not a file in a repository, says it (`source` names the list).

The whole list fails (SourceError) only when it cannot be read as a list: not YAML, no `items`
list, a CSV without a `title` and `url` header. Anything wrong with one item is a problem string
("item 3 'Title': ..."; CSV problems name the row, the header being row 1) and the rest is read.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from pulse.core.errors import SourceError
from pulse.core.metadata import iso_timestamp, licence_id, load_yaml, plain_text, slug, text_list, url_host, url_path
from pulse.core.record import Repo, web_url
from pulse.core.sources import Publisher
from pulse.core.vocabulary import RESOURCE_TYPES

LIST_FORMATS = ("yaml", "csv")
MAX_ITEMS = 10_000
MAX_LIST_BYTES = 10_000_000
MAX_LIST_NODES = 1_000_000  # after alias expansion: a 10,000-item list has some 200,000
COLUMNS = ("title", "url", "description", "resource_type", "licence", "tags", "updated", "publisher", "status")
REQUIRED_COLUMNS = ("title", "url")
COLUMN_ALIASES = {"license": "licence"}
TAG_SEPARATOR = ";"
DESCRIPTION_MAX_CHARS = 1_000
NO_PATH = "index"


def list_format(name_or_url: str) -> str:
    """ "yaml" for a .yaml or .yml file or URL, "csv" for .csv (case-insensitive, query ignored), else ""."""
    try:
        path = urlsplit(name_or_url.strip()).path if "://" in name_or_url else name_or_url.strip()
    except ValueError:
        return ""
    suffix = path.lower().rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return {"yaml": "yaml", "yml": "yaml", "csv": "csv"}.get(suffix, "")


def _without_trailing_dot(url: str) -> str:
    """`https://ico.org.uk./x` -> `https://ico.org.uk/x`: the same site, one spelling."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host.endswith("."):
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a port number: leave the address as it was given
        return url
    netloc = (userinfo + "@" if userinfo else "") + hostport[: len(host) - 1] + port
    return parts._replace(netloc=netloc).geturl()


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        return text_list(value.split(TAG_SEPARATOR))
    return text_list(value) if isinstance(value, list | tuple) else []


def _shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _read_item(fields: dict[str, Any], label: str, publisher: Publisher, source: str) -> tuple[Repo | None, list[str]]:
    """One item as a Repo (None when it has no title or no usable URL) and its problems."""
    title = plain_text(fields.get("title"), 300)
    if not title:
        return None, [f"{label}: no title; skipped"]
    label = f"{label} {_shown(title)!r}"
    raw_url = plain_text(fields.get("url"), 2_000)
    url = web_url(raw_url)
    if not url:
        why = "no url" if not raw_url else f"url {_shown(raw_url)!r} is not a web address"
        return None, [f"{label}: {why}; skipped"]
    url = _without_trailing_dot(url)
    problems: list[str] = []
    declared = plain_text(fields.get("resource_type")).lower()
    resource_type = declared if declared in RESOURCE_TYPES else "other"
    if declared != resource_type:
        given = f"resource type {_shown(declared)!r}" if declared else "no resource_type"
        problems.append(f"{label}: {given} (expected one of {', '.join(RESOURCE_TYPES)}); listed as other")
    updated = fields.get("updated")
    updated_at = iso_timestamp(updated)
    if not updated_at and plain_text(updated):
        problems.append(f"{label}: updated {_shown(plain_text(updated))!r} is not a date; left empty")
    host = url_host(url)
    owner = plain_text(fields.get("publisher"), 300)
    repo = Repo(
        id=0,
        owner=host,
        name=title,
        url=url,
        source=source,
        publisher=publisher.name,
        publisher_type=publisher.type,
        description=plain_text(fields.get("description"), DESCRIPTION_MAX_CHARS),
        topics=tuple(_tags(fields.get("tags"))),
        licence=licence_id(fields.get("licence")),
        archived=plain_text(fields.get("status")).lower().startswith("archived"),
        updated_at=updated_at,
        host=host,
        path=url_path(url) or NO_PATH,
        resource_type=resource_type,
        metadata={"owner": owner} if owner else {},
    )
    return repo, problems


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    return "a text value" if isinstance(value, str) else f"a {type(value).__name__} value"


def _yaml_items(text: str, list_url: str) -> list[tuple[str, Any]]:
    documents, problem = load_yaml(text, f"the resources list {list_url}", max_nodes=MAX_LIST_NODES)
    if problem:
        raise SourceError(problem)
    data = documents[0]
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        found = "no 'items' key" if isinstance(data, dict) and "items" not in data else f"found {_kind_of(items)}"
        raise SourceError(
            f"the resources list {list_url} is not a list of items: expected 'items:' and a list ({found})"
        )
    return [(f"item {n}", item) for n, item in enumerate(items, start=1)]


def _csv_items(text: str, list_url: str) -> tuple[list[tuple[str, Any]], list[str]]:
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(rows, None)
        if not header or not any(cell.strip() for cell in header):
            raise SourceError(f"the resources list {list_url} is empty: expected a header row ({', '.join(COLUMNS)})")
        columns = [COLUMN_ALIASES.get(name, name) for name in (cell.strip().lower() for cell in header)]
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        twice = sorted(name for name, count in Counter(c for c in columns if c).items() if count > 1)
        if missing or twice:
            what = f"no {' or '.join(missing)} column" if missing else f"the column {', '.join(twice)} appears twice"
            raise SourceError(
                f"the resources list {list_url} has a bad CSV header: {what} "
                f"(found: {', '.join(_shown(c, 30) for c in columns) or 'nothing'})"
            )
        items: list[tuple[str, Any]] = []
        problems: list[str] = []
        for number, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            label = f"row {number}"
            if len(row) > len(columns) and any(cell.strip() for cell in row[len(columns) :]):
                problems.append(f"{label}: more cells than the header has columns; the extra cells are ignored")
            items.append((label, {name: cell for name, cell in zip(columns, row, strict=False) if name}))
            if len(items) > MAX_ITEMS:
                break
    except csv.Error as exc:
        raise SourceError(f"the resources list {list_url} is not valid CSV: line {rows.line_num}: {exc}") from exc
    return items, problems


def parse_resource_list(
    text: str, fmt: str, *, publisher: Publisher, source: str, list_url: str
) -> tuple[list[Repo], list[str]]:
    """Every usable item of a resources list (`fmt` "yaml" or "csv") as a resource `Repo`, and the
    problems of the rest. Raises SourceError when the text is not a list of items at all."""
    if fmt not in LIST_FORMATS:
        raise ValueError(f"unknown resources list format {fmt!r}; expected one of {', '.join(LIST_FORMATS)}")
    size = len(text) if len(text) > MAX_LIST_BYTES else len(text.encode("utf-8", "replace"))
    if size > MAX_LIST_BYTES:
        raise SourceError(
            f"the resources list {list_url} is too large: {size:,} bytes (the limit is {MAX_LIST_BYTES:,})"
        )
    problems: list[str] = []
    if fmt == "yaml":
        items = _yaml_items(text, list_url)
    else:
        items, problems = _csv_items(text, list_url)
    if len(items) > MAX_ITEMS:
        more = f"{len(items):,}" if fmt == "yaml" else f"more than {MAX_ITEMS:,}"
        problems.append(f"the list has {more} items; only the first {MAX_ITEMS:,} are read")
        items = items[:MAX_ITEMS]
    read: list[tuple[str, Repo]] = []
    for label, fields in items:
        if not isinstance(fields, dict):
            problems.append(f"{label}: not a mapping of fields; skipped")
            continue
        repo, found = _read_item(fields, label, publisher, source)
        problems.extend(found)
        if repo is not None:
            read.append((f"{label} {_shown(repo.name)!r}", repo))
    return _unique(read, problems), problems


def _unique(read: list[tuple[str, Repo]], problems: list[str]) -> list[Repo]:
    """Give items that share a URL but not a title their own path (URL path + `/` + title slug); drop
    true duplicates (the same URL and title as an earlier item)."""
    shared = Counter(locator for locator, _ in {(repo.locator, repo.name.casefold()) for _, repo in read})
    repos: list[Repo] = []
    seen: dict[str, str] = {}
    for label, repo in read:
        if shared[repo.locator] > 1:
            repo = dataclasses.replace(repo, path=f"{repo.path}/{slug(repo.name) or slug(label)}")
        if repo.key in seen:
            problems.append(f"{label}: the same url and title as {seen[repo.key]}; skipped")
            continue
        seen[repo.key] = label
        repos.append(repo)
    return repos


__all__ = ["COLUMNS", "LIST_FORMATS", "MAX_ITEMS", "TAG_SEPARATOR", "list_format", "parse_resource_list"]
