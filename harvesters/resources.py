"""Open resources lists (YAML or CSV; a web address or a path beside sources.yaml): each item one resource.

Templates, patterns, guidance, datasets and components are first-class items of
kind `resource`, with their `resource_type`. Parsing is in pulse.core.resource_list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from pulse.core.record import Repo
from pulse.core.resource_list import list_format, parse_resource_list
from pulse.core.settings import Settings
from pulse.core.sources import Publisher, Source
from pulse.core.vocabulary import list_location_problem
from pulse.harvesters.listed import read_listed


class ResourcesHarvester:
    """One `resources: <list>` source."""

    kind = "resources"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._requests = 0
        self.problems: list[str] = []  # the items not used in the last harvest, and why

    @staticmethod
    def check_target(target: str) -> str | None:
        return list_location_problem(target)

    @property
    def requests_made(self) -> int:
        return self._requests

    def harvest(self, publisher: Publisher, source: Source, previous: Mapping[str, Repo]) -> Iterator[Repo]:
        if "://" in source.target:
            self._requests += 1
        text = read_listed(source, self._settings)
        items, self.problems = parse_resource_list(
            text, list_format(source.target), publisher=publisher, source=source.key, list_url=source.target
        )
        harvested_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for item in items:
            yield dataclasses.replace(item, harvested_at=harvested_at)
