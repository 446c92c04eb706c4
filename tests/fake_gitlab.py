"""A fake GitLab REST API v4 for Pulse's GitLab harvester tests.

The harvester uses the real python-gitlab client, so the test double is a small HTTP server
speaking GitLab's dialect, not a mock of python-gitlab: the bodies are built from the reference
responses in ``tests/data/gitlab-api/`` (GitLab's documentation examples and responses recorded
from gitlab.com and self-hosted instances; see the README there), with GitLab's pagination headers
and its error bodies. It serves:

* ``GET /api/v4/groups/:id`` (a numeric id or the URL-encoded full path, ``with_projects``);
* ``GET /api/v4/groups/:id/projects`` (``include_subgroups``, ``visibility``, ``with_shared``,
  ``archived``, ``order_by``, ``sort``, ``per_page``) with offset pagination (``page``; ``X-Page``,
  ``X-Per-Page``, ``X-Next-Page`` and ``X-Prev-Page`` sent empty when there is none, ``X-Total`` and
  ``X-Total-Pages`` and the ``rel="last"`` link left out above ``total_limit`` records, 10,000 as on
  gitlab.com, and a ``Link`` header) and, when ``keyset_group_projects`` is on, keyset pagination
  (``pagination=keyset&order_by=id``: a ``Link: <...id_after=N>; rel="next"`` header only, none on
  the last page);
* ``GET /api/v4/projects/:id`` (``license=true`` adds ``license`` and ``license_url``);
* ``GET /api/v4/projects/:id/repository/tree`` (offset pages; ``404 Tree Not Found`` for an empty
  repository or an unknown ref, as since GitLab 17.7);
* ``GET|HEAD /api/v4/projects/:id/repository/files/:file_path`` (base64 JSON with ``blob_id``;
  HEAD gives the ``X-Gitlab-*`` headers) and ``.../files/:file_path/raw`` (the bytes);
* errors as GitLab renders them: ``{"message":"404 Group Not Found"}`` and the other 404s, 401 for a
  ``PRIVATE-TOKEN`` it does not know, and 429 in both shapes (Rack::Attack's plain text with
  ``RateLimit-*`` headers, and the application limiter's ``{"message":{"error":...}}``).

Keyset pagination of group projects is off by default: the GitLab source read for the reference
(``lib/api/groups.rb``: ``find_group_projects`` calls ``paginate``, not ``paginate_with_strategies``)
pages that endpoint by offset only and ignores ``pagination=keyset``, which is what this fake then
does. Tests turn it on to check a client that asks for keyset gets it where it is offered.

Also: request counting (``count(prefix)``), fault injection (``fail``, ``rate_limit``) on the raw,
still URL-encoded request path (``group_path``/``project_path`` build them), and instances too old to
send ``topics`` (``old_instance=True``: bodies in the 2019 shape recorded from gitlab.com, with
``tag_list`` only). Stdlib only; binds 127.0.0.1, so nothing here reaches the internet.

Run a fake world by hand::

    python tests/fake_gitlab.py --port 8766
"""

from __future__ import annotations

import argparse
import base64
import calendar
import copy
import hashlib
import json
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data" / "gitlab-api"
API = "/api/v4"
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
TOTAL_LIMIT = 10_000  # above this many records GitLab leaves out X-Total, X-Total-Pages and rel="last"
_TRUE = {"1", "true", "True", "TRUE", "t", "yes", "on"}  # what GitLab's Grape/dry-types read as true
_FALSE = {"0", "false", "False", "FALSE", "f", "no", "off"}

# Keys of the documented GET /projects/:id body that a group's project list does not carry
# (lists never have the licence or statistics; permissions and runners_token are the caller's own;
# owner is for projects in a user's namespace; the rest are Premium-only).
_SINGLE_ONLY = (
    "license",
    "license_url",
    "statistics",
    "permissions",
    "runners_token",
    "owner",
    "marked_for_deletion_at",
    "marked_for_deletion_on",
    "compliance_frameworks",
)
LICENCES = {  # GitLab (Licensee) licence keys, as `license` renders them
    "mit": ("MIT License", None, "https://choosealicense.com/licenses/mit/", "https://opensource.org/licenses/MIT"),
    "apache-2.0": (
        "Apache License 2.0",
        None,
        "https://choosealicense.com/licenses/apache-2.0/",
        "https://www.apache.org/licenses/LICENSE-2.0.html",
    ),
    "gpl-3.0": (
        "GNU General Public License v3.0",
        "GNU GPLv3",
        "https://choosealicense.com/licenses/gpl-3.0/",
        "https://www.gnu.org/licenses/gpl-3.0.txt",
    ),
    "lgpl-3.0": (
        "GNU Lesser General Public License v3.0",
        "GNU LGPLv3",
        "http://choosealicense.com/licenses/lgpl-3.0/",
        "http://www.gnu.org/licenses/lgpl-3.0.txt",
    ),
    "ogl-uk-3.0": (
        "Open Government Licence v3.0",
        None,
        None,
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    ),
    "other": ("Other", None, None, None),
}


