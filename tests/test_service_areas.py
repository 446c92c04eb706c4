"""Service areas (pulse/core/service_areas.py): the vocabulary, the rules on examples that must hold,
`area_of_query`, and the integrity of the judged sample (bench/service_areas/sample.yaml).

Speed is not tested here: bench/service_areas.py times the rules and BENCHMARKS.md records it.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bench.service_areas import HALVES, draw, load_sample, records
from pulse.core import service_areas as sa
from pulse.core.record import Repo
from pulse.core.service_areas import (
    CROSS_CUTTING,
    MAX_AREAS,
    RULES,
    SCOPES,
    SERVICE_AREA_LABELS,
    SERVICE_AREA_TERMS,
    SERVICE_AREAS,
    area_of_query,
    name_words,
    service_areas,
)

ISSUE_ORDER = (
    "waste-and-recycling", "planning", "housing", "highways-and-transport", "parking",
    "council-tax-and-benefits", "libraries", "schools-and-send", "social-care", "environmental-health",
    "licensing", "elections-and-democracy", "births-deaths-and-marriages", "business-and-trading-standards",
    "parks-and-leisure", "emergency-planning", "forms-and-payments", "maps-and-addresses",
    "content-and-websites", "identity", "data-and-reporting", "infrastructure",
)  # fmt: skip


def item(name: str = "thing", description: str = "", readme: str = "", topics: tuple[str, ...] = ()) -> Repo:
    return Repo(
        id=1, owner="some-council", name=name, url="", source="github:some-council", publisher="Some Council",
        publisher_type="local-government", description=description, readme=readme, topics=topics,
    )  # fmt: skip


# --- the vocabulary ---------------------------------------------------------------------------


def test_the_vocabulary_has_the_22_areas_of_the_issue_in_order_with_labels_and_scopes() -> None:
    assert SERVICE_AREAS == ISSUE_ORDER
    assert len(SERVICE_AREA_TERMS) == 22 and len(set(SERVICE_AREAS)) == 22
    for term in SERVICE_AREA_TERMS:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", term.value), term.value
        assert term.label and term.label[0].isupper() and SERVICE_AREA_LABELS[term.value] == term.label
        assert len(SCOPES[term.value].split()) >= 5, f"{term.value}: a scope says what the area covers"
    assert set(SCOPES) == set(SERVICE_AREAS)
    assert SERVICE_AREA_LABELS["births-deaths-and-marriages"] == "Registration of births, deaths and marriages"
    assert CROSS_CUTTING == set(ISSUE_ORDER[-6:])


def test_every_area_has_rules_and_every_rule_an_area() -> None:
    assert [rule.area for rule in RULES] == list(SERVICE_AREAS)
    for rule in RULES:
        assert rule.patterns, rule.area
        for pattern in (*rule.patterns, *rule.weak):
            assert pattern == pattern.lower() or "(?-i" in pattern, f"{rule.area}: lower-case patterns: {pattern}"
            re.compile(pattern)


def test_notifications_are_documented_as_forms_and_payments() -> None:
    assert "notifications" in SCOPES["forms-and-payments"]
    assert "Notify" in sa.__doc__  # the module docstring says where notifications go


# --- the rules on examples --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("repo", "area"),
    [
        (
            item("bin-day-finder", "Find out which day your bins are collected: rubbish and recycling"),
            "waste-and-recycling",
        ),
        (
            item("BinCollectionCalendar", "Residents look up their bin collection day by postcode"),
            "waste-and-recycling",
        ),
        (item("planning-search", "Search and track planning applications and decisions"), "planning"),
        (item("mapit", "Map postcodes and points to administrative areas and their boundaries"), "maps-and-addresses"),
        (item("Escc.FindAddress.Mvc", "Address lookup by postcode against the LLPG"), "maps-and-addresses"),
        (item("notifications-api", "Send text messages, emails and letters to your users"), "forms-and-payments"),
        (item("pay-frontend", "Take card payments from the public"), "forms-and-payments"),
        (item("library-catalogue", "Search the public library catalogue and renew your loans"), "libraries"),
        (item("Escc.Libraries.BranchFinder", "'Find your library' tool"), "libraries"),
        (item("send-funding", "Apply for SEND funding for a pupil with special educational needs"), "schools-and-send"),
        (item("housing-repairs", "Tenants report a repair to their council home"), "housing"),
        (item("revs-bens", "Council tax and housing benefit enquiries"), "council-tax-and-benefits"),
        (item("taxi-licensing", "Apply for a private hire or taxi licence"), "licensing"),
        (item("parking-permits", "Residents apply for parking permits and pay penalty charge notices"), "parking"),
        (item("e-petitions", "Create and sign petitions to the council"), "elections-and-democracy"),
        (item("signon", "OAuth2 single sign-on provider with 2-step verification"), "identity"),
        (item("localgov_base", "The LocalGov Drupal base theme for council websites"), "content-and-websites"),
        (item("ci-deployment", "Deployment scripts for CI pipelines, with Terraform"), "infrastructure"),
        (item("stats-pipeline", "Reproducible analytical pipeline for official statistics"), "data-and-reporting"),
        (item("flood-alerts", "Flood warnings and severe weather alerts for residents"), "emergency-planning"),
        (item("food-hygiene", "Food hygiene ratings of premises"), "environmental-health"),
    ],
    ids=lambda value: value.name if isinstance(value, Repo) else value,
)
def test_the_first_area_of_an_example(repo: Repo, area: str) -> None:
    assert service_areas(repo)[:1] == (area,), (repo.name, service_areas(repo), sa.explain(repo))


def test_code_in_a_readme_never_counts_only_its_prose() -> None:
    readme = (
        "# Tool\n\nA small command-line tool.\n\n```sh\npython -m venv venv\nsource venv/bin/activate\n"
        "rm -rf bin/ waste/ recycling/\n```\n\nRun `venv/bin/activate` first, then `bin/collect --waste`.\n"
    )
    assert "waste-and-recycling" not in service_areas(item("tool", "A command-line tool", readme))
    assert service_areas(item("tool", "A command-line tool", readme)) == ()


def test_a_code_library_is_not_a_public_library() -> None:
    assert "libraries" not in service_areas(item("Escc.Dates", "A library for parsing dates in British English"))
    assert "libraries" not in service_areas(item("dwp-components", "Shareable styles and component libraries"))


def test_ambiguous_words_in_their_other_senses_give_no_area() -> None:
    assert service_areas(item("x", "Released under the MIT licence; licensing: see LICENSE")) == ()
    assert service_areas(item("map-the-as-is-service", "Identify one of the 7 service patterns")) == ()
    assert "housing" not in service_areas(item("x", "Repository housing all code for the pathology APIs"))
    assert "highways-and-transport" not in service_areas(
        item("azure-logger", "Winston logger with an Insights Transport")
    )
    assert "infrastructure" not in service_areas(
        item("x", "Decisions on nationally significant infrastructure projects")
    )


def test_a_longer_phrase_of_another_area_wins_its_words() -> None:
    assert service_areas(item("hb", "Housing benefit claims")) == ("council-tax-and-benefits",)
    assert service_areas(item("cp", "Find a car park near you")) == ("parking",)


def test_a_readme_mention_is_not_a_subject() -> None:
    one = item("tool", "A tool", "Built for the planning team. It formats dates.")
    assert service_areas(one) == ()
    two = item("tool", "A tool", "Search planning applications and check the conservation area of a site.")
    assert service_areas(two) == ("planning",)


def test_cross_cutting_areas_come_from_the_head_not_from_readme_setup_talk() -> None:
    readme = "Sign in with your password. Authentication uses OAuth. Deploy with Terraform to Kubernetes."
    repo = item("parking-permits", "Apply for a residents' parking permit", readme)
    assert service_areas(repo) == ("parking",)
    assert service_areas(item("tool", "A tool", readme)) == ()


def test_weak_words_alone_assign_nothing() -> None:
    assert service_areas(item("thing", "Deployed with Docker to AWS Lambda behind nginx")) == ()
    assert service_areas(item("thing", "An HTML and CSS website")) == ()


def test_at_most_three_areas_strongest_first() -> None:
    repo = item(
        "everything", "Waste collections, planning applications, council tax, parking permits and library loans",
    )  # fmt: skip
    assert len(service_areas(repo)) == MAX_AREAS
    strong = item("bins-map", "Bin collection days and recycling centres on a map", topics=("waste",))
    assert service_areas(strong)[0] == "waste-and-recycling"


def test_prose_given_is_what_the_rules_read() -> None:
    repo = item("tool", "A tool", "Search planning applications and the conservation area of a site.")
    assert service_areas(repo, prose="") == ()
    assert service_areas(repo, prose="Building control and planning applications.") == ("planning",)


def test_name_words_split_camel_case_dashes_underscores_and_dots() -> None:
    assert name_words("Escc.Libraries.BranchFinder") == "Escc Libraries Branch Finder"
    assert name_words("GIFramework-Maps") == "GI Framework Maps"
    assert name_words("localgov_step_by_step") == "localgov step by step"


def test_the_anchored_scan_finds_what_every_pattern_on_its_own_finds() -> None:
    """The fast path (anchors, windows) against plain `finditer` of every pattern, on real texts."""
    patterns = list(dict.fromkeys([p for found in sa._TRIGGERS.values() for p in found] + list(sa._UNANCHORED)))
    repos, resources = records()
    for repo in [*repos[::9], *resources[::9]]:
        for text in sa._texts(repo, None):
            plain = {(m.start(), m.end(), p) for p in patterns for m in p.regex.finditer(text)}
            kept = {(m.start, m.end, m.pattern) for m in sa._matches(text)}
            assert kept <= plain
            for start, end, pattern in plain - kept:  # only words inside a longer match of another area drop out
                assert any(
                    s <= start and end <= e and e - s > end - start and p.area != pattern.area for s, e, p in kept
                ), (repo.name, text[start:end])


# --- area_of_query ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "area"),
    [
        ("local authority boundaries", "maps-and-addresses"),
        ("bin collection", "waste-and-recycling"),
        ("bin day", "waste-and-recycling"),
        ("address lookup", "maps-and-addresses"),
        ("postcode", "maps-and-addresses"),
        ("planning applications", "planning"),
        ("housing repairs", "housing"),
        ("council tax", "council-tax-and-benefits"),
        ("housing benefit", "council-tax-and-benefits"),
        ("send text messages", "forms-and-payments"),
        ("taxi licensing", "licensing"),
        ("electoral register", "elections-and-democracy"),
        ("single sign-on", "identity"),
        ("air quality monitoring", "environmental-health"),
        ("safeguarding", "social-care"),
        ("school admissions", "schools-and-send"),
    ],
)
def test_area_of_query(query: str, area: str) -> None:
    assert area_of_query(query) == area


def test_a_query_naming_no_area_gives_none() -> None:
    assert area_of_query("") is None
    assert area_of_query("python date parsing") is None
    assert area_of_query("docker") is None  # a weak word alone names no area


# --- the judged sample ------------------------------------------------------------------------


def test_the_judged_sample_is_the_stated_draw_and_split_with_valid_areas() -> None:
    sample = load_sample()
    assert len(sample) == 200 and len({i.id for i in sample}) == 200
    repos, resources = records()
    assert {i.id: (i.kind, i.half) for i in sample} == draw(repos, resources)
    assert Counter((i.kind, i.half) for i in sample) == {
        ("repository", "tuning"): 80, ("repository", "held_out"): 80,
        ("resource", "tuning"): 20, ("resource", "held_out"): 20,
    }  # fmt: skip
    for judged in sample:
        assert judged.half in HALVES
        assert len(judged.areas) <= MAX_AREAS and len(set(judged.areas)) == len(judged.areas), judged.id
        assert set(judged.areas) <= set(SERVICE_AREAS), judged.id
