"""code.json inventories (US code.gov metadata schema 2.0): each release one item of code.

An inventory is written by hand or generated, by a body we do not control, and real ones are
messy (`repositoryURL: null`, `git://` addresses, `licenses: null`, placeholder descriptions,
mojibake). So every release that has a name becomes a `Repo`, whatever else is wrong with it,
and what could not be used is reported per release ("release 8 'x': ..."; releases count from
1). Only a file that is not a JSON object with a releases list fails the whole source: then
there is nothing to read, and failing keeps the items of the last good harvest instead of
emptying the publisher.

Mapping (schema 2.0; the 1.0 names in brackets are read too):

| Repo | release |
|---|---|
| `name`, `description` | `name`, `description` (placeholders such as "No description available..." dropped) |
| `host`, `path` | `repositoryURL` [`repository`]: its host, path; else the inventory's host, `code-json/<name slug>` |
| `url` | `repositoryURL`, else `homepageURL` [`homepage`]; `git://`, `ssh://` and `git@host:path` read as https |
| `homepage` | `homepageURL`, unless it is the same address as `url` |
| `owner` | `organization`, else the host |
| `licence` | the first `permissions.licenses[].name` (or its URL's end) [`license`]: an SPDX id where obvious |
| `topics`, `language` | `tags`; the first of `languages` |
| `created_at`, `updated_at` | `date.created`; `date.lastModified`, else `date.metadataLastUpdated` [`updated.*`] |
| `archived` | `status` is `Archival` |
| `metadata` | `contacts` (from `contact`), `development_status` (`status`, lower-case) |
"""

from __future__ import annotations

import json
import re
from typing import Any

from pulse.core.errors import SourceError
from pulse.core.metadata import contact_list, iso_timestamp, licence_id, plain_text, slug, text_list, url_host, url_path
from pulse.core.record import Repo, web_url
from pulse.core.sources import Publisher

INVENTORY_FILE = "code.json"
MAX_RELEASES = 10_000
DESCRIPTION_MAX_CHARS = 1_000
NO_HOST = "localhost"  # the host of items with no repository URL read from a local inventory file

_PLACEHOLDER = re.compile(r"^(?:no description(?: available| provided)?|n/?a|none|todo|tbd|-+)\W*$", re.IGNORECASE)
_GIT_URL = re.compile(r"^(?:git|ssh|git\+ssh|git\+https?)://(?:[^@/\s]+@)?([A-Za-z0-9.-]+)(?::\d+)?/(\S+)$")
_SCP_URL = re.compile(r"^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!//)(\S+)$")  # git@github.com:org/repo.git
_MOJIBAKE = re.compile("[ÂÃâ][\u0080-\u00bf\u0152-\u2122]")  # UTF-8 read as Windows-1252: "Epi Infoâ„¢"


