"""The GitLab harvester: the real python-gitlab over HTTP against the fake GitLab on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulse.core.errors import RateLimited, SourceError
from pulse.core.record import NO_README, Repo
from pulse.core.settings import Settings
from pulse.core.sources import Publisher, Source
from pulse.harvesters.gitlab import GitLabHarvester
from pulse.index import IndexStore
from pulse.jobs.harvest import run_harvest
from tests.conftest import github_env
from tests.fake_github import FakeGitHub
from tests.fake_gitlab import API, DATA_DIR, FakeGitLab, build_nhsbsa_world, git_blob_sha, load_fixture, load_http

NHSBSA = Publisher(name="NHS Business Services Authority", type="health", sources=())
FORMATS = Path(__file__).parent / "data" / "formats"


def gitlab_env(**extra: str) -> dict[str, str]:
    """The fake is on 127.0.0.1 over http, which only PULSE_ALLOW_PRIVATE_URLS lets through."""
    return {"PULSE_ALLOW_PRIVATE_URLS": "1", "PULSE_GITHUB_REQUEST_INTERVAL": "0", "PULSE_GITHUB_RETRIES": "1", **extra}


def harvester(tmp_path: Path, **env: str) -> GitLabHarvester:
    return GitLabHarvester(Settings.from_env(gitlab_env(**env), data_dir=tmp_path))


def source(fake: FakeGitLab, group: str = "nhsbsa", **options: str) -> Source:
    return Source("gitlab", group, url=fake.url, **options)


def harvest(pulse: GitLabHarvester, src: Source, previous: dict[str, Repo] | None = None) -> dict[str, Repo]:
    return {r.path: r for r in pulse.harvest(NHSBSA, src, previous or {})}


def list_requests(fake: FakeGitLab) -> list[dict[str, str]]:
    return [r.query for r in fake.requests if r.path.startswith(f"{API}/groups/") and r.path.endswith("/projects")]


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    with FakeGitLab() as fake:
        yield fake


@pytest.fixture
def keyset() -> Iterator[FakeGitLab]:
    with FakeGitLab(keyset_group_projects=True) as fake:
        yield fake


# ---------------------------------------------------------------- the fake speaks GitLab


def test_the_fakes_errors_and_pagination_headers_are_gitlabs(gitlab: FakeGitLab) -> None:
    """The bodies and header names the fake sends are the recorded ones in tests/data/gitlab-api."""
    for i in range(5):
        gitlab.add_project("nhsbsa", f"p{i}")

    def get(path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(gitlab.url + path, timeout=10) as answer:
                return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
        except urllib.error.HTTPError as err:
            return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()

    assert get(f"{API}/groups/nope")[2] == (DATA_DIR / "404_group_not_found.json").read_bytes().strip()
    assert json.loads(get(f"{API}/projects/999")[2]) == load_fixture("404_project_not_found.json")
    status, headers, body = get(f"{API}/groups/nhsbsa/projects?per_page=2&page=2")
    recorded = load_http("offset_pagination_notes_page2.http")[1]
    wanted = {k.lower() for k in recorded if k.lower().startswith(("x-", "link")) and k.lower() != "x-runtime"}
    assert status == 200 and wanted - {"x-request-id"} <= set(headers) and len(json.loads(body)) == 2
    assert (headers["x-page"], headers["x-next-page"], headers["x-prev-page"], headers["x-total"]) == (
        "2",
        "3",
        "1",
        "5",
    )
    assert [part.split("rel=")[1] for part in headers["link"].split(", ")] == ['"prev"', '"next"', '"first"', '"last"']
    last = get(f"{API}/groups/nhsbsa/projects?per_page=2&page=3")[1]
    assert last["x-next-page"] == "" and 'rel="next"' not in last["link"]  # always sent, empty at the end

    gitlab.total_limit = 4  # as above 10,000 records: no totals, no rel="last"
    above = get(f"{API}/groups/nhsbsa/projects?per_page=2")[1]
    assert "x-total" not in above and "x-total-pages" not in above and 'rel="last"' not in above["link"]

    gitlab.keyset_group_projects = True
    recorded_link = load_http("keyset_pagination_projects.http")[1]["Link"]
    link = get(f"{API}/groups/nhsbsa/projects?pagination=keyset&per_page=2&order_by=id&sort=asc")[1]["link"]
    shape = re.compile(r'^<[^>]+[?&]pagination=keyset&per_page=\d+&order_by=id&sort=asc&id_after=\d+>; rel="next"$')
    assert shape.match(recorded_link) and shape.match(link)

    project = gitlab.find("nhsbsa/p0")
    assert project is not None
    request = urllib.request.Request(
        f"{gitlab.url}{gitlab.project_path(project.id)}/repository/files/README.md?ref=main"
    )
    request.method = "HEAD"
    with urllib.request.urlopen(request, timeout=10) as answer:
        sent = {k.lower() for k in answer.headers if k.lower().startswith("x-gitlab-")}
    recorded_head = load_http("repository_file_HEAD_metadata.http")[1]
    assert sent == {k.lower() for k in recorded_head if k.lower().startswith("x-gitlab-")}


# ---------------------------------------------------------------- what a harvest reads


def test_every_public_project_of_groups_nested_four_deep_is_harvested(gitlab: FakeGitLab, tmp_path: Path) -> None:
    listed = build_nhsbsa_world(gitlab)
    src = source(gitlab)
    records = harvest(harvester(tmp_path), src)

    assert set(records) == set(listed)  # not the internal, private or shared-in projects
    deep = records["nhsbsa/ddat/test-community/accessibility/axe-checks"]
    assert (deep.owner, deep.name, deep.full_name) == (
        "nhsbsa/ddat/test-community/accessibility",
        "axe-checks",
        "nhsbsa/ddat/test-community/accessibility/axe-checks",
    )
    assert deep.host == "127.0.0.1" and deep.key == f"127.0.0.1:{listed[deep.path]['id']}"
    assert deep.page_url == "/items/127.0.0.1/nhsbsa/ddat/test-community/accessibility/axe-checks"
    assert deep.url == f"{gitlab.url}/nhsbsa/ddat/test-community/accessibility/axe-checks"
    assert {r.source for r in records.values()} == {src.key} == {"gitlab:127.0.0.1/nhsbsa"}
    assert records["nhsbsa/platform-services/gitleaks/gitleaks-nhsbsa"].topics == ("secrets-detection", "security")
    assert "NHS Business Services Authority" in records["nhsbsa/ddat/tooling/flight-instructor"].readme
    tested = records["nhsbsa/ddat/test-community/api-standard-framework"]
    assert (tested.has_contributing, tested.has_tests) == (True, True)
    kaniko = records["nhsbsa/platform-services/pipeline-templates/kaniko"]
    assert (kaniko.has_contributing, kaniko.has_tests) == (False, False)
    assert all(
        (r.publisher, r.publisher_type) == ("NHS Business Services Authority", "health") for r in records.values()
    )
    # The harvester asked for public projects of the subgroups too, and not for shared ones.
    assert {(q["include_subgroups"], q["visibility"], q["with_shared"]) for q in list_requests(gitlab)} == {
        ("True", "public", "False")
    }


def test_fields_come_from_the_list_and_the_licence_from_the_single_project(gitlab: FakeGitLab, tmp_path: Path) -> None:
    gitlab.add_project("nhsbsa/platform-services", "upstream-tool", licence="apache-2.0")
    gitlab.add_project(
        "nhsbsa/ddat",
        "prescription-checker",
        description="Check whether you get free prescriptions",
        topics=["prescriptions", "eligibility"],
        licence="ogl-uk-3.0",
        stars=12,
        forks=3,
        open_issues=4,
        archived=True,
        readme="# Prescription checker\n\nAnswer a few questions.",
        files={".gitlab-ci.yml": "test: {script: [make test]}"},
        fork_of="nhsbsa/platform-services/upstream-tool",
        created_at="2019-05-20T01:40:25.772Z",
        last_activity_at="2024-03-01T09:15:00.123+01:00",
        default_branch="develop",
    )
    gitlab.add_project("nhsbsa", "unlicensed", licence=None, readme=None)
    gitlab.add_project("nhsbsa", "odd-licence", licence="other")
    records = harvest(harvester(tmp_path), source(gitlab))

    checker = records["nhsbsa/ddat/prescription-checker"]
    assert checker.description == "Check whether you get free prescriptions"
    assert checker.topics == ("eligibility", "prescriptions")  # GitLab sends them sorted
    assert (checker.licence, checker.stars, checker.forks, checker.open_issues) == ("OGL-UK-3.0", 12, 3, 4)
    assert (checker.archived, checker.fork, checker.fork_of) == (True, True, "nhsbsa/platform-services/upstream-tool")
    assert (checker.created_at, checker.pushed_at, checker.updated_at) == (
        "2019-05-20T01:40:25Z",
        "2024-03-01T08:15:00Z",
        "2024-03-01T08:15:00Z",
    )
    assert checker.default_branch == "develop" and checker.readme == "# Prescription checker\n\nAnswer a few questions."
    assert checker.readme_sha == git_blob_sha(b"# Prescription checker\n\nAnswer a few questions.")  # the blob id
    assert (checker.has_contributing, checker.has_tests, checker.is_template) == (False, True, False)
    assert records["nhsbsa/platform-services/upstream-tool"].licence == "Apache-2.0"
    assert not records["nhsbsa/platform-services/upstream-tool"].fork
    plain = records["nhsbsa/unlicensed"]
    assert (plain.licence, plain.readme, plain.readme_sha) == ("", "", NO_README)
    assert records["nhsbsa/odd-licence"].licence == "Other"  # found a licence, could not name it
    # The licence needs the single project: the list never has it, and it was asked with license=true.
    assert "license" not in gitlab.add_project("nhsbsa", "probe")
    singles = [
        r for r in gitlab.requests if r.path == gitlab.project_path(gitlab.find("nhsbsa/ddat/prescription-checker").id)
    ]
    assert [r.query.get("license") for r in singles] == ["True"]


def test_an_old_instance_sends_tag_list_instead_of_topics(tmp_path: Path) -> None:
    with FakeGitLab(old_instance=True) as old:
        listed = old.add_project("digital/platform", "forms", topics=["forms", "gov-uk"])
        assert "topics" not in listed and listed["tag_list"] == ["forms", "gov-uk"]  # the 2019 shape
        records = harvest(harvester(tmp_path), source(old, "digital/platform"))
    assert records["digital/platform/forms"].topics == ("forms", "gov-uk")


def test_metadata_files_are_read_from_the_tree(gitlab: FakeGitLab, tmp_path: Path) -> None:
    publiccode = (FORMATS / "publiccode.amsterdam-signals-frontend.yml").read_text(encoding="utf-8")
    dwp = FORMATS / "uk-metadata/dwp-project-metadata/dwp__ui-atw-claim-counter-sign__project-metadata.v2.yaml"
    gitlab.add_project(
        "dwp/health/atw/components", "ui-claim-counter-sign", files={".dwp/project-metadata.yaml": dwp.read_text()}
    )
    gitlab.add_project("dwp", "signals", files={"publiccode.yml": publiccode})
    gitlab.add_project("dwp", "broken", files={"catalog-info.yaml": "metadata: [unclosed\n"})
    gitlab.add_project("dwp", "folder-only", files={".dwp/notes.md": "no metadata here"})
    records = harvest(harvester(tmp_path), source(gitlab, "dwp"))

    casa = records["dwp/health/atw/components/ui-claim-counter-sign"]
    assert (
        casa.metadata_file == ".dwp/project-metadata.yaml"
        and casa.metadata["system"] == "6f5de9ec6f20cb80a16b7e952e3ee41e"
    )
    signals = records["dwp/signals"]
    assert signals.metadata_file == "publiccode.yml" and signals.metadata["development_status"] == "stable"
    assert "not valid YAML" in records["dwp/broken"].metadata_problem and records["dwp/broken"].metadata == {}
    assert records["dwp/folder-only"].metadata_file == "" and records["dwp/folder-only"].metadata == {}
    raw = sorted(r.path.split("/files/")[1] for r in gitlab.requests if r.path.endswith("/raw"))
    assert raw.count(".dwp%2Fproject-metadata.yaml/raw") == 2  # the .dwp folder was there twice; one had the file
    assert "publiccode.yml/raw" in raw and "catalog-info.yaml/raw" in raw


def test_an_empty_repository_costs_no_file_requests(gitlab: FakeGitLab, tmp_path: Path) -> None:
    project = gitlab.add_project("nhsbsa", "new-service", empty=True)
    records = harvest(harvester(tmp_path), source(gitlab))
    assert (records["nhsbsa/new-service"].readme_sha, records["nhsbsa/new-service"].has_tests) == (NO_README, None)
    assert gitlab.count(f"{gitlab.project_path(project['id'])}/") == 0


def test_an_oversized_readme_is_skipped_without_reading_it_all(gitlab: FakeGitLab, tmp_path: Path) -> None:
    huge = b"# Big\n" + b"x" * 3_000_000
    gitlab.add_project("nhsbsa", "big", readme=huge)
    record = harvest(harvester(tmp_path), source(gitlab))["nhsbsa/big"]
    assert (record.readme, record.readme_sha) == ("", git_blob_sha(huge))


# ---------------------------------------------------------------- pagination


def test_keyset_pagination_reads_every_page(keyset: FakeGitLab, tmp_path: Path) -> None:
    ids = [keyset.add_project(f"nhsbsa/team-{i % 4}", f"service-{i:03d}")["id"] for i in range(250)]
    pulse = harvester(tmp_path)
    records = list(pulse.harvest(NHSBSA, source(keyset), {}))

    assert [r.id for r in records] == sorted(ids)  # order_by=id, ascending
    pages = list_requests(keyset)
    assert len(pages) == 3 and all(q["pagination"] == "keyset" and q["order_by"] == "id" for q in pages)
    assert all(q["per_page"] == "100" and "page" not in q for q in pages)  # no offset anywhere
    assert [q.get("id_after") for q in pages] == [None, str(sorted(ids)[99]), str(sorted(ids)[199])]


def test_an_endpoint_that_ignores_keyset_is_read_by_offset_without_totals(gitlab: FakeGitLab, tmp_path: Path) -> None:
    """GitLab's own source pages group projects by offset only; above 10,000 records it drops the totals.
    python-gitlab follows the Link header either way, so every project is read."""
    gitlab.total_limit = 100
    for i in range(250):
        gitlab.add_project("nhsbsa", f"service-{i:03d}")
    records = list(harvester(tmp_path).harvest(NHSBSA, source(gitlab), {}))
    assert len({r.id for r in records}) == 250
    assert [q.get("page") for q in list_requests(gitlab)] == [None, "2", "3"]


# ---------------------------------------------------------------- incremental runs


def world_of_ten(gitlab: FakeGitLab) -> None:
    for i in range(10):
        files = {"publiccode.yml": "name: x\ndevelopmentStatus: beta\n"} if i < 2 else None
        gitlab.add_project(f"nhsbsa/team-{i % 3}", f"service-{i}", files=files)


def test_a_second_run_with_nothing_changed_costs_only_the_list_pages(keyset: FakeGitLab, tmp_path: Path) -> None:
    world_of_ten(keyset)
    pulse = harvester(tmp_path)
    first = list(pulse.harvest(NHSBSA, source(keyset), {}))
    # The group, one list page; per project its single GET, its tree and its README; two metadata files.
    assert pulse.requests_made == keyset.count() == 1 + 1 + 3 * 10 + 2
    assert keyset.count(f"{API}/projects/") == 32

    keyset.reset_counts()
    before = pulse.requests_made
    again = list(pulse.harvest(NHSBSA, source(keyset), {r.key: r for r in first}))
    assert keyset.count() == pulse.requests_made - before == 2  # the group and the list page
    assert keyset.count(f"{API}/projects/") == 0
    assert again == [dataclasses.replace(r, harvested_at=again[0].harvested_at) for r in first]


def test_a_project_with_new_activity_costs_its_requests_again(keyset: FakeGitLab, tmp_path: Path) -> None:
    world_of_ten(keyset)
    pulse = harvester(tmp_path)
    first = {r.path: r for r in pulse.harvest(NHSBSA, source(keyset), {})}
    active = keyset.find("nhsbsa/team-1/service-4")
    assert active is not None
    moved = keyset.touch(active.id)
    keyset.update_project(active.id, readme="# Service 4\n\nNow with a booking API.", star_count=9)
    keyset.reset_counts()

    again = harvest(pulse, source(keyset), {r.key: r for r in first.values()})
    per_project = sorted({r.path for r in keyset.requests if r.path.startswith(f"{API}/projects/")})
    assert per_project == [
        keyset.project_path(active.id),
        f"{keyset.project_path(active.id)}/repository/files/README.md/raw",
        f"{keyset.project_path(active.id)}/repository/tree",
    ]
    changed = again["nhsbsa/team-1/service-4"]
    assert changed.readme.endswith("booking API.") and changed.pushed_at == moved[:19] + "Z" and changed.stars == 9
    assert again["nhsbsa/team-0/service-0"].readme == first["nhsbsa/team-0/service-0"].readme


def test_details_that_fail_are_kept_and_asked_again(keyset: FakeGitLab, tmp_path: Path) -> None:
    world_of_ten(keyset)
    pulse = harvester(tmp_path)
    flaky = keyset.find("nhsbsa/team-2/service-5")
    assert flaky is not None
    keyset.fail(f"{keyset.project_path(flaky.id)}/repository/tree", 403)
    first = harvest(pulse, source(keyset))
    assert first[flaky.path_with_namespace].readme_sha == ""  # unknown: read again next run
    assert pulse.problems and flaky.path_with_namespace in pulse.problems[0] and "HTTP 403" in pulse.problems[0]

    keyset.clear_faults()
    keyset.reset_counts()
    second = harvest(pulse, source(keyset), {r.key: r for r in first.values()})
    assert second[flaky.path_with_namespace].readme.startswith("# README")
    assert keyset.count(f"{API}/projects/") == 3 and pulse.problems == []


# ---------------------------------------------------------------- failures


@pytest.mark.parametrize("shape", ["rack_attack", "application"])
def test_a_429_is_waited_for_as_retry_after_says_and_retried(keyset: FakeGitLab, tmp_path: Path, shape: str) -> None:
    keyset.add_project("nhsbsa", "service")
    keyset.rate_limit(f"{API}/groups/", shape=shape, retry_after=1, times=1)
    pulse = harvester(tmp_path)
    started = time.monotonic()
    records = harvest(pulse, source(keyset))
    assert time.monotonic() - started >= 1.0  # python-gitlab slept as Retry-After asked
    assert list(records) == ["nhsbsa/service"]
    assert keyset.count(keyset.group_path("nhsbsa")) == 2 and pulse.requests_made == keyset.count()


@pytest.mark.parametrize("shape", ["rack_attack", "application"])
def test_a_rate_limit_that_persists_stops_the_source(keyset: FakeGitLab, tmp_path: Path, shape: str) -> None:
    keyset.add_project("nhsbsa", "service")
    keyset.rate_limit(f"{API}/projects/", shape=shape, retry_after=0, times=None)
    with pytest.raises(RateLimited) as caught:
        list(harvester(tmp_path).harvest(NHSBSA, source(keyset), {}))
    assert "nhsbsa" in str(caught.value) and caught.value.status == 429
    assert keyset.count(f"{API}/projects/") == 2  # the first try and the one retry


def test_a_wait_longer_than_pulse_waits_stops_at_once(keyset: FakeGitLab, tmp_path: Path) -> None:
    keyset.add_project("nhsbsa", "service")
    keyset.rate_limit(f"{API}/groups/", shape="rack_attack", retry_after=3600, times=None)
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        list(harvester(tmp_path, PULSE_GITHUB_MAX_RATE_LIMIT_WAIT="5").harvest(NHSBSA, source(keyset), {}))
    assert time.monotonic() - started < 5 and "3600" in str(caught.value)
    assert keyset.count() == 1  # not retried: python-gitlab would have slept an hour


def test_a_missing_group_is_a_404_source_error(gitlab: FakeGitLab, tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught:
        list(harvester(tmp_path).harvest(NHSBSA, source(gitlab, "no-such-group"), {}))
    assert caught.value.status == 404 and "no-such-group" in str(caught.value)
    assert "404 Group Not Found" in str(caught.value)


def test_the_token_is_sent_as_private_token_and_never_shown(
    gitlab: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gitlab.token = "glpat-right-token-0123456789"
    gitlab.add_project("nhsbsa", "public-service")
    gitlab.add_project("nhsbsa", "internal-service", visibility="internal")
    monkeypatch.setenv("NHSBSA_GITLAB_TOKEN", "glpat-right-token-0123456789")
    records = harvest(harvester(tmp_path), source(gitlab, token_env="NHSBSA_GITLAB_TOKEN"))
    assert list(records) == ["nhsbsa/public-service"]  # the token sees internal projects; Pulse asks for public
    assert {r.headers.get("private-token") for r in gitlab.requests} == {"glpat-right-token-0123456789"}

    monkeypatch.setenv("NHSBSA_GITLAB_TOKEN", "glpat-wrong-secret-9876543210")
    with pytest.raises(SourceError) as caught:
        list(harvester(tmp_path).harvest(NHSBSA, source(gitlab, token_env="NHSBSA_GITLAB_TOKEN"), {}))
    error = caught.value
    assert error.status == 401 and "nhsbsa" in str(error) and "NHSBSA_GITLAB_TOKEN" in str(error)
    chain = [error, error.__cause__, error.__context__]
    assert not any("glpat-wrong-secret" in f"{e} {e!r}" for e in chain if e is not None)


def test_a_local_instance_is_refused_without_the_development_switch(gitlab: FakeGitLab, tmp_path: Path) -> None:
    gitlab.add_project("nhsbsa", "service")
    settings = Settings.from_env({"PULSE_GITHUB_RETRIES": "1"}, data_dir=tmp_path)
    with pytest.raises(SourceError) as caught:
        list(GitLabHarvester(settings).harvest(NHSBSA, source(gitlab), {}))
    assert "https" in str(caught.value) and gitlab.count() == 0


def test_nothing_is_sent_to_another_origin(gitlab: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A redirect (or a Link) to somewhere else would carry the token there: it is refused instead."""
    with FakeGitLab() as elsewhere:
        gitlab.token = "glpat-right-token-0123456789"
        monkeypatch.setenv("NHSBSA_GITLAB_TOKEN", gitlab.token)
        gitlab.add_project("nhsbsa", "service")
        gitlab.fail(f"{API}/groups/", 302, "", headers={"Location": f"{elsewhere.url}{API}/groups/nhsbsa"})
        with pytest.raises(SourceError) as caught:
            list(harvester(tmp_path).harvest(NHSBSA, source(gitlab, token_env="NHSBSA_GITLAB_TOKEN"), {}))
        assert f"refused to send a request to {elsewhere.url}" in str(caught.value)
        assert elsewhere.count() == 0


