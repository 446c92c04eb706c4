"""The JSON bodies the API returns, as types: one source of truth for the handlers and the document.

The handlers (pulse/web/api.py, stats.py, app.py's errors) build their bodies as these types, so
mypy checks them against the contract; pulse/web/schema.py turns the same types into the
components of the OpenAPI document (pulse/web/openapi.py), so the document cannot drift from the
handlers; tests/test_openapi.py validates real responses against it with no undeclared key allowed.

- A TypedDict is a JSON object: every key required unless `NotRequired`; its docstring describes it.
- `Annotated[T, "text"]` describes a key; `Annotated[T, Keywords(minimum=0)]` adds JSON Schema keywords.
- A repository body is `Repo.to_dict()` plus keys of its own: `Annotated[SearchResult, REPO]`. Its
  record keys are not listed here: they are `dataclasses.fields(Repo)`, described by each field's
  metadata (pulse/core/record.py), so a new field is in the document with no edit here. mypy sees
  only the TypedDict's own keys (`to_dict` is a `dict[str, Any]`); `on_record` joins the two.
- Closed sets (sorts, filters, publisher types, source statuses) come from pulse.core.vocabulary.

Fields are only ever added: a client ignores the ones it does not know.

No `from __future__ import annotations` here: on Python 3.11 it hides `NotRequired` from
`__required_keys__`, which the document's `required` lists are read from.
"""

from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypedDict, TypeVar, cast

from pulse.core import vocabulary
from pulse.core.query import MAX_PER_PAGE
from pulse.core.record import Repo
from pulse.web.schema import Keys, Keywords, Record

Count = Annotated[int, Keywords(minimum=0)]
Timestamp = Annotated[str, "ISO 8601 UTC, `YYYY-MM-DDTHH:MM:SSZ`; empty when unknown."]
RepoName = Annotated[str, "`Owner/name` of a repository in the catalogue."]

# A repository as the downloads give it, and as a search result or the repository body start:
# `Repo.to_dict(with_readme=False)` and `Repo.to_dict()`.
RECORD_PROPERTIES = ("full_name", "key", "kind", "page_url", "api_url")  # what Repo.to_dict adds to the fields
REPO = Record(
    Repo,
    omit=("readme",),
    properties=RECORD_PROPERTIES,
    description="One catalogue item (a repository, a project, an inventory entry or a listed resource), "
    "without its README. Fields are only ever added.",
)
REPO_WITH_README = Record(Repo, properties=RECORD_PROPERTIES)

Body = TypeVar("Body", bound=Mapping[str, object])


def on_record(record: dict[str, Any], body: Body) -> Body:
    """`body`'s keys after a record's `to_dict()`: at run time the whole object; to mypy, `body`'s
    TypedDict (a TypedDict allows keys it does not declare, and the record's are checked by the tests)."""
    return cast(Body, {**record, **body})


class Error(TypedDict):
    """Every error under `/api` (and `/healthz`): the HTTP status, repeated, and what went wrong."""

    status: Annotated[int, "The HTTP status, repeated.", Keywords(minimum=400, maximum=599)]
    message: Annotated[str, "What went wrong, for a person."]


class FacetValue(TypedDict):
    """One value of a facet and how many repositories have it."""

    value: Annotated[str, f"The value; `{vocabulary.NONE_VALUE}` for an unknown language or licence."]
    count: Annotated[int, Keywords(minimum=1)]


class SearchResult(TypedDict):
    """One search result: the repository record, without its README, and a snippet."""

    snippet: Annotated[str, "HTML: escaped text with `<mark>` around matched words; empty when there are no words."]


