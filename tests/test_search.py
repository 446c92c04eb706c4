"""The one search function: ranking basics, facets, filters, threads and fresh data."""

from __future__ import annotations

import threading
from pathlib import Path

from pulse.core.query import SearchRequest
from pulse.core.settings import Settings
from pulse.core.vocabulary import NONE_VALUE
from pulse.index import IndexStore, search
from tests.conftest import LiveServer, make_repo


class Params(dict):
    """A minimal multi-dict, like Starlette's QueryParams."""

    def getlist(self, key: str) -> list[str]:
        value = self.get(key)
        return value if isinstance(value, list) else ([value] if value is not None else [])


def request(**params) -> SearchRequest:  # type: ignore[no-untyped-def]
    return SearchRequest.from_params(Params(params))


def test_name_is_split_on_dots_dashes_and_camel_case(store: IndexStore) -> None:
    store.add_records([make_repo(1, "Escc.RubbishAndRecycling.SiteFinder"), make_repo(2, "planning-search")])
    assert [h.repo.id for h in search(store, request(q="rubbish")).hits] == [1]
    assert [h.repo.id for h in search(store, request(q="site finder")).hits] == [1]
    assert [h.repo.id for h in search(store, request(q="planning")).hits] == [2]


def test_stemming_and_field_boosts(store: IndexStore) -> None:
    store.add_records(
        [
            make_repo(1, "notes", readme="This mentions parking once among many other words."),
            make_repo(2, "parking-permits", description="Apply for parking permits"),
        ]
    )
    page = search(store, request(q="permit"))
    assert [h.repo.id for h in page.hits] == [2]
    assert [h.repo.id for h in search(store, request(q="parking")).hits] == [2, 1]


def test_all_words_first_then_any_word_with_a_note(store: IndexStore) -> None:
    store.add_records(
        [make_repo(1, "bins", description="bin collection day"), make_repo(2, "roads", description="potholes")]
    )
    assert search(store, request(q="bin collection")).note == ""
    fallback = search(store, request(q="potholes unicorn"))
    assert [h.repo.id for h in fallback.hits] == [2] and "any" in fallback.note


def test_a_query_with_not_is_never_widened_to_any_word(store: IndexStore) -> None:
    """Widening "recycling NOT bin" to any word would make NOT bin a way to match: 3 of 4 repos."""
    store.add_records(
        [
            make_repo(1, "recycling-centres", description="recycling centre finder"),
            make_repo(2, "bins", description="bin and recycling collection days"),
            make_repo(3, "roads", description="potholes"),
            make_repo(4, "parking", description="parking permits"),
        ]
    )
    page = search(store, request(q="recycling NOT bin"))
    assert [h.repo.id for h in page.hits] == [1] and page.total == 1 and page.note == ""


def test_facets_count_every_match_not_just_the_page(store: IndexStore) -> None:
    store.add_records(
        [
            make_repo(
                i,
                f"form-{i}",
                description="form builder",
                language="Ruby" if i % 3 else "Python",
                topics=("forms", "govuk") if i % 2 else ("forms",),
            )
            for i in range(1, 46)
        ]
    )
    page = search(store, request(q="form", per_page=5))
    assert page.total == 45 and len(page.hits) == 5 and page.pages == 9
    assert {f.value: f.count for f in page.facets["language"]} == {"Ruby": 30, "Python": 15}
    assert {f.value: f.count for f in page.facets["topic"]} == {"forms": 45, "govuk": 23}
    filtered = search(store, request(q="form", topic="GOVUK"))
    assert filtered.total == 23


def test_sorts_by_stars_and_recent_push(store: IndexStore) -> None:
    store.add_records(
        [
            make_repo(1, "a", description="map", stars=5, pushed_at="2020-01-01T00:00:00Z"),
            make_repo(2, "b", description="map", stars=50, pushed_at="2019-01-01T00:00:00Z"),
            make_repo(3, "c", description="map", stars=1, pushed_at="2025-01-01T00:00:00Z"),
        ]
    )
    assert [h.repo.id for h in search(store, request(q="map", sort="stars")).hits] == [2, 1, 3]
    assert [h.repo.id for h in search(store, request(q="map", sort="updated")).hits] == [3, 1, 2]
    assert [h.repo.id for h in search(store, request()).hits] == [2, 1, 3]  # browsing: most starred first


