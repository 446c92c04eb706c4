"""Atom feeds and CSV/JSON downloads of searches, over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import random
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from pulse.core.record import Repo
from pulse.core.settings import Settings
from pulse.index import IndexStore
from pulse.web import downloads
from pulse.web.downloads import CSV_COLUMNS
from tests.conftest import LiveServer, make_repo

A = "{http://www.w3.org/2005/Atom}"
HOSTILE = '<script>alert("x")</script> & </summary> ]]> \x0b'


def serve(tmp_path: Path, records: list[Repo]) -> LiveServer:
    settings = Settings.from_env({}, data_dir=tmp_path / "data")
    store = IndexStore(settings.index_dir)
    store.add_records(records)
    store.close()
    return LiveServer(settings, demo=False)


def waste_records() -> list[Repo]:
    return [
        make_repo(
            1,
            "bins",
            description=f"Bin and waste days {HOSTILE}",
            topics=("waste", "bins"),
            created_at="2024-05-01T10:00:00Z",
            pushed_at="2024-05-02T10:00:00Z",
            language="C#",
        ),
        make_repo(
            2,
            "recycling",
            description="Waste recycling centres",
            created_at="2024-06-01T10:00:00Z",
            pushed_at="2024-06-02T10:00:00Z",
            licence="MIT",
        ),
        make_repo(3, "no-created", description="Waste collection API", pushed_at="2024-07-01T10:00:00Z"),
        make_repo(
            4,
            "old-but-busy",
            description="Waste permits",
            created_at="2023-01-01T10:00:00Z",
            pushed_at="2024-08-01T10:00:00Z",
        ),
        make_repo(5, "undated", description="Waste map", harvested_at="2024-01-01T00:00:00Z"),
        make_repo(
            6,
            "planning",
            description="Planning applications",
            created_at="2024-09-01T10:00:00Z",
            pushed_at="2024-09-01T10:00:00Z",
        ),
        make_repo(
            7,
            "a&b<c>",
            owner="Cyngor-Gwynedd",
            publisher="Cyngor Gwynedd & <Co>",
            topics=("waste",),
            description="Gwastraff — waste in Welsh",
            created_at="2024-02-01T10:00:00Z",
            pushed_at="2024-02-01T10:00:00Z",
        ),
    ]


@pytest.fixture(scope="module")
def waste_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("waste"), waste_records()) as server:
        yield server


def atom(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(response.content)
    assert root.tag == f"{A}feed"
    return root


def assert_valid_atom(feed: ET.Element) -> None:
    """RFC 4287's must-haves (section 4.1.1 and 4.1.2)."""

    def one(parent: ET.Element, tag: str) -> ET.Element:
        found = parent.findall(f"{A}{tag}")
        assert len(found) == 1, f"{parent.tag} needs exactly one {tag}"
        return found[0]

    def date(element: ET.Element) -> datetime:
        assert element.text and element.text.endswith("Z")
        return datetime.strptime(element.text, "%Y-%m-%dT%H:%M:%SZ")

    for tag in ("id", "title", "updated"):
        assert (one(feed, tag).text or "").strip()
    date(one(feed, "updated"))
    assert urlsplit(one(feed, "id").text or "").scheme in ("http", "https")
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{A}link")}
    assert {"self", "alternate"} <= links.keys()
    assert feed.findall(f"{A}author")  # so no entry needs its own, though each has one
    for entry in feed.findall(f"{A}entry"):
        for tag in ("id", "title", "updated", "summary"):
            assert (one(entry, tag).text or "").strip()
        date(one(entry, "updated"))
        assert one(entry, "id").text.startswith("https://")  # type: ignore[union-attr]
        alternates = [link for link in entry.findall(f"{A}link") if link.get("rel", "alternate") == "alternate"]
        assert len(alternates) == 1 and alternates[0].get("href", "").startswith("http")
        author = one(entry, "author")
        assert (one(author, "name").text or "").strip()
        for category in entry.findall(f"{A}category"):
            assert category.get("term")
    ids = [e.findtext(f"{A}id") for e in feed.findall(f"{A}entry")]
    assert len(ids) == len(set(ids))


