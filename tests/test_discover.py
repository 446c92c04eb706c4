"""`pulse discover`: unregistered public-sector organisations suggested for moderation, within a request budget.

Real parts throughout: the fake GitHub over HTTP (PyGithub talks to it), the SQLite
registrations store and a Whoosh index on disk, and the shipped sources and known list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pulse.cli import main
from pulse.core.known import KnownOrganisation, known_organisations
from pulse.core.registration import RegistrationRequest
from pulse.core.settings import Settings
from pulse.core.sources import Publisher, load_sources
from pulse.core.vocabulary import RegistrationStatus
from pulse.index import IndexStore
from pulse.jobs.discover import DiscoveryReport, discover
from pulse.jobs.registrations import RegistrationStore
from tests.conftest import NO_GITHUB, github_env, make_repo
from tests.fake_github import FakeGitHub

UPSTREAM = "Dorset-Council-UK/BinDayFinder"  # indexed, and a source in the shipped sources.yaml


def unlisted_known() -> list[KnownOrganisation]:
    """Public bodies in the shipped known list that the shipped sources.yaml does not harvest."""
    listed = {s.target.lower() for p in load_sources() for s in p.sources}
    found = [k for key, k in sorted(known_organisations().items()) if key not in listed and k.publisher_type]
    assert found, "every known public body is a source already: this test needs one that is not"
    return found


@dataclass
class World:
    github: FakeGitHub
    settings: Settings
    store: RegistrationStore
    index: IndexStore
    publishers: list[Publisher]
    known: KnownOrganisation  # the known-list organisation present on the fake

    def run(self, max_requests: int = 200) -> DiscoveryReport:
        return discover(self.settings, self.publishers, self.store, self.index, max_requests)

    def suggested(self) -> dict[str, str]:
        """Login -> note of every suggestion in the store."""
        return {r.organisation: r.note for r in self.store.find(RegistrationStatus.SUGGESTED)}


@pytest.fixture
def world(github: FakeGitHub, tmp_path: Path) -> Iterator[World]:
    known = unlisted_known()[0]
    github.add_org(known.login)  # the list vouches for it: no public-sector domain needed
    owner, name = UPSTREAM.split("/")
    github.add_org(owner, [{"name": name, "forks": 5}], blog="https://www.dorsetcouncil.gov.uk")
    forks = [
        ("Foo-Borough-Council", {"blog": "https://www.fooborough.gov.uk", "name": "Foo Borough Council"}),
        ("acme-consulting", {"blog": "https://acme.example.com", "email": "hello@acme.example.com"}),
        ("uni-lab", {"blog": "https://www.cs.example.ac.uk"}),  # academic: not a public body Pulse indexes
    ]
    for login, profile in forks:
        github.add_org(login, **profile)
        github.add_repo(login, name, fork=True, parent=UPSTREAM)
    github.add_user("a-developer")
    github.add_repo("a-developer", name, fork=True, parent=UPSTREAM)  # a person, not an organisation
    github.add_org("Bar-District-Council", email="digital@bardistrict.gov.uk", name="Bar District Council")
    github.add_org("evil-gov", blog="https://evilgov.uk")  # matches a search for gov.uk; not under gov.uk
    github.add_org("Registered-Council", blog="https://www.registered.gov.uk")
    github.add_org("Rejected-Council", email="it@rejected.gov.uk")

    settings = Settings.from_env(github_env(github), data_dir=tmp_path / "data")
    store = RegistrationStore(settings.data_dir)
    store.submit(
        RegistrationRequest("Registered-Council", "Registered Council", "local-government", "a@registered.gov.uk")
    )
    rejected, _ = store.submit(
        RegistrationRequest("Rejected-Council", "Rejected", "local-government", "it@rejected.gov.uk")
    )
    store.decide(rejected.id, RegistrationStatus.REJECTED, actor="moderator", reason="a duplicate account")
    index = IndexStore(settings.index_dir)
    index.add_records(
        [
            make_repo(1, name, owner=owner, forks=5),
            make_repo(2, "unforked-tool", owner=owner, forks=0),
        ]
    )
    github.reset_counts()
    yield World(github, settings, store, index, load_sources(), known)
    index.close()


def test_each_finder_suggests_an_organisation_with_how_it_was_found(world: World) -> None:
    report = world.run()
    by_login = {s.registration.organisation: s for s in report.suggestions}
    assert set(by_login) == {world.known.login, "Foo-Borough-Council", "Bar-District-Council"}
    assert world.suggested() == {
        world.known.login: by_login[world.known.login].registration.note,
        "Foo-Borough-Council": f"Found by pulse discover: forks {UPSTREAM}",
        "Bar-District-Council": "Found by pulse discover: GitHub search for gov.uk",
    }
    assert by_login[world.known.login].finder == "known-list"
    assert by_login[world.known.login].registration.note.startswith("Found by pulse discover: in the known list")

    listed = by_login[world.known.login].registration
    assert (listed.publisher_type, listed.publisher_name) == (
        world.known.publisher_type,
        world.known.name or world.known.login,
    )
    fork = by_login["Foo-Borough-Council"].registration
    assert (fork.publisher_name, fork.publisher_type, fork.status) == (
        "Foo Borough Council",
        "other-public",  # a domain says public, not which kind
        RegistrationStatus.SUGGESTED,
    )
    assert by_login["Foo-Borough-Council"].evidence == "www.fooborough.gov.uk is under gov.uk"
    search = by_login["Bar-District-Council"].registration
    assert search.contact_email == "digital@bardistrict.gov.uk" and search.publisher_type == "other-public"
    assert not report.errors and not report.budget_exhausted


def test_suggestions_carry_the_same_evidence_as_a_registration(world: World) -> None:
    report = world.run()
    evidence = {
        s.registration.organisation: {e.signal: e for e in world.store.evidence(s.registration.id)}
        for s in report.suggestions
    }
    fork = evidence["Foo-Borough-Council"]
    assert {"organisation", "verified_domain", "website", "public_email", "contact_domain", "known_list"} <= set(fork)
    assert fork["organisation"].met and fork["website"].met and "fooborough.gov.uk" in fork["website"].detail
    assert fork["known_list"].met is None  # not in the list
    assert evidence["Bar-District-Council"]["public_email"].met
    assert evidence[world.known.login]["known_list"].met
    assert evidence[world.known.login]["website"].met is None  # the profile gives none: shown, not hidden


def test_organisations_without_a_public_sector_domain_are_not_suggested(world: World) -> None:
    report = world.run()
    suggested = world.suggested()
    for login in ("acme-consulting", "uni-lab", "evil-gov", "a-developer"):
        assert login not in suggested
    assert {"acme-consulting", "uni-lab", "evil-gov"} <= set(report.not_public)
    assert "a-developer" not in report.not_public  # a person's fork costs no profile request
    assert world.github.count("/orgs/a-developer") == 0 and world.github.count("/users/a-developer") == 0


def test_sources_registered_and_rejected_organisations_are_skipped(world: World) -> None:
    report = world.run()
    assert {"Dorset-Council-UK", "Registered-Council", "Rejected-Council"} <= set(report.skipped)
    assert not {"Dorset-Council-UK", "Registered-Council", "Rejected-Council"} & set(world.suggested())
    # Known ones cost nothing: no profile is asked for them.
    for login in ("Dorset-Council-UK", "Registered-Council", "Rejected-Council"):
        assert world.github.count(f"/orgs/{login}") == 0
    assert report.candidates == len(report.suggestions) + len(report.skipped) + len(report.not_public)


def test_the_request_budget_is_kept_and_reported(world: World) -> None:
    report = world.run()
    assert report.requests == world.github.count() and report.requests <= 200
    world.github.reset_counts()
    for budget in (1, 2, 5):
        tight = world.run(max_requests=budget)
        assert world.github.count() == tight.requests <= budget
        assert tight.budget_exhausted and tight.max_requests == budget
        world.github.reset_counts()


def test_a_small_budget_is_shared_so_every_finder_gets_a_turn(github: FakeGitHub, world: World) -> None:
    # 6 requests over 3 finders: at most 2 for the known list, then a forks page and a search page at least.
    world.run(max_requests=6)
    assert github.count("/repos/Dorset-Council-UK/BinDayFinder/forks") == 1
    assert github.count("/search/users") >= 1


def test_a_failed_call_is_reported_and_a_rate_limit_stops_the_run_keeping_what_was_found(world: World) -> None:
    world.github.fail(f"/repos/{UPSTREAM}/forks", 422)
    world.github.fail_rate_limited("/search/users", reset_in=3600)  # longer than Pulse waits
    report = world.run()
    assert [s.finder for s in report.suggestions] == ["known-list"] and set(world.suggested()) == {world.known.login}
    assert any(e.startswith(f"forks of {UPSTREAM}: GitHub") for e in report.errors)
    assert any("rate limit" in e for e in report.errors) and report.budget_exhausted
    assert world.github.count("/search/users") == 1  # stopped at the first rate-limited answer


def test_running_twice_adds_nothing_new(world: World) -> None:
    first = world.run()
    assert len(first.suggestions) == 3
    before = world.store.find()
    second = world.run()
    assert second.suggestions == [] and world.store.find() == before
    assert {s.registration.organisation for s in first.suggestions} <= set(second.skipped)


def test_nothing_is_harvested(world: World) -> None:
    generation, count = world.index.generation(), world.index.doc_count()
    report = world.run()
    assert report.suggestions
    assert (world.index.generation(), world.index.doc_count()) == (generation, count)
    for suggestion in report.suggestions:
        assert world.github.count(f"/orgs/{suggestion.registration.organisation}/repos") == 0
    assert not (world.settings.data_dir / "registered-sources.yaml").exists()  # the registry is untouched


def test_the_command_prints_each_suggestion_and_a_summary(world: World) -> None:
    runner = CliRunner()
    env = github_env(world.github)
    result = runner.invoke(main, ["discover", "--data-dir", str(world.settings.data_dir)], env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"suggested   Foo-Borough-Council: forks {UPSTREAM}; www.fooborough.gov.uk is under gov.uk" in lines
    assert any(line.startswith("suggested   Bar-District-Council: GitHub search for gov.uk") for line in lines)
    summary = lines[-1]
    assert summary.startswith("Discovered ") and "3 suggested (new)" in summary
    assert f"{world.github.count()} of 200 GitHub requests used" in summary
    assert len(world.suggested()) == 3

    again = runner.invoke(
        main, ["discover", "--max-requests", "2", "--data-dir", str(world.settings.data_dir)], env=env
    )
    assert again.exit_code == 0 and "0 suggested (new)" in again.stdout and "of 2 GitHub requests used" in again.stdout


def test_without_an_index_the_fork_finder_is_skipped_and_no_index_is_made(github: FakeGitHub, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(main, ["discover", "--data-dir", str(data_dir)], env=github_env(github))
    assert result.exit_code == 0, result.output
    assert "0 suggested (new)" in result.stdout  # this fake GitHub has no organisations
    assert github.count("/search/users") == 5 and github.count("/repos/") == 0
    assert not (data_dir / "index").exists()


def test_the_command_refuses_a_bad_sources_file(tmp_path: Path) -> None:
    bad = tmp_path / "sources.yaml"
    bad.write_text("publishers:\n  - name: X\n")
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(
        main, ["discover", "--sources", str(bad), "--data-dir", str(data_dir)], env={"GITHUB_API_URL": NO_GITHUB}
    )
    assert result.exit_code == 2 and "sources.yaml" in result.stderr and "publishers[0]" in result.stderr
    assert not (data_dir / "registrations.sqlite3").exists()  # refused before anything was opened
