"""Facet values and their counts over a match.

Counting a facet value is one AND and one popcount over the per-searcher
bitmasks that `pulse.index.reading.Reading` holds, whatever the match size.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_FACET_VALUES = 100


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


def count_values(values: dict[str, int], match_mask: int) -> list[FacetValue]:
    counted = [FacetValue(v, (m & match_mask).bit_count()) for v, m in values.items()]
    counted = [c for c in counted if c.count]
    counted.sort(key=lambda c: (-c.count, c.value.lower()))
    return counted[:MAX_FACET_VALUES]
