"""`pulse discover`: suggest UK public-sector organisations nobody has registered yet.

Three finders, cheapest and surest first, each turning up candidate logins:

1. the shipped known list (pulse/core/known.py), minus what is already a source;
2. organisations that fork the most-forked indexed repositories;
3. GitHub's user search, among organisations, for a few UK public-sector domains.

A candidate from (2) or (3) is suggested only when its own profile's website or
public email is under a UK public-sector domain (`public_sector_domain`): a fork or
a search match is a lead, not proof. A suggestion is a registration with status
"suggested", carrying the same evidence as one a council submits; it sits in the
moderation queue and is never harvested until a moderator approves it.

GitHub requests are bounded per run (`max_requests`): every call made here is
one request, checked against the budget before it is sent, and each finder gets a
fair share of what the finders before it left. Retries of a failing request are
counted too, so a flaky run can pass the bound by at most the retries of one call.

A suggestion the known list does not name gets the publisher type `other-public`,
never a guess from its domain: a domain says a body is public, not which kind
(gov.uk holds councils, departments, agencies and parish councils alike), and the
type is published as fact once a moderator approves, so a type that is never wrong
beats a specific one that sometimes is. The known list, where it names the
organisation, gives the real type.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from pulse.core.domains import DomainVerdict, public_sector_domain
from pulse.core.errors import RateLimited, SourceError
from pulse.core.known import known_organisations
from pulse.core.registration import AccountProfile, RegistrationRequest
from pulse.core.settings import Settings
from pulse.core.sources import Publisher
from pulse.core.vocabulary import RegistrationStatus
from pulse.harvesters.github import GitHubHarvester, OrganisationProfile
from pulse.index import IndexStore
from pulse.jobs.evidence import gather_evidence
from pulse.jobs.registrations import Registration, RegistrationStore

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_MAX_REQUESTS = 200
# Searched as `<domain> type:org`; the domains of pulse.core.domains that most bodies sit under.
SEARCH_DOMAINS = ("gov.uk", "nhs.uk", "gov.scot", "gov.wales", "police.uk")
# The type of a suggestion the known list does not name (see the module docstring).
GUESSED_TYPE = "other-public"


@dataclass(frozen=True)
class Suggestion:
    """One organisation put in the moderation queue, and why."""

    registration: Registration
    finder: str  # "known-list", "forks" or "search"
    how: str  # how it was found, for a person: "forks Dorset-Council-UK/BinDayFinder"
    evidence: str  # the key evidence in one line: "www.dorsetcouncil.gov.uk is under gov.uk"


@dataclass
class DiscoveryReport:
    """What a run found and spent."""

    max_requests: int
    suggestions: list[Suggestion] = field(default_factory=list)
    candidates: int = 0  # distinct organisations the finders turned up
    skipped: list[str] = field(default_factory=list)  # already a source or in the registration store
    # Looked at, not suggested: no such organisation, no public-sector domain, or unreadable (see errors).
    not_public: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # GitHub calls that failed (the run went on)
    requests: int = 0
    budget_exhausted: bool = False  # a finder stopped with more to ask: the rest next run


class _Run:
    """One discovery run: the budget, the logins already accounted for, and the report."""

    def __init__(
        self, github: GitHubHarvester, store: RegistrationStore, known_logins: set[str], max_requests: int
    ) -> None:
        self.github, self.store, self.max_requests = github, store, max_requests
        self.start = github.requests_made
        self.known = known_logins  # lower-case: sources, registry and every registration in any state
        self.seen: set[str] = set()  # lower-case: candidates of this run
        self.report = DiscoveryReport(max_requests=max_requests)
        self.share_end = max_requests  # the request count the current finder may reach

    @property
    def used(self) -> int:
        return self.github.requests_made - self.start

    def give_share(self, finders_left: int) -> None:
        """A fair share of what is left (rounded up) for the next finder; the last gets the rest."""
        left = self.max_requests - self.used
        self.share_end = self.used + -(-left // finders_left)

    def can_ask(self) -> bool:
        """Whether one more request fits this finder's share; when not, the run has more to do."""
        if self.used < self.share_end:
            return True
        self.report.budget_exhausted = True
        return False

    def is_new(self, login: str) -> bool:
        """Count `login` as a candidate once; False when it is already known or already looked at."""
        key = login.lower()
        if key in self.seen:
            return False
        self.seen.add(key)
        self.report.candidates += 1
        if key in self.known:
            self.report.skipped.append(login)
            return False
        return True

    def ask(self, what: str, call: Callable[[str], T], argument: str) -> T | None:
        """`call(argument)`, or None when GitHub failed; a rate limit stops the whole run (RateLimited)."""
        try:
            return call(argument)
        except RateLimited:
            self.report.errors.append(f"{what}: GitHub rate limit reached; the rest next run")
            self.report.budget_exhausted = True
            raise
        except SourceError as exc:
            log.warning("discover: %s: %s", what, exc)
            self.report.errors.append(f"{what}: {exc}")
            return None

    def suggest(
        self, found: OrganisationProfile, *, finder: str, how: str, name: str | None, publisher_type: str, key: str
    ) -> None:
        """Queue one suggestion with its evidence, from the profile already fetched (no second request
        now; the evidence job `submit` queues refreshes it later, in `pulse serve`'s worker)."""
        profile = found.profile
        request = RegistrationRequest(
            organisation=profile.login,
            publisher_name=name or found.name or profile.login,
            publisher_type=publisher_type,
            contact_email=profile.email,
            note=f"Found by pulse discover: {how}",
        )
        registration, created = self.store.submit(request, status=RegistrationStatus.SUGGESTED)
        self.known.add(profile.login.lower())
        if not created:  # registered meanwhile (another run, a council): not ours to touch
            self.report.skipped.append(profile.login)
            return
        gather_evidence(self.store, registration, profile)
        self.report.suggestions.append(Suggestion(registration, finder, how, key))