def load_fixture(name: str) -> Any:
    """A reference body from tests/data/gitlab-api (never from outside the project)."""
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def load_http(name: str) -> tuple[int, dict[str, str], bytes]:
    """A recorded ``.http`` exchange: (status, headers, body)."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    lines = head.splitlines()
    status = int(lines[0].split()[1])
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return status, headers, body.strip().encode("utf-8")


def _iso(ts: float) -> str:
    """GitLab's timestamps: UTC with milliseconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


def git_blob_sha(data: bytes) -> str:
    """The id git (and GitLab's tree and files APIs) gives a file: the blob hash."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _quote(path: str) -> str:
    return urllib.parse.quote(path, safe="")


@dataclass
class Request:
    """One request the fake received: the raw path (still URL-encoded), its query, lower-case headers."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Fault:
    """An injected answer for every raw path starting with ``path_prefix``."""

    path_prefix: str
    status: int
    body: bytes
    headers: dict[str, str]
    times: int | None  # None: forever


@dataclass
class _Group:
    id: int
    full_path: str
    name: str
    parent_id: int | None
    visibility: str
    created: float
    description: str = ""

    @property
    def path(self) -> str:
        return self.full_path.rsplit("/", 1)[-1]


@dataclass
class _Project:
    id: int
    group: str  # the namespace's full path
    path: str
    name: str
    fields: dict[str, Any]
    licence: str | None
    files: dict[str, bytes]  # path in the repository -> content
    fork_of: str | None = None  # the upstream's path_with_namespace; shown only when it is visible
    empty: bool = False
    shared_with: tuple[str, ...] = ()  # groups (full paths) it is shared with

    @property
    def path_with_namespace(self) -> str:
        return f"{self.group}/{self.path}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive handler threads wait on idle sockets; do not join them
    fake: FakeGitLab


class _Handler(BaseHTTPRequestHandler):
    """Routes every method to FakeGitLab.handle; HTTP/1.1 keep-alive like GitLab."""

    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60
    wbufsize = -1  # headers and body leave together (no Nagle/delayed-ACK stalls)

    def version_string(self) -> str:
        return "nginx"

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
        """Quiet: tests read FakeGitLab.requests instead."""

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # keep the keep-alive stream in step
        status, headers, body = self.server.fake.handle(self.command, self.path, dict(self.headers.items()))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _dispatch


