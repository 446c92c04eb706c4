"""The evidence checks of a registration, and the background worker that runs them.

Each check is a signal a moderator reads, with what it found; none decides on its
own (a moderator does). The checks read one GitHub profile, asked in the
background by `EvidenceWorker`, never while a request is being answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pulse.core.domains import public_sector_domain, same_organisation_domain
from pulse.core.errors import SourceError
from pulse.core.known import KNOWN_LIST_NAME, KnownOrganisation, known_organisations
from pulse.core.registration import AccountProfile
from pulse.core.settings import Settings
from pulse.core.text import edit_distance
from pulse.core.vocabulary import RegistrationStatus
from pulse.harvesters.github import GitHubHarvester
from pulse.jobs.registrations import Evidence, Registration, RegistrationStore
from pulse.jobs.worker import JobThread

log = logging.getLogger(__name__)

# What each signal means, as moderators and registrants read it (met: yes / no / not known).
SIGNAL_LABELS = {
    "organisation": "A GitHub organisation (not a personal account)",
    "verified_domain": "Domain verified by GitHub",
    "website": "Website under a UK public-sector domain",
    "public_email": "Public email under a UK public-sector domain",
    "contact_domain": "Contact email at the organisation's domain",
    "email_confirmed": "Contact email confirmed",
    "control": "Registrant manages the organisation on GitHub",
    "known_list": "In the list of known UK public-sector organisations",
    "lookalike": "Not a look-alike of another organisation",
    "activity": "Public repositories and age",
}

RETRY_SECONDS = 60.0  # GitHub did not answer: the evidence job waits this long, then runs again

# Asks GitHub about a login: None when there is no such account; SourceError when GitHub could not answer.
ProfileFetcher = Callable[[str], AccountProfile | None]


def evidence_for(
    registration: Registration,
    profile: AccountProfile | None,
    *,
    known: dict[str, KnownOrganisation] | None = None,
    others: Sequence[Registration] = (),
) -> list[Evidence]:
    """The signals of one registration, from the organisation's GitHub profile, the shipped
    known list, and the other registrations (`others`, for look-alikes)."""
    known = known_organisations() if known is None else known
    signals = [_known_signal(registration, known), *_lookalike_signals(registration, known, others)]
    if profile is None:
        return [Evidence("organisation", False, f"GitHub has no account called {registration.organisation}"), *signals]
    signals += [
        Evidence(
            "organisation",
            profile.kind == "Organization",
            "An organisation on GitHub"
            if profile.kind == "Organization"
            else f"{profile.login} is a personal {profile.kind} account, not an organisation",
        ),
        Evidence(
            "verified_domain",
            profile.is_verified,
            "GitHub shows a verified domain" if profile.is_verified else "GitHub shows no verified domain",
        ),
    ]
    for signal, value, what in (("website", profile.blog, "website"), ("public_email", profile.email, "public email")):
        verdict = public_sector_domain(value) if value else None
        if not value:
            signals.append(Evidence(signal, None, f"The organisation's profile gives no {what}"))
        elif verdict is None:
            signals.append(Evidence(signal, False, f"{value[:200]} is not under a UK public-sector domain"))
        else:
            academic = " (academic: a university, not a council)" if verdict.academic else ""
            signals.append(Evidence(signal, True, f"{verdict.host} is under {verdict.under}{academic}"))
    matches = same_organisation_domain(registration.contact_email, profile.blog, profile.email)
    signals.append(
        Evidence(
            "contact_domain",
            matches,
            "The contact email is at the organisation's domain"
            if matches
            else "The contact email's domain is not the organisation's website or email domain",
        )
    )
    signals.append(
        Evidence(
            "activity", None, f"{profile.public_repos} public repositories; on GitHub for {_age(profile.created_at)}"
        )
    )
    return signals


def _known_signal(registration: Registration, known: dict[str, KnownOrganisation]) -> Evidence:
    entry = known.get(registration.organisation.lower())
    if entry is None:
        return Evidence(
            "known_list", None, f"Not in the shipped list of known UK public-sector organisations ({KNOWN_LIST_NAME})"
        )
    if entry.publisher_type is None:
        return Evidence(
            "known_list", False, f"Listed in {KNOWN_LIST_NAME}, but as a community group, not a public body"
        )
    named = f" as {entry.name}" if entry.name else ""
    return Evidence("known_list", True, f"Listed{named} in {KNOWN_LIST_NAME} ({entry.category})")


LOOKALIKE_LOGIN_EDITS = 2  # dorset-counci1 is 1 edit from Dorset-Council-UK's sibling dorset-council
LOOKALIKE_NAME_EDITS = 2


def _lookalike_signals(
    registration: Registration, known: dict[str, KnownOrganisation], others: Sequence[Registration]
) -> list[Evidence]:
    """A login or publisher name a few edits from an already registered or known one: a typo-squat to check.

    Exact matches are not look-alikes (the same organisation is a duplicate, found at submission)."""
    login = registration.organisation.lower()
    name = " ".join(registration.publisher_name.lower().split())
    logins = {r.organisation.lower(): r.organisation for r in others if r.id != registration.id}
    logins.update({k: v.login for k, v in known.items()})
    names = {" ".join(r.publisher_name.lower().split()): r.publisher_name for r in others if r.id != registration.id}
    names.update({" ".join(v.name.lower().split()): v.name for v in known.values() if v.name})
    near_login = sorted(v for k, v in logins.items() if k != login and _within(login, k, LOOKALIKE_LOGIN_EDITS))
    near_name = sorted(v for k, v in names.items() if k != name and _within(name, k, LOOKALIKE_NAME_EDITS))
    if not near_login and not near_name:
        return [
            Evidence("lookalike", True, "Neither the login nor the name is a near miss of a registered or known one")
        ]
    found = [f"login close to {', '.join(near_login[:3])}"] if near_login else []
    found += [f"name close to {', '.join(near_name[:3])}"] if near_name else []
    return [Evidence("lookalike", False, "Possible look-alike: " + "; ".join(found))]


def _within(a: str, b: str, limit: int) -> bool:
    """Whether a and b are at most `limit` edits apart; short strings are all "close", so never."""
    if abs(len(a) - len(b)) > limit or min(len(a), len(b)) <= limit:
        return False
    return edit_distance(a, b) <= limit


def gather_evidence(store: RegistrationStore, registration: Registration, profile: AccountProfile | None) -> None:
    """Record every signal of `registration` from `profile` (fetched already), against the other registrations."""
    others = [r for r in store.find() if r.status in (RegistrationStatus.PENDING, RegistrationStatus.APPROVED)]
    store.record_evidence(registration.id, evidence_for(registration, profile, others=others))


def run_pending(store: RegistrationStore, fetch: ProfileFetcher) -> int:
    """Run every queued evidence job; return how many ran. A GitHub failure leaves the job queued."""
    ran = 0
    while (job := store.claim()) is not None:
        registration = store.get(job.registration_id)
        if job.kind != "evidence" or registration is None:
            store.finish(job.id)
            continue
        try:
            profile = fetch(registration.organisation)
        except SourceError as exc:
            log.warning("evidence for %s postponed: %s", registration.organisation, exc)
            store.postpone(job.id, RETRY_SECONDS, str(exc)[:300])
            return ran
        gather_evidence(store, registration, profile)
        store.finish(job.id)
        ran += 1
    return ran


class EvidenceWorker(JobThread):
    """The background thread of the quick jobs: evidence, then `also` (email), woken by each registration."""

    def __init__(
        self,
        store: RegistrationStore,
        fetch: ProfileFetcher,
        interval: float = 5.0,
        also: Sequence[Callable[[], int]] = (),
    ) -> None:
        self._store, self._fetch, self._also = store, fetch, tuple(also)
        super().__init__("pulse-evidence", self._once, interval)

    def start(self) -> None:
        self._store.requeue_interrupted()  # jobs a stopped worker left running
        super().start()

    def _once(self) -> None:
        run_pending(self._store, self._fetch)
        for runner in self._also:
            runner()


def _age(created_at: str) -> str:
    """How long an account has existed, as a person says it: "6 years", "40 days", "an unknown time"."""
    try:
        created = datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "an unknown time"
    days = (datetime.now(UTC) - created).days
    return f"{days // 365} years" if days >= 365 else f"{days} days"


def github_fetcher(settings: Settings) -> ProfileFetcher:
    """Profiles from the GitHub API of `settings` (the fake one in tests), with the harvester's client."""
    return GitHubHarvester(settings).account
