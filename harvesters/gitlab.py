"""GitLab groups (subgroups included), harvested with python-gitlab.

One source is one group on one instance (gitlab.com unless the source names a `url`). A run asks:

* `GET /groups/:id?with_projects=false`: the group's id and canonical full path (one request);
* `GET /groups/:id/projects?include_subgroups=true&visibility=public&with_shared=false`, every page,
  asking for keyset pagination (`pagination=keyset&order_by=id&sort=asc`, 100 a page): offset pages
  stop at 50,000 records and lose `X-Total` above 10,000, and python-gitlab follows the `Link` header
  either way, so an endpoint that pages by offset only (GitLab's own source pages group projects by
  offset and ignores `pagination=keyset`) is read to the end all the same;
* for a project that is new, or whose `last_activity_at` moved since the last good harvest, or whose
  details were not all read last time: `GET /projects/:id?license=true` (lists never carry the
  licence), the root `repository/tree` (README name and blob id, contributing guide, tests or CI,
  metadata files) and the README's `files/:path/raw`, plus the first metadata file present
  (`pulse.core.metadata.METADATA_FILES`). An unchanged project costs nothing beyond its list page.

Change marker: `readme_sha` is the README's blob id from the tree (NO_README when there is none, ""
when a detail could not be read, so the project is read again next run); `pushed_at` (and
`updated_at`) are `last_activity_at`, which GitLab moves on pushes and other activity (at most once
an hour), and a record is reused when it is unchanged.

Only public projects are harvested, and only those whose namespace is the group or one of its
subgroups (projects shared into the group belong to another publisher). `fork_of` comes from
`forked_from_project`, which GitLab sends only when the caller may see the upstream.

Requests, retries and rate limits. python-gitlab retries 5xx and timeouts (`retry_transient_errors`)
and waits out a 429 as its `Retry-After` (or `RateLimit-Reset`) says, up to `max_retries` times per
request. Pulse's transport (a requests `HTTPAdapter` on the session python-gitlab is given, the
documented `session=` seam; nothing of python-gitlab's internals is touched) sits under it and:
counts every HTTP attempt (`requests_made`); spaces requests `request_interval` apart; refuses a
wait longer than `max_rate_limit_wait` (a RateLimited error at once, rather than sleeping for an
hour); and sends nothing to any other origin than the configured instance, so a `Link` or redirect
that points elsewhere never carries the token away. These use the GitHub settings' values
(PULSE_GITHUB_REQUEST_INTERVAL, _RETRIES, _TIMEOUT, _MAX_RATE_LIMIT_WAIT): one polite policy for
the forges.

The instance URL is operator configuration from sources.yaml, checked with
`pulse.harvesters.fetch.check_url` before anything is sent (https, a public address); a token is
read from the environment variable the source names (`token_env`) at harvest time and is never
logged or put in a message.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import gitlab
import requests
from gitlab.exceptions import GitlabError
from requests.adapters import HTTPAdapter

from pulse.core.errors import RateLimited, SourceError
from pulse.core.metadata import MAX_METADATA_BYTES, METADATA_FILES, parse_metadata
from pulse.core.record import NO_README, Repo, cap_readme, web_url
from pulse.core.settings import Settings
from pulse.core.sources import Publisher, Source
from pulse.core.vocabulary import gitlab_group_problem
from pulse.harvesters.fetch import USER_AGENT, check_url, shown_url
from pulse.harvesters.signals import TEST_DIRS, TEST_OR_CI_FILES

log = logging.getLogger(__name__)

DEFAULT_URL = "https://gitlab.com"
PER_PAGE = 100
README_MAX_BYTES = 1_000_000  # as for GitHub: a bigger README is skipped, not read
_README_ORDER = ("readme.md", "readme.markdown", "readme.rst", "readme.txt", "readme")
# GitLab names a detected licence by its Licensee key, which is the SPDX id in lower case.
_SPDX_IDS = (
    "0BSD AFL-3.0 AGPL-3.0 Apache-2.0 Artistic-2.0 BlueOak-1.0.0 BSD-2-Clause BSD-2-Clause-Patent BSD-3-Clause "
    "BSD-3-Clause-Clear BSD-4-Clause BSL-1.0 CC-BY-4.0 CC-BY-SA-4.0 CC0-1.0 CECILL-2.1 CERN-OHL-P-2.0 "
    "CERN-OHL-S-2.0 CERN-OHL-W-2.0 ECL-2.0 EPL-1.0 EPL-2.0 EUPL-1.1 EUPL-1.2 GFDL-1.3 GPL-2.0 GPL-3.0 ISC "
    "LGPL-2.1 LGPL-3.0 LPPL-1.3c MIT MIT-0 MPL-2.0 MS-PL MS-RL MulanPSL-2.0 NCSA ODbL-1.0 OFL-1.1 OGL-UK-3.0 "
    "OSL-3.0 PostgreSQL Unlicense UPL-1.0 Vim WTFPL Zlib"
).split()
SPDX_BY_KEY = {spdx.lower(): spdx for spdx in _SPDX_IDS}


class _Details(NamedTuple):
    """What the per-project requests give, or what was kept when they could not be made."""

    licence: str
    readme: str
    readme_sha: str
    has_contributing: bool | None
    has_tests: bool | None
    metadata_file: str
    metadata: dict[str, str | list[str]]
    metadata_problem: str
    fork_of: str


class GitLabHarvester:
    """Lists every public project of a GitLab group and its subgroups, and reads their READMEs."""

    kind = "gitlab"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._counter = _Counter()
        self.problems: list[str] = []  # projects of the last harvest whose details were not read, and why
        # Per-request options python-gitlab passes to its retry loop.
        self._call: dict[str, Any] = {"max_retries": settings.github_retries, "obey_rate_limit": True}

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries included: what the instance's rate limit sees."""
        return self._counter.value

    @staticmethod
    def check_target(target: str) -> str | None:
        return gitlab_group_problem(target)

    def harvest(self, publisher: Publisher, source: Source, previous: Mapping[str, Repo]) -> Iterator[Repo]:
        base = (source.url or DEFAULT_URL).rstrip("/")
        where = f"GitLab group '{source.target}' on {source.host}"
        problem = check_url(base, allow_private=self._settings.allow_private_urls)
        if problem:
            raise SourceError(f"{where}: {shown_url(base)} {problem}")
        token = os.environ.get(source.token_env, "").strip() if source.token_env else ""
        if source.token_env and not token:
            log.warning("%s: %s is not set; asking anonymously", where, source.token_env)
        transport = _Transport(base, self._counter, self._settings)
        session = requests.Session()
        session.mount("http://", transport)
        session.mount("https://", transport)
        client = gitlab.Gitlab(
            base,
            private_token=token or None,
            timeout=self._settings.github_timeout,
            retry_transient_errors=True,
            keep_base_url=True,  # a Link naming another base (a misconfigured external_url) stays on ours
            user_agent=USER_AGENT,
            session=session,
        )
        harvested_at = _iso(datetime.now(UTC).isoformat())
        self.problems = []
        try:
            group = client.groups.get(source.target, with_projects=False, **self._call).asdict()
            group_path = str(group.get("full_path") or source.target).lower()
            projects = client.groups.get(group["id"], lazy=True).projects.list(
                iterator=True,
                include_subgroups=True,
                visibility="public",
                with_shared=False,
                pagination="keyset",
                order_by="id",
                sort="asc",
                per_page=PER_PAGE,
                **self._call,
            )
            for listed in projects:
                item = listed.asdict()
                if item.get("visibility", "public") != "public" or not _inside(_namespace(item), group_path):
                    continue  # internal/private, or shared into the group from elsewhere
                before = previous.get(f"{source.host.lower()}:{item.get('id')}")
                yield self._record(client, item, publisher, source, harvested_at, before, transport)
        except SourceError as exc:  # the transport's: a wait too long, or a URL off the instance
            raise type(exc)(f"{where}: {exc}", exc.status) from exc
        except GitlabError as exc:
            raise _source_error(exc, where, transport, source.token_env, token) from exc
        except OSError as exc:  # refused, timeout, DNS (requests' errors are OSErrors)
            raise SourceError(f"{where}: network error or server error after retries: {type(exc).__name__}") from exc
        except (ValueError, KeyError, TypeError) as exc:  # a body that is not what GitLab sends
            raise SourceError(f"{where}: malformed response: {type(exc).__name__}") from exc
        finally:
            session.close()

    def _record(
        self,
        client: gitlab.Gitlab,
        item: dict[str, Any],
        publisher: Publisher,
        source: Source,
        harvested_at: str,
        before: Repo | None,
        transport: _Transport,
    ) -> Repo:
        pushed_at = _iso(item.get("last_activity_at"))
        listed_fork = _fork_parent(item)
        if before is not None and pushed_at and before.pushed_at == pushed_at and before.readme_sha:
            details = _Details(  # no activity since the last harvest: nothing more to ask
                before.licence, before.readme, before.readme_sha, before.has_contributing, before.has_tests,
                before.metadata_file, dict(before.metadata), before.metadata_problem, listed_fork or before.fork_of,
            )  # fmt: skip
        else:
            details = self._details(client, item, before, transport)
        path_with_namespace = str(item.get("path_with_namespace") or "")
        topics = item["topics"] if isinstance(item.get("topics"), list) else item.get("tag_list") or []
        return Repo(
            id=int(item["id"]),
            host=source.host,
            path=path_with_namespace,
            owner=_namespace(item),
            name=str(item.get("path") or item.get("name") or path_with_namespace.rpartition("/")[2]),
            url=web_url(item.get("web_url")),
            source=source.key,
            publisher=publisher.name,
            publisher_type=publisher.type,
            description=(item.get("description") or "").strip(),
            topics=tuple(str(t) for t in topics),
            licence=details.licence,
            stars=int(item.get("star_count") or 0),
            forks=int(item.get("forks_count") or 0),
            open_issues=int(item.get("open_issues_count") or 0),
            archived=bool(item.get("archived")),
            is_template=False,
            fork=bool(details.fork_of),
            created_at=_iso(item.get("created_at")),
            pushed_at=pushed_at,
            updated_at=pushed_at,
            default_branch=str(item.get("default_branch") or ""),
            readme=details.readme,
            readme_sha=details.readme_sha,
            harvested_at=harvested_at,
            fork_of=details.fork_of,
            has_contributing=details.has_contributing,
            has_tests=details.has_tests,
            metadata_file=details.metadata_file,
            metadata=details.metadata,
            metadata_problem=details.metadata_problem,
        )

    def _details(
        self, client: gitlab.Gitlab, item: dict[str, Any], before: Repo | None, transport: _Transport
    ) -> _Details:
        """The per-project requests of a new or active project. A request that fails (other than
        for the rate limit, which stops the source) keeps the previous value and marks the README
        unknown, so the project is read again next run."""
        name = str(item.get("path_with_namespace") or item.get("id"))
        kept = _Details(
            before.licence if before else "", before.readme if before else "", "",
            before.has_contributing if before else None, before.has_tests if before else None,
            before.metadata_file if before else "", dict(before.metadata) if before else {},
            before.metadata_problem if before else "", _fork_parent(item) or (before.fork_of if before else ""),
        )  # fmt: skip
        lazy = client.projects.get(int(item["id"]), lazy=True)
        try:
            full = client.projects.get(int(item["id"]), license=True, **self._call).asdict()
            licence = _licence(full.get("license"))
            fork_of = _fork_parent(item) or _fork_parent(full)
            branch = str(full.get("default_branch") or item.get("default_branch") or "")
            if full.get("empty_repo") is True or item.get("empty_repo") is True or not branch:
                return kept._replace(
                    licence=licence, readme="", readme_sha=NO_README, has_contributing=None, has_tests=None,
                    metadata_file="", metadata={}, metadata_problem="", fork_of=fork_of,
                )  # fmt: skip
            entries = self._root(lazy, branch)
            if entries is None:  # 404 Tree Not Found: no commits on the default branch
                return kept._replace(
                    licence=licence, readme="", readme_sha=NO_README, has_contributing=None, has_tests=None,
                    metadata_file="", metadata={}, metadata_problem="", fork_of=fork_of,
                )  # fmt: skip
            names = {(str(e.get("name", "")).lower(), str(e.get("type", ""))) for e in entries}
            contributing = any(n.startswith("contributing") and t == "blob" for n, t in names)
            tests = any((t == "tree" and n in TEST_DIRS) or (t == "blob" and n in TEST_OR_CI_FILES) for n, t in names)
            readme, readme_sha = self._readme(lazy, branch, entries, name)
            metadata_file, metadata, metadata_problem = self._metadata(lazy, branch, entries, name)
        except GitlabError as exc:
            if exc.response_code == 429 or transport.quota_spent:
                raise
            return self._kept(kept, name, f"HTTP {exc.response_code}")
        except (OSError, ValueError, TypeError, KeyError) as exc:
            return self._kept(kept, name, type(exc).__name__)
        return _Details(
            licence, readme, readme_sha, contributing, tests, metadata_file, metadata, metadata_problem, fork_of
        )

    def _kept(self, kept: _Details, name: str, why: str) -> _Details:
        problem = f"{name}: licence, README or files not read ({why}); asked again next run"
        log.warning("%s", problem)
        self.problems.append(problem)
        return kept

    def _root(self, project: Any, branch: str) -> list[dict[str, Any]] | None:
        """The root entries of the default branch; None when GitLab has no tree there (404)."""
        try:
            entries = project.repository_tree(ref=branch, get_all=True, per_page=PER_PAGE, **self._call)
        except GitlabError as exc:
            if exc.response_code == 404:
                return None
            raise
        return [e for e in entries if isinstance(e, dict)]

    def _readme(self, project: Any, branch: str, entries: list[dict[str, Any]], name: str) -> tuple[str, str]:
        """(README text, its blob id), or ("", NO_README) when the root has none."""
        blobs = {str(e.get("name", "")).lower(): e for e in entries if e.get("type") == "blob"}
        chosen = next((blobs[n] for n in _README_ORDER if n in blobs), None)
        if chosen is None:
            chosen = next((e for n, e in sorted(blobs.items()) if n.startswith("readme.")), None)
        if chosen is None:
            return "", NO_README
        blob_id = str(chosen.get("id") or "")
        raw = self._raw(project, str(chosen.get("path") or chosen["name"]), branch, README_MAX_BYTES)
        if raw is None:  # listed in the tree, gone by now
            return "", NO_README
        if len(raw) > README_MAX_BYTES:
            log.warning("README of %s skipped: over the %s byte limit", name, README_MAX_BYTES)
            return "", blob_id or NO_README
        return cap_readme(_decode(raw)), blob_id or NO_README

    def _metadata(
        self, project: Any, branch: str, entries: list[dict[str, Any]], name: str
    ) -> tuple[str, dict[str, str | list[str]], str]:
        """(file, normalised metadata, problem) from the first metadata file the root shows."""
        root = {(str(e.get("name", "")), str(e.get("type", ""))) for e in entries}
        for candidate in METADATA_FILES:
            folder, _, base = candidate.rpartition("/")
            if (folder and (folder, "tree") not in root) or (not folder and (base, "blob") not in root):
                continue
            raw = self._raw(project, candidate, branch, MAX_METADATA_BYTES)
            if raw is None:  # the folder is there, the file is not
                continue
            metadata, problem = parse_metadata(candidate, _decode(raw))
            return candidate, metadata, problem
        return "", {}, ""

    def _raw(self, project: Any, file_path: str, branch: str, limit: int) -> bytes | None:
        """At most `limit` + 1 bytes of a file (so an oversized one is seen as such without reading it
        all); None for 404."""
        try:
            chunks = project.files.raw(
                file_path=file_path, ref=branch, streamed=True, iterator=True, chunk_size=65_536, **self._call
            )
        except GitlabError as exc:
            if exc.response_code == 404:
                return None
            raise
        return _read_capped(chunks, limit)