def titles(feed: ET.Element) -> list[str]:
    return [e.findtext(f"{A}title") or "" for e in feed.findall(f"{A}entry")]


# -- Atom ------------------------------------------------------------------------------


def test_feed_is_atom_newest_first_and_escaped(waste_server: LiveServer) -> None:
    feed = atom(waste_server.get("/feeds/search.atom", params={"q": "waste"}))
    assert_valid_atom(feed)
    # Created, else pushed, else harvested: newest first. Busy but old (2023) comes last.
    assert titles(feed) == [
        "Dorset-Council-UK/no-created",
        "Dorset-Council-UK/recycling",
        "Dorset-Council-UK/bins",
        "Cyngor-Gwynedd/a&b<c>",
        "Dorset-Council-UK/undated",
        "Dorset-Council-UK/old-but-busy",
    ]
    assert feed.findtext(f"{A}updated") == "2024-07-01T10:00:00Z"
    bins = next(e for e in feed.findall(f"{A}entry") if e.findtext(f"{A}title") == "Dorset-Council-UK/bins")
    summary = bins.find(f"{A}summary")
    assert summary is not None and summary.get("type") == "text"
    # Markup comes back as the same text, not as elements; the XML-illegal \x0b is dropped.
    assert summary.text is not None and '<script>alert("x")</script> & </summary> ]]> ' in summary.text
    assert "\x0b" not in summary.text
    assert bins.findtext(f"{A}published") == "2024-05-01T10:00:00Z"
    assert [c.get("term") for c in bins.findall(f"{A}category")] == ["waste", "bins"]
    assert bins.findtext(f"{A}id") == "https://github.com/Dorset-Council-UK/bins"
    welsh = next(e for e in feed.findall(f"{A}entry") if e.findtext(f"{A}title") == "Cyngor-Gwynedd/a&b<c>")
    assert welsh.findtext(f"{A}author/{A}name") == "Cyngor Gwynedd & <Co>"
    assert "Gwastraff — waste" in (welsh.findtext(f"{A}summary") or "")
    raw = waste_server.get("/feeds/search.atom", params={"q": "waste"}).text
    assert "<script>" not in raw and "&lt;script&gt;" in raw and "a&amp;b&lt;c&gt;" in raw


def test_feed_links_point_at_the_same_search(waste_server: LiveServer) -> None:
    params = [("q", "waste"), ("topic", "waste"), ("language", "C#"), ("language", "Go")]
    feed = atom(waste_server.get("/feeds/search.atom", params=params))
    assert_valid_atom(feed)
    assert titles(feed) == ["Dorset-Council-UK/bins"]  # topic waste AND (C# OR Go)
    links = {link.get("rel"): link.get("href") or "" for link in feed.findall(f"{A}link")}
    self_url, html_url = urlsplit(links["self"]), urlsplit(links["alternate"])
    assert self_url.path == "/feeds/search.atom" and html_url.path == "/search"
    assert parse_qsl(self_url.query) == [("q", "waste"), ("language", "C#"), ("language", "Go"), ("topic", "waste")]
    html = waste_server.get(f"{html_url.path}?{html_url.query}")
    assert html.status_code == 200 and "bins" in html.text
    entry_link = feed.find(f"{A}entry/{A}link[@rel='alternate']")
    assert entry_link is not None and urlsplit(entry_link.get("href", "")).path == "/repos/Dorset-Council-UK/bins"


def test_empty_feed_is_still_valid(waste_server: LiveServer) -> None:
    feed = atom(waste_server.get("/feeds/search.atom", params={"q": "nothingmatchesthis"}))
    assert_valid_atom(feed)
    assert titles(feed) == []