def discover(
    settings: Settings,
    publishers: Iterable[Publisher],
    store: RegistrationStore,
    index: IndexStore | None,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    *,
    github: GitHubHarvester | None = None,
) -> DiscoveryReport:
    """Find organisations that are not sources nor registrations yet, and queue them as suggestions.

    `publishers` are the harvested ones (sources.yaml merged with the registry); `index` is only
    read (None: no index yet, so no fork finder). At most `max_requests` GitHub requests are sent."""
    github = github or GitHubHarvester(settings)
    known = {s.target.lower() for p in publishers for s in p.sources if s.kind == "github"}
    known |= {r.organisation.lower() for r in store.find()}  # rejected ones too: not suggested again
    run = _Run(github, store, known, max_requests)
    finders = [_from_known_list, _from_forks, _from_search]
    try:
        for position, finder in enumerate(finders):
            run.give_share(len(finders) - position)
            finder(run, index)
    except RateLimited:
        pass  # reported by _Run.ask; what was suggested so far stays
    run.report.requests = run.used
    return run.report


def _from_known_list(run: _Run, index: IndexStore | None) -> None:
    """Listed public bodies that are not sources: the list vouches for them, so one profile each."""
    for _, entry in sorted(known_organisations().items()):
        if entry.publisher_type is None or not run.is_new(entry.login):
            continue  # a community group, or already known
        if not run.can_ask():
            return
        found = run.ask(f"profile of {entry.login}", run.github.organisation, entry.login)
        if found is None:
            run.report.not_public.append(entry.login)  # gone, renamed, or not an organisation
            continue
        verdict = _public_domain(found.profile)
        run.suggest(
            found,
            finder="known-list",
            how="in the known list",
            name=entry.name,
            publisher_type=entry.publisher_type,
            key=f"listed as {entry.name or entry.login} ({entry.category})"
            + (f"; {_describe(verdict)}" if verdict else ""),
        )


def _from_forks(run: _Run, index: IndexStore | None) -> None:
    """Organisations reusing indexed code: fork owners of the most-forked repos, one forks page each."""
    if index is None:
        return
    wanted = heapq.nlargest(
        run.max_requests,  # never more repos than requests
        (r for r in index.all_records() if not r.fork and r.forks > 0),
        key=lambda r: (r.forks, r.stars),
    )
    for repo in wanted:
        if not run.can_ask():
            return
        full_name = f"{repo.owner}/{repo.name}"
        owners = run.ask(f"forks of {full_name}", run.github.fork_owners, full_name) or []
        for login, kind in owners:
            if kind != "Organization" or not run.is_new(login):
                continue  # people fork to contribute; only organisations publish
            if not run.can_ask():
                return
            _check_and_suggest(run, login, finder="forks", how=f"forks {full_name}")


def _from_search(run: _Run, index: IndexStore | None) -> None:
    """GitHub's search for organisations naming a public-sector domain: the first page of each."""
    for domain in SEARCH_DOMAINS:
        if not run.can_ask():
            return
        logins = run.ask(f"search for {domain}", run.github.search_organisations, domain) or []
        for login in logins:
            if not run.is_new(login):
                continue
            if not run.can_ask():
                return
            _check_and_suggest(run, login, finder="search", how=f"GitHub search for {domain}")


def _check_and_suggest(run: _Run, login: str, *, finder: str, how: str) -> None:
    """Fetch the profile (one request) and suggest it only if its own website or email is public-sector."""
    found = run.ask(f"profile of {login}", run.github.organisation, login)
    verdict = _public_domain(found.profile) if found is not None else None
    if found is None or verdict is None:
        run.report.not_public.append(login)
        return
    run.suggest(found, finder=finder, how=how, name=None, publisher_type=GUESSED_TYPE, key=_describe(verdict))


def _public_domain(profile: AccountProfile) -> DomainVerdict | None:
    """The profile's website or public email under a UK public-sector domain, academic (ac.uk) ones excepted:
    universities fork council code often and are not the public bodies Pulse indexes."""
    for value in (profile.blog, profile.email):
        verdict = public_sector_domain(value) if value else None
        if verdict is not None and not verdict.academic:
            return verdict
    return None


def _describe(verdict: DomainVerdict) -> str:
    return f"{verdict.host} is under {verdict.under}"
