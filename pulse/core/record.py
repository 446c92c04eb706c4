"""The one normalised record that flows through every layer of Pulse.

Harvesters produce `Repo`, the index stores it, search returns it, templates
and the JSON API render it. Nothing downstream of a harvester sees PyGithub
objects or raw API JSON.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# The README is kept as markdown (for the detail page) but capped, so one
# enormous README cannot bloat the index or a page.
README_MAX_CHARS = 32_000
NO_README = "-"


WEB_SCHEMES = ("http", "https")
URL_MAX_CHARS = 2_000


def web_url(value: str | None) -> str:
    """`value` if it is an absolute http(s) URL with a host, else "".

    Records come from forges, inventories and `pulse import` files, none of which we
    control: a `javascript:` or `data:` "URL" must never become a link on a page or in
    a feed. Checked when a record is built (harvest, import) and again when rendered.
    """
    text = (value or "").strip()
    if not text or len(text) > URL_MAX_CHARS or any(c.isspace() or ord(c) < 32 for c in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return text if parts.scheme.lower() in WEB_SCHEMES and parts.hostname else ""


@dataclass(frozen=True)
class Repo:
    """One repository of a public-sector publisher, as Pulse knows it."""

    id: int  # the forge's numeric id: stable across renames, the document key
    owner: str
    name: str
    url: str
    source: str  # which configured source produced it, e.g. "github:dorset-council-uk"
    publisher: str  # display name from sources.yaml
    publisher_type: str  # one of pulse.core.vocabulary.PUBLISHER_TYPES
    description: str = ""
    homepage: str = ""
    topics: tuple[str, ...] = ()
    language: str = ""
    licence: str = ""  # SPDX id; "" when none was identified
    stars: int = 0
    forks: int = 0
    open_issues: int = 0
    archived: bool = False
    is_template: bool = False
    fork: bool = False
    created_at: str = ""  # ISO 8601 UTC, "YYYY-MM-DDTHH:MM:SSZ"; "" when unknown
    pushed_at: str = ""
    updated_at: str = ""
    default_branch: str = ""
    readme: str = ""  # markdown, capped at README_MAX_CHARS
    # Harvest state: the README's git blob sha when it was read, NO_README when
    # the repo has none, "" when unknown (never read, or the last read failed).
    readme_sha: str = ""
    harvested_at: str = ""  # when this record's data last changed in a harvest
    fork_of: str = ""  # "Owner/name" of the upstream when known
    # Reuse signals read from the file listing; None when not known.
    has_contributing: bool | None = None
    has_tests: bool | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def to_dict(self, *, with_readme: bool = True) -> dict[str, Any]:
        """JSON-ready dict; the API's result shape. Topics become a list."""
        data = dataclasses.asdict(self)
        data["topics"] = list(self.topics)
        data["full_name"] = self.full_name
        if not with_readme:
            data.pop("readme")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Repo:
        """Build from a dict such as `to_dict` or a JSON Lines export wrote.

        Unknown keys are ignored so older exports stay loadable.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["topics"] = tuple(values.get("topics") or ())
        values["id"] = int(values["id"])
        for key in ("description", "homepage", "language", "licence", "readme"):
            if values.get(key) is None:
                values[key] = ""
        values["url"] = web_url(values.get("url"))
        values["homepage"] = web_url(values.get("homepage"))
        return cls(**values)


def cap_readme(text: str) -> str:
    """Cut a README to README_MAX_CHARS, on a line boundary where possible."""
    if len(text) <= README_MAX_CHARS:
        return text
    cut = text.rfind("\n", 0, README_MAX_CHARS)
    return text[: cut if cut > README_MAX_CHARS // 2 else README_MAX_CHARS]


__all__ = ["Repo", "README_MAX_CHARS", "NO_README", "cap_readme", "web_url"]
