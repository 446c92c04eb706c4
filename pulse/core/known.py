"""The shipped list of known UK public-sector GitHub organisations (pulse/data/uk-public-sector-github-orgs.yaml).

Copied with its provenance header from github/government.github.com (the list the
cross-government scraper reads). Registration shows presence in it as one signal
among several, and `pulse discover` suggests the ones that are not yet sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

KNOWN_ORGS_FILE = Path(__file__).resolve().parent.parent / "data" / "uk-public-sector-github-orgs.yaml"
KNOWN_LIST_NAME = "github/government.github.com (U.K. Central, U.K. Councils, U.K. research)"

# The list's categories as Pulse's publisher types; None: not a public body (kept out of suggestions).
_TYPE_OF_CATEGORY: dict[str, str | None] = {
    "local-government": "local-government",
    "central-government": "central-government",
    "health": "health",
    "devolved": "devolved",
    "community-not-public-body": None,
}


@dataclass(frozen=True)
class KnownOrganisation:
    login: str  # as the list spells it; GitHub logins are case-insensitive
    category: str
    name: str | None  # None where the list's editor did not know it confidently

    @property
    def publisher_type(self) -> str | None:
        """The publisher type to suggest: the category's, `other-public` for the rest, None if not public."""
        return _TYPE_OF_CATEGORY.get(self.category, "other-public")


@cache
def known_organisations(path: Path = KNOWN_ORGS_FILE) -> dict[str, KnownOrganisation]:
    """Every listed organisation by lower-case login."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = {}
    for row in data.get("orgs", []):
        known = KnownOrganisation(str(row["org"]), str(row.get("category") or ""), row.get("name") or None)
        found[known.login.lower()] = known
    return found