def test_snippets_are_escaped_with_marks(store: IndexStore) -> None:
    store.add_records([make_repo(1, "x", description="Use <b>flood</b> & drainage data <script>alert(1)</script>")])
    snippet = search(store, request(q="flood")).hits[0].snippet
    assert '<mark class="hl term0">flood</mark>' in snippet
    assert "<script>" not in snippet and "<b>" not in snippet and "&lt;script&gt;" in snippet and "&amp;" in snippet


def test_searches_from_many_threads_agree(store: IndexStore, demo_records) -> None:  # type: ignore[no-untyped-def]
    """Each thread has its own searcher: a shared one gave wrong hits and zlib errors."""
    store.add_records(demo_records)
    queries = ["drupal", "address lookup", "design system", "booking", "data", "nhs", "forms", "map"]
    expected = {q: [h.repo.id for h in search(store, request(q=q)).hits] for q in queries}
    errors: list[BaseException] = []
    mismatches: list[str] = []

    def worker(offset: int) -> None:
        try:
            for i in range(40):
                q = queries[(i + offset) % len(queries)]
                if [h.repo.id for h in search(store, request(q=q)).hits] != expected[q]:
                    mismatches.append(q)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and not mismatches


def test_a_running_server_sees_a_new_commit(tmp_path: Path) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path)
    with LiveServer(settings, demo=False) as server:
        assert server.get("/api/search", params={"q": "gritting"}).json()["total"] == 0
        writer = IndexStore(settings.index_dir)  # as a harvest in another process would
        writer.add_records([make_repo(9, "gritting-routes", description="Winter gritting routes")])
        writer.close()
        for _ in range(3):  # every worker thread must pick the new generation up
            assert server.get("/api/search", params={"q": "gritting"}).json()["total"] == 1


def test_readme_text_keeps_line_breaks_between_words() -> None:
    from pulse.core.text import markdown_to_text

    assert markdown_to_text("Reuse and\nshare **this**\n`code`.") == "Reuse and share this code."


def test_did_you_mean_corrects_unknown_words(store: IndexStore, demo_records) -> None:  # type: ignore[no-untyped-def]
    store.add_records(demo_records)
    assert "results for “flooding”" in search(store, request(q="flodding")).note  # nothing else: corrected
    assert "results for “drupal”" in search(store, request(q="drupl")).note
    assert search(store, request(q="Drupl modules")).suggestion == "drupal modules"  # "modules" matched: offered
    assert search(store, request(q="flooding")).suggestion == ""  # every word known
    assert search(store, request(q="drupal")).suggestion == ""


def test_no_suggestion_unless_the_correction_finds_more(store: IndexStore) -> None:
    store.add_records(
        [
            make_repo(1, "flood-map", description="Flooding map", language="Python"),
            make_repo(2, "roads", description="Road gritting", language="C#"),
        ]
    )
    widened = search(store, request(q="flodding"))  # nothing matched: the correction's results, and why
    assert [h.repo.name for h in widened.hits] == ["flood-map"] and widened.suggestion == ""
    assert widened.note == "Nothing matched “flodding”, so these are the results for “flooding”."
    assert search(store, request(q="flodding", language="C#")).suggestion == ""  # no more results there
    assert search(store, request(q="zzzzqqq")).suggestion == ""  # nothing near


def test_kind_and_has_licence_facets_and_filters(store: IndexStore) -> None:
    store.add_records(
        [
            make_repo(1, "app", description="bins", language="Python", licence="MIT"),
            make_repo(2, "starter", description="bins", language="Python", is_template=True),
            make_repo(3, "docs-site", description="bins", language=""),  # no language: still code, not guessed
            make_repo(
                0,
                "Bin collection guidance",
                description="bins",
                host="www.gov.uk",
                path="guidance/bins",
                resource_type="guidance",
            ),  # fmt: skip
            make_repo(
                0,
                "Bin day pattern",
                description="bins",
                host="design-system.service.gov.uk",
                path="patterns/bins",
                resource_type="pattern",
                licence="OGL-UK-3.0",
            ),  # fmt: skip
        ]
    )
    page = search(store, request(q="bins"))
    assert {f.value: f.count for f in page.facets["kind"]} == {"code": 2, "template": 1, "resource": 2}
    assert {f.value: f.count for f in page.facets["has_licence"]} == {"yes": 2, "no": 3}
    assert {f.value: f.count for f in page.facets["resource_type"]} == {"guidance": 1, "pattern": 1, NONE_VALUE: 3}
    found = search(store, request(q="bins", kind="resource", has_licence="yes")).hits
    assert [(h.repo.name, h.repo.kind, h.repo.resource_type) for h in found] == [
        ("Bin day pattern", "resource", "pattern")
    ]
    assert [h.repo.name for h in search(store, request(q="bins", resource_type="guidance")).hits] == [
        "Bin collection guidance"
    ]
    assert {h.repo.id for h in search(store, request(kind=["code", "template"])).hits} == {1, 2, 3}


