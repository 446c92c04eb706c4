"""Open-resources lists (pulse/core/resource_list.py) over the 7 real lists that ship in the demo
catalogue (pulse/data/open-resources/, copies in tests/data/open-resources/), a CSV written from
one of them, and the mistakes a hand-kept list makes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pulse.core import resource_list
from pulse.core.errors import SourceError
from pulse.core.record import Repo
from pulse.core.resource_list import list_format, parse_resource_list
from pulse.core.sources import Publisher
from pulse.core.vocabulary import RESOURCE_TYPES

ROOT = Path(__file__).resolve().parent.parent
LISTS = ROOT / "tests" / "data" / "open-resources"
SHIPPED = ROOT / "pulse" / "data" / "open-resources"
PUBLISHER = Publisher(name="Government Digital Service", type="central-government", sources=())
SOURCE = "resources:gds"

# The open-resources README's table: items per file, and per resource type.
COUNTS = {
    "gds-govuk-design-system.yaml": {"component": 35, "pattern": 35},
    "nhs-england-service-manual.yaml": {"component": 38, "pattern": 13},
    "localgov-drupal-docs.yaml": {"pattern": 11},
    "mhclg-planning-data-datasets.yaml": {"dataset": 20},
    "essex-county-council-digital-manual.yaml": {"guidance": 17, "pattern": 7},
    "gds-service-standard.yaml": {"guidance": 14},
    "templates-accessibility-and-privacy.yaml": {"template": 8, "guidance": 1},
}


def parse(
    text: str, fmt: str = "yaml", list_url: str = "https://example.gov.uk/resources.yaml"
) -> tuple[list[Repo], list[str]]:
    return parse_resource_list(text, fmt, publisher=PUBLISHER, source=SOURCE, list_url=list_url)


def parse_file(path: Path) -> tuple[list[Repo], list[str]]:
    return parse(path.read_text(encoding="utf-8"), list_format(path.name), str(path))


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_each_real_list_parses_whole(name: str) -> None:
    repos, problems = parse_file(LISTS / name)
    assert problems == []
    assert dict(Counter(repo.resource_type for repo in repos)) == COUNTS[name]
    assert len({repo.key for repo in repos}) == len(repos)  # no item lost to a clash of keys
    assert all(repo.kind == "resource" and repo.id == 0 for repo in repos)
    assert all(repo.publisher == PUBLISHER.name and repo.publisher_type == "central-government" for repo in repos)
    assert all(repo.owner == repo.host and repo.url.startswith("https://") for repo in repos)


def test_the_shipped_lists_are_the_seven_with_199_items() -> None:
    files = sorted(SHIPPED.glob("*.yaml"))
    assert [path.name for path in files] == sorted(COUNTS)
    assert all(path.read_bytes() == (LISTS / path.name).read_bytes() for path in files)
    items = [repo for path in files for repo in parse_file(path)[0]]
    assert len(items) == 199 == sum(sum(counts.values()) for counts in COUNTS.values())
    assert len({repo.key for repo in items}) == 199


def test_one_item_in_full() -> None:
    repos, _ = parse_file(LISTS / "gds-govuk-design-system.yaml")
    accordion = repos[0]
    assert accordion.name == "Accordion"
    assert accordion.url == "https://design-system.service.gov.uk/components/accordion/"
    assert (accordion.host, accordion.path) == ("design-system.service.gov.uk", "components/accordion")
    assert accordion.description.startswith("The accordion component lets users show and hide sections")
    assert accordion.licence == "OGL-UK-3.0"  # "OGL-UK-3.0 (content, default GOV.UK footer); MIT (code, LICENSE)"
    assert accordion.topics == ("component",)
    assert accordion.updated_at == "2026-06-01T00:00:00Z"
    assert accordion.page_url == "/items/design-system.service.gov.uk/components/accordion"
    assert accordion.source == SOURCE and accordion.metadata == {}


def test_the_five_archived_design_system_patterns_are_archived() -> None:
    repos, _ = parse_file(LISTS / "gds-govuk-design-system.yaml")
    assert sum(repo.archived for repo in repos) == 5


def test_the_service_standards_14_points_on_one_page_get_14_keys_whatever_the_order() -> None:
    path = LISTS / "gds-service-standard.yaml"
    repos, _ = parse_file(path)
    assert len(repos) == 14
    assert {repo.url for repo in repos} == {"https://alphagov.github.io/gdmp-translated-standards/service-standard-en"}
    assert len({repo.key for repo in repos}) == 14
    assert repos[0].path == "gdmp-translated-standards/service-standard-en/1-understand-users-and-their-needs"
    assert repos[0].licence == "MIT"
    # Reversed, each item keeps its key: the suffix comes from the title, not the position.
    text = path.read_text(encoding="utf-8")
    header, _, items = text.partition("items:\n")
    chunks = ["- title:" + chunk for chunk in items.split("- title:")[1:]]
    backwards, _ = parse(header + "items:\n" + "".join(reversed(chunks)))
    assert {repo.name: repo.key for repo in backwards} == {repo.name: repo.key for repo in repos}


def test_the_trailing_dot_host_is_normalised_and_the_item_publisher_kept_as_owner() -> None:
    repos, _ = parse_file(LISTS / "templates-accessibility-and-privacy.yaml")
    staff = next(repo for repo in repos if repo.name == "Privacy notice generator for staff or volunteers")
    assert staff.host == staff.owner == "ico.org.uk"
    assert staff.url == (
        "https://ico.org.uk/for-organisations/advice-for-small-organisations/create-your-own-privacy-notice/"
        "privacy-notice-generator-for-staff-or-volunteers"
    )
    assert staff.key.startswith("ico.org.uk/for-organisations/")
    assert staff.metadata == {"owner": "Information Commissioner's Office (ICO)"}
    assert staff.publisher == PUBLISHER.name  # the configured publisher, not the item's
    assert staff.licence == ""  # "not stated in stored page text"
    assert staff.topics == ("privacy notice", "UK GDPR", "generator", "staff")
    sample = repos[0]
    assert (sample.resource_type, sample.updated_at) == ("template", "2023-12-19T00:00:00Z")


def test_dates_licences_and_placeholders_of_the_other_lists() -> None:
    nhs, _ = parse_file(LISTS / "nhs-england-service-manual.yaml")
    assert nhs[0].updated_at == "2026-06-01T00:00:00Z"  # "June 2026"
    assert {repo.licence for repo in nhs} == {"OGL-UK-3.0"}
    planning, _ = parse_file(LISTS / "mhclg-planning-data-datasets.yaml")
    assert {repo.licence for repo in planning} == {"OGL-UK-3.0"}  # "... code 'ogl3'"
    assert sum(bool(repo.updated_at) for repo in planning) == 9  # 9 of 20 have an entry-date
    assert parse_file(LISTS / "localgov-drupal-docs.yaml")[0][0].licence == "GPL-2.0"
    essex, _ = parse_file(LISTS / "essex-county-council-digital-manual.yaml")
    assert {repo.licence for repo in essex} == {""}  # no LICENSE file
    assert essex[0].description == "Content on this subject is currently under development."  # a placeholder, kept
    misspelt = [repo for repo in essex if "protoype" in repo.url]
    assert len(misspelt) == 1 and misspelt[0].key != next(r.key for r in essex if "Test-the-prototype" in r.url)


def test_the_csv_fixture_parses_to_the_same_items_as_its_yaml() -> None:
    from_yaml, yaml_problems = parse_file(LISTS / "templates-accessibility-and-privacy.yaml")
    from_csv, csv_problems = parse_file(LISTS / "templates-accessibility-and-privacy.csv")
    assert yaml_problems == csv_problems == []
    assert len(from_csv) == 9
    assert [repo.to_dict() for repo in from_csv] == [repo.to_dict() for repo in from_yaml]


# --- What a hand-kept list gets wrong --------------------------------------------------------


def test_bad_items_are_reported_and_the_rest_kept() -> None:
    text = """
