"""The Whoosh index on disk: round trips, one-commit replacement, versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulse.index import IndexStore, IndexVersionError, SourceUpdate
from tests.conftest import make_repo


def test_record_round_trips_through_the_index(store: IndexStore) -> None:
    repo = make_repo(
        101,
        "BinDayFinder",
        description="Find your bin collection day",
        topics=("waste", "bins"),
        language="C#",
        licence="MIT",
        stars=7,
        forks=2,
        open_issues=1,
        is_template=True,
        created_at="2020-01-02T03:04:05Z",
        pushed_at="2024-05-06T07:08:09Z",
        updated_at="2024-05-06T07:08:10Z",
        default_branch="main",
        readme="# Bin day\n\nFinds bins.",
        homepage="https://example.org",
        harvested_at="2026-11-23T00:00:00Z",
    )
    store.add_records([repo])
    assert store.get("dorset-council-uk", "bindayfinder") == repo
    assert store.get("Dorset-Council-UK", "BinDayFinder", with_readme=False).readme == ""
    assert store.get("Dorset-Council-UK", "missing") is None
    assert store.doc_count() == 1


def test_update_by_id_follows_a_rename(store: IndexStore) -> None:
    store.add_records([make_repo(5, "old-name")])
    store.add_records([make_repo(5, "new-name")])
    assert store.doc_count() == 1
    assert store.get("Dorset-Council-UK", "old-name") is None
    assert store.get("Dorset-Council-UK", "new-name") is not None


def test_apply_harvest_writes_and_deletes_in_one_commit(store: IndexStore) -> None:
    dorset = [make_repo(1, "a"), make_repo(2, "b")]
    essex = [make_repo(3, "c", owner="essexcountycouncil", publisher="Essex County Council")]
    store.add_records(dorset + essex)
    generation = store.searcher().reader().generation()
    store.apply_harvest(
        [SourceUpdate("github:dorset-council-uk", upsert=[make_repo(4, "d")], delete_keys={"github.com:1"})]
    )
    assert store.searcher().reader().generation() == generation + 1
    assert set(store.records_of_source("github:dorset-council-uk")) == {"github.com:2", "github.com:4"}
    assert store.get("Dorset-Council-UK", "a") is None
    assert store.get("essexcountycouncil", "c") is not None  # Essex failed or was not harvested: kept
    assert store.doc_count() == 3


def test_first_real_harvest_replaces_the_demo(store: IndexStore, demo_records) -> None:  # type: ignore[no-untyped-def]
    store.add_records(demo_records)
    assert store.has_demo()
    store.apply_harvest([SourceUpdate("github:dorset-council-uk", upsert=[make_repo(1, "a")])])
    assert not store.has_demo()
    assert store.doc_count() == 1


def test_segments_are_not_compound(store: IndexStore) -> None:
    store.add_records([make_repo(i, f"repo-{i}") for i in range(20)])
    names = [p.name for p in store.path.iterdir()]
    assert not [n for n in names if n.endswith(".seg")], names


def test_index_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    IndexStore(tmp_path).close()
    (tmp_path / "PULSE_SCHEMA_VERSION").write_text("0\n")
    with pytest.raises(IndexVersionError, match="schema version 0"):
        IndexStore(tmp_path)


def test_export_of_all_records_includes_readmes(store: IndexStore, demo_records) -> None:  # type: ignore[no-untyped-def]
    store.add_records(demo_records)
    exported = sorted(store.all_records(), key=lambda r: r.id)
    assert exported == sorted(demo_records, key=lambda r: r.id)


def test_an_index_of_schema_version_2_migrates_losing_nothing(tmp_path: Path) -> None:
    import dataclasses
    import shutil

    from pulse.core.query import SearchRequest
    from pulse.core.resources import PACKAGE_DIR
    from pulse.index import SCHEMA_VERSION, search
    from pulse.jobs.demo import read_jsonl

    old = tmp_path / "index"
    shutil.copytree(Path(__file__).parent / "data" / "index-v2", old, ignore=shutil.ignore_patterns("README.md"))
    assert (old / "PULSE_SCHEMA_VERSION").read_text().strip() == "2"
    expected = [
        dataclasses.replace(r, source=r.source.replace("demo:", "github:"))
        for r in list(read_jsonl(PACKAGE_DIR / "data" / "demo-catalogue.jsonl"))[:30]
    ]
    store = IndexStore(old)
    try:
        assert (old / "PULSE_SCHEMA_VERSION").read_text().strip() == str(SCHEMA_VERSION)
        assert store.doc_count() == 30
        for record in expected:
            found = store.get(record.owner, record.name)
            assert found == record, record.full_name  # every field, the README included
            assert found.key == f"github.com:{record.id}" and found.page_url == f"/repos/{record.full_name}"
        assert set(store.records_of_source(expected[0].source)) >= {f"github.com:{expected[0].id}"}
        assert search(store, SearchRequest(q=expected[0].name)).total >= 1
    finally:
        store.close()
    assert not list(tmp_path.glob("index.*"))  # nothing left beside it