def test_feed_rejects_bad_parameters_with_400(waste_server: LiveServer) -> None:
    response = waste_server.get("/feeds/search.atom", params={"q": "x" * 501})
    assert response.status_code == 400


def test_feed_on_the_demo_catalogue_has_no_dates_but_is_valid(demo_server: LiveServer) -> None:
    feed = atom(demo_server.get("/feeds/search.atom"))
    assert_valid_atom(feed)
    assert len(feed.findall(f"{A}entry")) == 50
    assert feed.findtext(f"{A}updated") == "2000-01-01T00:00:00Z"  # a fixed date: nothing looks new on each poll


def test_feed_keeps_the_50_newest_of_many(tmp_path: Path) -> None:
    rng = random.Random(7)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    records = []
    for n in range(400):
        created = start + timedelta(minutes=rng.randrange(3_000_000))
        pushed = created + timedelta(minutes=rng.randrange(0, 500_000))
        records.append(
            make_repo(
                1000 + n,
                f"repo-{n}",
                description="shared code",
                created_at=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                pushed_at=pushed.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
        )
    expected = sorted(records, key=lambda r: r.created_at, reverse=True)[:50]
    with serve(tmp_path, records) as server:
        feed = atom(server.get("/feeds/search.atom", params={"q": "shared"}))
        assert_valid_atom(feed)
        assert titles(feed) == [r.full_name for r in expected]


# -- CSV and JSON downloads --------------------------------------------------------------


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM, for Excel
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    return list(reader)


def test_csv_quotes_awkward_text_and_neutralises_formulas(tmp_path: Path) -> None:
    records = [
        make_repo(
            1,
            "awkward",
            description='Commas, "quotes"\nand a new line, ünïcödé ŵ',
            topics=("a", "b-c"),
            language='=HYPERLINK("http://evil","x")',
            stars=3,
            archived=True,
        ),
        make_repo(
            2,
            "formulas",
            description="+SUM(1,2)",
            language="-1+1",
            licence="@cmd",
            topics=("\tTAB",),
            publisher="\rCR Council",
            homepage='=HYPERLINK("http://evil")',
        ),
        make_repo(3, "plain", description="a - b = c", fork=True),
    ]
    with serve(tmp_path, records) as server:
        response = server.get("/downloads/search.csv")
        assert response.headers["content-disposition"].startswith('attachment; filename="pulse-catalogue-')
        assert response.headers["content-disposition"].endswith('.csv"')
        rows = {row["name"]: row for row in read_csv(response)}
    assert set(rows) == {"awkward", "formulas", "plain"}
    awkward = rows["awkward"]
    assert awkward["description"] == 'Commas, "quotes"\nand a new line, ünïcödé ŵ'
    assert awkward["topics"] == "a;b-c"
    assert awkward["language"] == '\'=HYPERLINK("http://evil","x")'
    assert (awkward["stars"], awkward["archived"], awkward["fork"]) == ("3", "true", "false")
    assert awkward["full_name"] == "Dorset-Council-UK/awkward" and awkward["id"] == "1"
    formulas = rows["formulas"]
    assert formulas["description"] == "'+SUM(1,2)"
    assert formulas["language"] == "'-1+1" and formulas["licence"] == "'@cmd"
    assert formulas["topics"] == "'\tTAB" and formulas["publisher"] == "'\rCR Council"
    assert formulas["homepage"] == ""  # not an http(s) URL: dropped when the record was read
    assert rows["plain"]["description"] == "a - b = c" and rows["plain"]["fork"] == "true"


def test_json_download_is_the_records_unaltered(tmp_path: Path) -> None:
    records = [make_repo(1, "formulas", description='=1+1 "quoted" ŵ', topics=("x",))]
    with serve(tmp_path, records) as server:
        response = server.get("/downloads/search.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert 'filename="pulse-catalogue-' in response.headers["content-disposition"]
    assert response.json() == [records[0].to_dict(with_readme=False)]


def test_whole_catalogue_downloads_have_every_repo(demo_server: LiveServer) -> None:
    csv_rows = read_csv(demo_server.get("/downloads/search.csv"))
    json_rows = demo_server.get("/downloads/search.json").json()
    assert len(csv_rows) == len(json_rows) == 913
    assert len({r["key"] for r in csv_rows}) == 913
    assert [r["full_name"] for r in csv_rows] == [r["full_name"] for r in json_rows]
    assert all("readme" not in r and "snippet" not in r for r in json_rows)


def api_pages(server: LiveServer, params: list[tuple[str, str]]) -> tuple[int, list[dict]]:
    results: list[dict] = []
    page = 1
    while True:
        body = server.get("/api/search", params=params + [("per_page", "100"), ("page", str(page))]).json()
        results += body["results"]
        if page >= body["pages"]:
            return body["total"], results
        page += 1


@pytest.mark.parametrize(
    "params",
    [
        [("q", "bin")],
        [("q", "council"), ("sort", "stars")],
        [("publisher_type", "local-government"), ("language", "PHP"), ("language", "C#")],
        [("q", '"design system" OR planning'), ("sort", "updated")],
    ],
)
def test_search_downloads_match_the_api(demo_server: LiveServer, params: list[tuple[str, str]]) -> None:
    total, results = api_pages(demo_server, params)
    assert total > 0
    expected = [{k: v for k, v in r.items() if k != "snippet"} for r in results]
    downloaded = demo_server.get("/downloads/search.json", params=params).json()
    assert downloaded == expected  # same records, same order
    rows = read_csv(demo_server.get("/downloads/search.csv", params=params))
    assert [r["full_name"] for r in rows] == [r["full_name"] for r in expected]


def test_downloads_page_through_every_match_in_chunks(demo_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(downloads, "CHUNK", 7)  # 131 search() calls for the demo's 913
    monkeypatch.setattr(downloads, "FLUSH_BYTES", 100)  # and many small response chunks
    _, everything = api_pages(demo_server, [("sort", "stars")])
    with httpx.stream(
        "GET",
        demo_server.url + "/downloads/search.json",
        params={"sort": "stars"},
        headers={"Accept-Encoding": "identity"},
    ) as response:
        assert response.headers.get("transfer-encoding") == "chunked"  # streamed, not built whole
        chunks = list(response.iter_raw())
    assert len(chunks) > 10
    downloaded = json.loads(b"".join(chunks))
    assert [r["id"] for r in downloaded] == [r["id"] for r in everything]


def test_word_search_downloads_stop_at_the_result_window(
    demo_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(downloads, "MAX_RESULT_WINDOW", 5)
    monkeypatch.setattr(downloads, "CHUNK", 3)
    assert len(demo_server.get("/downloads/search.json", params={"q": "council OR data"}).json()) == 5
    assert len(demo_server.get("/downloads/search.json", params={"sort": "stars"}).json()) == 913  # no words: all


def test_a_client_that_leaves_early_does_not_stop_the_service(
    demo_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(downloads, "CHUNK", 2)
    monkeypatch.setattr(downloads, "FLUSH_BYTES", 50)
    for _ in range(downloads.MAX_DOWNLOADS + 2):  # more than the reader threads
        with httpx.stream("GET", demo_server.url + "/downloads/search.csv") as response:
            next(response.iter_raw())
    assert len(read_csv(demo_server.get("/downloads/search.csv"))) == 913


def test_download_filenames_and_bad_parameters(demo_server: LiveServer) -> None:
    response = demo_server.get("/downloads/search.csv", params={"q": "Bin collection!", "language": "C#"})
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="pulse-search-bin-collection-') and disposition.endswith(
        '.csv"'
    )
    bad = demo_server.get("/downloads/search.json", params={"sort": "sideways"})
    assert bad.status_code == 400 and "Unknown sort" in bad.text
