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
    store.apply_harvest([SourceUpdate("github:dorset-council-uk", upsert=[make_repo(4, "d")], delete_ids={1})])
    assert store.searcher().reader().generation() == generation + 1
    assert set(store.records_of_source("github:dorset-council-uk")) == {2, 4}
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
