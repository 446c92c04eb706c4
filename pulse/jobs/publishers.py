"""Publishers as makers and admins see them: repos in the index plus harvest status.

Joins two sources of truth: the index (which repos each source has now) and
the harvest state file (when each source last succeeded or failed, and why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pulse.core.metadata import slug
from pulse.core.vocabulary import SourceStatus
from pulse.index import DEMO_SOURCE_PREFIX, IndexStore
from pulse.jobs.state import SourceState, StateRecovery, read_state

# How the publisher pages name each source kind.
SOURCE_KIND_LABELS = {
    "github": "GitHub organisation",
    "gitlab": "GitLab group",
    "code_json": "code.json inventory",
    "resources": "Resources list",
    "demo": "Demo snapshot",
}


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
    problems: list[str] = field(default_factory=list)  # what its last good harvest could not use

    @property
    def kind(self) -> str:
        """The source kind as people read it ("GitLab group")."""
        return SOURCE_KIND_LABELS.get(self.source.split(":", 1)[0], self.source.split(":", 1)[0])


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
        login = publisher_address(summary.source, summary.publisher)
        state = states.get(summary.source)
        status = _status(summary.source, state)
        entry = publishers.setdefault(
            summary.publisher, PublisherSummary(summary.publisher, summary.publisher_type, login)
        )
        entry.repos += summary.repos
        entry.sources.append(_source_status(summary.source, state, summary.repos, status, summary.owner))
    for source, state in states.items():
        if source not in seen_sources:
            address = publisher_address(source, state.publisher)
            entry = publishers.setdefault(state.publisher, PublisherSummary(state.publisher, "", address))
            entry.sources.append(_source_status(source, state, 0, _status(source, state), state.target))
    return sorted(publishers.values(), key=lambda p: p.name.lower())


def get_publisher(store: IndexStore, data_dir: Path, login: str) -> PublisherSummary | None:
    """The publisher owning GitHub login `login` (case-insensitive)."""
    login = login.lower()
    for publisher in list_publishers(store, data_dir):
        if publisher.login == login or any(s.login.lower() == login for s in publisher.sources):
            return publisher
    return None


def publisher_address(source: str, publisher: str) -> str:
    """A publisher's key in its page's address: a GitHub or demo source's login, else its name as a slug
    (a GitLab group path, an inventory's or a list's URL would put slashes in it)."""
    kind, _, target = source.partition(":")
    if kind in ("github", "demo") and "/" not in target and ":" not in target:
        return target
    return slug(publisher)


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
        problems=list(state.problems),
    )


@dataclass(frozen=True)
class StateHealth:
    """Whether the harvest state file is readable now, and the latest time it was not."""

    unreadable: str  # why the file cannot be read now ("" when it can); the next harvest sets it aside
    recovered: StateRecovery | None  # the latest unreadable file a harvest set aside


def state_health(data_dir: Path) -> StateHealth:
    state = read_state(data_dir)
    return StateHealth(unreadable=state.unreadable, recovered=state.recovery)
