"""Every closed set of words Pulse uses, declared once.

Filters, sorts, publisher types, kinds, source kinds and harvest statuses are
read from here by the query parser, the index schema, the HTML labels, the
OpenAPI document and the harvest job, so adding a value is one edit and no
list can drift from another.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

NONE_VALUE = "(none)"  # the facet value of an unknown language or licence


@dataclass(frozen=True)
class Term:
    """One value of a vocabulary: what it is called in URLs and JSON, and how it reads to a person."""

    value: str
    label: str


PUBLISHER_TYPE_TERMS: tuple[Term, ...] = (
    Term("local-government", "Local government"),
    Term("central-government", "Central government"),
    Term("health", "Health"),
    Term("devolved", "Devolved government"),
    Term("other-public", "Other public body"),
)
PUBLISHER_TYPES: tuple[str, ...] = tuple(t.value for t in PUBLISHER_TYPE_TERMS)

KIND_TERMS: tuple[Term, ...] = (Term("code", "Code"), Term("template", "Template"), Term("resource", "Resource"))
KINDS: tuple[str, ...] = tuple(t.value for t in KIND_TERMS)
# What a listed open resource is (sources of kind `resources`; code.json and forges give code).
RESOURCE_TYPE_TERMS: tuple[Term, ...] = (
    Term("template", "Template"),
    Term("pattern", "Pattern"),
    Term("guidance", "Guidance"),
    Term("dataset", "Dataset"),
    Term("component", "Component"),
    Term("other", "Other resource"),
)
RESOURCE_TYPES: tuple[str, ...] = tuple(t.value for t in RESOURCE_TYPE_TERMS)

SORT_TERMS: tuple[Term, ...] = (
    Term("relevance", "Best match"),
    Term("stars", "Most stars"),
    Term("updated", "Recently updated"),
)
SORTS: tuple[str, ...] = tuple(t.value for t in SORT_TERMS)


@dataclass(frozen=True)
class Filter:
    """A search filter and facet: its URL parameter, its label, and help for the API document."""

    name: str
    label: str
    help: str
    values: tuple[Term, ...] = ()  # closed sets only; open ones (publisher, topic...) come from the data


FILTER_SPECS: tuple[Filter, ...] = (
    Filter(
        "language", "Language", f"Primary language as the forge reports it, e.g. `Python`; `{NONE_VALUE}` for unknown."
    ),
    Filter(
        "licence",
        "Licence",
        f"SPDX licence id, e.g. `MIT`; `{NONE_VALUE}` when none was identified. `license` is an alias.",
    ),
    Filter("publisher", "Publisher", "Publisher display name, e.g. `Dorset Council`."),
    Filter(
        "publisher_type",
        "Publisher type",
        "One of: " + ", ".join(f"`{t}`" for t in PUBLISHER_TYPES) + ".",
        PUBLISHER_TYPE_TERMS,
    ),
    Filter("topic", "Topic", "Topic, case-insensitive."),
    Filter("archived", "Archived", "`yes` or `no`.", (Term("yes", "Archived"), Term("no", "Not archived"))),
    Filter("kind", "Kind", "One of: " + ", ".join(f"`{k}`" for k in KINDS) + " (rule in the README).", KIND_TERMS),
    Filter(
        "resource_type",
        "Resource type",
        "For listed resources, one of: " + ", ".join(f"`{t}`" for t in RESOURCE_TYPES) + f"; `{NONE_VALUE}` for code.",
        (*RESOURCE_TYPE_TERMS, Term(NONE_VALUE, "Not a resource")),
    ),
    Filter(
        "has_licence",
        "Has a licence",
        "`yes` or `no`: whether any licence was identified.",
        (Term("yes", "Has a licence"), Term("no", "No licence")),
    ),
)
FILTERS: tuple[str, ...] = tuple(f.name for f in FILTER_SPECS)
FILTER_ALIASES: dict[str, str] = {"license": "licence"}  # the British spelling is the contract


class HarvestStatus(StrEnum):
    """What happened to a source in one harvest run."""

    OK = "ok"
    FAILED = "failed"
    TOMBSTONED = "tombstoned"
    NOT_REACHED = "not reached"


class SourceStatus(StrEnum):
    """A source as the publisher pages and /api/publishers show it."""

    OK = "ok"
    FAILED = "failed"
    TOMBSTONED = "tombstoned"
    DEMO = "demo"
    NOT_HARVESTED = "not harvested yet"


class RegistrationStatus(StrEnum):
    """Where a registered (or discovered) organisation stands in moderation."""

    PENDING = "pending"  # submitted, waiting for evidence and a moderator
    SUGGESTED = "suggested"  # found by `pulse discover`; never harvested until approved
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # approved once, then taken out by a moderator


# GitHub logins: 1-39 letters, digits and single inner hyphens.
GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")


def github_login_problem(target: str) -> str | None:
    """Why `target` cannot be a GitHub organisation login, or None."""
    if not GITHUB_LOGIN.match(target):
        return f"'{target}' is not a valid GitHub organisation login"
    return None


_GITLAB_SEGMENT = r"[A-Za-z0-9_.][A-Za-z0-9_.-]*"
GITLAB_GROUP = re.compile(rf"^{_GITLAB_SEGMENT}(?:/{_GITLAB_SEGMENT}){{0,20}}$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")


def gitlab_group_problem(target: str) -> str | None:
    """Why `target` cannot be a GitLab group path (`nhsbsa`, `digital/platform`), or None."""
    if len(target) > 255 or not GITLAB_GROUP.match(target) or target.endswith((".git", ".atom")):
        return f"'{target[:80]}' is not a GitLab group path such as nhsbsa or digital/platform"
    return None


def web_address_problem(target: str) -> str | None:
    """Why `target` cannot be an http(s) address, or None (whether Pulse may fetch it is checked at harvest)."""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in target):
        return f"'{target[:80]}' is not a web address such as https://example.gov.uk/code.json"
    return None


def list_location_problem(target: str) -> str | None:
    """A resources list: an http(s) address or a path relative to sources.yaml, in YAML or CSV."""
    if "://" in target:
        return web_address_problem(target)
    if not target.lower().endswith((".yaml", ".yml", ".csv")):
        return f"'{target[:80]}' is not a .yaml, .yml or .csv file"
    return None


def env_name_problem(name: str) -> str | None:
    if not _ENV_NAME.match(name):
        return f"'{name[:40]}' is not an environment variable name such as EXAMPLE_GITLAB_TOKEN (the token stays there)"
    return None


# Source kinds of sources.yaml, each with the check of its target. The harvesters
# package provides one module per kind; a test keeps the two in step.
SOURCE_KINDS: dict[str, Callable[[str], str | None]] = {
    "github": github_login_problem,
    "gitlab": gitlab_group_problem,
    "code_json": web_address_problem,
    "resources": list_location_problem,
}
# The options a source of each kind may take beside its target, each with its check.
SOURCE_OPTIONS: dict[str, dict[str, Callable[[str], str | None]]] = {
    "gitlab": {"url": web_address_problem, "token_env": env_name_problem},
}


def check_source_target(kind: str, target: str) -> str | None:
    """A problem with a configured target of a known source kind, or None."""
    return SOURCE_KINDS[kind](target)
