"""Catalogue statistics: the /stats page and /api/stats, from one function.

- Size over time comes from the harvest reports (`reports/harvest-*.json`,
  one per run). A report lists, per source, how many repositories it `seen`.
  A failed or unreached source keeps its repositories in the index, so a
  run's catalogue size is the sum over sources of the latest successful
  `seen` up to that run (0 once a source is tombstoned), not just the sum of
  that run's `seen`; both are given. With no reports (the demo catalogue)
  there is only the current size, and the page says so.
- Publisher type, language and licence are the facet counts of an empty
  search (at most 100 values each, the most common first).
- New this week counts repositories whose `created_at` is within the last 7
  days. The index sorts by last push, not creation, so the matches are read
  most recently pushed first and reading stops at the first repository last
  pushed before the week began: anything created this week has been pushed
  this week (GitHub sets `pushed_at` at creation). Cheap however big the
  catalogue is; a fork whose `pushed_at` is its parent's older date is missed.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from pulse.core.query import SearchRequest
from pulse.index import IndexStore, iter_pages, pinned
from pulse.index import search as run_search
from pulse.web import contracts
from pulse.web.templating import render

log = logging.getLogger(__name__)

HISTORY_MAX = 366  # runs kept in the figures: a year of nightly harvests
NEW_SHOWN = 20  # new repositories listed by name
NEW_DAYS = 7
_FMT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Run:
    """One harvest run as the size-over-time figure sees it."""

    started_at: str
    finished_at: str
    repos: int  # catalogue size after the run (failed sources keep their repos)
    seen: int  # repositories listed by the sources that succeeded in this run
    sources: int
    failed_sources: int

    def to_dict(self) -> contracts.HarvestRun:
        return {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "repos": self.repos,
            "seen": self.seen,
            "sources": self.sources,
            "failed_sources": self.failed_sources,
        }


_history_cache: dict[Path, tuple[tuple, list[Run]]] = {}
_history_lock = threading.Lock()


def harvest_history(data_dir: Path) -> list[Run]:
    """Every harvest run on record, oldest first (at most the last HISTORY_MAX)."""
    folder = Path(data_dir) / "reports"
    try:
        files = sorted(p for p in folder.glob("harvest-*.json") if p.name != "harvest-latest.json")
    except OSError:
        return []
    files = files[-HISTORY_MAX * 2 :]  # a cap on reading; the dated names sort by time
    key = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists())
    with _history_lock:
        cached = _history_cache.get(folder)
        if cached and cached[0] == key:
            return cached[1]
    reports = []
    for path in files:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
            reports.append((str(report.get("started_at", "")), report))
        except (OSError, ValueError) as exc:
            log.warning("skipping unreadable harvest report %s: %s", path, exc)
    reports.sort(key=lambda item: item[0])
    runs: list[Run] = []
    latest_seen: dict[str, int] = {}
    for started_at, report in reports:
        sources = [s for s in report.get("sources", []) if isinstance(s, dict)]
        seen = failed = 0
        for entry in sources:
            source, status = str(entry.get("source", "")), entry.get("status")
            if status == "ok":
                count = int(entry.get("seen") or 0)
                latest_seen[source] = count
                seen += count
            elif status == "tombstoned":
                latest_seen.pop(source, None)
                failed += 1
            else:
                failed += 1
        runs.append(
            Run(started_at, str(report.get("finished_at", "")), sum(latest_seen.values()), seen, len(sources), failed)
        )
    runs = runs[-HISTORY_MAX:]
    with _history_lock:
        _history_cache[folder] = (key, runs)
    return runs


def new_since(store: IndexStore, since: str) -> tuple[int, list[contracts.NewRepo]]:
    """How many repositories were created at or after `since`, and the newest NEW_SHOWN of them."""
    count = 0
    found: list[contracts.NewRepo] = []
    for page in iter_pages(pinned(store), SearchRequest(sort="updated"), per_page=500):
        stop = False
        for hit in page.hits:
            repo = hit.repo
            if not repo.pushed_at or repo.pushed_at < since:
                stop = True
                break
            if repo.created_at and repo.created_at >= since:
                count += 1
                found.append(
                    {
                        "full_name": repo.full_name,
                        "owner": repo.owner,
                        "name": repo.name,
                        "url": repo.url,
                        "publisher": repo.publisher,
                        "created_at": repo.created_at,
                        "page_url": repo.page_url,
                    }
                )
                found.sort(key=lambda r: (r["created_at"], r["full_name"].lower()), reverse=True)
                del found[NEW_SHOWN:]
        if stop:
            break
    return count, found


def compute_stats(store: IndexStore, data_dir: Path, now: datetime | None = None) -> contracts.Stats:
    """Everything /stats shows, as the JSON /api/stats returns."""
    now = now or datetime.now(UTC)
    since = (now - timedelta(days=NEW_DAYS)).strftime(_FMT)
    page = run_search(store, SearchRequest(per_page=1))
    count, newest = new_since(store, since)
    runs = harvest_history(data_dir)

    def facet(name: str) -> list[contracts.FacetValue]:
        return [{"value": f.value, "count": f.count} for f in page.facets.get(name, [])]

    return {
        "generated_at": now.strftime(_FMT),
        "total": page.total,
        "demo": store.has_demo(),
        "new_this_week": {"since": since, "count": count, "newest": newest},
        "by_publisher_type": facet("publisher_type"),
        "by_language": facet("language"),
        "by_licence": facet("licence"),
        "history": [run.to_dict() for run in runs],
    }


def api_stats(request: Request) -> JSONResponse:
    state = request.app.state
    return JSONResponse(compute_stats(state.store, state.settings.data_dir))


def stats_page(request: Request) -> HTMLResponse:

    state = request.app.state
    stats = compute_stats(state.store, state.settings.data_dir)
    return render(request, "stats.html", stats=stats, demo=stats["demo"], history=list(reversed(stats["history"])))
