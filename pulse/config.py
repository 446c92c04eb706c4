"""Configuration as data: `sources.yaml` parsed into dataclasses, and settings.

`sources.yaml` is written by people, scripts and other teams, so every
mistake is reported with the file, the line and the key path
(`publishers[3].sources[0].github`), before anything touches the index.
Settings come from an injectable environment mapping so tests pass a dict;
the GitHub token is only ever read from the environment and never shown.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import yaml

from harvesters import HARVESTERS
from pulse.errors import ConfigError
from pulse.record import PUBLISHER_TYPES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = PROJECT_ROOT / "sources.yaml"
DEFAULT_DATA_DIR = Path("~/.local/share/pulse")
DEFAULT_GITHUB_API_URL = "https://api.github.com"

PUBLISHER_KEYS = ("name", "type", "sources", "homepage")
# Host header values a local `pulse serve` answers when PULSE_BASE_URL is not set.
LOCAL_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]", "::1")
_N = TypeVar("_N", int, float)


@dataclass(frozen=True)
class Source:
    """One place to harvest from: a kind (a module in `harvesters/`) and its target."""

    kind: str  # e.g. "github"
    target: str  # e.g. the organisation login "Dorset-Council-UK"

    @property
    def key(self) -> str:
        """Stable identity used in the index; logins are case-insensitive."""
        return f"{self.kind}:{self.target.lower()}"


@dataclass(frozen=True)
class Publisher:
    """A public body that publishes code, as listed in sources.yaml."""

    name: str
    type: str
    sources: tuple[Source, ...]
    homepage: str = ""


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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, data_dir: str | Path | None = None) -> "Settings":
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
        raise ConfigError("environment", None, name,
                          f"must be a {'whole ' if kind is int else ''}number, not {shown!r}") from None
    if not value >= minimum:  # also refuses NaN
        raise ConfigError("environment", None, name, f"must be at least {minimum:g}, not {raw!r}")
    return value


def _base_url(raw: str) -> str:
    """PULSE_BASE_URL without a trailing slash; a ConfigError unless it is an http(s) origin."""
    text = raw.strip().rstrip("/")
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError("environment", None, "PULSE_BASE_URL",
                          f"must be an http(s) address such as https://pulse.example.gov.uk, not {raw[:60]!r}")
    return text


def load_sources(path: str | Path = DEFAULT_SOURCES) -> list[Publisher]:
    """Read and validate a sources file, raising ConfigError naming line and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), None, "(file)", f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), None, "(file)", "is not UTF-8 text") from exc
    return parse_sources(text, str(path))


def parse_sources(text: str, filename: str = "sources.yaml") -> list[Publisher]:
    """Parse sources YAML text; `filename` only appears in error messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(filename, line, "(syntax)", f"not valid YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(filename, None, "(syntax)", f"not valid YAML: {exc}") from exc
    return _Parser(filename).publishers(root)


class _Parser:
    """Walks the YAML node tree, which keeps line numbers that plain dicts lose."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def fail(self, node: yaml.Node | None, key: str, problem: str) -> ConfigError:
        line = node.start_mark.line + 1 if node is not None else None
        return ConfigError(self.filename, line, key, problem)

    def mapping(self, node: yaml.Node, key: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, key, f"expected a mapping (key: value), found {_kind(node)}")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for knode, vnode in node.value:
            name = str(knode.value)
            if name in out:
                raise self.fail(knode, f"{key}.{name}" if key else name, "appears twice")
            out[name] = (knode, vnode)
        return out

    def sequence(self, node: yaml.Node, key: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, key, f"expected a list, found {_kind(node)}")
        return list(node.value)

    def string(self, node: yaml.Node, key: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str" or not str(node.value).strip():
            raise self.fail(node, key, f"expected a non-empty text value, found {_kind(node)}")
        return str(node.value).strip()

    def publishers(self, root: yaml.Node | None) -> list[Publisher]:
        if root is None:
            raise self.fail(None, "publishers", "the file is empty; expected a 'publishers:' list")
        top = self.mapping(root, "")
        if "publishers" not in top:
            raise self.fail(root, "publishers", "missing; the file must start with 'publishers:'")
        for name, (knode, _) in top.items():
            if name != "publishers":
                raise self.fail(knode, name, "unknown top-level key; expected only 'publishers'")
        result: list[Publisher] = []
        seen: dict[str, str] = {}
        for i, pnode in enumerate(self.sequence(top["publishers"][1], "publishers")):
            publisher = self.publisher(pnode, f"publishers[{i}]")
            for j, source in enumerate(publisher.sources):
                if source.key in seen:
                    raise self.fail(pnode, f"publishers[{i}].sources[{j}].{source.kind}",
                                    f"'{source.target}' is already listed under {seen[source.key]}")
                seen[source.key] = publisher.name
            result.append(publisher)
        if not result:
            raise self.fail(top["publishers"][1], "publishers", "the list is empty")
        return result

    def publisher(self, node: yaml.Node, key: str) -> Publisher:
        fields = self.mapping(node, key)
        for name, (knode, _) in fields.items():
            if name not in PUBLISHER_KEYS:
                raise self.fail(knode, f"{key}.{name}", f"unknown key; expected one of {', '.join(PUBLISHER_KEYS)}")
        for required in ("name", "type", "sources"):
            if required not in fields:
                raise self.fail(node, f"{key}.{required}", "missing")
        name = self.string(fields["name"][1], f"{key}.name")
        ptype = self.string(fields["type"][1], f"{key}.type")
        if ptype not in PUBLISHER_TYPES:
            raise self.fail(fields["type"][1], f"{key}.type",
                            f"'{ptype}' is not one of {', '.join(PUBLISHER_TYPES)}")
        homepage = self.string(fields["homepage"][1], f"{key}.homepage") if "homepage" in fields else ""
        snodes = self.sequence(fields["sources"][1], f"{key}.sources")
        if not snodes:
            raise self.fail(fields["sources"][1], f"{key}.sources", "the list is empty")
        sources = tuple(self.source(s, f"{key}.sources[{j}]") for j, s in enumerate(snodes))
        return Publisher(name=name, type=ptype, sources=sources, homepage=homepage)

    def source(self, node: yaml.Node, key: str) -> Source:
        fields = self.mapping(node, key)
        if len(fields) != 1:
            raise self.fail(node, key, f"expected exactly one source kind ({', '.join(HARVESTERS)}), e.g. 'github: OrgLogin'")
        (kind, (knode, vnode)), = fields.items()
        if kind not in HARVESTERS:
            raise self.fail(knode, f"{key}.{kind}", f"unknown source kind; expected one of {', '.join(HARVESTERS)}")
        target = self.string(vnode, f"{key}.{kind}")
        problem = HARVESTERS[kind].check_target(target)
        if problem:
            raise self.fail(vnode, f"{key}.{kind}", problem)
        return Source(kind=kind, target=target)


def _kind(node: yaml.Node | None) -> str:
    if node is None:
        return "nothing"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == "tag:yaml.org,2002:null" or node.value in ("", "~"):
        return "an empty value"
    return f"'{node.value}'"