def _shown(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _fix_mojibake(text: str) -> str:
    """UTF-8 bytes that were decoded as Windows-1252 ("â„¢" for "™"), put back; anything else unchanged."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text


def _https_from_git(raw: str) -> str:
    """`git://github.com/org/repo.git` (or ssh, or `git@host:path`) as `https://github.com/org/repo`; else ""."""
    match = _GIT_URL.match(raw) or _SCP_URL.match(raw)
    if not match:
        return ""
    host, path = match[1].lower().rstrip("."), url_path("https://host/" + match[2])
    return web_url(f"https://{host}/{path}") if host and path else ""


def _same_address(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()


def _first_licence(entry: dict[str, Any]) -> str:
    permissions = entry.get("permissions")
    licences = permissions.get("licenses") if isinstance(permissions, dict) else None
    for licence in licences if isinstance(licences, list) else [licences]:
        if isinstance(licence, dict):
            name = licence_id(licence.get("name"), keep_unknown=True)
            url = plain_text(licence.get("URL"), 300)
            if name or url:
                return name or licence_id(url.rstrip("/").rsplit("/", 1)[-1], keep_unknown=True)
        elif isinstance(licence, str) and licence.strip():
            return licence_id(licence, keep_unknown=True)
    old = plain_text(entry.get("license"), 300)  # schema 1.0: a URL or a name
    if old:
        return licence_id(old.rstrip("/").rsplit("/", 1)[-1] if "://" in old else old, keep_unknown=True)
    return ""


class _Release:
    """One entry of the inventory, read field by field; `problems` collects what could not be used."""

    def __init__(self, entry: dict[str, Any], label: str) -> None:
        self.entry, self.label = entry, label
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.label}: {text}")

    def address(self, *keys: str) -> tuple[str, str]:
        """(the web address under the first of `keys` present, the raw value), reporting a value that is not one."""
        for key in keys:
            raw = plain_text(self.entry.get(key), 2_000)
            if not raw:
                continue
            if url := web_url(raw):
                return url, raw
            if url := _https_from_git(raw):
                self.problem(f"{key} {_shown(raw)} is not a web address; read as {url}")
                return url, raw
            self.problem(f"{key} {_shown(raw)!r} is not a web address")
            return "", raw
        return "", ""

    def when(self, dates: dict[str, Any], group: str, *keys: str) -> str:
        for key in keys:
            value = dates.get(key)
            if value is None or value == "":
                continue
            stamp = iso_timestamp(value)
            if stamp:
                return stamp
            self.problem(f"{group}.{key} {_shown(plain_text(value))!r} is not a date")
        return ""


def _read_release(
    entry: dict[str, Any], label: str, *, publisher: Publisher, source: str, fallback_host: str
) -> tuple[Repo, list[str]]:
    release = _Release(entry, label)
    name = plain_text(entry.get("name"), 200)
    repository, raw_repository = release.address("repositoryURL", "repository")
    homepage, raw_homepage = release.address("homepageURL", "homepage")
    url = repository or homepage
    if not url and not raw_repository and not raw_homepage:
        release.problem("no repositoryURL or homepageURL; listed without a link")
    host = url_host(repository) if repository else ""
    path = url_path(repository) if host else ""
    if not path:
        host, path = fallback_host, f"code-json/{slug(name) or slug(label)}"
    description = _fix_mojibake(plain_text(entry.get("description"), DESCRIPTION_MAX_CHARS))
    if _PLACEHOLDER.match(description):
        description = ""
    dates, old_dates = entry.get("date"), entry.get("updated")  # `updated`: schema 1.0
    dates = dates if isinstance(dates, dict) else {}
    old_dates = old_dates if isinstance(old_dates, dict) else {}
    status = plain_text(entry.get("status")).lower()
    metadata: dict[str, Any] = {"contacts": contact_list(entry.get("contact")), "development_status": status}
    languages = text_list(entry.get("languages"))
    repo = Repo(
        id=0,
        owner=plain_text(entry.get("organization")) or host,
        name=name,
        url=url,
        source=source,
        publisher=publisher.name,
        publisher_type=publisher.type,
        description=description,
        homepage="" if _same_address(homepage, url) else homepage,
        topics=tuple(text_list(entry.get("tags"))),
        language=languages[0] if languages else "",
        licence=_first_licence(entry),
        archived=status == "archival",
        created_at=release.when(dates, "date", "created"),
        updated_at=release.when(dates, "date", "lastModified", "metadataLastUpdated")
        or release.when(old_dates, "updated", "sourceCodeLastModified", "lastCommit", "metadataLastUpdated"),
        host=host,
        path=path,
        metadata_file=INVENTORY_FILE,
        metadata={key: value for key, value in metadata.items() if value},
    )
    return repo, release.problems


def _kind_of(value: Any) -> str:
    kinds = {list: "a list", dict: "an object", str: "a string", type(None): "null"}
    return kinds.get(type(value), f"a {type(value).__name__}")


def parse_inventory(
    text: str, *, publisher: Publisher, source: str, inventory_url: str
) -> tuple[list[Repo], list[str]]:
    """Every usable release of a code.json inventory as a `Repo`, and one problem per thing not used.

    A release without a name is skipped; a second release of the same repository (same `key`) is
    skipped; everything else is kept with what could be read. Raises SourceError only when the
    text is not JSON, not an object, or has no `releases` (or 1.0 `projects`) list.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{inventory_url} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError as exc:
        raise SourceError(f"{inventory_url} is not a code.json inventory: it nests too deeply") from exc
    if not isinstance(data, dict):
        raise SourceError(f"{inventory_url} is not a code.json inventory: it is {_kind_of(data)}, not an object")
    entries, noun = data.get("releases"), "release"
    if entries is None and "projects" in data:
        entries, noun = data["projects"], "project"  # schema 1.0
    if not isinstance(entries, list):
        kind = "none" if entries is None else _kind_of(entries)
        raise SourceError(f"{inventory_url} is not a code.json inventory: no 'releases' list (found {kind})")
    problems: list[str] = []
    if len(entries) > MAX_RELEASES:
        problems.append(f"the inventory lists {len(entries):,} {noun}s; only the first {MAX_RELEASES:,} are read")
    fallback_host = url_host(web_url(inventory_url)) or NO_HOST
    repos: list[Repo] = []
    seen: dict[str, str] = {}
    for number, entry in enumerate(entries[:MAX_RELEASES], start=1):
        label = f"{noun} {number}"
        if not isinstance(entry, dict):
            problems.append(f"{label}: is {_kind_of(entry)}, not an object; skipped")
            continue
        name = plain_text(entry.get("name"), 200)
        if not name:
            problems.append(f"{label}: no name; skipped")
            continue
        label = f"{label} {_shown(name, 60)!r}"
        repo, found = _read_release(entry, label, publisher=publisher, source=source, fallback_host=fallback_host)
        problems.extend(found)
        if repo.key in seen:
            problems.append(f"{label}: the same repository as {seen[repo.key]} ({repo.locator}); skipped")
            continue
        seen[repo.key] = label
        repos.append(repo)
    return repos, problems


__all__ = ["INVENTORY_FILE", "MAX_RELEASES", "parse_inventory"]
