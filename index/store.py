"""The Whoosh index on disk: open, write a whole harvest in one commit, read.

Two rules learnt the hard way (see the foundation issue):
- a Whoosh searcher must not be shared between threads (wrong hits, zlib
  errors), so each thread gets its own, reopened when the index changes;
- compound segment files are memory-mapped whole (2.4 GB resident at 50k
  repos), so segments are written non-compound (about 110 MB).
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import Every, Prefix, Term
from whoosh.searching import Searcher

from pulse.core.errors import PulseError
from pulse.core.record import GITHUB_HOST, Repo
from pulse.index.reading import Reading
from pulse.index.schema import MIGRATES_FROM, SCHEMA_VERSION, build_schema, to_document, to_record

log = logging.getLogger(__name__)
_VERSION_FILE = "PULSE_SCHEMA_VERSION"
DEMO_SOURCE_PREFIX = "demo:"


class IndexVersionError(PulseError):
    """The index on disk was built by another schema version."""


@dataclass(frozen=True)
class SourceUpdate:
    """What one harvested source changes in the index: records to write, keys (Repo.key) to delete."""

    source: str
    upsert: list[Repo] = field(default_factory=list)
    delete_keys: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class SourceSummary:
    """How many repos one source has in the index, and whose they are."""

    source: str
    repos: int
    owner: str
    publisher: str
    publisher_type: str


class IndexStore:
    """One Whoosh index directory, safe to read from many threads."""

    def __init__(self, path: Path, *, fast_path: bool = True) -> None:
        self.path = Path(path)
        self.fast_path = fast_path  # False: every search through Whoosh's public API only (PULSE_FAST_PATH=0)
        self.path.mkdir(parents=True, exist_ok=True)
        version_file = self.path / _VERSION_FILE
        if whoosh_index.exists_in(str(self.path)):
            found = version_file.read_text().strip() if version_file.exists() else "unknown"
            if found != str(SCHEMA_VERSION) and _only_demo(self.path):
                # Nothing but the embedded demo catalogue: nothing to lose. Start afresh;
                # `pulse serve` then loads the demo again, in this version's schema.
                _clear(self.path)
                log.warning("rebuilding %s: it held only the demo catalogue of schema version %s", self.path, found)
            elif found in {str(v) for v in MIGRATES_FROM}:
                _migrate(self.path, found)
            elif found != str(SCHEMA_VERSION):
                raise IndexVersionError(
                    f"the index in {self.path} was built with schema version {found}; this Pulse needs "
                    f"version {SCHEMA_VERSION}. Delete that folder and run 'pulse harvest' (or 'pulse import') again."
                )
        if whoosh_index.exists_in(str(self.path)):
            self._ix = whoosh_index.open_dir(str(self.path))
        else:
            self._ix = whoosh_index.create_in(str(self.path), build_schema())
            version_file.write_text(f"{SCHEMA_VERSION}\n")
        self._local = threading.local()

    # -- reading ----------------------------------------------------------

    def searcher(self) -> Searcher:
        """This thread's searcher, reopened if a commit happened since it was opened."""
        current: Searcher | None = getattr(self._local, "searcher", None)
        if current is not None and current.up_to_date():
            return current
        if current is not None:
            current.close()
        # Not refresh(): it shares segment readers with the old searcher, which
        # we close here; a fresh searcher keeps ownership simple.
        self._local.searcher = self._ix.searcher()
        return self._local.searcher

    def reading(self) -> Reading:
        """This thread's per-searcher state (facet masks, word cache, orders), rebuilt with its searcher."""
        searcher = self.searcher()
        current: Reading | None = getattr(self._local, "reading", None)
        if current is None or current.searcher is not searcher:
            current = self._local.reading = Reading(searcher, fast_path=self.fast_path)
        return current

    def generation(self) -> int:
        """The newest committed index generation: it changes with every commit (cache keys)."""
        return int(self._ix.latest_generation())

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    def get(self, owner: str, name: str, *, with_readme: bool = True) -> Repo | None:
        """The GitHub record of "owner/name" (case-insensitive, as on GitHub), or None."""
        return self.find(GITHUB_HOST, f"{owner}/{name}", with_readme=with_readme)

    def find(self, host: str, path: str, *, with_readme: bool = True) -> Repo | None:
        """The record at `host`/`path` (case-insensitive): a page's or an API address's item, or None."""
        stored = self.searcher().document(locator=f"{host}/{path}".lower())
        return to_record(stored, with_readme=with_readme) if stored else None

    def records_of_source(self, source: str, *, with_readme: bool = True) -> dict[str, Repo]:
        """Every record of one source by key (Repo.key): the last good harvest (a harvest needs the
        READMEs; a page listing records does not, and skips decoding them)."""
        searcher = self.searcher()
        records = (
            to_record(searcher.stored_fields(n), with_readme=with_readme)
            for n in searcher.docs_for_query(Term("source", source))
        )
        return {r.key: r for r in records}

    def source_summaries(self) -> list[SourceSummary]:
        """One summary per source present in the index (for the publisher directory)."""
        searcher = self.searcher()
        summaries = []
        for term in searcher.reader().lexicon("source"):
            source = term.decode("utf-8")
            docs = list(searcher.docs_for_query(Term("source", source)))
            if docs:
                first = to_record(searcher.stored_fields(docs[0]))
                summaries.append(SourceSummary(source, len(docs), first.owner, first.publisher, first.publisher_type))
        return summaries

    def has_demo(self) -> bool:
        return any(True for _ in self.searcher().docs_for_query(Prefix("source", DEMO_SOURCE_PREFIX)))

    def all_records(self) -> Iterator[Repo]:
        """Every record with its README, in index order (for exports)."""
        searcher = self.searcher()
        for _, stored in searcher.reader().iter_docs():
            yield to_record(stored, with_readme=True)

    # -- writing ----------------------------------------------------------

    def apply_harvest(self, updates: list[SourceUpdate]) -> None:
        """Write a whole harvest in one commit: a reader sees all of it or none of it.

        Sources without an update (e.g. because they failed) keep every repo
        they had. Demo records go at the first real harvest.
        """
        writer = self._writer()
        try:
            writer.delete_by_query(Prefix("source", DEMO_SOURCE_PREFIX))
            for update in updates:
                for key in update.delete_keys:
                    writer.delete_by_term("id", key)
                for repo in update.upsert:
                    writer.update_document(**to_document(repo))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def add_records(self, repos: Iterable[Repo], *, clear: bool = False) -> int:
        """Add (or update by id) records in one commit; `clear` empties the index first."""
        writer = self._writer()
        count = 0
        try:
            if clear:
                writer.delete_by_query(Every())
            for repo in repos:
                writer.update_document(**to_document(repo))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return count

    def _writer(self):  # type: ignore[no-untyped-def]
        # Non-compound segments: see the module docstring. One process at a
        # time; Whoosh's own lock waits a little for a concurrent writer.
        return self._ix.writer(compound=False, limitmb=256, timeout=5.0)

    def close(self) -> None:
        current = getattr(self._local, "searcher", None)
        if current is not None:
            current.close()
            self._local.searcher = None
        self._local.reading = None
        self._ix.close()


