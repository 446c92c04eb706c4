"""The sources file: `sources.yaml` parsed into dataclasses, every mistake named.

`sources.yaml` is written by people, scripts and other teams, so every
mistake is reported with the file, the line and the key path
(`publishers[3].sources[0].github`), before anything touches the index.
Source kinds and their target checks come from `pulse.core.vocabulary`,
so this module needs nothing of the harvesters that implement them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from pulse.core.errors import ConfigError
from pulse.core.resources import shipped_file
from pulse.core.vocabulary import PUBLISHER_TYPES, SOURCE_KINDS, SOURCE_OPTIONS, check_source_target

DEFAULT_SOURCES = shipped_file("sources.yaml")
PUBLISHER_KEYS = ("name", "type", "sources", "homepage")


@dataclass(frozen=True)
class Source:
    """One place to harvest from: a kind (a module in `harvesters/`), its target, and its options."""

    kind: str  # e.g. "github"
    target: str  # the organisation login, the GitLab group path, the inventory's or list's URL or path
    url: str = ""  # gitlab: the instance, e.g. "https://git.example.gov.uk" (default https://gitlab.com)
    token_env: str = ""  # gitlab: the environment variable holding a read token (never the token itself)
    # Where the sources file was, so a `resources:` path is read relative to it (not part of its identity).
    origin: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        """Stable identity used in the index; logins and group paths are case-insensitive. A GitLab
        group is keyed with its instance's host: two instances can both have a group `digital`."""
        if self.kind == "gitlab":
            return f"gitlab:{self.host}/{self.target.lower()}"
        if self.kind in ("github",):
            return f"{self.kind}:{self.target.lower()}"
        return f"{self.kind}:{self.target}"

    @property
    def host(self) -> str:
        """A GitLab source's instance host (gitlab.com unless `url` names another)."""
        return (urlsplit(self.url).hostname or "gitlab.com").lower() if self.url else "gitlab.com"

    @property
    def location(self) -> str:
        """What a `resources:` or `code_json:` target points at: its URL, or its file resolved against `origin`."""
        if "://" in self.target or not self.origin:
            return self.target
        return str((Path(self.origin) / self.target).resolve())


@dataclass(frozen=True)
class Publisher:
    """A public body that publishes code, as listed in sources.yaml."""

    name: str
    type: str
    sources: tuple[Source, ...]
    homepage: str = ""


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
        self.origin = str(Path(filename).resolve().parent) if filename else ""

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
                    raise self.fail(
                        pnode,
                        f"publishers[{i}].sources[{j}].{source.kind}",
                        f"'{source.target}' is already listed under {seen[source.key]}",
                    )
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
            raise self.fail(fields["type"][1], f"{key}.type", f"'{ptype}' is not one of {', '.join(PUBLISHER_TYPES)}")
        homepage = self.string(fields["homepage"][1], f"{key}.homepage") if "homepage" in fields else ""
        snodes = self.sequence(fields["sources"][1], f"{key}.sources")
        if not snodes:
            raise self.fail(fields["sources"][1], f"{key}.sources", "the list is empty")
        sources = tuple(self.source(s, f"{key}.sources[{j}]") for j, s in enumerate(snodes))
        return Publisher(name=name, type=ptype, sources=sources, homepage=homepage)

    def source(self, node: yaml.Node, key: str) -> Source:
        fields = self.mapping(node, key)
        kinds = [name for name in fields if name in SOURCE_KINDS]
        if len(kinds) != 1:
            unknown = next((name for name in fields if not any(name in o for o in SOURCE_OPTIONS.values())), None)
            if not kinds and unknown is not None:
                raise self.fail(
                    fields[unknown][0], f"{key}.{unknown}",
                    f"unknown source kind; expected one of {', '.join(SOURCE_KINDS)}",
                )  # fmt: skip
            raise self.fail(
                node, key, f"expected exactly one source kind ({', '.join(SOURCE_KINDS)}), e.g. 'github: OrgLogin'"
            )
        kind = kinds[0]
        knode, vnode = fields[kind]
        target = self.string(vnode, f"{key}.{kind}")
        problem = check_source_target(kind, target)
        if problem:
            raise self.fail(vnode, f"{key}.{kind}", problem)
        options: dict[str, str] = {}
        for name, (oknode, ovnode) in fields.items():
            if name == kind:
                continue
            allowed = SOURCE_OPTIONS.get(kind, {})
            if name not in allowed:
                expected = f"; {kind} takes {', '.join(allowed)}" if allowed else f"; {kind} takes no options"
                raise self.fail(oknode, f"{key}.{name}", f"unknown key{expected}")
            value = self.string(ovnode, f"{key}.{name}")
            if problem := allowed[name](value):
                raise self.fail(ovnode, f"{key}.{name}", problem)
            options[name] = value
        return Source(kind=kind, target=target, origin=self.origin, **options)


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
