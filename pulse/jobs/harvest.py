"""One harvest run: every configured source, then one index commit.

Nothing is lost when a source fails:
- a failed source is left out of the commit, so every repo it had stays
  searchable (its publisher page shows it as stale since the last success);
- a repo is removed only when a complete, successful listing of its source
  no longer contains it;
- a source that answers 404 on TOMBSTONE_AFTER consecutive runs is
  tombstoned: its repos leave the index and the tombstone stays in the
  source state, so the disappearance is visible instead of silent;
- when the API quota runs out for longer than we wait, the run stops,
  commits what it finished, and the sources it did not reach go first next
  time.

The index commit comes first and the state/report files are replaced
atomically after it, so a crash at any point leaves the previous state
readable, and the next run completes it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pulse.core.errors import RateLimited, SourceError
from pulse.core.record import Repo
from pulse.core.settings import Settings
from pulse.core.sources import Publisher, Source
from pulse.core.vocabulary import HarvestStatus
from pulse.harvesters import HARVESTERS, Harvester
from pulse.index import IndexStore, SourceUpdate
from pulse.jobs.state import SourceState, StateRecovery, load_state, save_state, write_atomically

TOMBSTONE_AFTER = 2  # consecutive 404 runs before a source's repos are removed
MAX_PROBLEMS = 50  # problems kept per source in a report


@dataclass
class SourceReport:
    """What happened to one source in one run."""

    publisher: str
    source: str  # e.g. "github:dorset-council-uk"
    target: str  # e.g. "Dorset-Council-UK"
    status: HarvestStatus = HarvestStatus.NOT_REACHED
    seen: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    requests: int = 0
    seconds: float = 0.0
    error: str = ""
    problems: list[str] = field(default_factory=list)  # what the source had that could not be used


@dataclass
class HarvestReport:
    """The machine-readable outcome of a run, also written to the data directory."""

    started_at: str
    finished_at: str = ""
    stopped_early: bool = False  # the rate limit stopped the run; unreached sources go first next time
    sources: list[SourceReport] = field(default_factory=list)
    state_recovered: StateRecovery | None = None  # the state file was unreadable and set aside this run

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.status != HarvestStatus.OK]

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.sources)

    @property
    def by_kind(self) -> dict[str, dict[str, int]]:
        """Per source kind (github, gitlab, code_json, resources): sources, failed sources, items seen."""
        counts: dict[str, dict[str, int]] = {}
        for entry in self.sources:
            kind = counts.setdefault(entry.source.split(":", 1)[0], {"sources": 0, "failed": 0, "items": 0})
            kind["sources"] += 1
            kind["failed"] += entry.status != HarvestStatus.OK
            kind["items"] += entry.seen
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "stopped_early": self.stopped_early,
            "requests": self.requests,
            "by_kind": self.by_kind,
            "sources": [asdict(s) for s in self.sources],
            "state_recovered": self.state_recovered.to_dict() if self.state_recovered else None,
        }


# Called with (event, report) where event is "start" or "done".
ProgressHook = Callable[[str, SourceReport], None]


def run_harvest(
    publishers: list[Publisher],
    store: IndexStore,
    settings: Settings,
    progress: ProgressHook | None = None,
) -> HarvestReport:
    """Harvest every source of every publisher, then commit once. Caller holds harvest_lock."""
    report = HarvestReport(started_at=_now())
    state = load_state(settings.data_dir)
    if state.recovered_now:
        report.state_recovered = state.recovery  # found unreadable and set aside by this run
    pending = set(state.pending)
    harvesters: dict[str, Harvester] = {}
    updates: list[SourceUpdate] = []
    planned = [(p, s) for p in publishers for s in p.sources]
    planned.sort(key=lambda ps: ps[1].key not in pending)  # unreached last time: first now
    for publisher, source in planned:
        entry = SourceReport(publisher=publisher.name, source=source.key, target=source.target)
        report.sources.append(entry)
        if report.stopped_early:
            continue
        if progress:
            progress("start", entry)
        known = state.sources.setdefault(source.key, SourceState(publisher=publisher.name, target=source.target))
        known.publisher, known.target = publisher.name, source.target
        harvester = harvesters.get(source.kind) or harvesters.setdefault(source.kind, HARVESTERS[source.kind](settings))
        update = _harvest_one(harvester, publisher, source, store, entry, known, report)
        if update is not None:
            updates.append(update)
        if progress:
            progress("done", entry)
    _checkpoint("before-commit")
    store.apply_harvest(updates)
    _checkpoint("after-commit")
    state.pending = [e.source for e in report.sources if e.status == HarvestStatus.NOT_REACHED]
    report.finished_at = _now()
    save_state(settings.data_dir, state)
    write_report(report, settings.data_dir)
    return report


def _harvest_one(
    harvester: Harvester,
    publisher: Publisher,
    source: Source,
    store: IndexStore,
    entry: SourceReport,
    state: SourceState,
    report: HarvestReport,
) -> SourceUpdate | None:
    started, requests_before = time.monotonic(), harvester.requests_made
    previous = store.records_of_source(source.key)
    repos: list[Repo] = []
    try:
        for repo in harvester.harvest(publisher, source, previous):
            repos.append(repo)
    except SourceError as exc:
        entry.status, entry.error = HarvestStatus.FAILED, str(exc)
        state.last_failure, state.last_error = report.started_at, str(exc)
        if isinstance(exc, RateLimited):
            entry.status, report.stopped_early = HarvestStatus.NOT_REACHED, True
            # Keep the READMEs already paid for; delete nothing (the listing is incomplete).
            partial = _diff(source.key, previous, repos, entry)
            entry.removed = 0
            return SourceUpdate(source=source.key, upsert=partial.upsert)
        if exc.status == 404:
            state.consecutive_not_found += 1
            if state.consecutive_not_found >= TOMBSTONE_AFTER and previous:
                entry.status, entry.removed = HarvestStatus.TOMBSTONED, len(previous)
                state.tombstoned, state.repos = report.started_at, 0
                return SourceUpdate(source=source.key, delete_keys=set(previous))
        return None
    finally:
        entry.requests = harvester.requests_made - requests_before
        entry.seconds = round(time.monotonic() - started, 3)
    entry.status, entry.seen = HarvestStatus.OK, len(repos)
    found = list(getattr(harvester, "problems", []))
    more = [f"... and {len(found) - MAX_PROBLEMS} more"] if len(found) > MAX_PROBLEMS else []
    entry.problems = state.problems = found[:MAX_PROBLEMS] + more
    state.last_success, state.last_error, state.consecutive_not_found, state.tombstoned = report.started_at, "", 0, ""
    state.repos = len(repos)
    return _diff(source.key, previous, repos, entry)


def _diff(source: str, previous: dict[str, Repo], repos: list[Repo], entry: SourceReport) -> SourceUpdate:
    """Only new and changed records are rewritten; unchanged ones keep their harvested_at."""
    upsert = []
    for repo in repos:
        before = previous.get(repo.key)
        if before is None:
            entry.added += 1
        elif dataclasses.replace(repo, harvested_at=before.harvested_at) == before:
            continue
        else:
            entry.updated += 1
        upsert.append(repo)
    gone = set(previous) - {r.key for r in repos}
    entry.removed = len(gone)
    return SourceUpdate(source=source, upsert=upsert, delete_keys=gone)


def write_report(report: HarvestReport, data_dir: Path) -> Path:
    """Write the run's report as JSON: a dated copy and `reports/harvest-latest.json`."""
    folder = Path(data_dir) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    body = json.dumps(report.to_dict(), indent=2)
    stamp = report.started_at.replace(":", "").replace("-", "")
    write_atomically(folder / f"harvest-{stamp}.json", body)
    latest = folder / "harvest-latest.json"
    write_atomically(latest, body)
    return latest


def _checkpoint(name: str) -> None:
    """Crash-test seam: with PULSE_TEST_PAUSE_AT=name the run announces itself and waits to be killed."""
    if os.environ.get("PULSE_TEST_PAUSE_AT") == name:
        print(f"PAUSED AT {name}", flush=True)
        time.sleep(3600)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unlist(store: IndexStore, data_dir: Path, source: Source) -> int:
    """Take a withdrawn source's repos out of the index and forget its harvest state (the caller
    holds the harvest lock); return how many repos left. Withdrawal is a decision, not a failure:
    unlike a failing source, nothing of it is kept."""
    records = store.records_of_source(source.key)
    store.apply_harvest([SourceUpdate(source.key, delete_keys=set(records))])
    state = load_state(data_dir)
    if state.sources.pop(source.key, None) is not None:
        save_state(data_dir, state)
    return len(records)
