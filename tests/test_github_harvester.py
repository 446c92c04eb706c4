"""The GitHub harvester: real PyGithub over HTTP against the fake GitHub server."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pulse.core.errors import SourceError
from pulse.core.settings import Settings
from pulse.core.sources import Publisher, Source
from pulse.harvesters.github import GitHubHarvester
from tests.conftest import github_env
from tests.fake_github import FakeGitHub

DORSET_ORG = Source("github", "Dorset-Council-UK")
DORSET = Publisher(name="Dorset Council", type="local-government", sources=(DORSET_ORG,))


def harvester(fake: FakeGitHub, tmp_path: Path, **env: str) -> GitHubHarvester:
    return GitHubHarvester(Settings.from_env(github_env(fake, **env), data_dir=tmp_path))


def test_list_fields_are_normalised_into_records(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo(
        "Dorset-Council-UK",
        "BinDayFinder",
        description="Find your bin day",
        topics=["waste", "bins"],
        language="C#",
        license_spdx="MIT",
        stars=12,
        forks=3,
        open_issues=2,
        is_template=True,
        homepage="https://www.dorsetcouncil.gov.uk",
        readme="# Bin day finder\n\nEnter your postcode.",
        files=["CONTRIBUTING.md", "tests/", ".github/"],
    )
    github.add_repo(
        "Dorset-Council-UK",
        "unlicensed",
        license_spdx=None,
        archived=True,
        language=None,
        files=["docs/", "package.json"],
    )
    records = {r.name: r for r in harvester(github, tmp_path).harvest(DORSET, DORSET_ORG, {})}

    bins = records["BinDayFinder"]
    assert bins.full_name == "Dorset-Council-UK/BinDayFinder"
    assert bins.url == "https://github.com/Dorset-Council-UK/BinDayFinder"
    assert bins.id == github.repo("Dorset-Council-UK", "BinDayFinder")["id"]
    assert (bins.description, bins.topics, bins.language, bins.licence) == (
        "Find your bin day",
        ("waste", "bins"),
        "C#",
        "MIT",
    )
    assert (bins.stars, bins.forks, bins.open_issues, bins.is_template, bins.archived) == (12, 3, 2, True, False)
    assert bins.homepage == "https://www.dorsetcouncil.gov.uk"
    assert bins.readme == "# Bin day finder\n\nEnter your postcode."
    assert (bins.publisher, bins.publisher_type, bins.source) == (
        "Dorset Council",
        "local-government",
        "github:dorset-council-uk",
    )
    assert bins.default_branch == "main"
    for stamp in (bins.created_at, bins.pushed_at, bins.updated_at, bins.harvested_at):
        assert len(stamp) == 20 and stamp.endswith("Z")

    plain = records["unlicensed"]
    assert (plain.licence, plain.language, plain.archived) == ("", "", True)
    assert (bins.has_contributing, bins.has_tests) == (True, True)  # from the root file listing
    assert (plain.has_contributing, plain.has_tests) == (False, False)


def test_every_page_of_a_250_repo_org_is_read(github: FakeGitHub, tmp_path: Path) -> None:
    for i in range(250):
        github.add_repo("big-council", f"repo-{i:03d}")
    records = list(harvester(github, tmp_path).harvest(DORSET, Source("github", "big-council"), {}))
    assert len({r.id for r in records}) == 250
    list_requests = [r for r in github.requests if r.path.endswith("/repos")]
    assert len(list_requests) == 3
    assert all(r.query.get("per_page") == "100" for r in list_requests)


def test_no_lazy_loading_adds_requests_per_repo(github: FakeGitHub, tmp_path: Path) -> None:
    """Only the README costs a request per repo, plus the upstream of a fork (which list
    responses lack): reading another attribute PyGithub completes lazily fails this test."""
    for i in range(30):
        fork = i % 3 == 0
        github.add_repo(
            "Dorset-Council-UK",
            f"repo-{i}",
            fork=fork,
            topics=["x"],
            **({"parent": f"alphagov/upstream-{i}"} if fork else {}),
        )
    github.reset_counts()
    pulse = harvester(github, tmp_path)
    records = list(pulse.harvest(DORSET, DORSET_ORG, {}))
    per_repo = [r.path for r in github.requests if r.path.startswith("/repos/")]
    assert len(records) == 30
    forks = [r for r in records if r.fork]
    assert sorted(per_repo) == sorted(
        [f"/repos/Dorset-Council-UK/{r.name}/readme" for r in records]
        + [f"/repos/Dorset-Council-UK/{r.name}" for r in forks]
        + [f"/repos/Dorset-Council-UK/{r.name}/contents/" for r in records if not r.fork]
    )
    assert {r.fork_of for r in forks} == {f"alphagov/upstream-{r.name.split('-')[1]}" for r in forks}
    assert pulse.requests_made == len(github.requests) == 2 * 30 + 2  # two per repo, the org and a list page

    github.reset_counts()  # a second harvest knows the upstreams and the READMEs already
    again = list(pulse.harvest(DORSET, DORSET_ORG, {r.key: r for r in records}))
    assert again == [dataclasses.replace(r, harvested_at=again[0].harvested_at) for r in records]
    assert [r.path for r in github.requests if r.path.startswith("/repos/")] == []


def test_missing_readme_and_empty_repo_give_empty_text(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo("Dorset-Council-UK", "no-readme", readme=None)
    github.add_repo("Dorset-Council-UK", "empty", empty=True)
    records = {r.name: r for r in harvester(github, tmp_path).harvest(DORSET, DORSET_ORG, {})}
    assert records["no-readme"].readme == ""
    assert records["empty"].readme == ""
    statuses = {r.path: r for r in github.requests}
    assert "/repos/Dorset-Council-UK/empty/readme" in statuses


def test_unknown_org_is_a_source_error(github: FakeGitHub, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="HTTP 404"):
        list(harvester(github, tmp_path).harvest(DORSET, Source("github", "no-such-council"), {}))


def test_bad_token_is_reported_without_showing_it(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo("Dorset-Council-UK", "a")
    github.fail("/orgs/Dorset-Council-UK", 401)
    with pytest.raises(SourceError) as caught:
        list(harvester(github, tmp_path, GITHUB_TOKEN="ghp_topsecret123").harvest(DORSET, DORSET_ORG, {}))
    assert "401" in str(caught.value) and "ghp_topsecret123" not in str(caught.value)
    sent = github.requests[-1].headers.get("authorization", "")
    assert sent.endswith("ghp_topsecret123")


def test_persistent_server_errors_and_malformed_json_are_source_errors(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo("broken-500", "a")
    github.add_repo("broken-json", "a")
    github.fail("/orgs/broken-500", 500)
    github.fail("/orgs/broken-json", 200, body="{not json")
    with pytest.raises(SourceError, match="after retries"):
        list(harvester(github, tmp_path).harvest(DORSET, Source("github", "broken-500"), {}))
    with pytest.raises(SourceError, match="malformed"):
        list(harvester(github, tmp_path).harvest(DORSET, Source("github", "broken-json"), {}))


def test_transient_server_error_is_retried(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo("Dorset-Council-UK", "a")
    github.fail("/orgs/Dorset-Council-UK/repos", 502, times=1)
    records = list(harvester(github, tmp_path).harvest(DORSET, DORSET_ORG, {}))
    assert [r.name for r in records] == ["a"]


def test_a_failing_readme_does_not_fail_the_org(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_repo("Dorset-Council-UK", "a", readme="# A")
    github.add_repo("Dorset-Council-UK", "b", readme="# B")
    github.fail("/repos/Dorset-Council-UK/a/readme", 500)
    records = {r.name: r for r in harvester(github, tmp_path).harvest(DORSET, DORSET_ORG, {})}
    assert records["a"].readme == "" and records["b"].readme == "# B"


def test_check_target_rejects_bad_logins() -> None:
    assert GitHubHarvester.check_target("Dorset-Council-UK") is None
    assert GitHubHarvester.check_target("-bad") is not None
    assert GitHubHarvester.check_target("a" * 40) is not None


METADATA = Path(__file__).parent / "data" / "formats"


def test_metadata_files_are_read_once_per_change_and_bad_ones_reported(github: FakeGitHub, tmp_path: Path) -> None:
    publiccode = (METADATA / "publiccode.amsterdam-signals-frontend.yml").read_text()
    dwp = (METADATA / "uk-metadata" / "dwp-project-metadata" / "dwp__govuk-casa__project-metadata.v1.yaml").read_text()
    backstage = METADATA / "uk-metadata" / "backstage-catalog-info" / "hmcts__rpe-pdf-service__catalog-info.yaml"
    github.add_repo("Dorset-Council-UK", "signals", contents={"publiccode.yml": publiccode})
    github.add_repo("Dorset-Council-UK", "casa", contents={".dwp/project-metadata.yaml": dwp})
    github.add_repo("Dorset-Council-UK", "pdf", contents={"catalog-info.yaml": backstage.read_text()})
    github.add_repo("Dorset-Council-UK", "broken", contents={"publiccode.yml": "name: [unclosed\n"})
    github.add_repo("Dorset-Council-UK", "plain")
    github.reset_counts()
    pulse = harvester(github, tmp_path)
    records = {r.name: r for r in pulse.harvest(DORSET, DORSET_ORG, {})}
    signals = records["signals"]
    assert signals.metadata_file == "publiccode.yml" and signals.metadata["development_status"] == "stable"
    assert signals.metadata["software_type"] == "standalone/web" and not signals.metadata_problem
    assert records["casa"].metadata_file == ".dwp/project-metadata.yaml" and records["casa"].metadata
    assert records["pdf"].metadata_file == "catalog-info.yaml" and records["pdf"].metadata.get("lifecycle")
    broken = records["broken"]
    assert broken.metadata == {} and "not valid YAML" in broken.metadata_problem
    assert records["plain"].metadata_file == "" and records["plain"].metadata == {}
    read = sorted(r.path for r in github.requests if "/contents/" in r.path and not r.path.endswith("/contents/"))
    assert read == [
        "/repos/Dorset-Council-UK/broken/contents/publiccode.yml",
        "/repos/Dorset-Council-UK/casa/contents/.dwp/project-metadata.yaml",
        "/repos/Dorset-Council-UK/pdf/contents/catalog-info.yaml",
        "/repos/Dorset-Council-UK/signals/contents/publiccode.yml",
    ]  # one request per repo that has a metadata file, none for the others
    github.reset_counts()
    again = {r.name: r for r in pulse.harvest(DORSET, DORSET_ORG, {r.key: r for r in records.values()})}
    assert again["signals"].metadata == signals.metadata and again["broken"].metadata_problem == broken.metadata_problem
    assert [r.path for r in github.requests if r.path.startswith("/repos/")] == []  # unchanged: nothing read again
