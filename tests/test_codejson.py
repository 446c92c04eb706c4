"""code.json inventories (pulse/core/codejson.py) over a real, messy one: the CDC/HHS excerpt in
tests/data/formats/ (a copy of the shared reference file). Every release with a name is kept; what
could not be used is reported per release; only a file that is no inventory at all fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pulse.core import codejson
from pulse.core.codejson import parse_inventory
from pulse.core.errors import SourceError
from pulse.core.record import Repo
from pulse.core.sources import Publisher

EXCERPT = Path(__file__).resolve().parent / "data" / "formats" / "code.json.cdcgov-source-code-inventory.excerpt.json"
INVENTORY_URL = "https://raw.githubusercontent.com/CDCgov/Source-Code-Inventory/master/code.json"
PUBLISHER = Publisher(name="Centers for Disease Control and Prevention", type="other-public", sources=())
SOURCE = "codejson:cdc"


def parse(text: str, inventory_url: str = INVENTORY_URL) -> tuple[list[Repo], list[str]]:
    return parse_inventory(text, publisher=PUBLISHER, source=SOURCE, inventory_url=inventory_url)


def inventory(*releases: Any) -> str:
    return json.dumps({"version": "2.0.0", "agency": "X", "releases": list(releases)})


@pytest.fixture(scope="module")
def excerpt() -> tuple[dict[str, Repo], list[str]]:
    repos, problems = parse(EXCERPT.read_text(encoding="utf-8"))
    return {repo.name: repo for repo in repos}, problems


def test_every_release_of_the_real_excerpt_is_an_item(excerpt: tuple[dict[str, Repo], list[str]]) -> None:
    repos, _ = excerpt
    assert len(repos) == 15
    assert len({repo.key for repo in repos.values()}) == 15
    assert {repo.kind for repo in repos.values()} == {"code"}
    assert all(repo.id == 0 and repo.metadata_file == "code.json" for repo in repos.values())
    assert all(repo.source == SOURCE and repo.publisher == PUBLISHER.name for repo in repos.values())
    assert all(repo.publisher_type == "other-public" for repo in repos.values())


def test_the_messy_entries_are_reported_one_by_one(excerpt: tuple[dict[str, Repo], list[str]]) -> None:
    _, problems = excerpt
    assert len(problems) == 11
    assert problems[:3] == [
        "release 5 'FNMS': no repositoryURL or homepageURL; listed without a link",
        "release 6 'ARAPS': no repositoryURL or homepageURL; listed without a link",
        "release 7 'MMS': no repositoryURL or homepageURL; listed without a link",
    ]
    assert problems[3] == (
        "release 8 'zika-pregnancy-testing': repositoryURL git://github.com/informaticslab/zika-pregnancy-testing.git"
        " is not a web address; read as https://github.com/informaticslab/zika-pregnancy-testing"
    )
    assert sum("git://" in p for p in problems) == 8


def test_a_hand_written_hhs_release(excerpt: tuple[dict[str, Repo], list[str]]) -> None:
    repo = excerpt[0]["ckanext-datajson"]
    assert (repo.host, repo.path) == ("github.com", "HHS/ckanext-datajson")
    assert repo.key == "github.com/hhs/ckanext-datajson"
    assert repo.url == "https://github.com/HHS/ckanext-datajson"
    assert repo.owner == "Department of Health and Human Services"  # `organization`
    assert repo.description == "Custom CKAN extension for HealthData.gov"
    assert repo.licence == "CC0-1.0"  # "CC0" in the file
    assert repo.topics == ("ckan", "json", "open data")
    assert repo.language == "Python"
    assert (repo.created_at, repo.updated_at) == ("2013-05-28T00:00:00Z", "2014-11-14T00:00:00Z")
    assert repo.metadata == {"contacts": ["Office of the Chief Information Officer <ServiceDesk.OCIO.HHS.OS@hhs.gov>"]}
    assert excerpt[0]["lodestar"].licence == "Apache-2.0"
    assert excerpt[0]["lodestar"].language == "Java"  # the first of Java, Javascript


def test_a_release_without_a_repository_lives_under_the_inventorys_host(
    excerpt: tuple[dict[str, Repo], list[str]],
) -> None:
    repo = excerpt[0]["FNMS"]
    assert (repo.host, repo.path, repo.url) == ("raw.githubusercontent.com", "code-json/fnms", "")
    assert repo.licence == ""  # licenses: null
    assert repo.metadata["development_status"] == "production"
    assert repo.language == "C#"
    mms = excerpt[0]["MMS"]
    assert (mms.created_at, mms.updated_at) == ("", "")  # no `date` at all


def test_a_generated_cdc_release(excerpt: tuple[dict[str, Repo], list[str]]) -> None:
    repo = excerpt[0]["Epi-Info-Android"]
    assert repo.url == "https://github.com/Epi-Info/Epi-Info-Android"  # from git://...Android.git
    assert (repo.host, repo.path) == ("github.com", "Epi-Info/Epi-Info-Android")
    assert repo.homepage == ""  # homepageURL is the same address
    assert repo.description == "Epi Info™ Companion for Android"  # the mojibake "Epi Infoâ„¢", repaired
    assert repo.licence == "Apache-2.0"
    assert repo.metadata == {"contacts": ["cdcinfo@cdc.gov"], "development_status": "development"}
    assert repo.updated_at == "2018-06-12T00:00:00Z"  # lastModified; there is no metadataLastUpdated
    assert excerpt[0]["zika-pregnancy-testing"].description == ""  # "No description available..."


def test_a_bad_entry_among_good_ones_keeps_the_good_ones() -> None:
    good = {"name": "good", "repositoryURL": "https://gitlab.com/group/sub/good.git", "tags": ["a", " a ", "b"]}
    repos, problems = parse(
        inventory(
            good,
            "not an entry",
            {"description": "nameless"},
            {"name": "script", "repositoryURL": "javascript:alert(1)", "homepageURL": "https://example.gov.uk/script"},
            {"name": "again", "repositoryURL": "https://gitlab.com/group/sub/good/"},
            {"name": "undated", "repositoryURL": "https://example.gov.uk/undated", "date": {"created": "someday"}},
            {"name": "Old Thing", "status": "Archival", "permissions": {"licenses": [{"URL": "https://x/mit"}]}},
        )
    )
    assert [repo.name for repo in repos] == ["good", "script", "undated", "Old Thing"]
    assert problems == [
        "release 2: is a string, not an object; skipped",
        "release 3: no name; skipped",
        "release 4 'script': repositoryURL 'javascript:alert(1)' is not a web address",
        "release 5 'again': the same repository as release 1 'good' (gitlab.com/group/sub/good); skipped",
        "release 6 'undated': date.created 'someday' is not a date",
        "release 7 'Old Thing': no repositoryURL or homepageURL; listed without a link",
    ]
    first, script, undated, old = repos
    assert (first.host, first.path, first.topics) == ("gitlab.com", "group/sub/good", ("a", "b"))
    assert (script.host, script.path) == ("raw.githubusercontent.com", "code-json/script")
    assert script.url == "https://example.gov.uk/script"  # the homepage stands in for the bad repository URL
    assert undated.created_at == ""
    assert (old.archived, old.licence, old.path) == (True, "MIT", "code-json/old-thing")


def test_schema_1_projects_are_read_too() -> None:
    text = json.dumps(
        {
            "agency": "X",
            "projects": [
                {
                    "name": "legacy",
                    "repository": "https://github.com/x/legacy",
                    "license": "https://opensource.org/licenses/MIT",
                    "updated": {"sourceCodeLastModified": "2015-03-01"},
                }
            ],
        }
    )
    repos, problems = parse(text)
    assert problems == []
    assert [(r.url, r.licence, r.updated_at) for r in repos] == [
        ("https://github.com/x/legacy", "MIT", "2015-03-01T00:00:00Z")
    ]


def test_a_local_inventory_without_repository_urls_gets_a_stable_host() -> None:
    repos, _ = parse(inventory({"name": "Only a name"}), inventory_url="data/code.json")
    assert repos[0].locator == "localhost/code-json/only-a-name"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not valid JSON: line 1, column 2"),
        ("[]", "is not a code.json inventory: it is a list, not an object"),
        ('"code"', "is not a code.json inventory: it is a string, not an object"),
        ('{"agency": "X"}', "no 'releases' list (found none)"),
        ('{"releases": {"name": "x"}}', "no 'releases' list (found an object)"),
        ("[" * 100_000, "nests too deeply"),
    ],
)
def test_a_file_that_is_no_inventory_fails_the_source(text: str, message: str) -> None:
    with pytest.raises(SourceError, match="code.json") as caught:
        parse(text)
    assert message in str(caught.value)
    assert str(caught.value).startswith(INVENTORY_URL)


def test_an_empty_inventory_is_empty_not_an_error() -> None:
    assert parse(inventory()) == ([], [])


def test_the_number_of_releases_read_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codejson, "MAX_RELEASES", 2)
    repos, problems = parse(inventory({"name": "a"}, {"name": "b"}, {"name": "c"}))
    assert [repo.name for repo in repos] == ["a", "b"]
    assert problems[0] == "the inventory lists 3 releases; only the first 2 are read"
