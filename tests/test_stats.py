"""The /stats page and /api/stats, over real HTTP."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from pulse.core.settings import Settings
from pulse.index import IndexStore
from pulse.web.stats import harvest_history
from tests.conftest import LiveServer, make_repo


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Tables(HTMLParser):
    """Tables of a page: caption, and whether every th has a scope."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "th": 0, "scoped": 0, "rows": 0})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "th" and self.tables:
            self.tables[-1]["th"] += 1
            self.tables[-1]["scoped"] += dict(attrs).get("scope") in ("col", "row")
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False

    def handle_data(self, data: str) -> None:
        if self._in_caption and self.tables:
            self.tables[-1]["caption"] += data.strip()


def tables_of(html: str) -> list[dict]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def test_demo_stats_match_the_search_facets(demo_server: LiveServer) -> None:
    stats = demo_server.get("/api/stats").json()
    facets = demo_server.get("/api/search").json()["facets"]
    assert stats["total"] == 913 and stats["demo"] is True
    assert stats["by_publisher_type"] == facets["publisher_type"]
    assert stats["by_language"] == facets["language"]
    assert stats["by_licence"] == facets["licence"]
    assert sum(f["count"] for f in stats["by_publisher_type"]) == 913
    assert stats["history"] == []
    assert stats["new_this_week"]["count"] == 0  # the demo has no dates


def test_demo_stats_page_is_accessible_tables_and_says_there_is_no_history(demo_server: LiveServer) -> None:
    page = demo_server.get("/stats")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert "No harvest has run on this catalogue yet" in text and "only the current size: 913 items" in text
    assert "The demo catalogue has no creation dates" in text
    tables = tables_of(page.text)
    assert [t["caption"] for t in tables] == ["By publisher type", "By language", "By licence"]
    for table in tables:
        assert table["th"] and table["scoped"] == table["th"]
    assert "Local government" in text and "No licence identified" in text  # labels, not raw values
    assert 'href="/api/stats"' in page.text


def write_report(folder: Path, started: str, sources: list[tuple[str, str, int]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    body = {
        "started_at": started,
        "finished_at": started,
        "stopped_early": False,
        "requests": 3,
        "sources": [
            {
                "publisher": s,
                "source": s,
                "target": s,
                "status": status,
                "seen": seen,
                "added": 0,
                "updated": 0,
                "removed": 0,
                "requests": 1,
                "seconds": 0.1,
                "error": "",
            }
            for s, status, seen in sources
        ],
    }
    stamp = started.replace(":", "").replace("-", "")
    (folder / f"harvest-{stamp}.json").write_text(json.dumps(body))


def test_history_new_this_week_and_the_page(tmp_path: Path) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path / "data")
    now = datetime.now(UTC)
    store = IndexStore(settings.index_dir)
    store.add_records(
        [
            make_repo(1, "brand-new", created_at=iso(now - timedelta(days=1)), pushed_at=iso(now - timedelta(hours=2))),
            make_repo(2, "six-days", created_at=iso(now - timedelta(days=6)), pushed_at=iso(now - timedelta(days=6))),
            make_repo(
                3, "busy-old", created_at=iso(now - timedelta(days=400)), pushed_at=iso(now - timedelta(hours=1))
            ),
            make_repo(
                4, "last-month", created_at=iso(now - timedelta(days=30)), pushed_at=iso(now - timedelta(days=8))
            ),
            make_repo(5, "undated"),
        ]
    )
    store.close()
    reports = settings.data_dir / "reports"
    write_report(reports, "2024-01-01T02:00:00Z", [("github:a", "ok", 10), ("github:b", "ok", 5)])
    write_report(reports, "2024-01-02T02:00:00Z", [("github:a", "failed", 0), ("github:b", "ok", 6)])
    write_report(reports, "2024-01-03T02:00:00Z", [("github:a", "tombstoned", 0), ("github:b", "ok", 7)])
    (reports / "harvest-latest.json").write_text((reports / "harvest-20240103T020000Z.json").read_text())
    (reports / "harvest-20231231T000000Z.json").write_text("{not json")  # skipped, not fatal

    with LiveServer(settings, demo=False) as server:
        stats = server.get("/api/stats").json()
        page = server.get("/stats")
    assert stats["total"] == 5 and stats["demo"] is False
    new = stats["new_this_week"]
    assert new["count"] == 2
    assert [r["name"] for r in new["newest"]] == ["brand-new", "six-days"]
    assert [(r["started_at"], r["repos"], r["seen"], r["failed_sources"]) for r in stats["history"]] == [
        ("2024-01-01T02:00:00Z", 15, 15, 0),
        ("2024-01-02T02:00:00Z", 16, 6, 1),  # the failed source keeps its 10
        ("2024-01-03T02:00:00Z", 7, 7, 1),  # the tombstoned one does not
    ]
    assert page.status_code == 200
    tables = tables_of(page.text)
    assert tables[0]["caption"] == "Catalogue size after each harvest" and tables[0]["rows"] == 4
    assert all(t["scoped"] == t["th"] for t in tables)
    text = re.sub(r"\s+", " ", page.text)
    assert "2 repositories were created since" in text and "/repos/Dorset-Council-UK/brand-new" in text
    assert text.index("2024-01-03T02:00:00Z") < text.index("2024-01-01T02:00:00Z")  # newest first


def test_history_is_cached_until_a_report_changes(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_report(reports, "2024-01-01T02:00:00Z", [("github:a", "ok", 10)])
    assert [r.repos for r in harvest_history(tmp_path)] == [10]
    assert harvest_history(tmp_path) is harvest_history(tmp_path)
    write_report(reports, "2024-01-02T02:00:00Z", [("github:a", "ok", 12)])
    assert [r.repos for r in harvest_history(tmp_path)] == [10, 12]
