"""In-repo metadata files (pulse/core/metadata.py) over real publiccode.yml, Backstage and DWP files
(tests/data/formats/, copies of the shared reference files), and the hostile ones: never an exception."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pulse.core.metadata import (
    MAX_METADATA_BYTES,
    METADATA_FILES,
    iso_timestamp,
    licence_id,
    load_yaml,
    parse_metadata,
    plain_text,
)

FORMATS = Path(__file__).resolve().parent / "data" / "formats"
BACKSTAGE = FORMATS / "uk-metadata" / "backstage-catalog-info"
DWP = FORMATS / "uk-metadata" / "dwp-project-metadata"

BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]"
            for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def read(path: Path, filename: str = "publiccode.yml") -> dict[str, Any]:
    metadata, problem = parse_metadata(filename, path.read_text(encoding="utf-8"))
    assert problem == ""
    assert_plain(metadata)
    return metadata


def assert_plain(metadata: dict[str, Any]) -> None:
    """Every value a non-empty str or a list of non-empty str: no dates, numbers or None leak out."""
    for key, value in metadata.items():
        if isinstance(value, list):
            assert value and all(isinstance(v, str) and v for v in value), key
        else:
            assert isinstance(value, str) and value, key


def test_the_files_pulse_looks_for_in_preference_order() -> None:
    assert METADATA_FILES == ("publiccode.yml", "publiccode.yaml", "catalog-info.yaml", ".dwp/project-metadata.yaml")
    assert MAX_METADATA_BYTES == 100_000


# --- publiccode.yml -------------------------------------------------------------------------------


def test_amsterdam_publiccode_has_only_dutch_so_dutch_is_used() -> None:
    metadata = read(FORMATS / "publiccode.amsterdam-signals-frontend.yml")
    assert metadata == {
        "description": "Signalen is een open source proces- en taaksysteem voor overheden, dat meldingen over de "
        "openbare ruimte automatisch categoriseert en routeert.",
        "software_type": "standalone/web",
        "development_status": "stable",
        "maintenance": "community",
        "owner": "Gemeente Amsterdam",
        "contacts": [
            "Amy van Someren <a.vansomeren@s-hertogenbosch.nl>",
            "René van Sprang <r.van.sprang@amsterdam.nl>",
        ],
        "categories": ["workflow-management", "task-management", "communications"],
        "used_by": ["Gemeente Amsterdam", "Gemeente 's-Hertogenbosch"],
    }


def test_riksarkivet_publiccode_with_an_unquoted_release_date_and_an_english_description() -> None:
    metadata = read(FORMATS / "publiccode.riksarkivet-htrflow.yml")
    assert metadata["description"] == (
        "HTRflow is an open source pipeline for transcription of handwritten-, typed- or printed scanned texts."
    )
    assert metadata["software_type"] == "standalone/backend"
    assert metadata["development_status"] == "beta"
    assert metadata["maintenance"] == "internal"
    assert metadata["contacts"] == ["AI lab <ai@riksarkivet.se>"]
    assert metadata["categories"] == ["workflow-management", "document-management", "data-analytics"]
    assert metadata["used_by"] == ["Swedish National Archives"]
    assert "owner" not in metadata  # no legal.repoOwner, no organisation


def test_milan_publiccode_without_maintainers_or_users() -> None:
    metadata = read(FORMATS / "publiccode.comune-milano-whistleblowing.yml")
    assert metadata["description"].startswith("Whistleblowing è un applicativo per la gestione sicura")
    assert metadata["maintenance"] == "none"
    assert metadata["development_status"] == "development"
    assert metadata["categories"] == ["whistleblowing"]
    assert "contacts" not in metadata and "used_by" not in metadata


def test_the_standards_own_examples() -> None:
    full = read(FORMATS / "publiccode-yml-reference-NOT-UK" / "publiccode.yml")
    assert full["maintenance"] == "contract"
    assert full["owner"] == "Roma Capitale"  # organisation.name, as there is no legal.repoOwner
    assert full["contacts"] == ["Francesco Rossi <francesco.rossi@comune.reggioemilia.it>"]
    assert full["used_by"] == ["Comune di Firenze", "Comune di Roma"]
    assert full["software_type"] == "standalone/desktop"
    minimal = read(FORMATS / "publiccode-yml-reference-NOT-UK" / "publiccode.minimal.yml", "publiccode.yaml")
    assert minimal["description"] == "A rather short description which is probably useless"
    assert minimal["contacts"] == ["Francesco Rossi"]  # a name without an email stays a name


@pytest.mark.parametrize("tag", ["en", "en-GB", "eng", "EN-us"])
def test_english_is_preferred_over_languages_listed_before_it(tag: str) -> None:
    text = f"description:\n  it:\n    shortDescription: In italiano\n  {tag}:\n    shortDescription: In English\n"
    assert parse_metadata("publiccode.yml", text) == ({"description": "In English"}, "")


def test_the_long_description_stands_in_for_a_missing_short_one_first_paragraph_only() -> None:
    text = "description:\n  en:\n    longDescription: |\n      First   paragraph,\n      one line.\n\n      Second.\n"
    assert parse_metadata("publiccode.yml", text) == ({"description": "First paragraph, one line."}, "")


def test_unquoted_numbers_dates_and_nulls_become_text_or_vanish() -> None:
    text = (
        "categories: [2024, 1.5, 2025-02-14, true, null, '', {a: b}]\n"
        "usedBy: 2025-02-14\n"
        "softwareType: 1.0\n"
        "developmentStatus: null\n"
        "maintenance: {type: 2020-01-01T10:00:00Z, contacts: [{name: 42}, {email: x@example.org}, 7]}\n"
    )
    metadata, problem = parse_metadata("publiccode.yml", text)
    assert problem == ""
    assert metadata == {
        "categories": ["2024", "1.5", "2025-02-14", "true"],
        "used_by": ["2025-02-14"],
        "software_type": "1.0",
        "maintenance": "2020-01-01T10:00:00+00:00",
        "contacts": ["42", "x@example.org"],
    }
    assert_plain(metadata)


# --- Backstage and DWP ----------------------------------------------------------------------------


def test_dwp_backstage_component() -> None:
    metadata = read(BACKSTAGE / "dwp__ui-atw-claim-counter-sign__catalog-info.yaml", "catalog-info.yaml")
    # The literal quotes inside the block scalar are dropped.
    assert metadata["description"].startswith("Application for the Access To Work Claim journey involving counter-sign")
    assert metadata["description"].endswith("to confirm if it's correct or not.")
    assert metadata["lifecycle"] == "production"
    assert metadata["owner"] == "backstage.group.health-and-disability"  # from group:default/...
    assert metadata["system"] == "6f5de9ec6f20cb80a16b7e952e3ee41e"  # from system:default/...
    assert metadata["software_type"] == "website"
    assert metadata["categories"] == ["bash", "docker", "javascript", "json", "properties", "scss", "yaml"]


def test_hmcts_minimal_backstage_component() -> None:
    metadata = read(BACKSTAGE / "hmcts__rpe-pdf-service__catalog-info.yaml", "catalog-info.yaml")
    assert metadata == {
        "software_type": "service",
        "lifecycle": "production",
        "owner": "dts_platform_operations",
        "categories": ["java"],
    }


def test_several_backstage_entities_in_one_file_the_component_is_read() -> None:
    text = (
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: an-api}\nspec: {type: openapi}\n"
        "---\nkind: Component\nmetadata: {name: web, description: The web app}\n"
        "spec: {type: website, owner: 'group:hmcts/platform', lifecycle: experimental}\n"
    )
    metadata, problem = parse_metadata("catalog-info.yaml", text)
    assert problem == ""
    assert metadata == {
        "description": "The web app",
        "software_type": "website",
        "lifecycle": "experimental",
        "owner": "hmcts/platform",  # a namespace other than default is kept
    }


def test_dwp_project_metadata_v2_names_the_same_system_as_its_backstage_file() -> None:
    metadata = read(DWP / "dwp__ui-atw-claim-counter-sign__project-metadata.v2.yaml", ".dwp/project-metadata.yaml")
    backstage = read(BACKSTAGE / "dwp__ui-atw-claim-counter-sign__catalog-info.yaml", "catalog-info.yaml")
    assert metadata == {"system": "6f5de9ec6f20cb80a16b7e952e3ee41e", "contacts": ["@luke.halsall"]}
    assert metadata["system"] == backstage["system"]


def test_dwp_project_metadata_v1_variants() -> None:
    mirror = read(
        DWP / "uk-gov-mirror__dwp.encoded-logger-output__project-metadata.v1.yaml", ".dwp/project-metadata.yaml"
    )
    assert mirror == {"system": "badbf59ddbac0858808176d9bf961903", "contacts": ["@hakan.bali1"]}
    casa = read(DWP / "dwp__govuk-casa__project-metadata.v1.yaml", ".dwp/project-metadata.yaml")
    assert casa == {"contacts": ["niall.molloy"]}  # its cmdb_id is a policy page's URL, not a system


# --- Bad files: a problem for the publisher page, never an exception ----------------------------


def test_invalid_yaml_names_the_line() -> None:
    text = "name: Medusa\nurl: https://example.org\n  softwareType: [library\n"
    assert parse_metadata("publiccode.yml", text) == (
        {},
        "publiccode.yml is not valid YAML: line 3: mapping values are not allowed here",
    )


def test_billion_laughs_is_refused_at_once() -> None:
    started = time.monotonic()
    metadata, problem = parse_metadata("publiccode.yml", BILLION_LAUGHS)
    assert time.monotonic() - started < 2
    assert metadata == {}
    assert problem == "publiccode.yml is refused: it expands to more than 50,000 values (too many aliases)"


def test_a_few_honest_aliases_are_fine() -> None:
    text = "usedBy: &users [Leeds, Bristol]\ncategories: *users\n"
    assert parse_metadata("publiccode.yml", text) == (
        {"used_by": ["Leeds", "Bristol"], "categories": ["Leeds", "Bristol"]},
        "",
    )


def test_a_recursive_alias_is_refused() -> None:
    assert parse_metadata("catalog-info.yaml", "metadata: &m {tags: *m}\n") == (
        {},
        "catalog-info.yaml is refused: it refers to itself (a recursive alias)",
    )


def test_a_too_large_file_is_not_parsed() -> None:
    text = "categories:\n" + "  - workflow-management\n" * 5_000  # 120,012 bytes
    metadata, problem = parse_metadata("publiccode.yml", text)
    assert metadata == {}
    assert problem == f"publiccode.yml is too large: {len(text):,} bytes (the limit is 100,000)"


def test_deep_nesting_is_refused() -> None:
    metadata, problem = parse_metadata("publiccode.yml", "a: " + "[" * 5_000)
    assert metadata == {}
    assert problem.startswith("publiccode.yml is refused: it nests")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- name: Medusa\n- url: x\n", "publiccode.yml is not a mapping of keys to values: it is a list"),
        ("just words\n", "publiccode.yml is not a mapping of keys to values: it is a single text value"),
        ("", "publiccode.yml is not a mapping of keys to values: it is empty"),
        ("name: Medusa\nplatforms: [web]\n", "publiccode.yml has no recognisable fields"),
        ("a: 1\n---\nb: 2\n", "publiccode.yml has more than one document"),
    ],
)
def test_files_that_are_yaml_but_not_metadata(text: str, problem: str) -> None:
    assert parse_metadata("publiccode.yml", text) == ({}, problem)


@pytest.mark.parametrize(
    "text",
    [
        "x: !!python/object/apply:os.system [echo hi]\n",  # SafeLoader builds no Python objects
        "releaseDate: 2025-13-45\n",  # looks like a date, is not one
        "a: !!timestamp 2020\n",
        "a: !!binary zz\n",
        "a: 'bell \x07'\n",
        "\x00",
    ],
)
def test_values_pyyaml_cannot_build_are_a_problem_not_a_crash(text: str) -> None:
    metadata, problem = parse_metadata("publiccode.yml", text)
    assert metadata == {}
    assert problem.startswith("publiccode.yml is not valid YAML: ")


def test_a_file_pulse_does_not_read() -> None:
    metadata, problem = parse_metadata("package.json", "{}")
    assert metadata == {} and problem.startswith("package.json is not a metadata file Pulse reads")


def test_load_yaml_counts_the_budget_over_all_documents() -> None:
    documents, problem = load_yaml("---\n[a, b]\n---\n[c]\n", "x.yaml", max_nodes=100, max_documents=5)
    assert (documents, problem) == ([["a", "b"], ["c"]], "")
    documents, problem = load_yaml("---\n[a, b]\n---\n[c]\n", "x.yaml", max_nodes=4, max_documents=5)
    assert documents == [] and "expands to more than 4 values" in problem


# --- The shared normalisers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "spdx"),
    [
        ("ogl3", "OGL-UK-3.0"),
        ("OGL v3.0", "OGL-UK-3.0"),
        ("Open Government Licence v3.0", "OGL-UK-3.0"),
        ("OGL-UK-3.0 (content, default GOV.UK footer); MIT (code, LICENSE)", "OGL-UK-3.0"),
        ("MIT (repository LICENSE); original GOV.UK text is Crown copyright", "MIT"),
        ("GPL-2.0 (docs repository LICENSE)", "GPL-2.0"),
        ("CC0", "CC0-1.0"),
        ("apache-2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("EUPL-1.1", "EUPL-1.1"),
        ("not stated (no LICENSE file in repository)", ""),
        ("see LICENCE.txt in repository (not read)", ""),
        (None, ""),
    ],
)
def test_licence_ids(given: str | None, spdx: str) -> None:
    assert licence_id(given) == spdx


def test_unknown_licence_phrases_kept_only_when_asked() -> None:
    assert licence_id("Public Domain") == ""
    assert licence_id("  Public Domain ", keep_unknown=True) == "Public Domain"


@pytest.mark.parametrize(
    ("given", "stamp"),
    [
        ("2025-01-31", "2025-01-31T00:00:00Z"),
        ("2025-06-9", "2025-06-09T00:00:00Z"),
        ("June 2026", "2026-06-01T00:00:00Z"),
        ("19 December 2023", "2023-12-19T00:00:00Z"),
        ("2025-01-31T10:11:12+01:00", "2025-01-31T09:11:12Z"),
        ("2025-01-31T10:11:12Z", "2025-01-31T10:11:12Z"),
        (date(2025, 2, 14), "2025-02-14T00:00:00Z"),
        ("2025-02-30", ""),
        ("Summer 2026", ""),
        ("2025", ""),
        (2025, ""),
        (None, ""),
    ],
)
def test_timestamps(given: object, stamp: str) -> None:
    assert iso_timestamp(given) == stamp


def test_plain_text_collapses_whitespace_and_drops_containers() -> None:
    assert plain_text("  two\n  lines ") == "two lines"
    assert plain_text(False) == "false"
    assert plain_text(["a"]) == "" and plain_text(None) == ""
