"""What every response gets, in one place: strict headers, cache validators, CORS.

`ResponsePolicy` is a plain ASGI middleware (no body buffering, so streamed
downloads stay streamed), wrapped around the whole Starlette app so that even
a 500 from Starlette's outermost error handler carries the headers. For every response it sets:

- `Content-Security-Policy`: Pulse pages have no JavaScript, inline style or
  frames, so the policy is strict (`default-src 'none'`; styles and images
  from this site; README images from any https host; forms post only here;
  no framing). `X-Frame-Options: DENY` says the same to old browsers.
- `X-Content-Type-Options: nosniff`, `Referrer-Policy`, `Permissions-Policy`
  (every powerful feature off), `Cross-Origin-Opener-Policy`; HSTS only when
  configured (PULSE_HSTS_SECONDS, for TLS deployments); no `server` banner.
- `Access-Control-Allow-Origin: *` on the read-only open-data responses
  (GET/HEAD under /api/, feeds, downloads, /healthz; never HTML, never
  with credentials), so a council's own page can read the API from a browser.
- Cache validators on those data responses: a weak `ETag` made of the
  catalogue version (index generation and harvest-state files) and the
  request URL, and `Cache-Control`. A request whose `If-None-Match` holds
  the current tag is answered 304 before any search runs.
- `Cache-Control: public, max-age=31536000, immutable` on versioned static
  assets (`/static/...?v=`), an hour on the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from asgi_csrf import asgi_csrf
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulse.core.settings import Settings

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' https:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
PERMISSIONS = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)
STATIC_IMMUTABLE = "public, max-age=31536000, immutable"
STATIC_PLAIN = "public, max-age=3600"
# Open data, revalidated cheaply by ETag: the catalogue changes with each nightly harvest.
DATA_CACHE = {"/api/": "public, max-age=300", "/feeds/": "public, max-age=300", "/downloads/": "public, no-cache"}
_NOT_CACHED = frozenset({"/api/openapi.json"})  # the same for every index generation: no catalogue tag
# Per-person and live pages (a registration's status, sign-in, moderation): never stored by any cache.
PRIVATE_PREFIXES = ("/api/registrations", "/registrations/", "/register", "/sign-in", "/sign-out", "/moderate")
SESSION_PREFIXES = ("/sign-in", "/sign-out", "/moderate", "/registrations/")
CSRF_PREFIXES = ("/moderate", "/sign-out")
SESSION_SECONDS = 8 * 3600


def _data_prefix(path: str) -> str | None:
    """The open-data area of a path ("/healthz" or a DATA_CACHE key), or None (HTML pages, static files)."""
    if path == "/healthz":
        return path
    return next((prefix for prefix in DATA_CACHE if path.startswith(prefix)), None)


class ResponsePolicy:
    """Headers on every response, and 304s for unchanged open data (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, *, state: Any, catalogue_version: Callable[[Any], str], hsts_seconds: int = 0
    ) -> None:
        self.app = app
        self.state = state  # the Starlette app's state (store, settings), set by its lifespan
        self.catalogue_version = catalogue_version  # called with that state
        self.hsts_seconds = hsts_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        query = scope.get("query_string", b"")
        readable = method in ("GET", "HEAD")
        private = path.startswith(PRIVATE_PREFIXES)
        prefix = _data_prefix(path) if readable and not private else None

        etag = ""
        if prefix in DATA_CACHE and path not in _NOT_CACHED:  # /healthz is live: never cached
            version = self.catalogue_version(self.state)
            if version:
                digest = hashlib.sha256(b"%s?%s" % (path.encode("utf-8", "surrogateescape"), query)).hexdigest()[:16]
                etag = f'W/"{version}-{digest}"'
                if _matches(Headers(scope=scope).get("if-none-match", ""), etag):
                    await self._not_modified(send, etag, DATA_CACHE[prefix])
                    return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                self._common(headers)
                status = message["status"]
                content_type = headers.get("content-type", "")
                if prefix and not content_type.startswith("text/html"):
                    headers["Access-Control-Allow-Origin"] = "*"
                    if etag and status == 200:
                        headers["ETag"] = etag
                        headers["Cache-Control"] = DATA_CACHE[prefix]  # GZipMiddleware sets Vary
                elif path.startswith("/static/") and status == 200:
                    headers["Cache-Control"] = STATIC_IMMUTABLE if b"v=" in query else STATIC_PLAIN
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _common(self, headers: MutableHeaders) -> None:
        if "server" in headers:
            del headers["server"]
        headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["Permissions-Policy"] = PERMISSIONS
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if self.hsts_seconds > 0:
            headers["Strict-Transport-Security"] = f"max-age={self.hsts_seconds}; includeSubDomains"

    async def _not_modified(self, send: Send, etag: str, cache_control: str) -> None:
        headers = MutableHeaders()
        self._common(headers)
        headers["ETag"] = etag
        headers["Cache-Control"] = cache_control
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Vary"] = "Accept-Encoding"
        await send({"type": "http.response.start", "status": 304, "headers": headers.raw})
        await send({"type": "http.response.body", "body": b""})


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison of an If-None-Match list against our tag."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))


class SignedSessions:
    """The signed session cookie and CSRF tokens, on the paths that use them and nowhere else.

    Starlette's SessionMiddleware (itsdangerous-signed with PULSE_SECRET_KEY, SameSite=Lax,
    Secure behind https, 8 hours) on sign-in, moderation and registration status pages;
    asgi-csrf's signed double-submit token on every POST under /moderate and /sign-out.
    Public pages never set a cookie, so shared caches can keep them.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        secure = settings.base_url.startswith("https://")
        protected = asgi_csrf(
            app,
            cookie_name="pulse_csrf",
            signing_secret=settings.secret_key,
            skip_if_scope=lambda scope: not scope["path"].startswith(CSRF_PREFIXES),
            cookie_secure=secure,
            cookie_samesite="Strict",
            send_csrf_failed=_csrf_failed,
        )
        self.app = app
        self.sessions = SessionMiddleware(
            protected,
            secret_key=settings.secret_key,
            session_cookie="pulse_session",
            max_age=SESSION_SECONDS,
            same_site="lax",  # the OAuth callback is a top-level GET from GitHub: Lax lets the cookie come back
            https_only=secure,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(SESSION_PREFIXES):
            await self.sessions(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def _csrf_failed(scope: Scope, send: Send, message_id: object) -> None:
    """A POST without this site's CSRF token: 403, saying what to do."""
    body = (
        b"<!DOCTYPE html><html lang='en-GB'><head><title>Refused - Pulse</title></head><body><main>"
        b"<h1>Refused</h1><p>This form has expired or was not sent from a Pulse page. "
        b"Go back, reload the page and try again.</p></main></body></html>"
    )
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
