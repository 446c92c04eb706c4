"""code.json inventories (the code.gov 2.0 schema): each release becomes one item.

The inventory is one file, fetched every run (that is its list page); parsing is in
pulse.core.codejson, which keeps every usable release and reports the rest one by one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from pulse.core.codejson import parse_inventory
from pulse.core.record import Repo
from pulse.core.settings import Settings
from pulse.core.sources import Publisher, Source
from pulse.core.vocabulary import web_address_problem
from pulse.harvesters.listed import read_listed


class CodeJsonHarvester:
    """One `code_json: https://...` source: its releases, as the inventory lists them."""

    kind = "code_json"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._requests = 0
        self.problems: list[str] = []  # the entries not used in the last harvest, and why

    @staticmethod
    def check_target(target: str) -> str | None:
        return web_address_problem(target)

    @property
    def requests_made(self) -> int:
        return self._requests

    def harvest(self, publisher: Publisher, source: Source, previous: Mapping[str, Repo]) -> Iterator[Repo]:
        self._requests += 1
        text = read_listed(source, self._settings)
        items, self.problems = parse_inventory(
            text, publisher=publisher, source=source.key, inventory_url=source.target
        )
        harvested_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for item in items:
            yield dataclasses.replace(item, harvested_at=harvested_at)
