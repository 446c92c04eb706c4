"""Process settings, read once from an injectable environment mapping.

Tests pass a dict; the GitHub token is only ever read from the environment and
never shown. A malformed value is a ConfigError naming the variable, which the
CLI turns into one line and exit code 2.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from pulse.core.errors import ConfigError
from pulse.core.vocabulary import GITHUB_LOGIN

DEFAULT_DATA_DIR = Path("~/.local/share/pulse")
DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_GITHUB_OAUTH_URL = "https://github.com"  # GitHub Enterprise serves the same paths on its own host
MIN_SECRET_KEY_CHARS = 32
_RATE = re.compile(r"^\s*\d+\s*(?:/|per)\s*\d*\s*(?:second|minute|hour|day)s?\s*$", re.IGNORECASE)

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
    allow_private_urls: bool = False  # PULSE_ALLOW_PRIVATE_URLS: local development and tests only
    # Sign-in with GitHub (OAuth app) and moderation. Sign-in needs the app's id and secret and
    # PULSE_SECRET_KEY (it signs the session cookie); moderation refuses to start without them.
    secret_key: str = field(default="", repr=False)
    github_oauth_url: str = DEFAULT_GITHUB_OAUTH_URL
    oauth_client_id: str = ""
    oauth_client_secret: str = field(default="", repr=False)
    moderators: tuple[str, ...] = ()  # GitHub logins, lower-case
    # Abuse controls on registration (the `limits` library's notation, e.g. "5/hour").
    registration_rate_per_ip: str = "5/hour"
    registration_rate_global: str = "200/hour"
    sign_in_rate_per_ip: str = "20/minute"
    max_pending: int = 500  # pending registrations before the form answers "try later"
    # Email: off unless PULSE_SMTP_HOST is set.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    mail_from: str = ""
    moderator_emails: tuple[str, ...] = ()

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
            allow_private_urls=_flag(env, "PULSE_ALLOW_PRIVATE_URLS", False),
            secret_key=_secret_key(env),
            github_oauth_url=(env.get("GITHUB_OAUTH_URL") or DEFAULT_GITHUB_OAUTH_URL).rstrip("/"),
            oauth_client_id=env.get("PULSE_GITHUB_CLIENT_ID", "").strip(),
            oauth_client_secret=env.get("PULSE_GITHUB_CLIENT_SECRET", "").strip(),
            moderators=_logins(env, "PULSE_MODERATORS"),
            registration_rate_per_ip=_rate(env, "PULSE_REGISTRATION_RATE", "5/hour"),
            registration_rate_global=_rate(env, "PULSE_REGISTRATION_GLOBAL_RATE", "200/hour"),
            sign_in_rate_per_ip=_rate(env, "PULSE_SIGN_IN_RATE", "20/minute"),
            max_pending=_number(env, "PULSE_MAX_PENDING", 500, int, minimum=1),
            smtp_host=env.get("PULSE_SMTP_HOST", "").strip(),
            smtp_port=_number(env, "PULSE_SMTP_PORT", 25, int, minimum=1),
            smtp_username=env.get("PULSE_SMTP_USERNAME", "").strip(),
            smtp_password=env.get("PULSE_SMTP_PASSWORD", ""),
            smtp_starttls=_flag(env, "PULSE_SMTP_STARTTLS", False),
            mail_from=env.get("PULSE_MAIL_FROM", "").strip(),
            moderator_emails=tuple(e.strip() for e in env.get("PULSE_MODERATOR_EMAILS", "").split(",") if e.strip()),
        ).refuse_unworkable()

    def refuse_unworkable(self) -> Settings:
        """Itself, or a ConfigError for a combination that cannot work, naming the variable to set."""
        if self.moderators and not self.secret_key:
            raise ConfigError(
                "environment", None, "PULSE_SECRET_KEY",
                "must be set when PULSE_MODERATORS is: it signs the moderators' session cookie "
                f"(at least {MIN_SECRET_KEY_CHARS} random characters, e.g. from `openssl rand -hex 32`)",
            )  # fmt: skip
        if self.moderators and not (self.oauth_client_id and self.oauth_client_secret):
            raise ConfigError(
                "environment", None, "PULSE_GITHUB_CLIENT_ID",
                "and PULSE_GITHUB_CLIENT_SECRET must be set when PULSE_MODERATORS is: moderators sign in with GitHub",
            )  # fmt: skip
        if self.smtp_host and not self.mail_from:
            raise ConfigError("environment", None, "PULSE_MAIL_FROM", "must be set when PULSE_SMTP_HOST is")
        if self.smtp_host and not self.base_url:
            raise ConfigError(
                "environment", None, "PULSE_BASE_URL", "must be set when PULSE_SMTP_HOST is: emails link to the site"
            )
        return self

    @property
    def sign_in_enabled(self) -> bool:
        """GitHub sign-in works: an OAuth app and a key to sign the session with."""
        return bool(self.oauth_client_id and self.oauth_client_secret and self.secret_key)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

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


def _secret_key(env: Mapping[str, str]) -> str:
    raw = env.get("PULSE_SECRET_KEY", "")
    if raw and len(raw) < MIN_SECRET_KEY_CHARS:
        raise ConfigError(
            "environment",
            None,
            "PULSE_SECRET_KEY",
            f"must be at least {MIN_SECRET_KEY_CHARS} characters (it has {len(raw)}); e.g. `openssl rand -hex 32`",
        )  # fmt: skip  (the value itself is never shown)
    return raw


def _logins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated GitHub logins, lower-case; a ConfigError naming the variable for a malformed one."""
    logins = [item.strip().removeprefix("@") for item in env.get(name, "").split(",") if item.strip()]
    for login in logins:
        if not GITHUB_LOGIN.match(login):
            raise ConfigError(
                "environment", None, name, f"must be GitHub logins separated by commas, not {login[:40]!r}"
            )
    return tuple(dict.fromkeys(login.lower() for login in logins))


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate such as "5/hour" or "20 per minute"; a ConfigError naming the variable otherwise."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not _RATE.match(raw):
        raise ConfigError(
            "environment", None, name, f"must be a rate such as 5/hour or 20 per minute, not {raw[:40]!r}"
        )
    return raw


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