class SearchResponse(TypedDict):
    """One page of search results, with facet counts over the whole match."""

    query: Annotated[str, "The search words, trimmed."]
    filters: Annotated[
        dict[str, list[str]],
        Keys(vocabulary.FILTERS),
        "The filters applied, by name (`license` shows as `licence`).",
    ]
    sort: Annotated[str, Keywords(enum=vocabulary.SORTS)]
    total: Annotated[int, "Repositories matched.", Keywords(minimum=0)]
    page: Annotated[int, Keywords(minimum=1)]
    per_page: Annotated[int, Keywords(minimum=1, maximum=MAX_PER_PAGE)]
    pages: Annotated[int, Keywords(minimum=1)]
    note: Annotated[str, "E.g. that the search fell back to any word; else empty."]
    suggestion: Annotated[
        str,
        "Did you mean: the words with unknown ones corrected, when that finds more repositories "
        "than the words as typed; else empty.",
    ]
    results: list[Annotated[SearchResult, REPO]]
    facets: Annotated[
        dict[str, list[FacetValue]],
        Keys(vocabulary.FILTERS, required=True),
        f"Counts over the whole match, most common first, at most 100 values per facet; a missing "
        f"language or licence is `{vocabulary.NONE_VALUE}`.",
    ]


class Signal(TypedDict):
    """One signal of the reuse-readiness score."""

    label: Annotated[str, "What is looked for, e.g. `Open licence`."]
    weight: Annotated[int, "The points it gives when met.", Keywords(minimum=0, maximum=100)]
    met: Annotated[bool | None, "Whether it is met; null when it cannot be known (counts as not met)."]
    detail: Annotated[str, "What was found, for a person."]


class Readiness(TypedDict):
    """Reuse readiness: a 0-100 score, the sum of the weights of the signals met."""

    score: Annotated[int, Keywords(minimum=0, maximum=100)]
    signals: list[Signal]


class RepoDetail(TypedDict):
    """One repository with its README, reuse-readiness score, similar repositories and reuse by others."""

    readiness: Readiness
    similar: Annotated[list[str], "`Owner/name` of up to 5 similar repositories of other publishers, most alike first."]
    reused_by: Annotated[list[str], "`Owner/name` of forks by other publishers in the catalogue, by name."]


# The body of /api/repos/{owner}/{name}: `Repo.to_dict()` and RepoDetail's keys.
REPO_DETAIL = Annotated[RepoDetail, REPO_WITH_README]


class SourceStatus(TypedDict):
    """One source of a publisher and its harvest status."""

    source: Annotated[str, "The configured source, e.g. `github:dorset-council-uk` (`demo:` for the demo)."]
    login: Annotated[str, "The organisation's login on the forge."]
    repos: Annotated[int, "Repositories in the catalogue from this source.", Keywords(minimum=0)]
    status: vocabulary.SourceStatus
    last_success: Annotated[str, "The last successful harvest. ISO 8601 UTC; empty when none."]
    last_failure: Annotated[str, "The last failed harvest. ISO 8601 UTC; empty when none."]
    last_error: Annotated[str, "Why the latest harvest failed; empty when it succeeded."]
    stale: Annotated[bool, "The latest harvest failed: its repositories are from the last success."]


class Publisher(TypedDict):
    """A publisher: its repositories in the catalogue and its sources' harvest status."""

    name: Annotated[str, "The display name, from sources.yaml."]
    type: Annotated[
        str,
        Keywords(enum=(*vocabulary.PUBLISHER_TYPES, "")),
        "The publisher type; empty for a publisher known only from harvest history.",
    ]
    login: Annotated[str, "The first source's login: the publisher's URL key."]
    repos: Count
    sources: list[SourceStatus]
    stale: Annotated[bool, "Some source's latest harvest failed."]


class StateRecovery(TypedDict):
    """An unreadable harvest state file that a harvest moved aside, replacing it with an empty state."""

    at: Annotated[str, "When it was moved aside. ISO 8601 UTC."]
    problem: Annotated[str, "Why it could not be read."]
    moved_to: Annotated[str, "The file it was moved to, in the data directory."]


class HarvestState(TypedDict):
    """Whether the harvest state file (the sources' history) is readable now, and the latest time it was not."""

    unreadable: Annotated[
        str, "Why the state file cannot be read now (the next harvest sets it aside); empty when it can."
    ]
    recovered: Annotated[StateRecovery | None, "The latest unreadable state file a harvest set aside; null if none."]


