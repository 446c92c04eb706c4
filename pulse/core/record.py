"""The one normalised record that flows through every layer of Pulse.

Harvesters produce `Repo`, the index stores it, search returns it, templates
and the JSON API render it. Nothing downstream of a harvester sees PyGithub
objects or raw API JSON.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from pulse.core.vocabulary import PUBLISHER_TYPES, RESOURCE_TYPES

# The README is kept as markdown (for the detail page) but capped, so one
# enormous README cannot bloat the index or a page.
README_MAX_CHARS = 32_000
NO_README = "-"
GITHUB_HOST = "github.com"
# The normalised keys of `Repo.metadata` (pulse/core/metadata.py fills them from the project's own file).
METADATA_TEXT_KEYS = (
    "software_type",
    "development_status",
    "maintenance",
    "lifecycle",
    "owner",
    "system",
    "description",
)
METADATA_LIST_KEYS = ("contacts", "categories", "used_by")


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


def about(description: str, **constraints: Any) -> dict[str, Any]:
    """A field's metadata: what it means to a reader of the JSON API, plus any JSON Schema
    constraints (`enum`, `minimum`). The API contract (pulse/web/contracts.py) reads it."""
    return {"description": description, **constraints}


_WHEN = "ISO 8601 UTC, `YYYY-MM-DDTHH:MM:SSZ`; empty when unknown."


@dataclass(frozen=True)
class Repo:
    """One repository of a public-sector publisher, as Pulse knows it."""

    id: int = field(metadata=about("The forge's numeric id: stable across renames."))  # the document key
    owner: str = field(metadata=about("The owning organisation's login, as the forge spells it."))
    name: str = field(metadata=about("The repository's name."))
    url: str = field(metadata=about("The repository on its forge (an http(s) URL); empty if it was not one."))
    source: str = field(metadata=about("The configured source that produced it, e.g. `github:dorset-council-uk`."))
    publisher: str = field(metadata=about("The publisher's display name, from sources.yaml."))
    publisher_type: str = field(metadata=about("The publisher's type.", enum=list(PUBLISHER_TYPES)))
    description: str = field(default="", metadata=about("The forge's one-line description; may be empty."))
    homepage: str = field(default="", metadata=about("The project's website (an http(s) URL); empty when none."))
    topics: tuple[str, ...] = field(default=(), metadata=about("The forge's topics."))
    language: str = field(default="", metadata=about("Primary language as the forge reports it; empty when unknown."))
    licence: str = field(default="", metadata=about("SPDX licence id; empty when none was identified."))
    stars: int = field(default=0, metadata=about("Stars on the forge.", minimum=0))
    forks: int = field(default=0, metadata=about("Forks on the forge.", minimum=0))
    open_issues: int = field(default=0, metadata=about("Open issues (and pull requests) on the forge.", minimum=0))
    archived: bool = field(default=False, metadata=about("Archived: read-only on the forge."))
    is_template: bool = field(default=False, metadata=about("Marked as a template repository on the forge."))
    fork: bool = field(default=False, metadata=about("A fork of another repository."))
    created_at: str = field(default="", metadata=about("When the repository was created. " + _WHEN))
    pushed_at: str = field(default="", metadata=about("When it was last pushed to. " + _WHEN))
    updated_at: str = field(default="", metadata=about("When the forge last changed it. " + _WHEN))
    default_branch: str = field(default="", metadata=about("The default branch; empty when unknown."))
    readme: str = field(
        default="", metadata=about(f"The README as markdown, capped at {README_MAX_CHARS:,} characters; may be empty.")
    )
    # Harvest state: the README's git blob sha when it was read, NO_README when
    # the repo has none, "" when unknown (never read, or the last read failed).
    readme_sha: str = field(
        default="",
        metadata=about(f"Harvest state: the README's git blob sha, `{NO_README}` for none, empty if unknown."),
    )
    harvested_at: str = field(default="", metadata=about("When this record's data last changed in a harvest. " + _WHEN))
    fork_of: str = field(default="", metadata=about("`Owner/name` of the upstream of a fork, when known."))
    # Reuse signals read from the file listing; None when not known.
    has_contributing: bool | None = field(
        default=None, metadata=about("Has a CONTRIBUTING file; null when not looked for.")
    )
    has_tests: bool | None = field(
        default=None, metadata=about("Has tests or CI configuration; null when not looked for.")
    )
    # Where the item lives, for identity across forges and its address in Pulse.
    host: str = field(
        default=GITHUB_HOST,
        metadata=about(
            "Where it lives: the forge's host (`github.com`, `gitlab.com`, a body's own GitLab) or, for an item "
            "from an inventory or a resources list, the host of its web address."
        ),
    )
    path: str = field(
        default="",
        metadata=about(
            "Its path on `host`: `Owner/name` on GitHub, the full `group/subgroup/project` path on GitLab, the "
            "web address's path for a resource. Empty means `owner/name`."
        ),
    )
    resource_type: str = field(
        default="",
        metadata=about("For a listed resource, what it is; empty for code.", enum=["", *RESOURCE_TYPES]),
    )
    # In-repo metadata (publiccode.yml, Backstage catalog-info.yaml, DWP .dwp/project-metadata.yaml,
    # or the code.json entry), normalised to a few keys; see pulse/core/metadata.py.
    metadata_file: str = field(default="", metadata=about("The metadata file the `metadata` came from; empty if none."))
    metadata: dict[str, str | list[str]] = field(
        default_factory=dict,
        metadata=about(
            "What the project's own metadata file says, normalised: `software_type`, `development_status`, "
            "`maintenance`, `lifecycle`, `owner`, `system`, `description` (text) and `contacts`, `categories`, "
            "`used_by` (lists); a key is there only when the file gives it.",
            properties={
                **{key: {"type": "string"} for key in METADATA_TEXT_KEYS},
                **{key: {"type": "array", "items": {"type": "string"}} for key in METADATA_LIST_KEYS},
            },
        ),
    )
    metadata_problem: str = field(
        default="", metadata=about("Why the project's metadata file could not be used; empty when it could.")
    )

    @property
    def full_name(self) -> str:
        """`Owner/name`, e.g. `Dorset-Council-UK/GdsBlazorComponents`."""
        return f"{self.owner}/{self.name}"

    @property
    def item_path(self) -> str:
        """The path on its host: `path`, or `owner/name` when the harvester left it empty."""
        return self.path or self.full_name

    @property
    def key(self) -> str:
        """The document key, namespaced by host: `github.com:123` for a forge's numeric id (stable
        across renames; a GitHub and a GitLab id can be the same number), else `host/path` lower-cased."""
        if self.id:
            return f"{self.host.lower()}:{self.id}"
        return f"{self.host.lower()}/{self.item_path.lower()}"

    @property
    def locator(self) -> str:
        """`host/path`, lower-cased: how an address in Pulse finds the item."""
        return f"{self.host.lower()}/{self.item_path.lower()}"

    @property
    def kind(self) -> str:
        """ "resource" for a listed resource, "template" for a template repository, else "code"."""
        if self.resource_type:
            return "resource"
        return "template" if self.is_template else "code"

    @property
    def title(self) -> str:
        """What a page calls it: a forge project's `owner/name` (or full GitLab path), else its name."""
        return self.item_path if self.id else self.name

    @property
    def source_kind(self) -> str:
        """The kind of source it came from (`github`, `gitlab`, `code_json`, `resources`, `demo`)."""
        return self.source.partition(":")[0]

    @property
    def page_url(self) -> str:
        """Its page in Pulse: `/repos/{owner}/{name}` on GitHub (kept from the start), else `/items/{host}/{path}`."""
        if self.host.lower() == GITHUB_HOST and self.id:
            return f"/repos/{quote(self.owner)}/{quote(self.name)}"
        return f"/items/{quote(self.host.lower())}/{quote(self.item_path, safe='/')}"

    @property
    def api_url(self) -> str:
        """Its record in the JSON API (`/api` + the page's path)."""
        return "/api" + self.page_url

    def to_dict(self, *, with_readme: bool = True) -> dict[str, Any]:
        """JSON-ready dict; the API's result shape. Topics become a list."""
        data = dataclasses.asdict(self)
        data["topics"] = list(self.topics)
        data["full_name"] = self.full_name
        data["key"], data["kind"] = self.key, self.kind
        data["page_url"], data["api_url"] = self.page_url, self.api_url
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
        values["id"] = int(values.get("id") or 0)
        values["metadata"] = dict(values.get("metadata") or {})
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