def _only_demo(path: Path) -> bool:
    """True if the index in `path` (of any schema version) holds demo records and nothing else."""
    try:
        ix = whoosh_index.open_dir(str(path))
    except Exception:  # noqa: BLE001 - unreadable: not ours to delete
        return False
    try:
        with ix.reader() as reader:
            if "source" not in reader.indexed_field_names() or not reader.doc_count():
                return False
            sources = [term.decode("utf-8") for term in reader.lexicon("source")]
            live = {s for s in sources if any(True for _ in reader.postings("source", s.encode("utf-8")).all_ids())}
            return bool(live) and all(s.startswith(DEMO_SOURCE_PREFIX) for s in live)
    except Exception:  # noqa: BLE001
        return False
    finally:
        ix.close()


def _clear(path: Path) -> None:
    """Remove every file of an index folder (Whoosh's files and the version file)."""
    for child in path.iterdir():
        if child.is_file():
            child.unlink()


def _migrate(path: Path, found: str) -> None:
    """Re-index an index of an older schema in this one, from its stored records (every field of
    every record is stored, so nothing is lost): written beside it, then swapped in by renames."""
    old = whoosh_index.open_dir(str(path))
    fresh = path.with_name(path.name + f".migrating-{SCHEMA_VERSION}")
    if fresh.exists():
        shutil.rmtree(fresh)  # a migration interrupted before: start it again
    fresh.mkdir(parents=True)
    new = whoosh_index.create_in(str(fresh), build_schema())
    count = 0
    with old.searcher() as searcher:
        writer = new.writer()
        for _, stored in searcher.reader().iter_docs():
            writer.add_document(**to_document(to_record(stored, with_readme=True)))
            count += 1
        writer.commit()
    old.close()
    new.close()
    (fresh / _VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n")
    retired = path.with_name(path.name + f".schema-{found}")
    if retired.exists():
        shutil.rmtree(retired)
    path.rename(retired)
    fresh.rename(path)
    shutil.rmtree(retired)
    log.warning("migrated %s from schema version %s to %s: %d records re-indexed", path, found, SCHEMA_VERSION, count)
