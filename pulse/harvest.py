"""One harvest run: every configured source, then one index commit.

A source that fails is reported and left out of the commit, so every repo it
had stays searchable; a reader never sees half a harvest because the whole
run is written by a single Whoosh commit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from harvesters import HARVESTERS, Harvester
from index.store import IndexStore
from pulse.config import Publisher, Settings, Source
from pulse.errors import SourceError
from pulse.record import Repo


@dataclass
class SourceReport:
    """What happened to one source in one run."""

    publisher: str
    source: str  # e.g. "github:dorset-council-uk"
    target: str  # e.g. "Dorset-Council-UK"
    status: str = "pending"  # "ok" or "failed"
    seen: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    requests: int = 0
    seconds: float = 0.0
    error: str = ""


@dataclass
class HarvestReport:
    """The machine-readable outcome of a run, also written to the data directory."""

    started_at: str
    finished_at: str = ""
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.status != "ok"]

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.sources)

    def to_dict(self) -> dict:
        return {"started_at": self.started_at, "finished_at": self.finished_at,
                "requests": self.requests, "sources": [asdict(s) for s in self.sources]}


# Called with (event, report) where event is "start" or "done".
ProgressHook = Callable[[str, SourceReport], None]


def run_harvest(
    publishers: list[Publisher],
    store: IndexStore,
    settings: Settings,
    progress: ProgressHook | None = None,
) -> HarvestReport:
    """Harvest every source of every publisher, then commit once."""
    report = HarvestReport(started_at=_now())
    harvesters: dict[str, Harvester] = {}
    harvested: dict[str, list[Repo]] = {}
    for publisher in publishers:
        for source in publisher.sources:
            entry = SourceReport(publisher=publisher.name, source=source.key, target=source.target)
            report.sources.append(entry)
            if progress:
                progress("start", entry)
            harvester = harvesters.get(source.kind) or harvesters.setdefault(
                source.kind, HARVESTERS[source.kind](settings))
            repos = _harvest_one(harvester, publisher, source, entry)
            if repos is not None:
                harvested[source.key] = repos
                entry.seen = len(repos)
            if progress:
                progress("done", entry)
    changes = store.replace_sources(harvested)
    for entry in report.sources:
        change = changes.get(entry.source)
        if change:
            entry.added, entry.updated, entry.removed = change.added, change.updated, change.removed
    report.finished_at = _now()
    write_report(report, settings.data_dir)
    return report


def _harvest_one(harvester: Harvester, publisher: Publisher, source: Source, entry: SourceReport) -> list[Repo] | None:
    started, requests_before = time.monotonic(), harvester.requests_made
    try:
        repos = list(harvester.harvest(publisher, source.target))
        entry.status = "ok"
        return repos
    except SourceError as exc:
        entry.status, entry.error = "failed", str(exc)
        return None
    finally:
        entry.requests = harvester.requests_made - requests_before
        entry.seconds = round(time.monotonic() - started, 3)


def write_report(report: HarvestReport, data_dir: Path) -> Path:
    """Write the run's report as JSON: a dated copy and `harvest-latest.json`."""
    folder = Path(data_dir) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    body = json.dumps(report.to_dict(), indent=2)
    stamp = report.started_at.replace(":", "").replace("-", "")
    (folder / f"harvest-{stamp}.json").write_text(body)
    latest = folder / "harvest-latest.json"
    tmp = latest.with_suffix(".tmp")
    tmp.write_text(body)
    tmp.replace(latest)
    return latest


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
