"""Regression tests for the security review's findings (issue "Hard to break"), at the sizes that hurt.

Each test reproduces one finding against the real server over HTTP (or the real
code path) and checks the fix at its cause. Where a finding was a stall, the
test has a generous hang guard (seconds, not milliseconds): the figures
themselves are measured in bench/hostile.py, not asserted here.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from pulse.core.readiness import readiness
from pulse.core.record import Repo, web_url
from pulse.core.settings import Settings
from pulse.index import IndexStore, spelling
from tests.conftest import LiveServer, make_repo

HANG_GUARD = 3.0  # seconds: far above a healthy answer (milliseconds), far below the stalls found (10 s and more)
CRAFTED_README = "# a" + " " * 30_000 + "x\n\n" + "Some text. " * 50 + "\n\n## Usage\n\nRun it.\n"


def timed_get(server: LiveServer, path: str, **kwargs) -> tuple[httpx.Response, float]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    response = server.get(path, timeout=HANG_GUARD * 3, **kwargs)
    return response, time.monotonic() - started


def serve_records(tmp_path: Path, records: list[Repo], **env: str) -> LiveServer:
    settings = Settings.from_env(env, data_dir=tmp_path / "data")
    store = IndexStore(settings.index_dir)
    store.add_records(records)
    store.close()
    return LiveServer(settings, demo=False)


class _Links(HTMLParser):
    """Every href and src in an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value or "" for name, value in attrs if name in ("href", "src")]


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


# -- 1. the README heading regex was cubic on whitespace ---------------------------------


def test_crafted_readme_scores_in_linear_time() -> None:
    repo = make_repo(1, "crafted", readme=CRAFTED_README)
    started = time.monotonic()
    result = readiness(repo)
    assert time.monotonic() - started < HANG_GUARD  # the old pattern: 14 s at 2,000 spaces, cubic beyond
    how_to = next(s for s in result.signals if s.label == "README says how to install or use it")
    assert how_to.met and how_to.detail == "Section “Usage”"  # headings still found, from markdown-it's tokens


def test_crafted_readme_page_and_api_answer_at_once(tmp_path: Path) -> None:
    records = [make_repo(1, "crafted", readme=CRAFTED_README, description="crafted readme")]
    with serve_records(tmp_path, records) as server:
        for path in ("/repos/Dorset-Council-UK/crafted", "/api/repos/Dorset-Council-UK/crafted"):
            response, seconds = timed_get(server, path)
            assert response.status_code == 200 and seconds < HANG_GUARD, (path, seconds)
        assert server.get("/healthz").status_code == 200


# -- 2. "did you mean" was unbounded, and ran on every page of feeds and downloads -------


