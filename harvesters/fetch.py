"""Fetching the URLs a source names, with the checks that keep Pulse from being aimed inward (SSRF).

Why: sources.yaml, and one day a registration, names URLs that Pulse then fetches from its
own server: a code.json, a resources file, a self-hosted GitLab. Whoever writes such a URL
could point Pulse at what only that server can reach: the cloud metadata service
(169.254.169.254 hands out credentials), an admin page on localhost, a database on the
private network. So a URL a source names is fetched only if:

- it is https (no plain http, file:, ftp:), has a host and no `user:password@`;
- every address its host resolves to is a public internet address: not private, loopback,
  link-local, multicast, reserved, unspecified, shared (100.64.0.0/10) or a cloud metadata
  address, IPv4 addresses wrapped in IPv6 (::ffff:a.b.c.d, 6to4) included. Odd spellings of an
  address (https://2130706433/, 0177.0.0.1) resolve like any name, so checking what a host
  resolves to covers them;
- the connection goes to the very address that was checked, with the original name in the
  Host header and TLS SNI and the certificate checked against that name: asking DNS again
  could give another answer (DNS rebinding);
- each redirect passes the same checks before it is followed, at most `max_redirects`;
- the body stays under `max_bytes`, and the whole request (connect, TLS, headers, body) under
  `timeout` seconds: a timer shuts the connection down when the time is up, whatever it is
  waiting for. (Name resolution is the system resolver's and keeps its own timeout.)

Trusted, and not checked here: base URLs the operator sets in the environment
(GITHUB_API_URL, GITHUB_OAUTH_URL, PULSE_BASE_URL) are configuration, not source data.
PULSE_ALLOW_PRIVATE_URLS=1 (`allow_private=True`) lifts the address rule and allows plain
http, for local development and tests only; never set it on a server.

A refusal or failure is a SourceError that names the URL without its query string or user
name (either may carry a token), so the run reports it like any failing source and goes on.
`check_url` offers the same check for URLs other clients fetch (python-gitlab's `url:`).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from pulse.core.errors import SourceError

USER_AGENT = "Pulse (UK public-sector code index)"
MAX_BYTES = 5_000_000
TIMEOUT = 20.0  # seconds for the whole request, redirects included
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_PUBLIC_ONLY = (
    "Pulse fetches only public internet addresses "
    "(PULSE_ALLOW_PRIVATE_URLS=1 lifts this, for local development and tests only)"
)
# AWS, Azure, GCP and others (IPv4 and AWS's IPv6), and Alibaba Cloud's.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))

# The two seams, for tests only: where a host resolves (its addresses, as strings) and how a
# TCP connection to a checked address is opened (address, port, timeout in seconds).
Resolver = Callable[[str], list[str]]
Connector = Callable[[str, int, float], socket.socket]


def system_resolve(host: str) -> list[str]:
    """Every address `host` resolves to, by getaddrinfo (which also reads IP literals in any notation)."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def system_connect(address: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to exactly `address`: no second name lookup."""
    return socket.create_connection((address, port), timeout=timeout)


def address_problem(address: str) -> str | None:
    """What makes `address` one Pulse must not fetch from ("a loopback address"), or None if it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is no part of the check
    except ValueError:
        return "an address Pulse cannot read"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour  # ::ffff:127.0.0.1 and 2002:7f00:1:: reach IPv4 addresses
        if embedded is not None:
            return address_problem(str(embedded))
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved:  # before is_private, which covers 240.0.0.0/4 too
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "not a public internet address"  # e.g. 100.64.0.0/10, shared by carrier-grade NAT
    return None


def check_url(url: str, *, allow_private: bool, resolve: Resolver | None = None) -> str | None:
    """The problem with a URL a source names, or None: run before anything fetches it.

    `resolve` is a seam for tests (default: getaddrinfo). The problem names the host but not
    the URL; callers put it after the URL (`shown_url`) or the sources.yaml key.
    """
    vetted = _vet(url, allow_private, resolve or system_resolve)
    return vetted if isinstance(vetted, str) else None


def fetch_url(
    url: str,
    *,
    allow_private: bool,
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT,
    max_redirects: int = MAX_REDIRECTS,
    resolve: Resolver | None = None,
    connect: Connector | None = None,
) -> bytes:
    """The body of a GET of `url`, after `check_url`'s checks on it and on every redirect.

    Raises SourceError, naming the URL without its query, for a refused URL or redirect, an
    answer other than 2xx (with its status), a body over `max_bytes`, more than
    `max_redirects` redirects, no complete answer within `timeout` seconds, or any network
    failure. `resolve` and `connect` are seams for tests (defaults: getaddrinfo, and a TCP
    connection to the checked address).
    """
    resolve = resolve or system_resolve
    connect = connect or system_connect
    deadline = time.monotonic() + timeout
    current = url
    for _ in range(max_redirects + 1):
        target = _vet(current, allow_private, resolve)
        if isinstance(target, str):
            via = f" (redirected from {shown_url(url)})" if current != url else ""
            raise SourceError(f"{shown_url(current)}{via}: {target}")
        location = _get(target, shown_url(current), deadline, timeout, max_bytes, connect)
        if isinstance(location, bytes):
            return location
        current = urljoin(current, location)  # a relative Location is relative to the URL that answered
    raise SourceError(f"{shown_url(url)}: more than {max_redirects} redirects")


def shown_url(url: str) -> str:
    """`url` as it may appear in a message or log: no user name, password, query or fragment."""
    text = url.split("#", 1)[0].split("?", 1)[0]
    scheme, sep, rest = text.partition("//")
    if sep:
        authority, slash, path = rest.partition("/")
        text = f"{scheme}//{authority.rpartition('@')[2]}{slash}{path}"
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 200 else text[:200] + "…"


@dataclass(frozen=True)
class _Target:
    """A URL that passed the checks, with the addresses checked: the only ones Pulse connects to."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


