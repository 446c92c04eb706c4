"""The embedded demo catalogue: real UK public-sector repos and open resources, no network needed.

Loaded into an empty index so a fresh `pulse serve` shows a real catalogue;
the first real harvest replaces it (its sources start with "demo:").
Provenance and licences: pulse/data/DEMO-CATALOGUE-SOURCE.md (repositories) and
pulse/data/open-resources/README.md (the seven resources lists, read as a
`resources:` source reads them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pulse.core.record import Repo
from pulse.core.resource_list import parse_resource_list
from pulse.core.resources import PACKAGE_DIR
from pulse.core.sources import Publisher
from pulse.index import IndexStore

DEMO_SNAPSHOT = PACKAGE_DIR / "data" / "demo-catalogue.jsonl"
DEMO_RESOURCES = PACKAGE_DIR / "data" / "open-resources"
# Each shipped list's publisher, named as the demo repositories name it, so one facet holds both.
RESOURCE_PUBLISHERS: dict[str, tuple[str, str]] = {
    "gds-govuk-design-system": ("Government Digital Service (GOV.UK)", "central-government"),
    "gds-service-standard": ("Government Digital Service (GOV.UK)", "central-government"),
    "nhs-england-service-manual": ("NHS England", "health"),
    "localgov-drupal-docs": ("LocalGov Drupal", "local-government"),
    "mhclg-planning-data-datasets": ("Ministry of Housing, Communities and Local Government", "central-government"),
    "essex-county-council-digital-manual": ("Essex County Council", "local-government"),
    "templates-accessibility-and-privacy": ("Accessibility and privacy templates (various publishers)", "other-public"),
}


def read_jsonl(path: Path) -> Iterator[Repo]:
    """Records from a JSON Lines file as `pulse export` writes it."""
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield Repo.from_dict(json.loads(line))
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{path}, line {number}: not a Pulse record: {exc}") from exc


def demo_resources() -> Iterator[Repo]:
    """The shipped open-resources lists as resource records of demo sources."""
    for path in sorted(DEMO_RESOURCES.glob("*.yaml")):
        name, kind = RESOURCE_PUBLISHERS.get(path.stem, (path.stem, "other-public"))
        publisher = Publisher(name=name, type=kind, sources=())
        items, _ = parse_resource_list(
            path.read_text(encoding="utf-8"), "yaml", publisher=publisher, source=f"demo:resources:{path.stem}",
            list_url=f"pulse/data/open-resources/{path.name}",
        )  # fmt: skip
        yield from items


def load_demo_if_empty(store: IndexStore) -> bool:
    """Fill an empty index with the demo snapshot and resources; True if it did."""
    if store.doc_count():
        return False
    store.add_records([*read_jsonl(DEMO_SNAPSHOT), *demo_resources()])
    return True