def test_repeated_stop_words_cost_no_dictionary_walks(demo_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    nearest = spelling._nearest

    def counting(searcher, facets, word):  # type: ignore[no-untyped-def]
        calls.append(word)
        return nearest(searcher, facets, word)

    monkeypatch.setattr(spelling, "_nearest", counting)
    response, seconds = timed_get(demo_server, "/api/search", params={"q": " ".join(["the"] * 125)})
    assert response.status_code == 200 and seconds < HANG_GUARD
    assert calls == []  # a stop word is nothing to correct
    made_up = " ".join(f"zq{chr(97 + i)}xw" for i in range(10))  # ten distinct unknown words
    assert demo_server.get("/api/search", params={"q": made_up}).status_code == 200
    assert len(calls) == spelling.MAX_SUGGEST_WORDS
    calls.clear()
    corrected = demo_server.get("/api/search", params={"q": "flodding flodding flodding"}).json()
    assert "results for “flooding flooding flooding”" in corrected["note"]  # nothing matched: searched corrected
    assert calls == ["flodding"]  # once per distinct word


@pytest.mark.parametrize("path", ["/downloads/search.csv", "/downloads/search.json", "/feeds/search.atom", "/stats"])
def test_paging_loops_never_compute_suggestions(
    demo_server: LiveServer, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(spelling, "_nearest", lambda searcher, facets, word: calls.append(word) or "")
    params = {} if path == "/stats" else {"q": "council OR flodding OR data OR zzqx"}
    assert demo_server.get(path, params=params).status_code == 200
    assert calls == []


# -- 3. four stalled downloads held every slot --------------------------------------------


def big_catalogue(count: int) -> list[Repo]:
    """Records whose download is megabytes (long homepages), cheap to index (short text)."""
    return [
        make_repo(
            i, f"repo-{i}", description=f"Service {i}", homepage="https://example.gov.uk/" + "p" * 1_950, stars=i % 7
        )
        for i in range(1, count + 1)
    ]


def stalled_client(port: int, path: str) -> socket.socket:
    """A client that asks for a download and then reads nothing, with a tiny receive window."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_records(
        tmp_path_factory.mktemp("big"), big_catalogue(2_500), PULSE_DOWNLOAD_STALL_SECONDS="4"
    ) as server:
        yield server


def test_stalled_downloads_are_dropped_and_free_their_slots(big_server: LiveServer) -> None:
    from pulse.web import downloads

    stalled = [stalled_client(big_server.port, "/downloads/search.json") for _ in range(downloads.MAX_DOWNLOADS)]
    try:
        time.sleep(0.5)
        # Every slot is taken: the next download is told to come back, at once, not left waiting.
        busy, seconds = timed_get(big_server, "/downloads/search.csv")
        assert busy.status_code == 503 and busy.headers["retry-after"] == "30", busy.text[:200]
        assert seconds < downloads.SLOT_WAIT_SECONDS + HANG_GUARD
        # After the stall timeout (4 s here: longer than the fifth download's 2 s wait for a slot, so no
        # stalled download can be dropped while it waits) the stalled ones are dropped; a full download works.
        time.sleep(4.5)
        response, seconds = timed_get(big_server, "/downloads/search.csv")
        assert response.status_code == 200 and seconds < HANG_GUARD * 3
        assert response.content.decode("utf-8-sig").count("\r\n") == 2_501  # header + every record
        # The dropped connections were closed, not left open: a stalled client sees the end.
        for sock in stalled:
            sock.settimeout(5)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            received = b""
            while chunk := sock.recv(1 << 16):
                received += chunk
            assert received.startswith(b"HTTP/1.1 200") and not received.endswith(b"0\r\n\r\n")  # cut, not ended
    finally:
        for sock in stalled:
            sock.close()


# -- 4. strict headers on every response ---------------------------------------------------

HTML_PATHS = [
    "/",
    "/search?q=waste",
    "/repos/alphagov/govuk-frontend",
    "/publishers",
    "/stats",
    "/api",
    "/accessibility",
    "/no-such-page",
    "/search?per_page=0",
]
DATA_PATHS = [
    "/api/search?q=waste",
    "/api/repos/alphagov/govuk-frontend",
    "/api/publishers",
    "/api/stats",
    "/api/openapi.json",
    "/healthz",
    "/feeds/search.atom?q=waste",
    "/downloads/search.csv?q=waste",
    "/api/search?per_page=0",
    "/api/repos/no/such",
]


@pytest.mark.parametrize("path", HTML_PATHS + DATA_PATHS + ["/static/favicon.svg"])
def test_every_response_carries_the_strict_headers(demo_server: LiveServer, path: str) -> None:
    response = demo_server.get(path)
    headers = response.headers
    csp = headers["content-security-policy"]
    for directive in (
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' https:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "script-src" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert "server" not in headers
    assert "strict-transport-security" not in headers  # only when configured (TLS deployments)
    is_html = headers.get("content-type", "").startswith("text/html")
    assert ("access-control-allow-origin" in headers) == (not is_html and path in DATA_PATHS), path
    if path in DATA_PATHS and not is_html:
        assert headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in headers


def test_hsts_is_a_setting(tmp_path: Path) -> None:
    with serve_records(tmp_path, [make_repo(1, "x")], PULSE_HSTS_SECONDS="31536000") as server:
        assert server.get("/").headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


# -- 5. REQUIRE (and the other operators user input could reach) ---------------------------


@pytest.mark.parametrize(
    "q",
    [
        "data REQUIRE api",
        "REQUIRE",
        "a REQUIRE",
        "data ANDMAYBE api",
        "data ANDNOT api",
        "REQUIRE REQUIRE REQUIRE",
        "(data REQUIRE) api",
    ],
)
def test_whoosh_only_operators_are_plain_words(demo_server: LiveServer, q: str) -> None:
    response = demo_server.get("/api/search", params={"q": q})
    assert response.status_code == 200, response.text


# -- 6. record URLs are http(s) only, on import and on render -----------------------------


def test_javascript_urls_never_become_links(tmp_path: Path) -> None:
    hostile = make_repo(1, "hostile", description="hostile waste").to_dict()
    hostile.update(url="javascript:alert(document.domain)", homepage="JaVaScRiPt:alert(1)")
    data_url = make_repo(2, "data-url", description="data waste").to_dict()
    data_url.update(url="data:text/html,<script>alert(1)</script>", homepage=" https://ok.example.gov.uk/")
    export = tmp_path / "hostile.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in (hostile, data_url)) + "\n")
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PULSE_"))}
    run = subprocess.run(
        [sys.executable, "-m", "pulse", "import", str(export), "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    with LiveServer(Settings.from_env({}, data_dir=data_dir), demo=False) as server:
        for name in ("hostile", "data-url"):
            page = server.get(f"/repos/Dorset-Council-UK/{name}").text
            assert not [u for u in links(page) if not u.startswith(("/", "https://", "http://", "#", "mailto:"))]
            assert server.get(f"/api/repos/Dorset-Council-UK/{name}").json()["url"] == ""
        feed = ET.fromstring(server.get("/feeds/search.atom", params={"q": "waste"}).content)
        hrefs = [e.get("href", "") for e in feed.iter("{http://www.w3.org/2005/Atom}link")]
        ids = [e.text or "" for e in feed.iter("{http://www.w3.org/2005/Atom}id")]
        assert hrefs and all(h.startswith("http://127.0.0.1") for h in hrefs)
        assert all(i.startswith("http") for i in ids)


def test_web_url_accepts_only_absolute_http_urls() -> None:
    assert web_url("https://github.com/a/b") == "https://github.com/a/b"
    assert web_url("HTTP://Example.gov.uk/x") == "HTTP://Example.gov.uk/x"
    for bad in (
        "javascript:alert(1)",
        "data:text/html,x",
        "//evil.example",
        "/relative",
        "https://",
        "ftp://x.org",
        "https://exa mple.org",
        "https://x.org/\nx",
        "vbscript:x",
        "",
        None,
        "https://x.org/" + "a" * 3000,
    ):
        assert web_url(bad) == "", bad


# -- 7. the Host header is not trusted -----------------------------------------------------


def test_unknown_hosts_are_refused_and_links_use_the_base_url(tmp_path: Path) -> None:
    records = [make_repo(1, "bins", description="waste bins")]
    with serve_records(tmp_path, records, PULSE_BASE_URL="https://pulse.example.gov.uk/") as server:
        refused = server.get("/feeds/search.atom", headers={"Host": "evil.example"})
        assert refused.status_code == 400 and "evil.example" not in refused.text
        good = server.get("/feeds/search.atom", params={"q": "waste"}, headers={"Host": "pulse.example.gov.uk"})
        assert good.status_code == 200
        feed = ET.fromstring(good.content)
        self_link = next(e for e in feed.iter("{http://www.w3.org/2005/Atom}link") if e.get("rel") == "self")
        assert self_link.get("href", "").startswith("https://pulse.example.gov.uk/feeds/search.atom")
        guide = server.get("/api", headers={"Host": "pulse.example.gov.uk"}).text
        assert "https://pulse.example.gov.uk/api/search" in guide
    with serve_records(tmp_path / "local", records) as local:  # no base URL: the local names only
        assert local.get("/", headers={"Host": "evil.example"}).status_code == 400
        assert local.get("/", headers={"Host": "localhost"}).status_code == 200


# -- 8. slow clients: header timeout and a concurrency limit -------------------------------


def test_slow_headers_are_cut_off_and_concurrency_is_bounded(tmp_path: Path) -> None:
    env = {"PULSE_HEADER_TIMEOUT": "1", "PULSE_LIMIT_CONCURRENCY": "4"}
    with serve_records(tmp_path, [make_repo(1, "x")], **env) as server:
        slow = socket.create_connection(("127.0.0.1", server.port))
        slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        slow.settimeout(5)
        started = time.monotonic()
        assert slow.recv(100) == b""  # closed by the server
        assert time.monotonic() - started < HANG_GUARD
        slow.close()
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(4)]
        try:
            time.sleep(0.2)
            assert server.get("/healthz").status_code == 503  # beyond the limit: an answer, not a queue
            time.sleep(1.5)  # the idle connections passed their header deadline and were closed
            assert server.get("/healthz").status_code == 200
        finally:
            for sock in idle:
                sock.close()


def test_keep_alive_requests_each_get_a_header_deadline(tmp_path: Path) -> None:
    with serve_records(tmp_path, [make_repo(1, "x")], PULSE_HEADER_TIMEOUT="1") as server:
        with httpx.Client(base_url=server.url) as client:
            for _ in range(3):  # a healthy keep-alive client is not cut off
                assert client.get("/healthz").status_code == 200


# -- 9. compression and caching ------------------------------------------------------------


def test_large_responses_are_gzipped_and_validated_by_etag(demo_server: LiveServer) -> None:
    response = demo_server.get("/api/search", params={"per_page": 100}, headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < len(response.content) / 3
    etag = response.headers["etag"]
    assert etag.startswith('W/"') and response.headers["cache-control"] == "public, max-age=300"
    again = demo_server.get("/api/search", params={"per_page": 100}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = demo_server.get("/api/search", params={"per_page": 99}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag  # the tag names the URL too
    feed = demo_server.get("/feeds/search.atom")
    assert demo_server.get("/feeds/search.atom", headers={"If-None-Match": feed.headers["etag"]}).status_code == 304
    assert demo_server.get("/downloads/search.csv").headers["cache-control"] == "public, no-cache"
    assert "etag" not in demo_server.get("/api/search", params={"per_page": 0}).headers  # errors are not cached


def test_etag_changes_when_the_index_commits(tmp_path: Path) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path / "data")
    store = IndexStore(settings.index_dir)
    store.add_records([make_repo(1, "one")])
    with LiveServer(settings, demo=False) as server:
        before = server.get("/api/search").headers["etag"]
        store.add_records([make_repo(2, "two")])
        after = server.get("/api/search", headers={"If-None-Match": before})
        assert after.status_code == 200 and after.json()["total"] == 2 and after.headers["etag"] != before
    store.close()


def test_versioned_static_assets_are_immutable(demo_server: LiveServer) -> None:
    page = demo_server.get("/").text
    stylesheet = next(u for u in links(page) if u.startswith("/static/") and u.endswith(tuple("0123456789")))
    assert demo_server.get(stylesheet).headers["cache-control"] == "public, max-age=31536000, immutable"
    assert demo_server.get("/static/favicon.svg").headers["cache-control"] == "public, max-age=3600"


# -- 10. 405 says what is allowed; echoed input is clipped ---------------------------------


def test_405_has_allow_and_long_paths_are_clipped(demo_server: LiveServer) -> None:
    response = httpx.post(demo_server.url + "/api/search", timeout=10)
    assert response.status_code == 405 and "GET" in response.headers["allow"]
    assert response.json() == {"status": 405, "message": "That method is not allowed here."}
    long_name = "n" * 60_000
    for path in (f"/repos/owner/{long_name}", f"/api/repos/owner/{long_name}", f"/publishers/{long_name}"):
        response = demo_server.get(path)
        assert response.status_code == 404 and len(response.content) < 20_000 and long_name not in response.text


# -- secrets and settings ------------------------------------------------------------------


def test_a_malformed_setting_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PULSE_"))}
    for name, value in (
        ("PULSE_GITHUB_RETRIES", "three"),
        ("PULSE_BASE_URL", "javascript:alert(1)"),
        ("PULSE_HEADER_TIMEOUT", "nan"),
        ("PULSE_FAST_PATH", "maybe"),
    ):
        run = subprocess.run(
            [sys.executable, "-m", "pulse", "export", "--data-dir", str(tmp_path)],
            env=dict(env, **{name: value}),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 2, run.stderr
        assert run.stderr.count("\n") == 1 and name in run.stderr and "Traceback" not in run.stderr


def test_secrets_never_appear_in_responses_logs_reports_or_exports(github, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Set the GitHub token, run a harvest that fails on one source (401) and succeeds on another,
    export, serve with the token in the environment, and grep everything that came out."""
    token = "ghp_S3cretTokenValue0123456789abcdefXYZ"
    github.add_repo("good-council", "bins", readme="# Bins\n\nWaste days.")
    github.add_repo("bad-council", "x")
    github.fail("/orgs/bad-council", 401)
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "publishers:\n  - name: Good\n    type: local-government\n    sources:\n      - github: good-council\n"
        "  - name: Bad\n    type: local-government\n    sources:\n      - github: bad-council\n"
    )
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PULSE_"))}
    env.update(
        GITHUB_API_URL=github.url, PULSE_GITHUB_REQUEST_INTERVAL="0", PULSE_GITHUB_RETRIES="1", GITHUB_TOKEN=token
    )
    collected: list[str] = []
    pulse = [sys.executable, "-m", "pulse"]
    harvest = subprocess.run(
        [*pulse, "harvest", "--sources", str(sources), "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert harvest.returncode == 1, harvest.stderr  # one source failed (401), one harvested
    assert github.requests and any(r.headers.get("authorization", "").endswith(token) for r in github.requests)
    collected += [harvest.stdout, harvest.stderr]
    export = tmp_path / "export.jsonl"
    run = subprocess.run(
        [*pulse, "export", "-o", str(export), "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    collected += [run.stdout, run.stderr, export.read_text()]
    collected += [p.read_text(errors="replace") for p in data_dir.rglob("*.json")]
    port = str(_free_port())
    server = subprocess.Popen(
        [*pulse, "serve", "--port", port, "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        paths = [
            "/",
            "/search?q=bins",
            "/repos/good-council/bins",
            "/api/repos/good-council/bins",
            "/publishers",
            "/publishers/bad-council",
            "/api/publishers",
            "/api/publishers/bad-council",
            "/stats",
            "/api/stats",
            "/api",
            "/api/openapi.json",
            "/healthz",
            "/feeds/search.atom",
            "/downloads/search.csv",
            "/downloads/search.json",
            "/no-such-page",
            "/api/search?per_page=0",
            "/search?q=" + "a" * 600,
        ]
        for path in paths:
            response = httpx.get(base + path, timeout=30)
            assert response.status_code < 500, path
            collected += [response.text, str(response.headers)]
        assert "bad-council" in httpx.get(base + "/api/publishers/bad-council").text  # the failure is shown…
    finally:
        server.terminate()
        collected.append(server.communicate(timeout=10)[0])
    everything = "\n".join(collected)
    assert "401" in everything  # …with its reason
    assert token not in everything and token[:12] not in everything


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("path", ["/downloads/search.csv", "/downloads/search.json"])
def test_unparsable_words_are_a_400_before_a_download_starts(demo_server: LiveServer, path: str) -> None:
    """Found by tests/test_fuzz.py: the parse error used to surface inside the streamed body (a 500)."""
    response = demo_server.get(path, params={"q": "NOT NOT a"})
    assert response.status_code == 400 and "could not be understood" in response.text
