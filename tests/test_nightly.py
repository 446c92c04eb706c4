"""The nightly harvest: cheap on requests, isolated failures, nothing lost."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pulse.core.query import SearchRequest
from pulse.core.settings import Settings
from pulse.core.sources import Publisher, Source
from pulse.index import IndexStore, search
from pulse.jobs.harvest import HarvestReport, load_state, run_harvest
from tests.conftest import github_env
from tests.fake_github import FakeGitHub

ORGS = {"camden-council": 250, "leeds-city-council": 120, "york-council": 30}


def publishers(*logins: str) -> list[Publisher]:
    return [
        Publisher(name=f"{login} (test)", type="local-government", sources=(Source("github", login),))
        for login in logins
    ]


class World:
    """A fake GitHub, a data directory and a way to run a harvest over both."""

    def __init__(self, github: FakeGitHub, tmp_path: Path, **env: str) -> None:
        self.github = github
        self.settings = Settings.from_env(github_env(github, **env), data_dir=tmp_path / "data")
        self.store = IndexStore(self.settings.index_dir)

    def harvest(self, *logins: str) -> HarvestReport:
        self.github.reset_counts()
        report = run_harvest(publishers(*(logins or tuple(ORGS))), self.store, self.settings)
        assert report.requests == self.github.count(), "the run's own request count must match the server's"
        return report

    def names(self, login: str) -> set[str]:
        return {r.name for r in self.store.records_of_source(f"github:{login}").values()}

    def find(self, words: str) -> list[str]:
        page = search(self.store, SearchRequest(q=words))
        return [h.repo.full_name for h in page.hits]


@pytest.fixture
def world(github: FakeGitHub, tmp_path: Path):  # type: ignore[no-untyped-def]
    for login, count in ORGS.items():
        for i in range(count):
            github.add_repo(login, f"{login}-service-{i}", readme=f"# Service {i}\n\nHelps residents of {login}.")
    w = World(github, tmp_path)
    yield w
    w.store.close()


def list_floor(orgs: dict[str, int]) -> int:
    return sum(math.ceil(n / 100) for n in orgs.values()) + len(orgs)


def test_first_run_costs_at_most_two_requests_per_repo_plus_list_pages(world: World) -> None:
    report = world.harvest()
    repos = sum(ORGS.values())
    assert all(s.status == "ok" for s in report.sources)
    assert world.store.doc_count() == repos
    assert report.requests <= 2 * repos + list_floor(ORGS)


def test_a_run_with_nothing_changed_costs_only_the_list_pages(world: World) -> None:
    world.harvest()
    second = world.harvest()
    assert second.requests <= 1.1 * list_floor(ORGS)
    assert world.github.count("/repos/") == 0
    assert all((s.added, s.updated, s.removed) == (0, 0, 0) for s in second.sources)


def test_only_pushed_repos_have_their_readme_read_again(world: World) -> None:
    world.harvest()
    world.github.update_repo(
        "leeds-city-council",
        "leeds-city-council-service-7",
        pushed_at="2030-01-01T00:00:00Z",
        readme="# Gritting routes\n\nWinter gritting.",
    )
    report = world.harvest()
    assert sorted(r.path for r in world.github.requests if r.path.startswith("/repos/")) == [
        "/repos/leeds-city-council/leeds-city-council-service-7/contents/",
        "/repos/leeds-city-council/leeds-city-council-service-7/readme",
    ]
    leeds = next(s for s in report.sources if s.target == "leeds-city-council")
    assert (leeds.added, leeds.updated, leeds.removed) == (0, 1, 0)
    assert world.find("gritting") == ["leeds-city-council/leeds-city-council-service-7"]


@pytest.mark.parametrize(
    ("fault", "expected_error"),
    [
        (lambda gh: gh.fail("/orgs/york-council", 500), "after retries"),
        (lambda gh: gh.fail("/orgs/york-council", 404), "HTTP 404"),
        (lambda gh: gh.fail("/orgs/york-council", 401), "HTTP 401"),
        (lambda gh: gh.fail("/orgs/york-council", 200, body='[{"id": 1, "name": '), "malformed"),
        (lambda gh: gh.stall("/orgs/york-council", 3.0), "network error"),
    ],
    ids=["5xx", "404-org", "401-bad-token", "malformed-json", "timeout"],
)
def test_a_failing_org_keeps_its_repos_while_others_refresh(world: World, fault, expected_error: str) -> None:  # type: ignore[no-untyped-def]
    world.settings = Settings.from_env(
        github_env(world.github, PULSE_GITHUB_TIMEOUT="1"), data_dir=world.settings.data_dir
    )
    world.harvest()
    world.github.add_repo("camden-council", "camden-new-thing", readme="Brand new parking permits service")
    fault(world.github)
    report = world.harvest()
    york = next(s for s in report.sources if s.target == "york-council")
    assert york.status == "failed" and expected_error in york.error
    assert len(world.names("york-council")) == 30  # nothing lost
    assert "york-council/york-council-service-3" in world.find("york-council-service-3")
    assert world.find("parking permits") == ["camden-council/camden-new-thing"]  # the others went on
    state = load_state(world.settings.data_dir).sources["github:york-council"]
    assert state.stale and state.last_success and expected_error in state.last_error


def test_per_repo_readme_problems_do_not_fail_the_org(world: World) -> None:
    gh = world.github
    gh.add_repo("york-council", "empty-repo", empty=True)  # 409
    gh.add_repo("york-council", "no-readme", readme=None)  # 404
    gh.add_repo("york-council", "huge-readme", readme="x" * 1_100_000)  # contents API: encoding "none"
    gh.add_repo("york-council", "latin1-readme", readme="Caf\xe9 opening times \xa3".encode("latin-1"))
    gh.add_repo("york-council", "flaky-readme", readme="# Flaky")
    gh.fail("/repos/york-council/flaky-readme/readme", 500)
    report = world.harvest("york-council")
    assert report.sources[0].status == "ok"
    records = {r.name: r for r in world.store.records_of_source("github:york-council").values()}
    assert records["empty-repo"].readme == records["no-readme"].readme == records["huge-readme"].readme == ""
    assert records["latin1-readme"].readme == "Café opening times £"
    assert records["flaky-readme"].readme_sha == ""  # unknown: read again next run
    gh.clear_faults()
    world.harvest("york-council")
    assert world.store.get("york-council", "flaky-readme").readme == "# Flaky"


def test_a_repo_is_removed_only_after_a_complete_listing(world: World) -> None:
    world.harvest()
    world.github.remove_repo("camden-council", "camden-council-service-0")
    world.github.fail("/organizations", 502)  # page 2 and 3 of the 250-repo listing fail
    report = world.harvest("camden-council")
    assert report.sources[0].status == "failed"
    assert len(world.names("camden-council")) == 250
    world.github.clear_faults()
    report = world.harvest("camden-council")
    assert report.sources[0].removed == 1
    assert "camden-council-service-0" not in world.names("camden-council")


def test_a_renamed_repo_updates_in_place(world: World) -> None:
    world.harvest("york-council")
    record = world.store.get("york-council", "york-council-service-5")
    world.github.rename_repo("york-council", "york-council-service-5", "bin-day-finder")
    report = world.harvest("york-council")
    assert (report.sources[0].added, report.sources[0].updated, report.sources[0].removed) == (0, 1, 0)
    renamed = world.store.get("york-council", "bin-day-finder")
    assert renamed is not None and renamed.id == record.id
    assert world.store.get("york-council", "york-council-service-5") is None
    assert world.store.doc_count() == 30


def test_an_org_gone_on_two_runs_is_tombstoned_not_dropped_silently(world: World) -> None:
    world.harvest("york-council")
    world.github.fail("/orgs/york-council", 404)
    first = world.harvest("york-council")
    assert first.sources[0].status == "failed" and len(world.names("york-council")) == 30
    second = world.harvest("york-council")
    assert (second.sources[0].status, second.sources[0].removed) == ("tombstoned", 30)
    assert world.names("york-council") == set()
    state = load_state(world.settings.data_dir).sources["github:york-council"]
    assert state.tombstoned and state.consecutive_not_found == 2
    world.github.clear_faults()
    back = world.harvest("york-council")
    assert back.sources[0].added == 30
    assert not load_state(world.settings.data_dir).sources["github:york-council"].tombstoned


def test_a_short_rate_limit_is_waited_out(world: World) -> None:
    world.github.fail_rate_limited("/orgs/leeds-city-council", reset_in=1, times=1)
    report = world.harvest("leeds-city-council")
    assert report.sources[0].status == "ok" and not report.stopped_early


def test_a_long_rate_limit_stops_cleanly_and_resumes_next_run(github: FakeGitHub, tmp_path: Path) -> None:
    for login, count in ORGS.items():
        for i in range(count):
            github.add_repo(login, f"{login}-{i}")
    world = World(github, tmp_path, PULSE_GITHUB_MAX_RATE_LIMIT_WAIT="2")
    github.fail_rate_limited("/orgs/leeds-city-council", reset_in=3600)
    report = world.harvest()
    assert report.stopped_early
    assert [(s.target, s.status) for s in report.sources] == [
        ("camden-council", "ok"),
        ("leeds-city-council", "not reached"),
        ("york-council", "not reached"),
    ]
    assert world.store.doc_count() == 250  # what finished was committed
    assert load_state(world.settings.data_dir).pending == ["github:leeds-city-council", "github:york-council"]
    github.clear_faults()
    resumed = world.harvest()
    assert [s.target for s in resumed.sources][:2] == ["leeds-city-council", "york-council"]
    assert not resumed.stopped_early and world.store.doc_count() == 400
    assert load_state(world.settings.data_dir).pending == []
    world.store.close()


def test_secondary_rate_limit_with_retry_after_is_honoured(world: World) -> None:
    world.github.fail_secondary("/orgs/york-council", status=429, retry_after=1, times=1)
    report = world.harvest("york-council")
    assert report.sources[0].status == "ok"


def test_a_rate_limit_mid_org_keeps_the_readmes_already_read(github: FakeGitHub, tmp_path: Path) -> None:
    for i in range(250):
        github.add_repo("camden-council", f"svc-{i:03d}", readme=f"Service {i}")
    world = World(github, tmp_path, PULSE_GITHUB_MAX_RATE_LIMIT_WAIT="2")
    github.fail_rate_limited("/organizations", reset_in=3600)  # list pages 2 and 3
    report = world.harvest("camden-council")
    assert report.stopped_early and report.sources[0].status == "not reached"
    assert world.store.doc_count() == 100  # page 1's repos, READMEs included, were committed
    github.clear_faults()
    resumed = world.harvest("camden-council")
    assert resumed.sources[0].status == "ok" and world.store.doc_count() == 250
    assert world.github.count("/repos/") == 2 * 150  # only the READMEs (and listings) not read before
    world.store.close()


def test_a_fork_whose_upstream_is_unknown_is_not_asked_every_night(world: World) -> None:
    world.github.add_repo("york-council", "orphan-fork", fork=True)  # no parent in the full body
    world.harvest("york-council")
    assert world.github.count("/repos/york-council/orphan-fork") == 2  # README + the repo itself
    world.harvest("york-council")
    assert world.github.count("/repos/") == 0
