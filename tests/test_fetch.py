"""URL safety for the URLs a source names (harvesters/fetch.py), against real servers on 127.0.0.1.

No test reaches the internet: the servers listen on 127.0.0.1, names such as public.test are
answered by a fake resolver, and its connector routes the one public address it knows
(PUBLIC, never dialled) to 127.0.0.1 and refuses any other. That pair lets a test see the
whole path as production runs it, rule on private addresses included: an https server that
counts as public, redirecting to one that does not.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from pulse.core.errors import ConfigError, SourceError
from pulse.core.settings import Settings
from pulse.harvesters.fetch import USER_AGENT, address_problem, check_url, fetch_url, shown_url

PUBLIC = "93.184.215.14"  # a public internet address: FakeNet routes it to 127.0.0.1, nothing dials it
DRIP_SECONDS = 0.1


class Handler(BaseHTTPRequestHandler):
    """The routes the tests need; HTTP/1.0, so a body without a length ends when the connection does."""

    server: Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append({"path": self.path, "host": self.headers["Host"], "agent": self.headers["User-Agent"]})
        path, query = urlsplit(self.path).path, parse_qs(urlsplit(self.path).query)
        try:
            self.route(path, query)
        except OSError:
            pass  # the client hung up, as it should for the huge and slow answers

    def route(self, path: str, query: dict[str, list[str]]) -> None:
        if path == "/ok":
            self.answer(200, b"hello")
        elif path.startswith("/status/"):
            self.answer(int(path.rsplit("/", 1)[1]), b"no")
        elif path.startswith("/bytes/"):
            self.answer(200, b"x" * int(path.rsplit("/", 1)[1]))
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", query["to"][0])
            self.end_headers()
        elif path == "/no-location":
            self.send_response(302)
            self.end_headers()
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            if left == 0:
                self.answer(200, b"end of the chain")
            else:
                self.send_response(301)
                self.send_header("Location", f"/chain/{left - 1}")  # relative, as servers often send
                self.end_headers()
        elif path == "/declared-huge":  # says 6 MB, then sends nothing: only an early refusal is quick
            self.send_response(200)
            self.send_header("Content-Length", "6000000")
            self.end_headers()
            self.wfile.flush()
            time.sleep(5)
        elif path == "/endless":  # no Content-Length: bytes until the client hangs up
            self.send_response(200)
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b"x" * 65536)
        elif path == "/drip-body":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.drip(b"x" * 1000)
        elif path == "/drip-headers":
            self.wfile.write(b"HTTP/1.0 200 OK\r\n")
            self.drip(b"X-Slow: " + b"x" * 1000)
        else:
            self.answer(404, b"no such route")

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drip(self, data: bytes) -> None:
        for byte in data:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(DRIP_SECONDS)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        self.seen: list[dict[str, str]] = []
        self.sni: list[str | None] = []

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # TLS handshakes the client refuses end here; the tests look at what the client says

    def serve_tls(self, cert: Path, key: Path) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = lambda _sock, name, _context: self.sni.append(name)
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)


def running(server: Server) -> Iterator[Server]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def web() -> Iterator[Server]:
    """A plain http server on 127.0.0.1: reachable only with allow_private (or through FakeNet, over https)."""
    yield from running(Server())


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for public.test and evil.test (trusted only where a test says so)."""
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=public.test",
         "-addext", "subjectAltName=DNS:public.test,DNS:evil.test"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture()
def tls(certificate: tuple[Path, Path]) -> Iterator[Server]:
    """An https server on 127.0.0.1 with the test certificate."""
    server = Server()
    server.serve_tls(*certificate)
    yield from running(server)