class _Counter:
    """A thread-safe count of HTTP attempts, shared by every source's transport."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0
        self.last_sent = 0.0

    def add(self) -> None:
        with self._lock:
            self.value += 1


class _Transport(HTTPAdapter):
    """requests' transport for one GitLab instance (see the module docstring): counts, spaces, keeps
    to the instance, and refuses rate-limit waits longer than Pulse waits."""

    def __init__(self, base_url: str, counter: _Counter, settings: Settings) -> None:
        super().__init__()
        self._origin = _origin(base_url)
        self._host = urlsplit(base_url).netloc or base_url  # host[:port], for messages
        self._counter = counter
        self._interval = settings.github_request_interval
        self._max_wait = settings.github_max_rate_limit_wait
        self.quota_spent = False  # the last answer said the quota is used up (429, or 403 with none left)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if _origin(url) != self._origin:
            raise SourceError(f"refused to send a request to {shown_url(url)}, which is not on {self._host}")
        wait = self._counter.last_sent + self._interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._counter.last_sent = time.monotonic()
        self._counter.add()
        response = super().send(request, *args, **kwargs)
        remaining = response.headers.get("RateLimit-Remaining", "").strip()
        self.quota_spent = response.status_code == 429 or (response.status_code == 403 and remaining == "0")
        if self.quota_spent:
            seconds = _wait_asked(response.headers)
            if seconds > self._max_wait:
                response.close()
                raise RateLimited(
                    f"rate limit reached: {self._host} asks to wait {seconds:.0f} s, longer than the "
                    f"{self._max_wait:g} s Pulse waits; the run stopped and resumes from here next time",
                    response.status_code,
                )
        return response


def _wait_asked(headers: Mapping[str, str]) -> float:
    """The seconds a rate-limited answer asks for: Retry-After (seconds or an HTTP date), else
    RateLimit-Reset (a Unix time), else 0 (python-gitlab then backs off by itself)."""
    retry_after = (headers.get("Retry-After") or "").strip()
    if retry_after.isdigit():
        return float(retry_after)
    if retry_after:
        try:
            return max(parsedate_to_datetime(retry_after).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            return float("inf")  # python-gitlab could not read it either
    reset = (headers.get("RateLimit-Reset") or "").strip()
    if reset.isdigit():
        return max(int(reset) - time.time(), 0.0)
    return 0.0


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port


def _source_error(exc: GitlabError, where: str, transport: _Transport, token_env: str, token: str) -> SourceError:
    """A python-gitlab error as Pulse's, naming the group and never the token."""
    status = exc.response_code
    message: Any = exc.error_message  # a dict for the application limiter's 429 body
    if isinstance(message, dict):
        message = message.get("error") or message.get("message") or message
    reason = " ".join(str(message or "").split())[:200]
    if token:
        reason = reason.replace(token, "[token]")
    if status == 429 or (status == 403 and transport.quota_spent):
        return RateLimited(
            f"{where}: rate limit reached (HTTP {status}); the run stopped and resumes from here next time", status
        )
    if status == 401:
        whose = f"the token in {token_env} was refused" if token else "the instance asks for a token (token_env)"
        return SourceError(f"{where}: HTTP 401: {whose}", status)
    if status is None:
        return SourceError(f"{where}: malformed response: {reason or type(exc).__name__}")
    return SourceError(f"{where}: HTTP {status}: {reason or 'request failed'}", status)