class PublisherList(TypedDict):
    """Every publisher with repositories or a harvest history, by name."""

    total: Count
    publishers: list[Publisher]
    harvest_state: HarvestState


class Health(TypedDict):
    """The service is up."""

    status: Literal["ok"]
    documents: Annotated[int, "Repositories in the catalogue.", Keywords(minimum=0)]
    demo: Annotated[bool, "The demo catalogue is being served."]


class NewRepo(TypedDict):
    """A repository created in the last 7 days."""

    full_name: str
    owner: str
    name: str
    url: str
    publisher: str
    created_at: Timestamp
    page_url: Annotated[str, "Its page in Pulse."]


class NewThisWeek(TypedDict):
    """Repositories created in the last 7 days, and the newest 20 of them."""

    since: Timestamp
    count: Count
    newest: list[NewRepo]


class HarvestRun(TypedDict):
    """One harvest run."""

    started_at: Timestamp
    finished_at: Timestamp
    repos: Annotated[int, "Catalogue size after the run: failed sources keep their repositories.", Keywords(minimum=0)]
    seen: Annotated[int, "Repositories listed by the sources that succeeded.", Keywords(minimum=0)]
    sources: Count
    failed_sources: Count


class Stats(TypedDict):
    """What the /stats page shows: size over time, breakdowns, new this week."""

    generated_at: Timestamp
    total: Annotated[int, "Repositories in the catalogue.", Keywords(minimum=0)]
    demo: Annotated[bool, "The demo catalogue is being served."]
    new_this_week: NewThisWeek
    by_publisher_type: list[FacetValue]
    by_language: list[FacetValue]
    by_licence: list[FacetValue]
    history: Annotated[list[HarvestRun], "Harvest runs, oldest first (the last 366); empty for the demo."]


__all__ = [
    "REPO",
    "REPO_WITH_README",
    "REPO_DETAIL",
    "Error",
    "FacetValue",
    "Health",
    "HarvestRun",
    "HarvestState",
    "NewRepo",
    "NewThisWeek",
    "Publisher",
    "PublisherList",
    "Readiness",
    "RepoDetail",
    "SearchResponse",
    "SearchResult",
    "Signal",
    "SourceStatus",
    "StateRecovery",
    "Stats",
    "on_record",
]


class FieldErrorBody(TypedDict):
    """A rejected submission: the usual error, and the form field that is wrong."""

    status: Annotated[int, "The HTTP status, repeated.", Keywords(minimum=400, maximum=499)]
    message: Annotated[str, "What is wrong with the field, for a person."]
    field: Annotated[
        str,
        "The field to correct: one of the registration's fields, or `body` when the request could not be read.",
        Keywords(enum=["organisation", "publisher_name", "publisher_type", "contact_email", "note", "body"]),
    ]


class RegistrationAccepted(TypedDict):
    """A registration received (202), or the one already open for that organisation (200)."""

    id: Annotated[str, "Unguessable: keep it to see the registration's status."]
    status: Annotated[vocabulary.RegistrationStatus, "Where the registration stands."]
    status_url: Annotated[str, "The registration's status page (HTML); `/api/registrations/{id}` is its JSON."]
    organisation: Annotated[str, "The GitHub organisation login, normalised."]


class EvidenceItem(TypedDict):
    """One check of a registration, and what it found."""

    signal: Annotated[str, "What was checked, e.g. `organisation`."]
    met: Annotated[bool | None, "Whether the check passed; null when it could not be checked (yet)."]
    detail: Annotated[str, "What the check found."]


class RegistrationView(TypedDict):
    """A registration as its status page shows it. The contact email is never shown."""

    id: str
    organisation: Annotated[str, "The GitHub organisation login."]
    publisher_name: str
    publisher_type: Annotated[str, "One of the publisher types.", Keywords(enum=vocabulary.PUBLISHER_TYPES)]
    status: vocabulary.RegistrationStatus
    reason: Annotated[str, "A moderator's reason for the decision; empty until there is one."]
    evidence: Annotated[list[EvidenceItem], "The checks made so far, in the order they were made."]
    publisher_url: Annotated[str, "The publisher page once the organisation is harvested; empty before."]