@pytest.fixture()
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """ssl.create_default_context() trusts the test certificate (OpenSSL reads SSL_CERT_FILE)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


class FakeNet:
    """A resolver of made-up names and a connector that dials nothing but 127.0.0.1."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names
        self.asked: list[str] = []
        self.dialled: list[str] = []

    def resolve(self, host: str) -> list[str]:
        self.asked.append(host)
        try:
            return numeric_only(host)  # an IP literal resolves to itself
        except socket.gaierror:
            pass
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.names[host]

    def connect(self, address: str, port: int, timeout: float) -> socket.socket:
        self.dialled.append(address)
        if address != PUBLIC:
            raise AssertionError(f"Pulse tried to connect to {address}, which the checks should have refused")
        return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def numeric_only(host: str) -> list[str]:
    """getaddrinfo for IP literals only (AI_NUMERICHOST): its reading of odd notations, and never a DNS query."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)]


def refusal(url: str, **kwargs: Any) -> SourceError:
    with pytest.raises(SourceError) as caught:
        fetch_url(url, **kwargs)
    return caught.value


# --- The rules of check_url ---------------------------------------------------------------------


def test_https_only_without_the_setting() -> None:
    net = FakeNet({"public.test": [PUBLIC]})
    assert check_url("https://public.test/code.json", allow_private=False, resolve=net.resolve) is None
    problem = check_url("http://public.test/code.json", allow_private=False, resolve=net.resolve)
    assert problem is not None and "must use https" in problem and "PULSE_ALLOW_PRIVATE_URLS" in problem
    assert check_url("http://public.test/code.json", allow_private=True, resolve=net.resolve) is None


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("file:///etc/passwd", "must be an https:// URL, not file:"),
        ("ftp://public.test/code.json", "must be an https:// URL, not ftp:"),
        ("public.test/code.json", "one without a scheme"),
        ("https:///code.json", "has no host"),
        ("https://public.test:99999/", "is not a valid URL"),
        ("https://public.test/code.json\r\nX-Injected: 1", "control characters"),
        ("https://nowhere.test/code.json", "could not be resolved"),
    ],
)
def test_urls_that_are_not_https_to_a_host_are_refused_even_with_the_setting(url: str, words: str) -> None:
    net = FakeNet({"public.test": [PUBLIC]})
    for allow_private in (False, True):
        problem = check_url(url, allow_private=allow_private, resolve=net.resolve)
        assert problem is not None and words in problem


def test_a_user_name_or_password_in_the_url_is_refused_and_never_repeated() -> None:
    net = FakeNet({"public.test": [PUBLIC]})
    for allow_private in (False, True):
        problem = check_url("https://bot:s3cret@public.test/", allow_private=allow_private, resolve=net.resolve)
        assert problem is not None and "user name or password" in problem and "s3cret" not in problem
    error = refusal("https://bot:s3cret@public.test/", allow_private=False, resolve=net.resolve)
    assert "public.test" in str(error) and "s3cret" not in str(error) and "bot" not in str(error)
    assert net.dialled == []


def test_localhost_is_refused_without_the_setting_and_fetched_with_it(web: Server) -> None:
    problem = check_url(f"https://localhost:{web.port}/ok", allow_private=False)  # the system resolver
    assert problem is not None and "localhost resolves to 127.0.0.1, a loopback address" in problem
    error = refusal(f"https://localhost:{web.port}/ok", allow_private=False)
    assert "loopback" in str(error) and f"localhost:{web.port}/ok" in str(error)
    assert web.seen == []  # refused before any connection
    assert fetch_url(f"http://localhost:{web.port}/ok", allow_private=True) == b"hello"
    assert web.seen[-1]["agent"] == USER_AGENT and web.seen[-1]["host"] == f"localhost:{web.port}"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
        ("https://[fd00:ec2::254]/latest/meta-data/", "a cloud metadata address"),
        ("https://100.100.100.200/latest/meta-data/", "a cloud metadata address"),
        ("https://[::ffff:169.254.169.254]/", "a cloud metadata address"),  # IPv4-mapped IPv6
        ("https://[::ffff:127.0.0.1]/", "a loopback address"),
        ("https://[2002:a9fe:a9fe::]/", "a cloud metadata address"),  # 6to4 of 169.254.169.254
        ("https://127.0.0.1/", "a loopback address"),
        ("https://[::1]/", "a loopback address"),
        ("https://10.1.2.3/", "a private address"),
        ("https://192.168.0.1/", "a private address"),
        ("https://172.16.0.1/", "a private address"),
        ("https://169.254.1.1/", "a link-local address"),
        ("https://[fe80::1]/", "a link-local address"),
        ("https://0.0.0.0/", "the unspecified address"),
        ("https://224.0.0.1/", "a multicast address"),
        ("https://240.0.0.1/", "a reserved address"),
        ("https://100.64.0.1/", "not a public internet address"),
    ],
)
def test_addresses_pulse_must_not_reach_are_refused_as_literals(url: str, words: str) -> None:
    problem = check_url(url, allow_private=False, resolve=numeric_only)
    assert problem is not None and words in problem and "PULSE_ALLOW_PRIVATE_URLS=1" in problem
    assert check_url(url, allow_private=True, resolve=numeric_only) is None  # the setting lifts the address rule


@pytest.mark.parametrize("host", ["2130706433", "0177.0.0.1", "0x7f000001", "127.1", "0x7f.1"])
def test_odd_notations_of_loopback_are_refused(host: str) -> None:
    problem = check_url(f"http://{host}/", allow_private=False, resolve=numeric_only)
    assert problem is not None and "must use https" in problem  # plain http falls to the scheme rule first
    problem = check_url(f"https://{host}/", allow_private=False, resolve=numeric_only)
    assert problem is not None and problem.startswith(f"{host} resolves to 127.0.0.1, a loopback address;")


def test_a_host_is_refused_if_any_of_its_addresses_is_private() -> None:
    net = FakeNet({"mixed.test": [PUBLIC, "10.0.0.5"], "public.test": [PUBLIC, "2606:2800:220:1::1"]})
    problem = check_url("https://mixed.test/", allow_private=False, resolve=net.resolve)
    assert problem is not None and "mixed.test resolves to 10.0.0.5, a private address" in problem
    assert check_url("https://public.test/", allow_private=False, resolve=net.resolve) is None


def test_address_problem_knows_public_from_private() -> None:
    assert address_problem(PUBLIC) is None
    assert address_problem("::ffff:" + PUBLIC) is None  # a mapped public address is public
    assert address_problem("fe80::1%eth0") == "a link-local address"
    assert address_problem("not an address") == "an address Pulse cannot read"


# --- fetch_url over the network ----------------------------------------------------------------


def test_an_https_source_is_fetched_from_the_checked_address_with_its_name_in_host_and_sni(
    tls: Server, trusted: None
) -> None:
    net = FakeNet({"public.test": [PUBLIC]})
    url = f"https://public.test:{tls.port}/ok"
    assert fetch_url(url, allow_private=False, resolve=net.resolve, connect=net.connect) == b"hello"
    assert net.dialled == [PUBLIC]
    assert tls.sni == ["public.test"]
    assert tls.seen == [{"path": "/ok", "host": f"public.test:{tls.port}", "agent": USER_AGENT}]


def test_an_untrusted_certificate_is_refused(tls: Server) -> None:
    net = FakeNet({"public.test": [PUBLIC]})
    error = refusal(f"https://public.test:{tls.port}/ok", allow_private=False, resolve=net.resolve, connect=net.connect)
    assert "TLS certificate is not valid" in str(error) and f"https://public.test:{tls.port}/ok" in str(error)
    assert tls.seen == []


def test_a_redirect_to_a_private_address_is_refused_before_it_is_followed(tls: Server, trusted: None) -> None:
    net = FakeNet({"public.test": [PUBLIC], "evil.test": ["169.254.169.254"]})
    for target in (
        f"https://evil.test:{tls.port}/latest/meta-data/",
        "https://169.254.169.254/latest/meta-data/",
        f"https://[::ffff:127.0.0.1]:{tls.port}/ok",
    ):
        error = refusal(
            f"https://public.test:{tls.port}/redirect?to={target}",
            allow_private=False, resolve=net.resolve, connect=net.connect,
        )  # fmt: skip
        assert "redirected from" in str(error) and ("metadata" in str(error) or "loopback" in str(error))
    assert net.dialled == [PUBLIC] * 3  # the redirect targets were never connected to
    assert [seen["path"].split("?")[0] for seen in tls.seen] == ["/redirect"] * 3


def test_a_redirect_to_plain_http_is_refused(tls: Server, trusted: None) -> None:
    net = FakeNet({"public.test": [PUBLIC]})
    error = refusal(
        f"https://public.test:{tls.port}/redirect?to=http://public.test:{tls.port}/ok",
        allow_private=False, resolve=net.resolve, connect=net.connect,
    )  # fmt: skip
    assert "must use https" in str(error) and len(tls.seen) == 1


def test_a_redirect_to_a_public_https_address_is_followed(tls: Server, trusted: None) -> None:
    net = FakeNet({"public.test": [PUBLIC], "evil.test": [PUBLIC]})
    url = f"https://public.test:{tls.port}/redirect?to=https://evil.test:{tls.port}/ok"
    assert fetch_url(url, allow_private=False, resolve=net.resolve, connect=net.connect) == b"hello"
    assert net.asked == ["public.test", "evil.test"] and tls.sni == ["public.test", "evil.test"]


def test_the_host_is_resolved_once_and_the_checked_address_is_the_one_dialled(tls: Server, trusted: None) -> None:
    answers = iter([[PUBLIC], ["127.0.0.1"]])  # DNS rebinding: a public answer for the check, then loopback
    asked: list[str] = []

    def rebinding(host: str) -> list[str]:
        asked.append(host)
        return next(answers)

    net = FakeNet({})
    body = fetch_url(f"https://public.test:{tls.port}/ok", allow_private=False, resolve=rebinding, connect=net.connect)
    assert body == b"hello" and asked == ["public.test"] and net.dialled == [PUBLIC]


def test_redirects_are_followed_up_to_the_limit(web: Server) -> None:
    url = f"http://127.0.0.1:{web.port}/chain/"
    assert fetch_url(url + "3", allow_private=True, max_redirects=3) == b"end of the chain"
    error = refusal(url + "4", allow_private=True, max_redirects=3)
    assert str(error) == f"{url}4: more than 3 redirects"
    error = refusal(url + "1", allow_private=True, max_redirects=0)
    assert "more than 0 redirects" in str(error)


def test_a_redirect_without_a_location_is_a_source_error(web: Server) -> None:
    error = refusal(f"http://127.0.0.1:{web.port}/no-location", allow_private=True)
    assert "redirect (302) without a Location" in str(error) and error.status == 302


def test_a_redirect_to_something_other_than_http_is_refused_even_with_the_setting(web: Server) -> None:
    error = refusal(f"http://127.0.0.1:{web.port}/redirect?to=file:///etc/passwd", allow_private=True)
    assert "file:///etc/passwd (redirected from" in str(error) and "must be an https:// URL" in str(error)


def test_a_huge_file_is_refused_as_soon_as_it_is_too_big(web: Server) -> None:
    started = time.monotonic()
    error = refusal(f"http://127.0.0.1:{web.port}/endless", allow_private=True, max_bytes=1_000_000)
    assert "the file is more than the 1,000,000 bytes Pulse reads" in str(error)
    assert time.monotonic() - started < 5


def test_a_declared_size_over_the_cap_is_refused_before_reading(web: Server) -> None:
    started = time.monotonic()
    error = refusal(f"http://127.0.0.1:{web.port}/declared-huge", allow_private=True, max_bytes=1_000_000, timeout=5)
    assert "is 6,000,000 bytes, more than the 1,000,000 bytes Pulse reads" in str(error)
    assert time.monotonic() - started < 2.5  # the server sends no body: waiting for it would take 5 seconds


def test_a_file_of_exactly_the_cap_is_read_whole(web: Server) -> None:
    url = f"http://127.0.0.1:{web.port}/bytes/"
    assert fetch_url(url + "100000", allow_private=True, max_bytes=100_000) == b"x" * 100_000
    error = refusal(url + "100001", allow_private=True, max_bytes=100_000)
    assert "more than the 100,000 bytes Pulse reads" in str(error)


@pytest.mark.parametrize("route", ["/drip-body", "/drip-headers"])
def test_a_slow_server_is_cut_off_at_the_time_limit(web: Server, route: str) -> None:
    started = time.monotonic()
    error = refusal(f"http://127.0.0.1:{web.port}{route}", allow_private=True, timeout=1.0)
    elapsed = time.monotonic() - started
    assert str(error) == f"http://127.0.0.1:{web.port}{route}: no complete answer within 1 seconds"
    assert 0.9 <= elapsed < 3.0  # each byte comes well within any per-read timeout; the whole request is capped


@pytest.mark.parametrize("status", [404, 500])
def test_an_error_status_is_a_source_error_that_keeps_the_query_to_itself(web: Server, status: int) -> None:
    error = refusal(f"http://127.0.0.1:{web.port}/status/{status}?token=s3cret#part", allow_private=True)
    assert error.status == status
    assert str(error).startswith(f"http://127.0.0.1:{web.port}/status/{status}: the server answered {status}")
    assert "s3cret" not in str(error) and "?" not in str(error)
    assert web.seen[-1]["path"] == f"/status/{status}?token=s3cret"  # the server itself gets the whole URL


def test_a_refused_connection_is_a_source_error() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: connections are refused
        error = refusal(f"http://127.0.0.1:{port}/code.json?key=abc", allow_private=True, timeout=3)
    assert str(error) == f"http://127.0.0.1:{port}/code.json: the connection was refused"


def test_shown_url_drops_what_may_carry_a_secret() -> None:
    assert (
        shown_url("https://user:pw@example.gov.uk:8443/a/code.json?token=x#y")
        == "https://example.gov.uk:8443/a/code.json"
    )
    assert shown_url("https://example.gov.uk/a@b") == "https://example.gov.uk/a@b"


def test_the_setting_is_read_from_the_environment(tmp_path: Path) -> None:
    assert Settings.from_env({}, data_dir=tmp_path).allow_private_urls is False
    assert Settings.from_env({"PULSE_ALLOW_PRIVATE_URLS": "1"}, data_dir=tmp_path).allow_private_urls is True
    with pytest.raises(ConfigError, match="PULSE_ALLOW_PRIVATE_URLS"):
        Settings.from_env({"PULSE_ALLOW_PRIVATE_URLS": "maybe"}, data_dir=tmp_path)