def test_api_has_suggestion_and_new_filters(demo_server) -> None:  # type: ignore[no-untyped-def]
    body = demo_server.get("/api/search", params={"q": "flodding"}).json()  # no empty hands: the correction's results
    assert body["total"] > 0 and "results for “flooding”" in body["note"] and body["suggestion"] == ""
    offered = demo_server.get("/api/search", params={"q": "drupl modules"}).json()  # "modules" matches: offered
    assert offered["suggestion"] == "drupal modules" and offered["total"] > 0
    body = demo_server.get("/api/search", params={"q": "drupal", "kind": "code", "has_licence": "no"}).json()
    assert body["filters"] == {"kind": ["code"], "has_licence": ["no"]} and body["total"] > 0
    assert {"kind", "has_licence"} <= set(body["facets"])


def test_an_old_index_of_demo_data_is_rebuilt_but_real_data_is_refused(tmp_path: Path, demo_records) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from pulse.index import IndexStore, IndexVersionError
    from pulse.jobs.demo import demo_resources

    demo_dir, real_dir = tmp_path / "demo", tmp_path / "real"
    for path, records in ((demo_dir, demo_records[:5]), (real_dir, [make_repo(1, "real")])):
        store = IndexStore(path)
        store.add_records(records)
        store.close()
        (path / "PULSE_SCHEMA_VERSION").write_text("1\n")
    rebuilt = IndexStore(demo_dir)
    assert rebuilt.doc_count() == 0  # emptied: `pulse serve` loads the demo again
    rebuilt.close()
    with pytest.raises(IndexVersionError, match="schema version 1"):
        IndexStore(real_dir)
    settings = Settings.from_env({}, data_dir=tmp_path / "served")
    store = IndexStore(settings.index_dir)
    store.add_records(demo_records)
    store.close()
    (settings.index_dir / "PULSE_SCHEMA_VERSION").write_text("1\n")
    with LiveServer(settings) as server:
        shipped = len(demo_records) + len(list(demo_resources()))  # the demo's repositories and resources
        assert server.get("/healthz").json() == {"status": "ok", "documents": shipped, "demo": True}


def test_what_a_readme_runs_does_not_rank(store: IndexStore) -> None:
    """Code blocks, commands, badges and URLs are left out of the ranked text: `venv/bin/activate` is no bin."""
    store.add_records(
        [
            make_repo(
                1,
                "monitoring-platform",
                readme="# Monitoring\n\nData is collected daily.\n\n"
                "```sh\nsource venv/bin/activate\npython manage.py collectstatic\n```\n"
                "[![bin](https://img.shields.io/bin.svg)](https://ci.example/bin)\n",
            ),  # fmt: skip
            make_repo(2, "waste-site-finder", readme="# Waste site finder\n\nWhen is my bin collection day?"),
        ]
    )
    assert [h.repo.name for h in search(store, request(q="bin")).hits] == ["waste-site-finder"]  # no bin in its prose
    assert search(store, request(q="bin collection")).hits[0].repo.name == "waste-site-finder"
    assert search(store, request(q="activate")).hits == []  # nor the commands it runs
    assert search(store, request(q="collected")).hits[0].repo.name == "monitoring-platform"  # its prose still counts


def test_uk_and_us_spellings_are_one_word(store: IndexStore) -> None:
    store.add_records(
        [
            make_repo(1, "premises-licence", description="Apply for a premises licence from the council"),
            make_repo(2, "org-chart", description="The organization chart and colors of a US-style team"),
            make_repo(3, "size-checker", description="Checks the size of uploads"),
        ]
    )
    for typed, found in [("license", "premises-licence"), ("licensing", "premises-licence"),
                         ("organisation", "org-chart"), ("colour", "org-chart")]:  # fmt: skip
        hits = search(store, request(q=typed)).hits
        assert [h.repo.name for h in hits] == [found], typed
    hit = search(store, request(q="license")).hits[0]
    assert ">licence</mark>" in hit.snippet  # the snippet highlights the other spelling
    from pulse.core.spellings import to_uk

    assert [to_uk(w) for w in ("size", "citizen", "prize", "organize")] == ["size", "citizen", "prize", "organise"]
