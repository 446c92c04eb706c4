"""The registry: approved registrations as a sources file in the data directory.

`pulse harvest` reads `sources.yaml` (hand-curated, never written by Pulse) and
this file (`registered-sources.yaml`, rewritten atomically from the approved
registrations after every decision), in the same format and with the same
checks. A source listed in both is harvested once, as `sources.yaml` says.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from pulse.core.sources import Publisher, load_sources
from pulse.core.vocabulary import RegistrationStatus
from pulse.jobs.registrations import RegistrationStore
from pulse.jobs.state import write_atomically

REGISTRY_FILE = "registered-sources.yaml"


def write_registry(data_dir: Path, store: RegistrationStore) -> Path:
    """Rewrite the registry from every approved registration (withdrawn and rejected ones leave it)."""
    approved = store.find(RegistrationStatus.APPROVED)
    body = {
        "publishers": [
            {"name": r.publisher_name, "type": r.publisher_type, "sources": [{"github": r.organisation}]}
            for r in approved
        ]
    }
    path = Path(data_dir) / REGISTRY_FILE
    header = "# Written by Pulse from approved registrations: do not edit (pulse registrations ...).\n"
    write_atomically(path, header + (yaml.safe_dump(body, sort_keys=False, allow_unicode=True) if approved else ""))
    return path


def registered_publishers(data_dir: Path) -> list[Publisher]:
    """The registry's publishers (none when there is no registry or it lists nobody)."""
    path = Path(data_dir) / REGISTRY_FILE
    if not path.exists() or "publishers:" not in path.read_text(encoding="utf-8"):
        return []
    return load_sources(path)


def merged(curated: list[Publisher], registered: list[Publisher]) -> list[Publisher]:
    """`curated` (sources.yaml) first, then the registry's publishers whose sources it does not list."""
    listed = {source.key for publisher in curated for source in publisher.sources}
    extra = [p for p in registered if not any(s.key in listed for s in p.sources)]
    return [*curated, *extra]


def restricted(publishers: list[Publisher], logins: tuple[str, ...] | list[str]) -> list[Publisher]:
    """Only the GitHub sources of `logins` (any letter case), each with its publisher."""
    wanted = {login.lower() for login in logins}
    kept = []
    for publisher in publishers:
        sources = [s for s in publisher.sources if s.kind == "github" and s.target.lower() in wanted]
        if sources:
            kept.append(dataclasses.replace(publisher, sources=tuple(sources)))
    return kept
