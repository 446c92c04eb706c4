"""Process settings, read once from an injectable environment mapping.

Tests pass a dict; the GitHub token is only ever read from the environment and
never shown. A malformed value is a ConfigError naming the variable, which the
CLI turns into one line and exit code 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from pulse.core.errors import ConfigError

DEFAULT_DATA_DIR = Path("~/.local/share/pulse")
DEFAULT_GITHUB_API_URL = "https://api.github.com"

# Host header values a local `pulse serve` answers when PULSE_BASE_URL is not set.
LOCAL_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]", "::1")
_N = TypeVar("_N", int, float)


@dataclass(frozen=True)
class Settings:
    """Process settings, read once from the environment."""

    data_dir: Path
    github_api_url: str = DEFAULT_GITHUB_API_URL
    github_token: str | None = field(default=None, repr=False)  # never shown
    github_request_interval: float = 0.25  # seconds between requests: serial and polite
    github_retries: int = 3  # urllib3 retries for 5xx and rate limits, with backoff
    github_timeout: int = 20  # seconds per request (PyGithub wants an int) before it counts as failed
    github_max_rate_limit_wait: float = 300.0  # wait at most this long for a rate limit reset, else stop
    # The public address of the site, e.g. "https://pulse.example.gov.uk": absolute links
    # (feeds, the API guide) use it, never the request's Host header. "" when serving locally.
    base_url: str = ""
    # Host header values answered; anything else gets a 400 (no Host-header cache poisoning).
    allowed_hosts: tuple[str, ...] = LOCAL_HOSTS
    hsts_seconds: int = 0  # Strict-Transport-Security max-age; set it only behind TLS
    header_timeout: float = 10.0  # seconds a client has to send a request's headers
    limit_concurrency: int = 200  # connections and requests at once before uvicorn answers 503
    download_stall_seconds: float = 30.0  # a download whose client reads nothing this long is dropped
    # The fenced fast path over Whoosh internals (pulse.index.whoosh_internals); off: public API only.
    fast_path: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, data_dir: str | Path | None = None) -> Settings:
        """Settings from environment variables; a malformed value is a ConfigError naming the variable."""
        env = os.environ if env is None else env
        chosen = data_dir or env.get("PULSE_DATA_DIR") or DEFAULT_DATA_DIR
        base_url = _base_url(env.get("PULSE_BASE_URL", ""))
        hosts = [h.strip().lower() for h in env.get("PULSE_ALLOWED_HOSTS", "").split(",") if h.strip()]
        if base_url:
            hosts.insert(0, (urlsplit(base_url).hostname or "").lower())
        return cls(
            data_dir=Path(chosen).expanduser(),
            github_api_url=(env.get("GITHUB_API_URL") or DEFAULT_GITHUB_API_URL).rstrip("/"),
            github_token=env.get("GITHUB_TOKEN") or None,
            github_request_interval=_number(env, "PULSE_GITHUB_REQUEST_INTERVAL", 0.25, float),
            github_retries=_number(env, "PULSE_GITHUB_RETRIES", 3, int),
            github_timeout=_number(env, "PULSE_GITHUB_TIMEOUT", 20, int, minimum=1),
            github_max_rate_limit_wait=_number(env, "PULSE_GITHUB_MAX_RATE_LIMIT_WAIT", 300.0, float),
            base_url=base_url,
            allowed_hosts=tuple(dict.fromkeys(hosts)) if hosts else LOCAL_HOSTS,
            hsts_seconds=_number(env, "PULSE_HSTS_SECONDS", 0, int),
            header_timeout=_number(env, "PULSE_HEADER_TIMEOUT", 10.0, float, minimum=0.1),
            limit_concurrency=_number(env, "PULSE_LIMIT_CONCURRENCY", 200, int, minimum=1),
            download_stall_seconds=_number(env, "PULSE_DOWNLOAD_STALL_SECONDS", 30.0, float, minimum=0.1),
            fast_path=_flag(env, "PULSE_FAST_PATH", True),
        )

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def _number(env: Mapping[str, str], name: str, default: _N, kind: type[_N], *, minimum: float = 0) -> _N:
    """A number from the environment, or a ConfigError that names the variable."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise ConfigError(
            "environment", None, name, f"must be a {'whole ' if kind is int else ''}number, not {shown!r}"
        ) from None
    if not value >= minimum:  # also refuses NaN
        raise ConfigError("environment", None, name, f"must be at least {minimum:g}, not {raw!r}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """An on/off value (1/0, true/false, yes/no, on/off), or a ConfigError that names the variable."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError("environment", None, name, f"must be 1 or 0 (or true/false, yes/no, on/off), not {raw[:40]!r}")


def _base_url(raw: str) -> str:
    """PULSE_BASE_URL without a trailing slash; a ConfigError unless it is an http(s) origin."""
    text = raw.strip().rstrip("/")
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            "environment",
            None,
            "PULSE_BASE_URL",
            f"must be an http(s) address such as https://pulse.example.gov.uk, not {raw[:60]!r}",
        )
    return text
