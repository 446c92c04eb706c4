"""A fake api.github.com for Pulse's harvester tests.

The harvesters use the real PyGithub client, so the most faithful test double
is not a mock of PyGithub but a small HTTP server that speaks the same REST
dialect as GitHub: the same JSON shapes (built from the real example bodies in
``tests/data/github-api/``), the same ``Link`` pagination header, the same
rate-limit headers, ETags with 304s, 301s for renamed repositories and the
same error bodies. It also plays github.com's OAuth web flow (authorize, token),
``GET /user``, ``GET /user/memberships/orgs/{org}``, ``GET /search/users`` and
``GET /repos/{o}/{r}/forks``, for registration (shapes from GitHub's REST
documentation: ``private-user``, ``org-membership``, ``user-search-result-item``).
Point PyGithub at it with ``Github(base_url=server.url)``
(or ``GITHUB_API_URL=server.url``).

Stdlib only. Nothing here contacts the internet: the server binds to
127.0.0.1 and the ``https://github.com/...`` strings in bodies are just data.

Run a fake world by hand::

    python tests/fake_github.py --port 8765 --orgs 3 --repos-per-org 120
    python tests/fake_github.py --world world.yaml   # or .json, see load_world()
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import random
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data" / "github-api"

RATE_LIMIT = 5000
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
DOCS = "https://docs.github.com/rest"
README_DOCS = "https://docs.github.com/rest/repos/contents#get-a-repository-readme"
RAW_MEDIA_TYPES = ("application/vnd.github.raw", "application/vnd.github.v3.raw")

# The example bodies use these as owner/name; we rewrite them per repository.
_TEMPLATE_API = "https://api.github.com"
_TEMPLATE_FULL_NAME = "octocat/Hello-World"

SPDX_NAMES = {
    "MIT": ("mit", "MIT License"),
    "Apache-2.0": ("apache-2.0", "Apache License 2.0"),
    "GPL-3.0": ("gpl-3.0", "GNU General Public License v3.0"),
    "AGPL-3.0": ("agpl-3.0", "GNU Affero General Public License v3.0"),
    "OGL-UK-3.0": ("ogl-uk-3.0", "Open Government Licence v3.0"),
    "BSD-3-Clause": ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License'),
    "MPL-2.0": ("mpl-2.0", "Mozilla Public License 2.0"),
    "NOASSERTION": ("other", "Other"),
}


def load_fixture(name: str) -> Any:
    """Load a reference body from tests/data/github-api (never from ../shared)."""
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def git_blob_sha(data: bytes) -> str:
    """The sha GitHub reports for a file: git's blob hash, not a plain sha1."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def github_base64(data: bytes) -> str:
    """Base64 the way the contents API sends it: 60-char lines, each ending in \\n."""
    b64 = base64.b64encode(data).decode("ascii")
    return "".join(b64[i : i + 60] + "\n" for i in range(0, len(b64), 60))


def _rewrite(obj: Any, old: str, new: str) -> Any:
    """Replace ``old`` with ``new`` in every string of a JSON value."""
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, list):
        return [_rewrite(v, old, new) for v in obj]
    if isinstance(obj, dict):
        return {k: _rewrite(v, old, new) for k, v in obj.items()}
    return obj


def error_body(status: int, message: str | None = None, documentation_url: str = DOCS) -> dict[str, Any]:
    """GitHub's basic-error shape; current GitHub adds ``status`` as a string."""
    return {
        "message": message or HTTPStatus(status).phrase,
        "documentation_url": documentation_url,
        "status": str(status),
    }


@dataclass
class Request:
    """One request the fake received. ``headers`` keys are lower-cased."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Fault:
    """An injected failure for every path starting with ``path_prefix``."""

    path_prefix: str
    status: int
    body: bytes
    headers: dict[str, str]
    times: int | None  # None: forever


@dataclass
class _Account:
    login: str
    id: int
    type: str  # "Organization" or "User"
    created: float
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Repo:
    id: int
    owner: str
    name: str
    fields: dict[str, Any]  # list-item keys we set explicitly
    readme: bytes | None
    readme_path: str
    empty: bool
    languages: dict[str, int]
    parent: str | None = None  # "Owner/name" of the upstream, for forks (GET /repos/{o}/{r} only)
    files: tuple[str, ...] = ()  # extra root entries for GET /repos/{o}/{r}/contents/ ("name/" is a directory)
    contents: dict[str, bytes] = field(default_factory=dict)  # GET /repos/{o}/{r}/contents/{path}: file bodies


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Keep-alive handler threads wait on idle client sockets; do not join them on close.
    block_on_close = False
    fake: FakeGitHub


class _Handler(BaseHTTPRequestHandler):
    """Routes every method to FakeGitHub.handle; HTTP/1.1 keep-alive like GitHub."""

    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60  # idle keep-alive connections are dropped after this
    # Buffer the response and disable Nagle so headers and body leave together
    # (no Nagle/delayed-ACK stalls on keep-alive connections).
    wbufsize = -1

    def version_string(self) -> str:
        return "GitHub.com"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: tests inspect FakeGitHub.requests instead of stderr."""

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""  # read all of it, so keep-alive stays in sync
        fake = self.server.fake
        stall = fake._stall_for(urllib.parse.urlsplit(self.path).path)
        if stall:
            fake._record(self.command, self.path, dict(self.headers.items()))  # counted on arrival, as GitHub would
            time.sleep(stall)  # outside the lock: other requests are still served
        status, headers, body = fake.handle(
            self.command, self.path, dict(self.headers.items()), record=not stall, payload=payload
        )
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD" and status != 304:
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch


