"""Similar projects of other publishers, forks by other publishers (reuse), and the upstream."""

from __future__ import annotations

from pulse.index import IndexStore
from pulse.index.related import Related, reused_by, similar, upstream
from tests.conftest import make_repo

ESSEX = dict(owner="essexcountycouncil", publisher="Essex County Council", source="github:essexcountycouncil")
LEEDS = dict(owner="leedscc", publisher="Leeds City Council", source="github:leedscc")


def test_similar_projects_come_from_other_publishers(store: IndexStore) -> None:
    text = "Find your bin collection day and recycling centre opening times from a postcode"
    store.add_records(
        [
            make_repo(1, "bin-day", description=text, readme=f"# Bins\n\n{text}. Waste collection calendar."),
            make_repo(2, "bin-day-api", description=text),  # same publisher: never "similar"
            make_repo(3, "BinCollections", description="Bin collection days and recycling calendar", **ESSEX),
            make_repo(4, "parking-permits", description="Apply for a parking permit", **LEEDS),
        ]
    )
    found = similar(store, store.get("Dorset-Council-UK", "bin-day"))
    assert [r.id for r in found][:1] == [3]
    assert all(r.publisher != "Dorset Council" for r in found)


def test_similar_on_the_demo_corpus(store: IndexStore, demo_records) -> None:  # type: ignore[no-untyped-def]
    store.add_records(demo_records)
    frontend = similar(store, store.get("alphagov", "govuk-frontend"))
    assert 1 <= len(frontend) <= 5
    assert {"LBCamden/lbcamden-frontend", "LBHackney-IT/lbh-frontend"} & {r.full_name for r in frontend}
    address = {r.full_name for r in similar(store, store.get("east-sussex-county-council", "Escc.FindAddress.Mvc"))}
    assert "companieshouse/address-lookup-api" in address


def test_reused_by_lists_forks_by_other_publishers_and_the_fork_finds_its_upstream(store: IndexStore) -> None:
    store.add_records(
        [
            make_repo(1, "BinDay", description="Bin days"),
            make_repo(2, "binday", fork=True, fork_of="dorset-council-uk/binday", **ESSEX),  # other case: same repo
            make_repo(3, "BinDay-copy", fork=True, fork_of="Dorset-Council-UK/BinDay"),  # same publisher: not reuse
            make_repo(4, "elsewhere", fork=True, fork_of="someone/else", **LEEDS),
        ]
    )
    original = store.get("Dorset-Council-UK", "BinDay")
    assert [r.id for r in reused_by(store, original)] == [2]
    fork = store.get("essexcountycouncil", "binday")
    assert upstream(store, fork).id == 1
    assert upstream(store, store.get("leedscc", "elsewhere")) is None  # not in the catalogue
    assert upstream(store, original) is None
    related = Related(store, original)
    assert [r.id for r in related.reused_by] == [2] and 2 not in [r.id for r in related.similar]


def test_api_lists_similar_and_reused_by(demo_server) -> None:  # type: ignore[no-untyped-def]
    body = demo_server.get("/api/repos/east-sussex-county-council/Escc.FindAddress.Mvc").json()
    assert 1 <= len(body["similar"]) <= 5 and all(isinstance(n, str) and "/" in n for n in body["similar"])
    assert not any(n.startswith("east-sussex-county-council/") for n in body["similar"])
    assert body["reused_by"] == []
