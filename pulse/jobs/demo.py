"""The embedded demo catalogue: real UK public-sector repos, no network needed.

Loaded into an empty index so a fresh `pulse serve` shows a real catalogue;
the first real harvest replaces it (its sources start with "demo:").
Provenance and licences: pulse/data/DEMO-CATALOGUE-SOURCE.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pulse.core.record import Repo
from pulse.core.resources import PACKAGE_DIR
from pulse.index import IndexStore

DEMO_SNAPSHOT = PACKAGE_DIR / "data" / "demo-catalogue.jsonl"


def read_jsonl(path: Path) -> Iterator[Repo]:
    """Records from a JSON Lines file as `pulse export` writes it."""
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield Repo.from_dict(json.loads(line))
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{path}, line {number}: not a Pulse record: {exc}") from exc


def load_demo_if_empty(store: IndexStore) -> bool:
    """Fill an empty index with the demo snapshot; True if it did."""
    if store.doc_count():
        return False
    store.add_records(read_jsonl(DEMO_SNAPSHOT))
    return True