def test_a_server_error_is_retried_once_then_fails_the_source(gitlab: FakeGitLab, tmp_path: Path) -> None:
    gitlab.add_project("nhsbsa", "service")
    gitlab.fail(f"{API}/groups/", 502, times=1)
    assert list(harvest(harvester(tmp_path), source(gitlab))) == ["nhsbsa/service"]  # retried
    gitlab.fail(f"{API}/groups/", 500)
    with pytest.raises(SourceError) as caught:
        list(harvester(tmp_path).harvest(NHSBSA, source(gitlab), {}))
    assert caught.value.status == 500 and "500 Internal Server Error" in str(caught.value)


def test_check_target_takes_group_paths() -> None:
    assert GitLabHarvester.check_target("nhsbsa/platform-services/gitleaks") is None
    assert GitLabHarvester.check_target("nhsbsa//x") is not None
    assert GitLabHarvester.check_target("group.git") is not None


# ---------------------------------------------------------------- a whole run


def test_a_run_indexes_github_and_gitlab_and_keeps_gitlab_items_when_it_fails(
    github: FakeGitHub, keyset: FakeGitLab, tmp_path: Path
) -> None:
    github.add_repo("nhsbsa", "apply-healthy-start-vouchers", readme="Healthy Start vouchers")
    build_nhsbsa_world(keyset)
    gitlab_source = source(keyset)
    publisher = dataclasses.replace(NHSBSA, sources=(Source("github", "nhsbsa"), gitlab_source))
    settings = Settings.from_env(github_env(github, PULSE_ALLOW_PRIVATE_URLS="1"), data_dir=tmp_path)
    store = IndexStore(settings.index_dir)
    try:
        first = run_harvest([publisher], store, settings)
        assert [(s.source, s.status, s.added) for s in first.sources] == [
            ("github:nhsbsa", "ok", 1),
            ("gitlab:127.0.0.1/nhsbsa", "ok", 8),
        ]
        assert first.sources[1].requests == keyset.count() and store.doc_count() == 9
        indexed = store.find("127.0.0.1", "nhsbsa/ddat/test-community/accessibility/axe-checks")
        assert indexed is not None and indexed.source == gitlab_source.key

        github.add_repo("nhsbsa", "lis-alpha-rules", readme="Low Income Scheme rules")
        keyset.fail(API, 503)
        second = run_harvest([publisher], store, settings)
        hub, lab = second.sources
        assert (hub.status, hub.added) == ("ok", 1)
        assert lab.status == "failed" and "nhsbsa" in lab.error and "503" in lab.error
        assert len(store.records_of_source(gitlab_source.key)) == 8  # kept, shown as stale
        assert store.doc_count() == 10
    finally:
        store.close()