def _vet(url: str, allow_private: bool, resolve: Resolver) -> _Target | str:
    """The checked target of `url`, or the problem with it."""
    if any(c.isspace() or not c.isprintable() for c in url):
        return "contains spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        return f"is not a valid URL ({err})"
    scheme = parts.scheme.lower()
    if scheme not in (("https", "http") if allow_private else ("https",)):
        if scheme == "http":
            return (
                "must use https (plain http is allowed only with PULSE_ALLOW_PRIVATE_URLS=1, "
                "for local development and tests)"
            )
        return f"must be an https:// URL, not {scheme[:20] + ':' if scheme else 'one without a scheme'}"
    if "@" in parts.netloc:
        return "must not carry a user name or password (user@host)"
    host = parts.hostname
    if not host:
        return "has no host"
    try:
        addresses = tuple(resolve(host))
    except (OSError, UnicodeError) as err:
        return f"its host {host} could not be resolved ({getattr(err, 'strerror', None) or err})"
    if not addresses:
        return f"its host {host} resolves to no address"
    if not allow_private:
        for address in addresses:
            problem = address_problem(address)
            if problem:
                named = f"{host} is" if address == host else f"{host} resolves to {address},"
                return f"{named} {problem}; {_PUBLIC_ONLY}"
    path = quote(parts.path or "/", safe=string.punctuation)  # non-ASCII as UTF-8 %-escapes
    query = "?" + quote(parts.query, safe=string.punctuation) if parts.query else ""
    if port is None:
        port = 443 if scheme == "https" else 80
    return _Target(scheme, host, port, path + query, addresses)


class _Watchdog:
    """Shuts a connection down when the time is up, whatever http.client is blocked in."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._lock = threading.Lock()
        self._watched: socket.socket | None = None
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            # A duplicate of the socket: TLS wraps (and detaches) the original, and shutting one
            # descriptor down ends the connection for both.
            self._watched = sock.dup()
            if self.expired:
                self._shut()

    def stop(self) -> None:
        self._timer.cancel()
        with self._lock:
            if self._watched is not None:
                self._watched.close()
                self._watched = None

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut()

    def _shut(self) -> None:
        if self._watched is not None:
            try:
                self._watched.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP or HTTPS to the addresses checked before, whatever DNS answers now; Host and SNI name the host."""

    def __init__(self, target: _Target, deadline: float, connect: Connector, watchdog: _Watchdog) -> None:
        super().__init__(target.host, target.port, timeout=max(deadline - time.monotonic(), 0.001))
        self.default_port = 443 if target.scheme == "https" else 80  # Host: leaves the default port out
        self._target, self._deadline, self._connect, self._watchdog = target, deadline, connect, watchdog

    def connect(self) -> None:
        sock = self._open()
        self._watchdog.watch(sock)
        if self._target.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self._target.host)
        self.sock = sock

    def _open(self) -> socket.socket:
        failure: OSError = OSError("no address to connect to")
        for address in self._target.addresses:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("timed out")
            try:
                return self._connect(address, self._target.port, remaining)
            except OSError as err:
                failure = err
        raise failure


def _get(
    target: _Target, shown: str, deadline: float, timeout: float, max_bytes: int, connect: Connector
) -> bytes | str:
    """One GET: the body of a 2xx answer, or the Location of a redirect; SourceError otherwise."""
    too_slow = f"{shown}: no complete answer within {timeout:g} seconds"
    watchdog = _Watchdog(deadline - time.monotonic())
    connection = _PinnedConnection(target, deadline, connect, watchdog)
    try:
        connection.request("GET", target.path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = connection.getresponse()
        if response.status in _REDIRECTS:
            location = response.getheader("Location")
            if not location:
                raise SourceError(f"{shown}: redirect ({response.status}) without a Location", status=response.status)
            return location
        if not 200 <= response.status < 300:
            reason = f" {response.reason}" if response.reason else ""
            raise SourceError(f"{shown}: the server answered {response.status}{reason}", status=response.status)
        declared = (response.getheader("Content-Length") or "").strip()
        if declared.isdigit() and int(declared) > max_bytes:
            size = f"{int(declared):,} bytes, more than the {max_bytes:,} bytes Pulse reads"
            raise SourceError(f"{shown}: the file is {size}")
        body = bytearray()
        while chunk := response.read1(_CHUNK):
            body += chunk
            if len(body) > max_bytes:
                raise SourceError(f"{shown}: the file is more than the {max_bytes:,} bytes Pulse reads")
        if watchdog.expired:  # the timer's shutdown looks like the end of a body sent without a length
            raise SourceError(too_slow)
        return bytes(body)
    except (OSError, http.client.HTTPException) as err:
        if watchdog.expired or isinstance(err, TimeoutError):
            raise SourceError(too_slow) from None
        raise SourceError(f"{shown}: {_failure(err)}") from None
    finally:
        watchdog.stop()
        connection.close()


def _failure(err: OSError | http.client.HTTPException) -> str:
    """A network failure in words (no URL: the caller names it)."""
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not valid ({err.verify_message})"
    if isinstance(err, ssl.SSLError):
        return f"the TLS connection failed ({err.reason or err})"
    if isinstance(err, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(err, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(err, http.client.IncompleteRead):
        return "the answer was cut short"
    if isinstance(err, http.client.HTTPException):
        return f"the answer is not valid HTTP ({type(err).__name__})"
    return f"the connection failed ({err.strerror or err})"