items:
- title: Good
  url: https://example.gov.uk/good/
  resource_type: Pattern
  tags: [forms, ' forms ', Forms, 3]
- url: https://example.gov.uk/untitled
- title: Script
  url: javascript:alert(1)
- title: No address
- title: Odd type
  url: https://example.gov.uk/odd
  resource_type: video
  updated: sometime soon
- just a line
- title: Untyped
  url: https://example.gov.uk/
- title: Good
  url: https://example.gov.uk/good
  resource_type: pattern
"""
    repos, problems = parse(text)
    assert [(repo.name, repo.resource_type) for repo in repos] == [
        ("Good", "pattern"),
        ("Odd type", "other"),
        ("Untyped", "other"),
    ]
    expected = "(expected one of " + ", ".join(RESOURCE_TYPES) + "); listed as other"
    assert problems == [
        "item 2: no title; skipped",
        "item 3 'Script': url 'javascript:alert(1)' is not a web address; skipped",
        "item 4 'No address': no url; skipped",
        f"item 5 'Odd type': resource type 'video' {expected}",
        "item 5 'Odd type': updated 'sometime soon' is not a date; left empty",
        "item 6: not a mapping of fields; skipped",
        f"item 7 'Untyped': no resource_type {expected}",
        "item 8 'Good': the same url and title as item 1 'Good'; skipped",
    ]
    good, odd, untyped = repos
    assert good.topics == ("forms", "3")
    assert good.path == "good" and odd.updated_at == ""
    assert untyped.path == "index"  # the site's home page


def test_a_bare_list_of_items_is_accepted() -> None:
    repos, problems = parse("- {title: One, url: 'https://example.gov.uk/one', resource_type: dataset}\n")
    assert problems == [] and [repo.locator for repo in repos] == ["example.gov.uk/one"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("items: [\n", "is not valid YAML: line 2"),
        ("publisher: GDS\nnotes: none\n", "is not a list of items: expected 'items:' and a list (no 'items' key)"),
        ("items: {title: x}\n", "(found a mapping)"),
        ("items:\n", "(found nothing)"),
        ("just text\n", "(found a text value)"),
        ("a: &a [*a]\n", "refers to itself"),
    ],
)
def test_a_yaml_list_that_is_no_list_fails_the_source(text: str, message: str) -> None:
    with pytest.raises(SourceError, match="the resources list https://example.gov.uk/resources.yaml") as caught:
        parse(text)
    assert message in str(caught.value)


def test_a_yaml_bomb_fails_the_source_at_once() -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'] + [
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    with pytest.raises(SourceError, match="too many aliases"):
        parse("\n".join(levels) + "\nitems: *i\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty: expected a header row"),
        ("name,link\nx,https://example.gov.uk\n", "bad CSV header: no title or url column (found: name, link)"),
        ("title,url,title\n", "bad CSV header: the column title appears twice"),
        ('title,url\n"' + "x" * 200_000 + '",https://example.gov.uk\n', "is not valid CSV: line 2"),  # a huge cell
    ],
)
def test_a_csv_that_is_no_list_fails_the_source(text: str, message: str) -> None:
    with pytest.raises(SourceError, match="the resources list") as caught:
        parse(text, "csv", "https://example.gov.uk/resources.csv")
    assert message in str(caught.value)


def test_csv_details_bom_aliases_spare_cells_and_blank_rows() -> None:
    text = (
        "\ufeffURL,Title,License,Tags,Resource_Type,Notes\n"
        "https://example.gov.uk/a,A,OGL v3.0,one; two ;one,guidance,ignored\n"
        "\n"
        ",,,,,\n"
        "https://example.gov.uk/b,B,,,dataset,,surplus\n"
    )
    repos, problems = parse(text, "csv")
    assert problems == ["row 5: more cells than the header has columns; the extra cells are ignored"]
    assert [(r.name, r.licence, r.topics, r.resource_type) for r in repos] == [
        ("A", "OGL-UK-3.0", ("one", "two"), "guidance"),
        ("B", "", (), "dataset"),
    ]


def test_the_number_of_items_read_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resource_list, "MAX_ITEMS", 2)
    rows = "".join(f"T{n},https://example.gov.uk/{n},other\n" for n in range(5))
    repos, problems = parse("title,url,resource_type\n" + rows, "csv")
    assert [repo.name for repo in repos] == ["T0", "T1"]
    assert problems == ["the list has more than 2 items; only the first 2 are read"]
    yaml_text = "items:\n" + "".join(f"- {{title: T{n}, url: 'https://example.gov.uk/{n}'}}\n" for n in range(3))
    repos, problems = parse(yaml_text)
    assert len(repos) == 2 and problems[0] == "the list has 3 items; only the first 2 are read"


def test_a_too_large_list_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resource_list, "MAX_LIST_BYTES", 100)
    with pytest.raises(SourceError, match="is too large: 101 bytes"):
        parse("#" * 101)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("lists/gds.yaml", "yaml"),
        ("GDS.YML", "yaml"),
        ("https://example.gov.uk/lists/resources.csv?ref=main", "csv"),
        ("https://example.gov.uk/resources.json", ""),
        ("https://example.gov.uk/yaml", ""),
        ("resources", ""),
    ],
)
def test_list_format_from_the_extension(name: str, fmt: str) -> None:
    assert list_format(name) == fmt


def test_an_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown resources list format 'json'"):
        parse("[]", "json")