def _namespace(item: Mapping[str, Any]) -> str:
    """The project's namespace full path (`nhsbsa/ddat/tooling`), from `namespace` or its own path."""
    namespace = item.get("namespace")
    full_path = namespace.get("full_path") if isinstance(namespace, dict) else None
    return str(full_path or str(item.get("path_with_namespace") or "").rpartition("/")[0])


def _inside(namespace: str, group_path: str) -> bool:
    namespace = namespace.lower()
    return namespace == group_path or namespace.startswith(group_path + "/")


def _fork_parent(body: Mapping[str, Any]) -> str:
    parent = body.get("forked_from_project")
    return str(parent.get("path_with_namespace") or "") if isinstance(parent, dict) else ""


def _licence(licence: Any) -> str:
    """An SPDX id from GitLab's `license` (its Licensee key); "Other" for a licence it found but could
    not name, "" for none."""
    if not isinstance(licence, dict) or not licence.get("key"):
        return ""
    return SPDX_BY_KEY.get(str(licence["key"]).lower(), "Other")


def _read_capped(chunks: Iterable[bytes], limit: int) -> bytes:
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > limit:
            break
    return bytes(body)


def _decode(raw: bytes) -> str:
    """File bytes as text: UTF-8 (with or without BOM), else Windows-1252, which never fails here."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _iso(value: Any) -> str:
    """GitLab's `2016-04-06T16:52:08.432Z` (or any ISO 8601 time) as `YYYY-MM-DDTHH:MM:SSZ`; "" if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return ""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
