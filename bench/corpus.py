"""The bench corpus: 714 real UK public-sector repositories, as Pulse records.

bench/data/corpus/ is a copy of ../shared/reference/corpus/ (its README gives the fields,
provenance, limits and the authors' licences): `uk-public-sector-repos.jsonl` (120 lines, the
demo catalogue's source) and `uk-public-sector-repos-more.jsonl` (594 more). Its lines are not
Pulse records; `to_repo` converts one exactly as tools/make_demo_data.py builds
pulse/data/demo-catalogue.jsonl (a crc32 of the lower-cased full name as the id, `demo:<owner>`
as the source, the first language, the README's licence), so the 120 convert to the demo
catalogue's records and the 594 the same way. Publisher names and types come from sources.yaml
(which make_demo_data.py wrote from the same owners), else the owner login and its `owner_kind`.

Also the bench's text of a repository, `text_of` (name, description, topics, README excerpt:
the four fields Pulse and the baseline search), used for FTS5 and for the grep patterns.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pulse.core.record import Repo
from pulse.core.text import excerpt, markdown_to_text

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"
FIRST = CORPUS_DIR / "uk-public-sector-repos.jsonl"  # the 120 of the demo catalogue
MORE = CORPUS_DIR / "uk-public-sector-repos-more.jsonl"  # the 594 more
FILES = {"120": (FIRST,), "714": (FIRST, MORE)}
SOURCES = ROOT / "sources.yaml"


def read_lines(corpus: str = "714") -> Iterator[dict[str, Any]]:
    """The corpus lines as dicts, in file order: `corpus` is "714" (both files) or "120"."""
    for path in FILES[corpus]:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)


@lru_cache(maxsize=1)
def _publishers() -> dict[str, tuple[str, str]]:
    """GitHub owner (lower case) -> (publisher name, publisher type), from sources.yaml."""
    data = yaml.safe_load(SOURCES.read_text(encoding="utf-8")) or {}
    found: dict[str, tuple[str, str]] = {}
    for publisher in data.get("publishers") or ():
        for source in publisher.get("sources") or ():
            if isinstance(source, dict) and isinstance(source.get("github"), str):
                found.setdefault(source["github"].lower(), (publisher["name"], publisher["type"]))
    return found


def to_repo(row: dict[str, Any]) -> Repo:
    """One corpus line as a Pulse record, built as tools/make_demo_data.py builds the demo's."""
    name, kind = _publishers().get(row["owner"].lower(), (row["owner"], row["owner_kind"]))
    return Repo(
        # The corpus has no GitHub ids; a stable id derived from the name stands in.
        id=zlib.crc32(row["full_name"].lower().encode()),
        owner=row["owner"],
        name=row["name"],
        url=row["html_url"],
        source=f"demo:{row['owner'].lower()}",
        publisher=name,
        publisher_type=kind,
        description=row["description"] or "",
        language=(row["languages"] or [""])[0],
        licence=row["license_spdx"] or "",
        readme=row["readme"],
        fork=bool(row.get("fork_of")),
        fork_of=row.get("fork_of") or "",
        has_contributing=row.get("has_contributing"),
        has_tests=row.get("has_tests"),
    )


def load_records(corpus: str = "714") -> list[Repo]:
    """The corpus as Pulse records: "714" (default) or "120" (the demo catalogue's repositories)."""
    return [to_repo(row) for row in read_lines(corpus)]


def text_fields(repo: Repo) -> dict[str, str]:
    """The four searchable texts, as Pulse indexes them (index/schema.py `to_document`)."""
    return {
        "name": repo.name,
        "description": repo.description,
        "topics": " ".join(t.replace("-", " ") for t in repo.topics),
        "readme": excerpt(markdown_to_text(repo.readme)) if repo.readme else "",
    }


def text_of(repo: Repo) -> str:
    """Name, description, topics and README excerpt in one string (what grep patterns match)."""
    return "\n".join(text_fields(repo).values())


__all__ = ["CORPUS_DIR", "FILES", "load_records", "read_lines", "text_fields", "text_of", "to_repo"]