class FakeGitLab:
    """A fake GitLab on 127.0.0.1 serving GitLab's response shapes.

    ``with FakeGitLab() as gl:`` or ``gl = FakeGitLab().start()`` / ``gl.stop()``. Thread-safe: tests
    may change the world (add, touch, fail) while a client is talking to it.

    ``token``: the one ``PRIVATE-TOKEN`` the instance knows (any other token gets a 401; no token is
    an anonymous caller, who sees public groups and projects only). ``keyset_group_projects``: page
    group projects by keyset when asked (see the module docstring). ``old_instance``: bodies without
    ``topics``. ``total_limit``: above this many records the totals are left out, as above 10,000.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        keyset_group_projects: bool = False,
        old_instance: bool = False,
        total_limit: int = TOTAL_LIMIT,
    ) -> None:
        self.token = token
        self.keyset_group_projects = keyset_group_projects
        self.old_instance = old_instance
        self.total_limit = total_limit
        self._lock = threading.RLock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self.url = ""
        self.requests: list[Request] = []
        self._groups: dict[str, _Group] = {}  # lower-case full path -> group
        self._projects: dict[int, _Project] = {}
        self._faults: list[Fault] = []
        self._next_group_id = 4_000_000
        self._next_project_id = 30_000_000
        self._clock = 1_600_000_000.0  # deterministic timestamps
        self._request_seq = 0
        if old_instance:  # gitlab.com in 2019 (tag_list, no topics), recorded by scala-steward
            template = load_fixture("scala-steward__gitlab.com_projects_12414871.json")
        else:  # GitLab's documented GET /projects/:id
            template = load_fixture("projects_id__get_project.stripped.json")
        self._project_template: dict[str, Any] = template
        self._group_template: dict[str, Any] = load_fixture("groups_id__get_group_with_projects_false.json")
        # A namespace as list items carry it, from a real recording (heptapod: a subgroup with full_path).
        self._namespace_template: dict[str, Any] = load_fixture(
            "swh-lister__https_foss.heptapod.net_api_response_page1.json"
        )[0]["namespace"]
        self._tree_template: dict[str, Any] = load_fixture("projects_id_repository_tree.json")[-1]
        self._file_template: dict[str, Any] = load_fixture("projects_id_repository_files_path__get_file.json")

    # ------------------------------------------------------------ lifecycle
    def start(self, port: int = 0) -> FakeGitLab:
        """Bind 127.0.0.1 (a free port unless given) and serve in a daemon thread."""
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

    def __enter__(self) -> FakeGitLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _track(self, conn: socket.socket, alive: bool) -> None:
        with self._lock:
            (self._conns.add if alive else self._conns.discard)(conn)

    # ------------------------------------------------------------ counters
    def count(self, path_prefix: str = "") -> int:
        """How many requests had a raw path starting with ``path_prefix``."""
        with self._lock:
            return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    @staticmethod
    def group_path(group: str | int) -> str:
        """The raw API path of a group, as python-gitlab sends it: ``/api/v4/groups/nhsbsa%2Fddat``."""
        return f"{API}/groups/{_quote(str(group))}"

    @staticmethod
    def project_path(project: str | int) -> str:
        """The raw API path of a project (a numeric id or a full path)."""
        return f"{API}/projects/{_quote(str(project))}"

    # ------------------------------------------------------------ world
    def _tick(self) -> float:
        self._clock += 3600.25
        return self._clock

    def add_group(self, full_path: str, *, name: str | None = None, visibility: str = "public") -> dict[str, Any]:
        """Create a group (and any missing parent groups) and return its body."""
        with self._lock:
            group = self._groups.get(full_path.lower())
            if group is None:
                parent_path, _, leaf = full_path.rpartition("/")
                parent = self._groups.get(parent_path.lower()) if parent_path else None
                if parent_path and parent is None:
                    self.add_group(parent_path)
                    parent = self._groups[parent_path.lower()]
                self._next_group_id += 1
                group = _Group(
                    self._next_group_id,
                    full_path,
                    name or leaf.replace("-", " ").title(),
                    parent.id if parent else None,
                    visibility,
                    self._tick(),
                    f"{name or leaf} on GitLab",
                )
                self._groups[full_path.lower()] = group
            return self._group_body(group)

    def add_project(
        self,
        group: str,
        path: str,
        *,
        name: str | None = None,
        description: str | None = "A service for patients and staff",
        topics: tuple[str, ...] | list[str] = (),
        licence: str | None = "mit",
        stars: int = 0,
        forks: int = 0,
        open_issues: int = 0,
        archived: bool = False,
        visibility: str = "public",
        readme: str | bytes | None = "# README\n\nAn NHS service.\n",
        readme_name: str = "README.md",
        files: dict[str, str | bytes] | None = None,
        fork_of: str | None = None,
        empty: bool = False,
        default_branch: str = "main",
        created_at: str | None = None,
        last_activity_at: str | None = None,
        shared_with: tuple[str, ...] = (),
        id: int | None = None,  # noqa: A002 - mirrors GitLab's key
    ) -> dict[str, Any]:
        """Add a project to ``group`` (created if missing) and return its list item.

        ``files`` are extra repository files by path (``"tests/"`` makes an empty-looking folder);
        ``readme=None`` means no README; ``empty=True`` a repository with no commits (tree and files
        404, ``empty_repo`` true). ``fork_of`` names the upstream's full path: the fork carries
        ``forked_from_project``, built from that project if the fake has it.
        """
        with self._lock:
            self.add_group(group)
            if id is None:
                self._next_project_id += 7
                id = self._next_project_id
            elif id in self._projects:
                raise ValueError(f"project id {id} already used")
            if self.find(f"{group}/{path}") is not None:
                raise ValueError(f"{group}/{path} already exists")
            created = self._tick()
            repo_files: dict[str, bytes] = {}
            if readme is not None:
                repo_files[readme_name] = readme.encode("utf-8") if isinstance(readme, str) else readme
            for file_path, content in (files or {}).items():
                if file_path.endswith("/"):
                    file_path += ".gitkeep"
                repo_files[file_path] = content.encode("utf-8") if isinstance(content, str) else content
            if licence is not None and not any(p.upper().startswith("LICEN") for p in repo_files):
                repo_files["LICENSE"] = f"{LICENCES.get(licence, ('Licence',))[0]}\n".encode()
            project = _Project(
                id=id,
                group=self._groups[group.lower()].full_path,
                path=path,
                name=name or path,
                fields={
                    "description": description,
                    "topics": sorted(topics),  # GitLab sends topics sorted by name
                    "star_count": stars,
                    "forks_count": forks,
                    "open_issues_count": open_issues,
                    "archived": archived,
                    "visibility": visibility,
                    "default_branch": default_branch,
                    "created_at": created_at or _iso(created),
                    "last_activity_at": last_activity_at or _iso(created + 1800.5),
                },
                licence=licence,
                files={} if empty else repo_files,
                fork_of=fork_of,
                empty=empty,
                shared_with=shared_with,
            )
            self._projects[id] = project
            return self._project_body(project, listed=True)

    def find(self, path_with_namespace: str) -> _Project | None:
        with self._lock:
            key = path_with_namespace.lower()
            return next((p for p in self._projects.values() if p.path_with_namespace.lower() == key), None)

    def _get(self, project: str | int) -> _Project:
        found = self._projects.get(project) if isinstance(project, int) else self.find(project)
        if found is None:
            raise KeyError(project)
        return found

    def update_project(self, project: str | int, **changes: Any) -> None:
        """Change list fields (``last_activity_at``, ``star_count``, ``archived``...), ``readme`` or
        ``files`` (merged; a value of None deletes the file)."""
        with self._lock:
            found = self._get(project)
            if "readme" in changes:
                readme = changes.pop("readme")
                found.files["README.md"] = readme.encode("utf-8") if isinstance(readme, str) else readme
            for file_path, content in (changes.pop("files", None) or {}).items():
                if content is None:
                    found.files.pop(file_path, None)
                else:
                    found.files[file_path] = content.encode("utf-8") if isinstance(content, str) else content
            if "licence" in changes:
                found.licence = changes.pop("licence")
            found.fields.update(changes)

    def touch(self, project: str | int, seconds: float = 3600.0) -> str:
        """Activity on a project: its ``last_activity_at`` moves on; returns the new value."""
        with self._lock:
            found = self._get(project)
            stamp = found.fields["last_activity_at"]
            moved = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + seconds
            found.fields["last_activity_at"] = _iso(moved)
            return str(found.fields["last_activity_at"])

    def project(self, project: str | int, *, license: bool = False) -> dict[str, Any]:  # noqa: A002
        """The body GET /projects/:id would serve."""
        with self._lock:
            return self._project_body(self._get(project), listed=False, licence=license)

    def fail(
        self,
        path_prefix: str,
        status: int,
        body: dict[str, Any] | str | bytes | None = None,
        times: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer raw paths starting with ``path_prefix`` with ``status``.

        ``body`` None picks GitLab's body for the status (401, 403, 404 bare, 429 application limiter,
        5xx ``{"message":"500 Internal Server Error"}``); a str or bytes is sent raw. ``times=N`` fails
        the next N matching requests, then recovers. Earlier faults win.
        """
        hdrs: dict[str, str] = {"Content-Type": "application/json"}
        if body is None:
            named = {401: "401_unauthorized.json", 403: "403_forbidden.json", 404: "404_not_found_bare.json"}
            if status in named:
                body = load_fixture(named[status])
            elif status == 429:
                body = load_fixture("429_application_rate_limiter.json")
            else:
                body = {"message": f"{status} {_reason(status)}"}
        if isinstance(body, str | bytes):
            raw = body.encode("utf-8") if isinstance(body, str) else body
            hdrs["Content-Type"] = "text/plain"
        else:
            raw = json.dumps(body, separators=(",", ":")).encode("utf-8")  # compact, as GitLab renders it
        hdrs.update(headers or {})
        with self._lock:
            self._faults.append(Fault(path_prefix, status, raw, hdrs, times))

    def rate_limit(
        self,
        path_prefix: str = API,
        *,
        shape: str = "rack_attack",
        retry_after: int | None = 1,
        times: int | None = 1,
    ) -> None:
        """429 Too Many Requests in one of GitLab's two shapes.

        ``rack_attack``: the user and IP throttle, ``text/plain`` "Retry later" with the
        ``RateLimit-*`` headers (values as recorded, reset moved to now + retry_after).
        ``application``: an endpoint's own limiter, ``{"message":{"error":...}}`` with ``Retry-After``
        (the limiter's interval) in current GitLab and no ``RateLimit-*`` headers.
        ``retry_after=None`` leaves ``Retry-After`` out.
        """
        if shape == "rack_attack":
            _, recorded, body = load_http("429_rack_attack_throttle.http")
            wait = retry_after if retry_after is not None else 30
            reset = int(time.time()) + wait
            hdrs = dict(recorded)
            hdrs.update({"RateLimit-Reset": str(reset), "RateLimit-ResetTime": formatdate(reset, usegmt=True)})
            hdrs.pop("Retry-After")
            if retry_after is not None:
                hdrs["Retry-After"] = str(retry_after)
            self.fail(path_prefix, 429, body, times, hdrs)
        elif shape == "application":
            hdrs = {} if retry_after is None else {"Retry-After": str(retry_after)}
            self.fail(path_prefix, 429, load_fixture("429_application_rate_limiter.json"), times, hdrs)
        else:
            raise ValueError(f"unknown 429 shape {shape!r}")

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # ------------------------------------------------------------ shapes
    def _group_body(self, group: _Group) -> dict[str, Any]:
        body = copy.deepcopy(self._group_template)
        names, prefix = [], ""
        for segment in group.full_path.split("/"):
            prefix = f"{prefix}/{segment}" if prefix else segment
            names.append(self._groups[prefix.lower()].name)
        body.update(
            id=group.id,
            name=group.name,
            path=group.path,
            description=group.description,
            visibility=group.visibility,
            web_url=f"{self.url}/groups/{group.full_path}",
            full_name=" / ".join(names),
            full_path=group.full_path,
            parent_id=group.parent_id,
            created_at=_iso(group.created),
        )
        return body

    def _namespace(self, group: _Group) -> dict[str, Any]:
        body = copy.deepcopy(self._namespace_template)
        body.update(
            id=group.id,
            name=group.name,
            path=group.path,
            kind="group",
            full_path=group.full_path,
            parent_id=group.parent_id,
            avatar_url=None,
            web_url=f"{self.url}/groups/{group.full_path}",
        )
        return body

    def _basic(self, project: _Project) -> dict[str, Any]:
        """BasicProjectDetails, the shape of ``forked_from_project``."""
        full = self._project_body(project, listed=True)
        keys = (
            "id description name name_with_namespace path path_with_namespace created_at default_branch tag_list "
            "topics ssh_url_to_repo http_url_to_repo web_url readme_url avatar_url forks_count star_count "
            "last_activity_at namespace"
        ).split()
        return {k: full[k] for k in keys if k in full}

    def _upstream(self, path_with_namespace: str) -> dict[str, Any]:
        known = self.find(path_with_namespace)
        if known is not None:
            return self._basic(known)
        group, _, path = path_with_namespace.rpartition("/")  # an upstream the fake does not hold
        web = f"{self.url}/{path_with_namespace}"
        body: dict[str, Any] = {
            "id": 1_000 + sum(map(ord, path_with_namespace)),
            "description": "",
            "name": path,
            "name_with_namespace": f"{group} / {path}",
            "path": path,
            "path_with_namespace": path_with_namespace,
            "created_at": _iso(1_500_000_000),
            "default_branch": "main",
            "tag_list": [],
            "topics": [],
            "ssh_url_to_repo": f"git@127.0.0.1:{path_with_namespace}.git",
            "http_url_to_repo": f"{web}.git",
            "web_url": web,
            "readme_url": f"{web}/-/blob/main/README.md",
            "avatar_url": None,
            "forks_count": 1,
            "star_count": 0,
            "last_activity_at": _iso(1_500_000_000),
        }
        if self.old_instance:
            body.pop("topics")
        return body

    def _project_body(self, project: _Project, *, listed: bool, licence: bool = False) -> dict[str, Any]:
        group = self._groups[project.group.lower()]
        body = copy.deepcopy(self._project_template)
        for key in _SINGLE_ONLY:
            body.pop(key, None)
        web = f"{self.url}/{project.path_with_namespace}"
        api = f"{self.url}{API}/projects/{project.id}"
        fields = project.fields
        branch = fields["default_branch"]
        readme = self._readme_name(project)
        names = self._group_body(group)["full_name"]
        body.update(
            id=project.id,
            description=fields["description"],
            name=project.name,
            name_with_namespace=f"{names} / {project.name}",
            path=project.path,
            path_with_namespace=project.path_with_namespace,
            created_at=fields["created_at"],
            default_branch=branch,  # default_branch_or_main: an empty repository still names one
            tag_list=list(fields["topics"]),
            topics=list(fields["topics"]),
            ssh_url_to_repo=f"git@127.0.0.1:{project.path_with_namespace}.git",
            http_url_to_repo=f"{web}.git",
            web_url=web,
            readme_url=f"{web}/-/blob/{branch}/{readme}" if readme else None,
            avatar_url=None,
            star_count=fields["star_count"],
            forks_count=fields["forks_count"],
            last_activity_at=fields["last_activity_at"],
            namespace=self._namespace(group),
            archived=fields["archived"],
            visibility=fields["visibility"],
            open_issues_count=fields["open_issues_count"],
            creator_id=1,
        )
        if "updated_at" in body:
            body["updated_at"] = fields["last_activity_at"]
        if "empty_repo" in body:
            body["empty_repo"] = project.empty
        if "_links" in body:
            links = {k: f"{api}/{k.replace('repo_', 'repository/')}" for k in body["_links"] if k != "self"}
            body["_links"] = {"self": api, **links}
        if "shared_with_groups" in body:
            body["shared_with_groups"] = [
                {
                    "group_id": self._groups[g.lower()].id,
                    "group_name": self._groups[g.lower()].name,
                    "group_full_path": self._groups[g.lower()].full_path,
                    "group_access_level": 30,
                }
                for g in project.shared_with
            ]
        if project.fork_of:
            body["forked_from_project"] = self._upstream(project.fork_of)
        if self.old_instance:
            body.pop("topics", None)
        if licence and not listed:
            if project.licence is None:
                body["license_url"], body["license"] = None, None
            else:
                name, nickname, html, source = LICENCES.get(project.licence, (project.licence, None, None, None))
                licence_file = next((p for p in project.files if p.upper().startswith("LICEN")), "LICENSE")
                body["license_url"] = f"{web}/-/blob/{branch}/{licence_file}"
                body["license"] = {
                    "key": project.licence,
                    "name": name,
                    "nickname": nickname,
                    "html_url": html,
                    "source_url": source,
                }
        return body

    @staticmethod
    def _readme_name(project: _Project) -> str | None:
        roots = sorted(p for p in project.files if "/" not in p and p.lower().startswith("readme"))
        return roots[0] if roots else None

    def _commit(self, project: _Project) -> str:
        return hashlib.sha1(f"{project.id}:{project.fields['last_activity_at']}".encode()).hexdigest()

    def _tree(self, project: _Project) -> list[dict[str, Any]]:
        entries: dict[str, dict[str, Any]] = {}
        for file_path, content in sorted(project.files.items()):
            top, slash, _ = file_path.partition("/")
            entry = copy.deepcopy(self._tree_template)
            if slash:
                entry.update(id=hashlib.sha1(f"tree {top}".encode()).hexdigest(), type="tree", mode="040000")
            else:
                entry.update(id=git_blob_sha(content), type="blob", mode="100644")
            entry.update(name=top, path=top)
            entries.setdefault(top, entry)
        # Folders first, then files, each by name: the order GitLab lists a tree in.
        return sorted(entries.values(), key=lambda e: (e["type"] != "tree", e["name"]))

    def _file_headers(self, project: _Project, file_path: str, content: bytes, ref: str) -> dict[str, str]:
        commit = self._commit(project)
        return {
            "X-Gitlab-Blob-Id": git_blob_sha(content),
            "X-Gitlab-Commit-Id": commit,
            "X-Gitlab-Content-Sha256": hashlib.sha256(content).hexdigest(),
            "X-Gitlab-Encoding": "base64",
            "X-Gitlab-File-Name": file_path.rsplit("/", 1)[-1],
            "X-Gitlab-File-Path": file_path,
            "X-Gitlab-Last-Commit-Id": commit,
            "X-Gitlab-Ref": ref,
            "X-Gitlab-Size": str(len(content)),
            "X-Gitlab-Execute-Filemode": "false",
        }

    # ------------------------------------------------------------ HTTP
    def handle(self, method: str, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: (status, headers, body). Called from server threads."""
        split = urllib.parse.urlsplit(target)
        raw_path = split.path
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(split.query, keep_blank_values=True).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self.requests.append(Request(method, raw_path, query, lower))
            self._request_seq += 1
            common = {
                "Cache-Control": "max-age=0, private, must-revalidate",
                "Vary": "Origin",
                "X-Request-Id": f"01FAKE{self._request_seq:020d}",
                "X-Runtime": "0.012345",
            }
            fault = self._take_fault(raw_path)
            if fault is not None:
                return fault.status, {**common, **fault.headers}, fault.body
            token = lower.get("private-token")
            if token is not None and token != self.token:
                return self._json(401, load_fixture("401_unauthorized.json"), common)
            if method not in ("GET", "HEAD"):
                return self._json(404, load_fixture("404_not_found_bare.json"), common)
            status, body, extra = self._route(raw_path, query, signed_in=token is not None)
            if isinstance(body, bytes):
                return status, {**common, "Content-Type": "text/plain; charset=utf-8", **extra}, body
            return self._json(status, body, {**common, **extra})

    @staticmethod
    def _json(status: int, body: Any, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/json", **headers}, json.dumps(body, separators=(",", ":")).encode()

    def _take_fault(self, raw_path: str) -> Fault | None:
        for fault in self._faults:
            if raw_path.startswith(fault.path_prefix) and (fault.times is None or fault.times > 0):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def _visible(self, visibility: str, signed_in: bool) -> bool:
        return visibility == "public" or (signed_in and visibility == "internal")

    def _route(self, raw_path: str, query: dict[str, str], signed_in: bool) -> tuple[int, Any, dict[str, str]]:
        bare = (404, load_fixture("404_not_found_bare.json"), {})
        if not raw_path.startswith(API + "/"):
            return bare
        parts = raw_path[len(API) + 1 :].split("/")
        if len(parts) >= 2 and parts[0] == "groups":
            group = self._find_group(urllib.parse.unquote(parts[1]))
            if group is None or not self._visible(group.visibility, signed_in):
                return 404, load_fixture("404_group_not_found.json"), {}
            if len(parts) == 2:
                body = self._group_body(group)
                if query.get("with_projects", "true") not in _FALSE:
                    direct = [p for p in self._projects.values() if p.group.lower() == group.full_path.lower()]
                    body["projects"] = [
                        self._project_body(p, listed=True)
                        for p in direct
                        if self._visible(p.fields["visibility"], signed_in)
                    ]
                    body["shared_projects"] = []
                return 200, body, {}
            if parts[2:] == ["projects"]:
                return self._group_projects(group, raw_path, query, signed_in)
            return bare
        if len(parts) >= 2 and parts[0] == "projects":
            ident = urllib.parse.unquote(parts[1])
            project = self._projects.get(int(ident)) if ident.isdigit() else self.find(ident)
            if project is None or not self._visible(project.fields["visibility"], signed_in):
                return 404, load_fixture("404_project_not_found.json"), {}
            return self._project_route(project, parts[2:], raw_path, query)
        return bare

    def _find_group(self, ident: str) -> _Group | None:
        if ident.isdigit():
            return next((g for g in self._groups.values() if g.id == int(ident)), None)
        return self._groups.get(ident.lower())

    def _group_projects(
        self, group: _Group, raw_path: str, query: dict[str, str], signed_in: bool
    ) -> tuple[int, Any, dict[str, str]]:
        prefix = group.full_path.lower()
        subgroups = query.get("include_subgroups", "false") in _TRUE
        with_shared = query.get("with_shared", "true") not in _FALSE

        def inside(p: _Project) -> bool:
            ns = p.group.lower()
            if ns == prefix or (subgroups and ns.startswith(prefix + "/")):
                return True
            return with_shared and any(g.lower() == prefix for g in p.shared_with)

        rows = [p for p in self._projects.values() if inside(p) and self._visible(p.fields["visibility"], signed_in)]
        if "visibility" in query:
            rows = [p for p in rows if p.fields["visibility"] == query["visibility"]]
        if query.get("archived") in _TRUE | _FALSE:
            wanted = query["archived"] in _TRUE
            rows = [p for p in rows if bool(p.fields["archived"]) == wanted]
        order_by = query.get("order_by", "created_at")
        descending = query.get("sort", "desc") == "desc"
        link_base = f"{self.url}{raw_path}"
        if self.keyset_group_projects and query.get("pagination") == "keyset" and order_by == "id":
            rows.sort(key=lambda p: p.id, reverse=descending)
            return self._keyset(rows, query, link_base, descending)
        sort_keys = {"id": lambda p: p.id, "name": lambda p: p.name.lower(), "path": lambda p: p.path.lower()}
        key = sort_keys.get(order_by, lambda p: (str(p.fields.get(order_by, p.fields["created_at"])), p.id))
        rows.sort(key=key, reverse=descending)
        status, items, headers = self._offset(rows, query, link_base)
        return status, [self._project_body(p, listed=True) for p in items], headers

    def _per_page(self, query: dict[str, str]) -> int:
        try:
            return min(max(int(query.get("per_page", DEFAULT_PER_PAGE)), 1), MAX_PER_PAGE)
        except ValueError:
            return DEFAULT_PER_PAGE

    def _keyset(
        self, rows: list[_Project], query: dict[str, str], link_base: str, descending: bool
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = self._per_page(query)
        if descending and query.get("id_before", "").isdigit():
            rows = [p for p in rows if p.id < int(query["id_before"])]
        elif not descending and query.get("id_after", "").isdigit():
            rows = [p for p in rows if p.id > int(query["id_after"])]
        page = rows[:per_page]
        headers: dict[str, str] = {}
        if len(rows) > per_page:
            cursor = "id_before" if descending else "id_after"
            params = {k: v for k, v in query.items() if k not in ("id_after", "id_before", "page")}
            params[cursor] = str(page[-1].id)
            headers["Link"] = f'<{link_base}?{urllib.parse.urlencode(params)}>; rel="next"'
        return 200, [self._project_body(p, listed=True) for p in page], headers

    def _offset(self, rows: list[Any], query: dict[str, str], link_base: str) -> tuple[int, list[Any], dict[str, str]]:
        """One offset page with GitLab's headers (Gitlab::Pagination::OffsetHeaderBuilder)."""
        per_page = self._per_page(query)
        try:
            page = max(int(query.get("page", 1)), 1)
        except ValueError:
            page = 1
        total = len(rows)
        pages = max((total + per_page - 1) // per_page, 1)
        items = rows[(page - 1) * per_page : page * per_page]
        next_page = page + 1 if page < pages else None
        prev_page = page - 1 if page > 1 else None
        params = {k: v for k, v in query.items() if k != "page"}

        def url(number: int) -> str:
            return f"{link_base}?{urllib.parse.urlencode({**params, 'page': number})}"

        links = []
        if prev_page:
            links.append(f'<{url(prev_page)}>; rel="prev"')
        if next_page:
            links.append(f'<{url(next_page)}>; rel="next"')
        links.append(f'<{url(1)}>; rel="first"')
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Next-Page": str(next_page or ""),  # always sent, empty when there is none
            "X-Prev-Page": str(prev_page or ""),
        }
        if total <= self.total_limit:
            links.append(f'<{url(pages)}>; rel="last"')
            headers.update({"X-Total": str(total), "X-Total-Pages": str(pages)})
        headers["Link"] = ", ".join(links)
        return 200, items, headers

    def _project_route(
        self, project: _Project, rest: list[str], raw_path: str, query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if not rest:
            return 200, self._project_body(project, listed=False, licence=query.get("license") in _TRUE), {}
        branch = project.fields["default_branch"]
        if rest == ["repository", "tree"]:
            ref = query.get("ref") or branch
            if project.empty or ref != branch or query.get("path", "") not in ("", "/"):
                return 404, load_fixture("404_tree_not_found.json"), {}
            return self._offset(self._tree(project), query, f"{self.url}{raw_path}")
        if len(rest) >= 3 and rest[:2] == ["repository", "files"]:
            raw = rest[-1] == "raw" and len(rest) >= 4
            file_path = urllib.parse.unquote("/".join(rest[2:-1] if raw else rest[2:]))
            ref = query.get("ref")
            if not ref and not raw:
                return 400, {"error": "ref is missing"}, {}
            ref = ref or branch
            if project.empty or ref != branch:
                return 404, load_fixture("404_commit_not_found.json"), {}
            content = project.files.get(file_path)
            if content is None:
                return 404, load_fixture("404_file_not_found.json"), {}
            headers = self._file_headers(project, file_path, content, ref)
            if raw:
                return 200, content, headers
            body = copy.deepcopy(self._file_template)
            body.update(
                file_name=headers["X-Gitlab-File-Name"],
                file_path=file_path,
                size=len(content),
                encoding="base64",
                content=base64.b64encode(content).decode("ascii"),
                content_sha256=headers["X-Gitlab-Content-Sha256"],
                ref=ref,
                blob_id=headers["X-Gitlab-Blob-Id"],
                commit_id=headers["X-Gitlab-Commit-Id"],
                last_commit_id=headers["X-Gitlab-Last-Commit-Id"],
                execute_filemode=False,
            )
            return 200, body, headers
        return 404, load_fixture("404_not_found_bare.json"), {}


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# ---------------------------------------------------------------- a fake world

# NHSBSA's group on gitlab.com, with the subgroups and projects its public playbook links to (see
# tests/data/gitlab-api/README.md). `ddat/test-community/accessibility` is invented, to nest groups four deep.
NHSBSA_PROJECTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("nhsbsa/Libraries", "nhsbsa-standard-files", ("standards",)),
    ("nhsbsa/Libraries", "git-rewrite-scripts", ("git",)),
    ("nhsbsa/platform-services/gitleaks", "gitleaks-nhsbsa", ("security", "secrets-detection")),
    ("nhsbsa/platform-services/pipeline-templates", "kaniko", ("ci", "containers")),
    ("nhsbsa/ddat/test-community", "api-standard-framework", ("testing", "api")),
    ("nhsbsa/ddat/test-community", "java-serenity-automation-framework", ("testing", "java")),
    ("nhsbsa/ddat/tooling", "flight-instructor", ("tooling",)),
    ("nhsbsa/ddat/test-community/accessibility", "axe-checks", ("accessibility", "testing")),
)


def build_nhsbsa_world(fake: FakeGitLab) -> dict[str, dict[str, Any]]:
    """NHSBSA's groups and public projects, plus what a harvest must leave out: an internal and a
    private project, and a project of another group shared with nhsbsa. Returns the list items of
    the public projects by full path."""
    fake.add_group("nhsbsa", name="NHSBSA")
    added = {}
    for group, path, topics in NHSBSA_PROJECTS:
        body = fake.add_project(
            group,
            path,
            topics=topics,
            readme=f"# {path}\n\nShared by the NHS Business Services Authority ({group}).\n",
            files={"CONTRIBUTING.md": "How to contribute", "tests/": ""} if "test" in group else None,
        )
        added[body["path_with_namespace"]] = body
    fake.add_project("nhsbsa/ddat", "internal-notes", visibility="internal")
    fake.add_project("nhsbsa/platform-services", "private-config", visibility="private")
    fake.add_project("hee/shared-tooling", "shared-linter", shared_with=("nhsbsa",))
    return added


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake GitLab REST API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--keyset", action="store_true", help="page group projects by keyset when asked")
    args = parser.parse_args(argv)
    fake = FakeGitLab(keyset_group_projects=args.keyset).start(args.port)
    build_nhsbsa_world(fake)
    print(f"Fake GitLab at {fake.url}  ({len(fake._projects)} projects)")
    print(f"  sources.yaml:  - gitlab: nhsbsa\n                  url: {fake.url}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()


__all__ = ["FakeGitLab", "Request", "build_nhsbsa_world", "git_blob_sha", "load_fixture", "load_http"]
