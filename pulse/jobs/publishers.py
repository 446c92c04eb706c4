"""Publishers as makers and admins see them: repos in the index plus harvest status.

Joins two sources of truth: the index (which repos each source has now) and
the harvest state file (when each source last succeeded or failed, and why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pulse.core.vocabulary import SourceStatus
from pulse.index import DEMO_SOURCE_PREFIX, IndexStore
from pulse.jobs.state import SourceState, StateRecovery, read_state


@dataclass
class SourceView:
    source: str  # "github:dorset-council-uk"
    login: str
    repos: int
    status: SourceStatus
    last_success: str = ""
    last_failure: str = ""
    last_error: str = ""
    stale: bool = False


@dataclass
class PublisherSummary:
    name: str
    type: str
    login: str  # the first source's login: the publisher's URL key
    repos: int = 0
    sources: list[SourceView] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return any(s.stale for s in self.sources)


def list_publishers(store: IndexStore, data_dir: Path) -> list[PublisherSummary]:
    """Every publisher with repos in the index or a harvest history, by name."""
    states = read_state(data_dir).sources
    publishers: dict[str, PublisherSummary] = {}
    seen_sources = set()
    for summary in store.source_summaries():
        seen_sources.add(summary.source)
        login = summary.source.split(":", 1)[1]
        state = states.get(summary.source)
        status = _status(summary.source, state)
        entry = publishers.setdefault(
            summary.publisher, PublisherSummary(summary.publisher, summary.publisher_type, login)
        )
        entry.repos += summary.repos
        entry.sources.append(_source_status(summary.source, state, summary.repos, status, summary.owner))
    for source, state in states.items():
        if source not in seen_sources:
            entry = publishers.setdefault(state.publisher, PublisherSummary(state.publisher, "", state.target.lower()))
            entry.sources.append(_source_status(source, state, 0, _status(source, state), state.target))
    return sorted(publishers.values(), key=lambda p: p.name.lower())


def get_publisher(store: IndexStore, data_dir: Path, login: str) -> PublisherSummary | None:
    """The publisher owning GitHub login `login` (case-insensitive)."""
    login = login.lower()
    for publisher in list_publishers(store, data_dir):
        if any(s.login.lower() == login for s in publisher.sources):
            return publisher
    return None


def source_status(data_dir: Path, source: str, login: str) -> SourceView:
    """One source's harvest status from the state file alone (repository pages need no index scan)."""
    state = read_state(data_dir).sources.get(source)
    return _source_status(source, state, 0, _status(source, state), login)


def _status(source: str, state: SourceState | None) -> SourceStatus:
    if source.startswith(DEMO_SOURCE_PREFIX):
        return SourceStatus.DEMO
    if state is None:
        return SourceStatus.NOT_HARVESTED
    if state.tombstoned:
        return SourceStatus.TOMBSTONED
    return SourceStatus.FAILED if state.stale else SourceStatus.OK


def _source_status(source: str, state: SourceState | None, repos: int, status: SourceStatus, login: str) -> SourceView:
    if state is None:
        return SourceView(source=source, login=login, repos=repos, status=status)
    return SourceView(
        source=source,
        login=state.target or login,
        repos=repos,
        status=status,
        last_success=state.last_success,
        last_failure=state.last_failure,
        last_error=state.last_error,
        stale=state.stale,
    )


@dataclass(frozen=True)
class StateHealth:
    """Whether the harvest state file is readable now, and the latest time it was not."""

    unreadable: str  # why the file cannot be read now ("" when it can); the next harvest sets it aside
    recovered: StateRecovery | None  # the latest unreadable file a harvest set aside


def state_health(data_dir: Path) -> StateHealth:
    state = read_state(data_dir)
    return StateHealth(unreadable=state.unreadable, recovered=state.recovery)
