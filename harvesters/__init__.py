"""Harvesters: one module per source kind, behind one small protocol.

A harvester turns one configured source (e.g. a GitHub organisation) into
normalised `Repo` records. Adding a forge is one module, one line in
HARVESTERS, its target check in `pulse.core.vocabulary.SOURCE_KINDS` (so
sources.yaml is validated without importing any harvester) and one test file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

from pulse.core.record import Repo
from pulse.core.settings import Settings
from pulse.core.sources import Publisher, Source
from pulse.harvesters.code_json import CodeJsonHarvester
from pulse.harvesters.github import GitHubHarvester
from pulse.harvesters.gitlab import GitLabHarvester
from pulse.harvesters.resources import ResourcesHarvester


class Harvester(Protocol):
    """What every source kind provides."""

    kind: str
    # What the last harvest could not use, one line each (a bad inventory entry, a list item
    # without a URL, an unreadable metadata file), for the run's report; the rest was harvested.
    problems: list[str]

    def __init__(self, settings: Settings) -> None: ...

    @staticmethod
    def check_target(target: str) -> str | None:
        """Return a problem with a configured target (e.g. a bad login), or None."""

    def harvest(self, publisher: Publisher, source: Source, previous: Mapping[str, Repo]) -> Iterator[Repo]:
        """Yield every item of `source`; raise SourceError if the source failed.

        `previous` holds the records of the last good harvest by key (Repo.key), so
        that unchanged items cost no extra requests.
        """

    @property
    def requests_made(self) -> int:
        """HTTP requests spent so far, for the run summary."""


HARVESTERS: dict[str, type[Harvester]] = {
    GitHubHarvester.kind: GitHubHarvester,
    GitLabHarvester.kind: GitLabHarvester,
    CodeJsonHarvester.kind: CodeJsonHarvester,
    ResourcesHarvester.kind: ResourcesHarvester,
}