class FakeGitHub:
    """A fake api.github.com on 127.0.0.1 serving real response shapes.

    Use as ``with FakeGitHub() as gh:`` or ``gh = FakeGitHub().start()`` /
    ``gh.stop()``. All methods are thread-safe; the server runs in a daemon
    thread, so tests can change the world (add, remove, rename, fail) while a
    client is talking to it.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self.url: str = ""
        self.requests: list[Request] = []
        self._accounts: dict[str, _Account] = {}  # lower-case login -> account
        self._repos: dict[int, _Repo] = {}
        self._renamed: dict[tuple[str, str], int] = {}  # (owner, old name) lower -> repo id
        self._faults: list[Fault] = []
        self._stalls: list[tuple[str, float]] = []  # (path prefix, seconds) before answering
        self._by_name: dict[tuple[str, str], _Repo] | None = None
        self._next_repo_id = 100_000
        self._next_account_id = 9_000
        self._clock = 1_600_000_000.0  # deterministic created_at/pushed_at
        self._rate_used = 0
        self._rate_reset = int(time.time()) + 3600
        self._list_template = load_fixture("orgs_org_repos.json")[0]
        self._full_template = load_fixture("repos_owner_repo.json")
        self._org_template = load_fixture("orgs_org.json")
        self._readme_template = load_fixture("repos_owner_repo_readme.json")
        self._entry_template = load_fixture("repos_owner_repo_contents_path_dir.json")[0]
        self._rate_template = load_fixture("rate_limit.json")
        self._not_found = load_fixture("error_404_not_found.json")
        # Sign-in (github.com's OAuth web flow) and the signed-in user's view of the API.
        self.oauth_client_id, self.oauth_client_secret = "fake-client-id", "fake-client-secret"
        self.signed_in: str | None = None  # whom the browser is signed in to github.com as
        self._members: dict[tuple[str, str], tuple[str, str]] = {}  # (org, login) lower -> (role, state)
        self._codes: dict[str, tuple[str, str, str]] = {}  # OAuth code -> (login, scope, redirect_uri)
        self._tokens: dict[str, tuple[str, str]] = {}  # access token -> (login, scope)

    # ------------------------------------------------------------ lifecycle
    def start(self) -> FakeGitHub:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        return self._start(0)

    def _start(self, port: int) -> FakeGitHub:
        httpd = _Server(("127.0.0.1", port), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections, so the port really goes dead."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _track(self, conn: socket.socket, alive: bool) -> None:
        with self._lock:
            (self._conns.add if alive else self._conns.discard)(conn)

    # ------------------------------------------------------------ counters
    def count(self, path_prefix: str = "") -> int:
        """How many requests had a path starting with ``path_prefix`` (304s included)."""
        with self._lock:
            return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    def reset_counts(self) -> None:
        """Forget recorded requests (the rate-limit budget is separate; see set_rate_limit)."""
        with self._lock:
            self.requests.clear()

    @property
    def rate_remaining(self) -> int:
        with self._lock:
            return max(RATE_LIMIT - self._rate_used, 0)

    def set_rate_limit(self, remaining: int, reset: int | None = None) -> None:
        """Set the core budget. At 0 every counted request gets GitHub's primary 403.

        Beware: PyGithub's default GithubRetry sleeps until ``reset`` on that 403.
        """
        with self._lock:
            self._rate_used = RATE_LIMIT - remaining
            if reset is not None:
                self._rate_reset = reset

    # ------------------------------------------------------------ world
    def add_org(self, login: str, repos: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        """Create an organisation; ``repos`` are kwargs dicts for add_repo (each needs ``name``)."""
        self._add_account(login, "Organization", extra)
        for spec in repos or []:
            spec = dict(spec)
            self.add_repo(login, spec.pop("name"), **spec)

    def add_user(self, login: str, repos: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        """Create a user account (``/orgs/{login}`` 404s for it, like GitHub)."""
        self._add_account(login, "User", extra)
        for spec in repos or []:
            spec = dict(spec)
            self.add_repo(login, spec.pop("name"), **spec)

    def add_member(self, org: str, login: str, role: str = "member", state: str = "active") -> None:
        """Make ``login`` (a user) a member of ``org``: ``role`` "admin" or "member", ``state`` "active"/"pending"."""
        with self._lock:
            self._members[(org.lower(), login.lower())] = (role, state)

    def sign_in(self, login: str | None) -> None:
        """Who the browser is signed in to github.com as; the authorize page approves the app for them."""
        with self._lock:
            self.signed_in = login

    def _add_account(self, login: str, kind: str, extra: dict[str, Any]) -> _Account:
        with self._lock:
            acct = self._accounts.get(login.lower())
            if acct is None:
                self._next_account_id += 1
                acct = _Account(login, self._next_account_id, kind, self._tick(), extra)
                self._accounts[login.lower()] = acct
            return acct

    def _tick(self) -> float:
        self._clock += 3600
        return self._clock

    def add_repo(
        self,
        org: str,
        name: str,
        *,
        description: str | None = "A service for residents",
        topics: tuple[str, ...] | list[str] = (),
        language: str | None = "Python",
        license_spdx: str | None = "MIT",
        stars: int = 0,
        forks: int = 0,
        open_issues: int = 0,
        archived: bool = False,
        is_template: bool = False,
        fork: bool = False,
        homepage: str | None = None,
        readme: str | bytes | None = "# README\n\nA council service.\n",
        readme_path: str = "README.md",
        empty: bool = False,
        pushed_at: str | None = None,
        created_at: str | None = None,
        updated_at: str | None = None,
        default_branch: str = "main",
        languages: dict[str, int] | None = None,
        id: int | None = None,  # noqa: A002 - mirrors GitHub's key
        **extra: Any,
    ) -> dict[str, Any]:
        """Add a public repo to ``org`` (auto-created as an organisation) and return its list item.

        ``readme=None`` means no README (404); ``empty=True`` means a repo with no
        commits (README 409, ``size`` 0, ``pushed_at`` equal to ``created_at``).
        ``extra`` keys override the generated list item verbatim, except ``parent``
        ("Owner/name" of a fork's upstream), which like GitHub only the full
        repository body carries.
        """
        parent = extra.pop("parent", None)
        contents = {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in extra.pop("contents", {}).items()}
        # A file with contents is listed at the root (or its top folder is).
        files = tuple(
            dict.fromkeys([*extra.pop("files", ()), *(k.split("/")[0] + ("/" if "/" in k else "") for k in contents)])
        )
        with self._lock:
            acct = self._accounts.get(org.lower()) or self._add_account(org, "Organization", {})
            if id is None:
                self._next_repo_id += 1
                id = self._next_repo_id
            elif id in self._repos:
                raise ValueError(f"repo id {id} already used")
            if self._find(acct.login, name) is not None:
                raise ValueError(f"{org}/{name} already exists")
            created = self._tick()
            created_s = created_at or _iso(created)
            pushed_s = created_s if empty else (pushed_at or _iso(created + 1800))
            data = readme.encode("utf-8") if isinstance(readme, str) else readme
            fields: dict[str, Any] = {
                "description": description,
                "topics": list(topics),
                "language": None if empty else language,
                "license": self._license(license_spdx),
                "stargazers_count": stars,
                "watchers_count": stars,
                "watchers": stars,
                "forks_count": forks,
                "forks": forks,
                "open_issues_count": open_issues,
                "open_issues": open_issues,
                "archived": archived,
                "is_template": is_template,
                "fork": fork,
                "homepage": homepage,
                "created_at": created_s,
                "pushed_at": pushed_s,
                "updated_at": updated_at or pushed_s,
                "default_branch": default_branch,
                "size": 0 if empty else max(1, len(data or b"") // 1024 + 10),
                "has_issues": True,
                "has_wiki": not archived,
                "has_pages": bool(homepage),
                **extra,
            }
            if languages is None:
                languages = {} if empty or language is None else {language: 1000 + 37 * id % 50_000}
            repo = _Repo(
                id, acct.login, name, fields, None if empty else data, readme_path, empty, languages, parent, files,
                contents,
            )  # fmt: skip
            self._repos[id] = repo
            self._by_name = None
            return self._list_item(repo)

    def remove_repo(self, org: str, name: str) -> None:
        """Delete a repo: it 404s and disappears from listings."""
        with self._lock:
            repo = self._find(org, name)
            if repo is None:
                raise KeyError(f"{org}/{name}")
            del self._repos[repo.id]
            self._by_name = None
            self._renamed = {k: v for k, v in self._renamed.items() if v != repo.id}

    def rename_repo(self, org: str, old: str, new: str) -> None:
        """Rename keeping the id; the old name then 301s to /repositories/{id}, as GitHub does."""
        with self._lock:
            repo = self._find(org, old)
            if repo is None:
                raise KeyError(f"{org}/{old}")
            repo.name = new
            self._by_name = None
            self._renamed[(org.lower(), old.lower())] = repo.id
            self._renamed.pop((org.lower(), new.lower()), None)

    def update_repo(self, org: str, name: str, **changes: Any) -> None:
        """Change list-item keys (e.g. ``pushed_at``, ``archived``) or ``readme``/``empty``."""
        with self._lock:
            repo = self._find(org, name)
            if repo is None:
                raise KeyError(f"{org}/{name}")
            if "readme" in changes:
                r = changes.pop("readme")
                repo.readme = r.encode("utf-8") if isinstance(r, str) else r
            if "empty" in changes:
                repo.empty = bool(changes.pop("empty"))
            if "license_spdx" in changes:
                changes["license"] = self._license(changes.pop("license_spdx"))
            if "stars" in changes:
                s = changes.pop("stars")
                changes.update(stargazers_count=s, watchers_count=s, watchers=s)
            repo.fields.update(changes)

    def repo(self, org: str, name: str) -> dict[str, Any]:
        """The full repository body the fake would serve for ``org/name``."""
        with self._lock:
            repo = self._find(org, name)
            if repo is None:
                raise KeyError(f"{org}/{name}")
            return self._full_repo(repo)

    def fail(
        self,
        path_prefix: str,
        status: int,
        body: dict[str, Any] | list[Any] | str | None = None,
        times: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Inject a failure for paths starting with ``path_prefix``.

        ``body`` as a str is sent raw (use it for malformed JSON); None picks
        GitHub's real body for the status (401 bad credentials, 403 primary
        rate limit with ``X-RateLimit-Remaining: 0``, 404, 409 empty repo...).
        ``times=N`` fails the next N matching requests, then recovers.
        Earlier faults win when several match.
        """
        hdrs: dict[str, str] = {}
        if body is None:
            if status == 401:
                body = load_fixture("error_401_bad_credentials.json")
            elif status == 403:
                body = load_fixture("error_403_rate_limit_authenticated.json")
                hdrs = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 60)}
            elif status == 404:
                body = dict(self._not_found, documentation_url=DOCS)
            elif status == 409:
                body = error_body(409, "This repository is empty.", README_DOCS)
            elif status == 429:
                body = load_fixture("error_403_secondary_rate_limit.json")
            else:
                body = error_body(status)
        raw = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
        hdrs.update(headers or {})
        with self._lock:
            self._faults.append(Fault(path_prefix, status, raw, hdrs, times))

    def fail_rate_limited(self, path_prefix: str = "", reset_in: int = 60, times: int | None = None) -> None:
        """Primary rate limit: 403, 'API rate limit exceeded...', remaining 0, reset in ``reset_in`` s."""
        reset = str(int(time.time()) + reset_in)
        self.fail(path_prefix, 403, None, times, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})

    def fail_secondary(
        self, path_prefix: str = "", status: int = 403, retry_after: int | None = 60, times: int | None = None
    ) -> None:
        """Secondary rate limit: 403 (or 429) with GitHub's message and ``Retry-After``."""
        body = dict(load_fixture("error_403_secondary_rate_limit.json"))
        body["documentation_url"] = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
        hdrs = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.fail(path_prefix, status, body, times, hdrs)

    def stall(self, path_prefix: str, seconds: float) -> None:
        """Answer requests under ``path_prefix`` only after ``seconds`` (to trip client timeouts)."""
        with self._lock:
            self._stalls.append((path_prefix, seconds))

    def _stall_for(self, path: str) -> float:
        with self._lock:
            return next((sec for prefix, sec in self._stalls if path.startswith(prefix)), 0.0)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._stalls.clear()

    # ------------------------------------------------------------ shapes
    def _find(self, owner: str, name: str) -> _Repo | None:
        # An index by lower-case (owner, name), rebuilt after any add/remove/rename
        # (a scan per request made 20,000-repo benchmark worlds slow).
        if self._by_name is None or len(self._by_name) != len(self._repos):
            self._by_name = {(r.owner.lower(), r.name.lower()): r for r in self._repos.values()}
        return self._by_name.get((owner.lower(), name.lower()))

    @staticmethod
    def _license(spdx: str | None) -> dict[str, Any] | None:
        if spdx is None:
            return None
        key, name = SPDX_NAMES.get(spdx, (spdx.lower(), spdx))
        node = base64.b64encode(f"MDc6TGljZW5zZ{key}".encode()).decode().rstrip("=")
        return {
            "key": key,
            "name": name,
            "spdx_id": spdx,
            "url": None if spdx == "NOASSERTION" else f"{_TEMPLATE_API}/licenses/{key}",
            "node_id": node,
        }

    def _account_stub(self, acct: _Account) -> dict[str, Any]:
        """The ``owner`` object of a repo (simple-user shape)."""
        stub = _rewrite(copy.deepcopy(self._list_template["owner"]), "octocat", acct.login)
        stub = _rewrite(stub, _TEMPLATE_API, self.url)
        stub["id"] = acct.id
        stub["node_id"] = base64.b64encode(f"04:{acct.type}{acct.id}".encode()).decode()
        stub["type"] = acct.type
        stub["avatar_url"] = f"https://avatars.githubusercontent.com/u/{acct.id}?v=4"
        return stub

    def _list_item(self, repo: _Repo) -> dict[str, Any]:
        """A minimal-repository item plus the keys real list responses carry."""
        acct = self._accounts[repo.owner.lower()]
        full_name = f"{repo.owner}/{repo.name}"
        item = _rewrite(copy.deepcopy(self._list_template), _TEMPLATE_FULL_NAME, full_name)
        item = _rewrite(item, _TEMPLATE_API, self.url)
        item["owner"] = self._account_stub(acct)
        item["id"] = repo.id
        item["node_id"] = base64.b64encode(f"010:Repository{repo.id}".encode()).decode()
        item["name"] = repo.name
        item["full_name"] = full_name
        # The spec example has typos here; use the forms GitHub really sends.
        item["git_url"] = f"git://github.com/{full_name}.git"
        item["svn_url"] = f"https://github.com/{full_name}"
        item["mirror_url"] = None
        item["permissions"] = {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True}
        item.pop("security_and_analysis", None)  # only shown to admins
        item.update(copy.deepcopy(repo.fields))
        return item

    def _full_repo(self, repo: _Repo) -> dict[str, Any]:
        """The full-repository shape: list item + the keys only GET /repos/{o}/{r} has."""
        acct = self._accounts[repo.owner.lower()]
        full_name = f"{repo.owner}/{repo.name}"
        full = _rewrite(copy.deepcopy(self._full_template), _TEMPLATE_FULL_NAME, full_name)
        full = _rewrite(full, _TEMPLATE_API, self.url)
        for k in ("parent", "source", "organization", "security_and_analysis"):
            full.pop(k, None)
        full.update(self._list_item(repo))
        if repo.parent:
            upstream_owner, upstream_name = repo.parent.split("/", 1)
            upstream = {
                "id": 10_000_000 + len(repo.parent),
                "name": upstream_name,
                "full_name": repo.parent,
                "owner": {"login": upstream_owner, "type": "Organization"},
                "html_url": f"https://github.com/{repo.parent}",
                "fork": False,
                "url": f"{self.url}/repos/{repo.parent}",
            }
            full["parent"] = full["source"] = upstream
        full["subscribers_count"] = repo.fields.get("subscribers_count", 0)
        full["network_count"] = repo.fields.get("network_count", repo.fields.get("forks_count", 0))
        if acct.type == "Organization":
            full["organization"] = self._account_stub(acct)
        return full

    def _account_body(self, acct: _Account) -> dict[str, Any]:
        """organization-full shape (also used for /users/{login}, with the user keys it lacks)."""
        body = _rewrite(copy.deepcopy(self._org_template), "/orgs/github", f"/orgs/{acct.login}")
        body = _rewrite(body, _TEMPLATE_API, self.url)
        n = sum(1 for r in self._repos.values() if r.owner == acct.login)
        body.update(
            login=acct.login,
            id=acct.id,
            node_id=base64.b64encode(f"012:Organization{acct.id}".encode()).decode(),
            name=acct.login,
            description=f"{acct.login} on GitHub",
            html_url=f"https://github.com/{acct.login}",
            avatar_url=f"https://avatars.githubusercontent.com/u/{acct.id}?v=4",
            public_repos=n,
            created_at=_iso(acct.created),
            updated_at=_iso(acct.created),
            type=acct.type,
            email=None,
            twitter_username=None,
            blog="",
            company=None,
            location="United Kingdom",
        )
        for k in (
            "billing_email",
            "plan",
            "total_private_repos",
            "owned_private_repos",
            "private_gists",
            "disk_usage",
            "collaborators",
        ):
            body.pop(k, None)  # only the org's owners see these
        if acct.type == "User":
            body["url"] = f"{self.url}/users/{acct.login}"
            body["repos_url"] = f"{self.url}/users/{acct.login}/repos"
        body.update(acct.extra)
        return body

    def _readme_body(self, repo: _Repo) -> dict[str, Any]:
        """content-file shape with real base64, git blob sha and byte size."""
        assert repo.readme is not None
        return self._file_body(repo, repo.readme_path, repo.readme)

    def _file_body(self, repo: _Repo, path: str, data: bytes) -> dict[str, Any]:
        """The content-file shape of one file of `repo`."""
        full_name = f"{repo.owner}/{repo.name}"
        branch = repo.fields.get("default_branch", "main")
        sha = git_blob_sha(data)
        api = f"{self.url}/repos/{full_name}/contents/{path}?ref={branch}"
        html = f"https://github.com/{full_name}/blob/{branch}/{path}"
        git = f"{self.url}/repos/{full_name}/git/blobs/{sha}"
        body = copy.deepcopy(self._readme_template)
        # Files over 1 MB: the contents API sends no body ("encoding": "none", empty content).
        too_big = len(data) > 1_000_000
        body.update(
            type="file",
            encoding="none" if too_big else "base64",
            size=len(data),
            name=path.rsplit("/", 1)[-1],
            path=path,
            content="" if too_big else github_base64(data),
            sha=sha,
            url=api,
            git_url=git,
            html_url=html,
            download_url=f"https://raw.githubusercontent.com/{full_name}/{branch}/{path}",
            _links={"self": api, "git": git, "html": html},
        )
        return body

    # ------------------------------------------------------------ HTTP
    def _record(self, method: str, target: str, headers: dict[str, str]) -> tuple[str, dict[str, str], dict[str, str]]:
        parsed = urllib.parse.urlsplit(target)
        path = urllib.parse.unquote(parsed.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query, keep_blank_values=True).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self.requests.append(Request(method, path, query, lower))
        return path, query, lower

    def handle(
        self, method: str, target: str, headers: dict[str, str], record: bool = True, payload: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: (status, headers, body). Called from server threads."""
        parsed = urllib.parse.urlsplit(target)
        path = urllib.parse.unquote(parsed.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query, keep_blank_values=True).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        if record:
            self._record(method, target, headers)
        if path.startswith("/login/oauth/"):  # github.com's OAuth pages, not the API: no rate limit
            with self._lock:
                return self._oauth(method, path, query, lower, payload)
        with self._lock:
            now = int(time.time())
            if now >= self._rate_reset:
                self._rate_used, self._rate_reset = 0, now + 3600
            fault = self._take_fault(path)
            counted = path != "/rate_limit"  # GitHub does not count /rate_limit
            if fault is None and counted and self._rate_used >= RATE_LIMIT:
                body = load_fixture("error_403_rate_limit_authenticated.json")
                return self._respond(403, body, {}, lower, counted=False)
            if fault is not None:
                hdrs = {"Content-Type": "application/json; charset=utf-8", **self._rate_headers(counted)}
                hdrs.update(fault.headers)
                return fault.status, hdrs, fault.body
            if method not in ("GET", "HEAD"):
                return self._respond(404, error_body(404, "Not Found"), {}, query, counted)
            status, body, extra = self._route(path, query, lower)
            if status == 401:
                return 401, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(body).encode()
            if status == 200 and isinstance(body, bytes):  # raw README
                hdrs = {"Content-Type": "text/plain; charset=utf-8", **extra}
                return self._conditional(lower, hdrs, body, counted)
            return self._respond(status, body, extra, lower, counted)

    def _take_fault(self, path: str) -> Fault | None:
        for f in self._faults:
            if path.startswith(f.path_prefix) and (f.times is None or f.times > 0):
                if f.times is not None:
                    f.times -= 1
                return f
        return None

    def _rate_headers(self, counted: bool) -> dict[str, str]:
        if counted:
            self._rate_used += 1
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(RATE_LIMIT - self._rate_used, 0)),
            "X-RateLimit-Reset": str(self._rate_reset),
            "X-RateLimit-Used": str(min(self._rate_used, RATE_LIMIT)),
            "X-RateLimit-Resource": "core",
        }

    def _respond(
        self, status: int, body: Any, extra: dict[str, str], req_headers: dict[str, str], counted: bool
    ) -> tuple[int, dict[str, str], bytes]:
        raw = json.dumps(body, indent=2).encode("utf-8")
        hdrs = {"Content-Type": "application/json; charset=utf-8", **extra}
        if status == 200:
            return self._conditional(req_headers, hdrs, raw, counted)
        hdrs.update(self._rate_headers(counted))
        return status, hdrs, raw

    def _conditional(
        self, req_headers: dict[str, str], hdrs: dict[str, str], raw: bytes, counted: bool
    ) -> tuple[int, dict[str, str], bytes]:
        """200 with an ETag, or 304 (not counted against the limit) when If-None-Match matches."""
        etag = f'W/"{hashlib.sha256(raw).hexdigest()}"'
        hdrs["ETag"] = etag
        hdrs["Cache-Control"] = "private, max-age=60, s-maxage=60"
        hdrs["Vary"] = "Accept, Authorization, Cookie, X-GitHub-OTP"
        inm = req_headers.get("if-none-match", "")
        tags = {t.strip().removeprefix("W/") for t in inm.split(",") if t.strip()}
        if etag.removeprefix("W/") in tags or "*" in tags:
            hdrs.pop("Content-Type", None)
            hdrs.update(self._rate_headers(False))
            return 304, hdrs, b""
        hdrs.update(self._rate_headers(counted))
        return 200, hdrs, raw

    def _route(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        parts = [p for p in path.split("/") if p]
        nf = (404, self._not_found_body(), {})
        if parts == ["rate_limit"]:
            return 200, self._rate_body(), {}
        if parts and parts[0] == "user" and (len(parts) == 1 or parts[1] == "memberships"):
            return self._user_route(parts, headers)
        if parts == ["search", "users"]:
            return self._search_users(query)
        if len(parts) >= 2 and parts[0] in ("orgs", "users"):
            acct = self._accounts.get(parts[1].lower())
            if acct is None or (parts[0] == "orgs" and acct.type != "Organization"):
                return nf
            if len(parts) == 2:
                return 200, self._account_body(acct), {}
            if parts[2:] == ["repos"]:
                base = "/organizations" if acct.type == "Organization" else "/user"
                return self._list(acct, query, f"{self.url}{base}/{acct.id}/repos")
            return nf
        if len(parts) == 3 and parts[0] in ("organizations", "user") and parts[2] == "repos":
            acct = next((a for a in self._accounts.values() if str(a.id) == parts[1]), None)
            if acct is None:
                return nf
            return self._list(acct, query, f"{self.url}/{parts[0]}/{acct.id}/repos")
        if len(parts) >= 3 and parts[0] == "repos":
            repo = self._find(parts[1], parts[2])
            if repo is None:
                moved = self._renamed.get((parts[1].lower(), parts[2].lower()))
                if moved is not None and moved in self._repos:
                    rest = "/".join(parts[3:])
                    loc = f"{self.url}/repositories/{moved}" + (f"/{rest}" if rest else "")
                    body = {"message": "Moved Permanently", "url": loc, "documentation_url": DOCS}
                    return 301, body, {"Location": loc}
                return nf
            return self._repo_route(repo, parts[3:], headers, query)
        if len(parts) >= 2 and parts[0] == "repositories" and parts[1].isdigit():
            repo = self._repos.get(int(parts[1]))
            return nf if repo is None else self._repo_route(repo, parts[2:], headers, query)
        return nf

    def _repo_route(
        self, repo: _Repo, rest: list[str], headers: dict[str, str], query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if not rest:
            return 200, self._full_repo(repo), {}
        if rest == ["readme"]:
            if repo.empty:
                return 409, error_body(409, "This repository is empty.", README_DOCS), {}
            if repo.readme is None:
                return 404, error_body(404, "Not Found", README_DOCS), {}
            accept = headers.get("accept", "")
            if any(m in accept for m in RAW_MEDIA_TYPES):
                return 200, repo.readme, {}
            return 200, self._readme_body(repo), {}
        if len(rest) > 1 and rest[0] == "contents":  # one file
            path = "/".join(rest[1:])
            if path not in repo.contents:
                return 404, error_body(404, "Not Found", DOCS), {}
            return 200, self._file_body(repo, path, repo.contents[path]), {}
        if rest == ["contents"]:  # the root directory listing
            if repo.empty:
                return 404, error_body(404, "This repository is empty.", DOCS), {}
            return 200, self._root_listing(repo), {}
        if rest == ["topics"]:
            return 200, {"names": list(repo.fields.get("topics", []))}, {}
        if rest == ["languages"]:
            return 200, dict(repo.languages), {}
        if rest == ["forks"]:
            upstream = f"{repo.owner}/{repo.name}".lower()
            forks = sorted(
                (r for r in self._repos.values() if (r.parent or "").lower() == upstream), key=lambda r: -r.id
            )
            return self._page([self._list_item(r) for r in forks], query, f"{self.url}/repositories/{repo.id}/forks")
        return 404, self._not_found_body(), {}

    def _root_listing(self, repo: _Repo) -> list[dict[str, Any]]:
        """Root entries in the contents API's directory shape: README, LICENSE and ``files``."""
        names = [repo.readme_path] if repo.readme is not None and "/" not in repo.readme_path else []
        names += ["LICENSE"] if repo.fields.get("license") else []
        names += list(repo.files)
        full_name, branch = f"{repo.owner}/{repo.name}", repo.fields.get("default_branch", "main")
        entries = []
        for raw in sorted(dict.fromkeys(names), key=str.lower):
            is_dir, name = raw.endswith("/"), raw.rstrip("/")
            sha = git_blob_sha(name.encode())
            api = f"{self.url}/repos/{full_name}/contents/{name}?ref={branch}"
            entry = copy.deepcopy(self._entry_template)
            entry.update(
                type="dir" if is_dir else "file",
                size=0 if is_dir else 100,
                name=name,
                path=name,
                sha=sha,
                url=api,
                git_url=f"{self.url}/repos/{full_name}/git/{'trees' if is_dir else 'blobs'}/{sha}",
                html_url=f"https://github.com/{full_name}/{'tree' if is_dir else 'blob'}/{branch}/{name}",
                download_url=None if is_dir else f"https://raw.githubusercontent.com/{full_name}/{branch}/{name}",
            )
            entry["_links"] = {"self": api, "git": entry["git_url"], "html": entry["html_url"]}
            entries.append(entry)
        return entries

    # ------------------------------------------------------------ sign-in
    def _oauth(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], payload: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/login/oauth/authorize" and method == "GET":
            if query.get("client_id") != self.oauth_client_id:
                return 404, html, b"<h1>404: this OAuth application does not exist</h1>"
            redirect = query.get("redirect_uri", "")
            # GitHub's `login` parameter suggests an account; here it picks one (a person at the keyboard).
            chosen = query.get("login") or self.signed_in
            if chosen is None or chosen.lower() not in self._accounts:
                return 200, html, self._sign_in_page(query)
            code = f"code-{len(self._codes) + 1}-{hashlib.sha256(redirect.encode()).hexdigest()[:8]}"
            self._codes[code] = (self._accounts[chosen.lower()].login, query.get("scope", ""), redirect)
            sep = "&" if "?" in redirect else "?"
            target = redirect + sep + urllib.parse.urlencode({"code": code, "state": query.get("state", "")})
            return 302, {**html, "Location": target}, b""
        if path == "/login/oauth/access_token" and method == "POST":
            form = {k: v[-1] for k, v in urllib.parse.parse_qs(payload.decode("utf-8", "replace")).items()}
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
            auth = headers.get("authorization", "")
            if auth.lower().startswith("basic "):
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                client_id, secret = urllib.parse.unquote(client_id), urllib.parse.unquote(secret)
            code = self._codes.pop(form.get("code", ""), None)
            if (client_id, secret) != (self.oauth_client_id, self.oauth_client_secret):
                answer = {"error": "incorrect_client_credentials",
                          "error_description": "The client_id and/or client_secret passed are incorrect.",
                          "error_uri": OAUTH_DOCS + "#incorrect-client-credentials"}  # fmt: skip
            elif code is None:
                answer = {"error": "bad_verification_code",
                          "error_description": "The code passed is incorrect or expired.",
                          "error_uri": OAUTH_DOCS + "#bad-verification-code"}  # fmt: skip
            elif form.get("redirect_uri") and form["redirect_uri"] != code[2]:
                answer = {"error": "redirect_uri_mismatch",
                          "error_description": "The redirect_uri MUST match the registered callback URL "
                                               "for this application.",
                          "error_uri": OAUTH_DOCS + "#redirect-uri-mismatch"}  # fmt: skip
            else:
                token = "gho_" + hashlib.sha256(f"{code}{time.time()}".encode()).hexdigest()[:36]
                self._tokens[token] = (code[0], code[1])
                answer = {"access_token": token, "token_type": "bearer", "scope": code[1]}
            if "application/json" in headers.get("accept", ""):
                return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(answer).encode()
            return (
                200,
                {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                urllib.parse.urlencode(answer).encode(),
            )
        return 404, html, b"<h1>404</h1>"

    def _sign_in_page(self, query: dict[str, str]) -> bytes:
        """Nobody is signed in: GitHub would ask for a password; the fake offers its user accounts."""
        links = "".join(
            f'<li><a href="/login/oauth/authorize?{urllib.parse.urlencode({**query, "login": a.login})}">'
            f"{a.login}</a></li>"
            for a in self._accounts.values()
            if a.type == "User"
        )
        return f"<!DOCTYPE html><title>Sign in to GitHub</title><h1>Sign in to GitHub</h1><ul>{links}</ul>".encode()

    def _user_route(self, parts: list[str], headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if not token:
            body = error_body(
                401, "Requires authentication", "https://docs.github.com/rest/users/users#get-the-authenticated-user"
            )
            return 401, body, {}
        found = self._tokens.get(token) if scheme.lower() in ("bearer", "token") else None
        if found is None:
            return 401, load_fixture("error_401_bad_credentials.json"), {}
        login, scope = found
        acct = self._accounts.get(login.lower())
        if acct is None:
            return 404, self._not_found_body(), {}
        if len(parts) == 1:
            body = self._account_body(acct)
            body.update(private_gists=0, total_private_repos=0, owned_private_repos=0, disk_usage=0, collaborators=0,
                        two_factor_authentication=True)  # fmt: skip
            return 200, body, {}
        if len(parts) == 4 and parts[1:3] == ["memberships", "orgs"]:
            org = self._accounts.get(parts[3].lower())
            if "read:org" not in scope.replace(",", " ").split() and "admin:org" not in scope:
                return (
                    403,
                    error_body(403, "You need at least read:org scope or user scope to list your organizations.", DOCS),
                    {},
                )
            membership = self._members.get((parts[3].lower(), login.lower()))
            if org is None or org.type != "Organization" or membership is None:
                return 404, self._not_found_body(), {}
            role, state = membership
            org_stub = {k: v for k, v in self._account_stub(org).items() if k in (
                "login", "id", "node_id", "url", "avatar_url")}  # fmt: skip
            org_stub.update(repos_url=f"{self.url}/orgs/{org.login}/repos", description=f"{org.login} on GitHub")
            return (
                200,
                {
                    "url": f"{self.url}/orgs/{org.login}/memberships/{acct.login}",
                    "state": state,
                    "role": role,
                    "organization_url": f"{self.url}/orgs/{org.login}",
                    "organization": org_stub,
                    "user": self._account_stub(acct),
                    "permissions": {"can_create_repository": role == "admin"},
                },
                {},
            )
        return 404, self._not_found_body(), {}

    def _search_users(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        """GET /search/users: ``type:org``/``type:user`` qualifiers, other words matched in the profile."""
        words = query.get("q", "").split()
        if not words:
            return 422, load_fixture("error_422_validation_failed.json"), {}
        kind = next((w.split(":", 1)[1].lower() for w in words if w.lower().startswith("type:")), None)
        terms = [w.lower().strip('"') for w in words if ":" not in w]
        found = []
        for acct in sorted(self._accounts.values(), key=lambda a: a.id):
            if kind and acct.type.lower() != {"org": "organization"}.get(kind, kind):
                continue
            body = self._account_body(acct)
            text = " ".join(str(body.get(k) or "") for k in ("login", "name", "blog", "email", "description")).lower()
            if all(t in text for t in terms):
                found.append(dict(self._account_stub(acct), score=1.0))
        status, items, extra = self._page(found, query, f"{self.url}/search/users")
        return status, {"total_count": len(found), "incomplete_results": False, "items": items}, extra

    def _not_found_body(self) -> dict[str, Any]:
        return dict(self._not_found, documentation_url=DOCS)

    def _rate_body(self) -> dict[str, Any]:
        body = copy.deepcopy(self._rate_template)
        core = {
            "limit": RATE_LIMIT,
            "used": min(self._rate_used, RATE_LIMIT),
            "remaining": max(RATE_LIMIT - self._rate_used, 0),
            "reset": self._rate_reset,
        }
        body["resources"]["core"] = core
        body["rate"] = dict(core)
        return body

    def _list(self, acct: _Account, query: dict[str, str], link_base: str) -> tuple[int, Any, dict[str, str]]:
        """One page of an account's repos, with GitHub's Link header when there is more than one page."""
        repos = [r for r in self._repos.values() if r.owner == acct.login]
        kind = query.get("type", "all")
        if kind == "forks":
            repos = [r for r in repos if r.fields.get("fork")]
        elif kind == "sources":
            repos = [r for r in repos if not r.fields.get("fork")]
        elif kind == "private":
            repos = []
        sort = query.get("sort", "created")
        key_name = {"created": "created_at", "updated": "updated_at", "pushed": "pushed_at"}.get(sort)
        direction = query.get("direction", "asc" if sort == "full_name" else "desc")
        if key_name is None:
            repos.sort(key=lambda r: (r.name.lower(), r.id))
        else:
            repos.sort(key=lambda r: (str(r.fields.get(key_name) or ""), r.id))
        if direction == "desc":
            repos.reverse()
        return self._page(repos, query, link_base, self._list_item)

    def _page(
        self, rows: list[Any], query: dict[str, str], link_base: str, shape: Any = None
    ) -> tuple[int, Any, dict[str, str]]:
        """One page of ``rows`` (``shape``d), with GitHub's Link header when there is more than one page."""
        try:
            per_page = min(max(int(query.get("per_page", DEFAULT_PER_PAGE)), 1), MAX_PER_PAGE)
        except ValueError:
            per_page = DEFAULT_PER_PAGE
        try:
            page = max(int(query.get("page", 1)), 1)
        except ValueError:
            page = 1
        last = max((len(rows) + per_page - 1) // per_page, 1)
        items = rows[(page - 1) * per_page : page * per_page]
        extra: dict[str, str] = {}
        if last > 1 or page > 1:
            extra["Link"] = link_header(link_base, query, page, last)
        return 200, [shape(r) for r in items] if shape else items, extra


OAUTH_DOCS = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/"


def link_header(base: str, query: dict[str, str], page: int, last: int) -> str:
    """GitHub's Link: rels in the order prev, next, last, first; other query params kept, page last."""
    params = {k: v for k, v in query.items() if k != "page"}

    def url(p: int) -> str:
        return f"{base}?{urllib.parse.urlencode({**params, 'page': p})}"

    links = []
    if page > 1:
        links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
        links.append(f'<{url(last)}>; rel="last"')
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return ", ".join(links)


# ---------------------------------------------------------------- a fake world
COUNCILS = [
    ("camden-council", "London Borough of Camden"),
    ("leeds-city-council", "Leeds City Council"),
    ("bristol-council", "Bristol City Council"),
    ("hackney-council", "London Borough of Hackney"),
    ("manchester-cc", "Manchester City Council"),
    ("cardiff-council", "Cardiff Council"),
    ("edinburgh-council", "The City of Edinburgh Council"),
    ("kent-cc", "Kent County Council"),
    ("nottingham-cc", "Nottingham City Council"),
    ("york-council", "City of York Council"),
]

SERVICES = [
    ("bin-collection-day-finder", "Find your bin collection day by postcode", ["waste", "bins", "postcode"]),
    ("planning-applications-api", "API for searching planning applications", ["planning", "api"]),
    ("council-tax-calculator", "Work out your council tax band and bill", ["council-tax", "finance"]),
    ("parking-permit-service", "Apply for and renew residents' parking permits", ["parking", "permits"]),
    ("library-opening-hours", "Opening hours and events for local libraries", ["libraries", "open-data"]),
    ("school-admissions-portal", "Apply for a primary or secondary school place", ["education", "schools"]),
    ("pothole-reporter", "Report a pothole or road defect", ["highways", "reporting"]),
    ("street-lighting-faults", "Report a broken street light", ["highways", "street-lighting"]),
    ("housing-repairs-online", "Request repairs to council homes", ["housing", "repairs"]),
    ("fly-tipping-report", "Report fly-tipping and illegal dumping", ["waste", "enforcement"]),
    ("blue-badge-apply", "Blue badge parking application for disabled residents", ["parking", "accessibility"]),
    ("food-hygiene-inspections", "Food hygiene inspection results data pipeline", ["open-data", "food-safety"]),
    ("electoral-register-checker", "Check if you are registered to vote", ["elections", "democracy"]),
    ("allotment-waiting-list", "Join the waiting list for an allotment plot", ["allotments", "parks"]),
    ("design-system", "The council's design system and component library", ["design-system", "frontend"]),
    ("gis-address-lookup", "Address and UPRN lookup using the LLPG", ["gis", "addresses", "uprn"]),
    ("social-care-case-notes", "Case recording for adult social care", ["social-care", "case-management"]),
    ("business-rates-relief", "Check eligibility for business rates relief", ["business-rates", "finance"]),
    ("tree-preservation-orders", "Map of tree preservation orders", ["planning", "maps"]),
    ("foi-request-tracker", "Track freedom of information requests", ["foi", "transparency"]),
]

VARIANTS = ["", "-api", "-frontend", "-alpha", "-prototype", "-data", "-etl", "-infrastructure"]
LANGUAGES = ["Python", "TypeScript", "JavaScript", "Ruby", "C#", "Java", "PHP", "Go", "HCL"]
LICENCES = ["MIT", "MIT", "MIT", "OGL-UK-3.0", "Apache-2.0", "GPL-3.0", None]


def fake_readme(title: str, description: str, council: str, language: str | None, topics: list[str]) -> str:
    """A plausible council README, so searching by README words finds the repo."""
    words = ", ".join(t.replace("-", " ") for t in topics)
    return (
        f"# {title.replace('-', ' ').title()}\n\n"
        f"{description}. Built by the digital team at {council} for residents.\n\n"
        f"## What it does\n\nThis service helps residents with {words}. "
        f"It replaces a paper form and phone calls to the contact centre.\n\n"
        f"## Getting started\n\nWritten in {language or 'a mix of languages'}. "
        "Clone the repository, copy `.env.example` to `.env` and run the tests.\n\n"
        "## Licence\n\nUnless stated otherwise, the codebase is released under the licence in LICENSE. "
        "Documentation is Crown copyright and available under the Open Government Licence v3.0.\n"
    )


def build_world(fake: FakeGitHub, orgs: int = 3, repos_per_org: int = 120, seed: int = 1) -> None:
    """Populate ``fake`` with plausible councils and repos (deterministic for a seed)."""
    rng = random.Random(seed)
    for i in range(orgs):
        login, council = COUNCILS[i % len(COUNCILS)]
        if i >= len(COUNCILS):
            login = f"{login}-{i // len(COUNCILS)}"
        fake.add_org(login, name=council, description=f"Open source code from {council}")
        names = [f"{s[0]}{v}" for v in VARIANTS for s in SERVICES]
        for j in range(repos_per_org):
            svc = SERVICES[j % len(SERVICES)]
            name = names[j] if j < len(names) else f"{svc[0]}-{j}"
            language = rng.choice(LANGUAGES)
            roll = rng.random()
            desc = f"{svc[1]}" + ("" if j < len(SERVICES) else f" ({name.removeprefix(svc[0]).strip('-') or 'core'})")
            fake.add_repo(
                login,
                name,
                description=desc if roll > 0.05 else None,
                topics=list(svc[2]) + (["uk-council"] if rng.random() < 0.5 else []),
                language=language,
                license_spdx=rng.choice(LICENCES),
                stars=int(rng.paretovariate(1.5)) - 1,
                forks=rng.randrange(0, 5),
                archived=rng.random() < 0.1,
                is_template=rng.random() < 0.03,
                fork=(fork := rng.random() < 0.08),
                parent=f"alphagov/{name}" if fork else None,  # as on GitHub, a fork has an upstream
                readme=None if 0.05 < roll < 0.1 else fake_readme(name, svc[1], council, language, svc[2]),
                empty=0.1 < roll < 0.12,
                pushed_at=_iso(1_700_000_000 - rng.randrange(0, 3 * 365 * 86400)),
            )


def load_world(fake: FakeGitHub, path: Path) -> None:
    """Load a world file (YAML or JSON)::

    orgs:
      - login: camden-council
        repos:
          - name: bin-day
            description: Find your bin day
            topics: [waste]
            readme: "# Bin day"
    users:                      # optional, same shape
      - login: some-dev
    members:                    # optional: who belongs to which organisation (sign-in checks it)
      - {org: camden-council, login: some-dev, role: admin}
    """
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        import yaml  # only needed for the CLI; the server itself is stdlib-only

        world = yaml.safe_load(text)
    else:
        world = json.loads(text)
    for org in world.get("orgs", []):
        org = dict(org)
        fake.add_org(org.pop("login"), org.pop("repos", None), **org)
    for user in world.get("users", []):
        user = dict(user)
        fake.add_user(user.pop("login"), user.pop("repos", None), **user)
    for member in world.get("members", []):
        fake.add_member(member["org"], member["login"], member.get("role", "member"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake GitHub REST API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--orgs", type=int, default=3)
    parser.add_argument("--repos-per-org", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--world", type=Path, help="YAML/JSON world file instead of generated orgs")
    args = parser.parse_args(argv)
    fake = FakeGitHub()
    fake._start(args.port)  # the URL must be known before repo bodies are rendered; they are rendered lazily
    if args.world:
        load_world(fake, args.world)
    else:
        build_world(fake, args.orgs, args.repos_per_org, args.seed)
    logins = ", ".join(a.login for a in fake._accounts.values())
    print(f"Fake GitHub API at {fake.url}  ({len(fake._repos)} repos in {logins})")
    print(f"  export GITHUB_API_URL={fake.url}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
