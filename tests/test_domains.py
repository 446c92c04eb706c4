"""UK public-sector domains, compared on the registrable domain with the Public Suffix List."""

from __future__ import annotations

import pytest

from pulse.core.domains import public_sector_domain, same_organisation_domain


@pytest.mark.parametrize(
    ("value", "under", "academic"),
    [
        ("https://www.dorsetcouncil.gov.uk/", "gov.uk", False),
        ("dorsetcouncil.gov.uk", "gov.uk", False),
        ("digital@dorsetcouncil.gov.uk", "gov.uk", False),
        ("https://digital.nhs.uk/services", "nhs.uk", False),
        ("https://www.met.police.uk", "police.uk", False),
        ("https://www.gov.scot", "gov.scot", False),
        ("https://www.gov.wales", "gov.wales", False),
        ("https://www.llyw.cymru", "llyw.cymru", False),
        ("https://www.parliament.uk", "parliament.uk", False),
        ("https://www.judiciary.uk", "judiciary.uk", False),
        ("https://www.mod.uk", "mod.uk", False),
        ("https://www.ox.ac.uk", "ac.uk", True),
        ("HTTPS://WWW.GOV.UK/", "gov.uk", False),
    ],
)
def test_public_sector_hosts_pass(value: str, under: str, academic: bool) -> None:
    verdict = public_sector_domain(value)
    assert verdict is not None and (verdict.under, verdict.academic) == (under, academic)


@pytest.mark.parametrize(
    "value",
    [
        "https://evilgov.uk",
        "https://gov.uk.evil.com",
        "https://www.gov.uk@evil.com",
        "https://www.gov.uk.@evil.com/",
        "http://evil.com/?next=www.gov.uk",
        "https://evil.com#gov.uk",
        "someone@gov.uk.evil.com",
        "gov.uk",  # a bare public suffix is nobody's domain
        "https://notparliament.uk",
        "https://mod.uk.example.org",
        "",
        "not a url",
        "localhost",
    ],
)
def test_look_alikes_do_not_pass(value: str) -> None:
    assert public_sector_domain(value) is None


def test_the_contact_email_matches_the_organisations_domain_by_registrable_domain() -> None:
    assert same_organisation_domain("a@dorsetcouncil.gov.uk", "https://www.dorsetcouncil.gov.uk/")
    assert same_organisation_domain("a@digital.dorsetcouncil.gov.uk", "it@dorsetcouncil.gov.uk")
    assert not same_organisation_domain("a@essex.gov.uk", "https://www.dorsetcouncil.gov.uk/")
    assert not same_organisation_domain("a@gmail.com", "")
