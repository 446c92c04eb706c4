"""The fence: every use of Whoosh internals in Pulse lives in this module, and only here.

The fast BM25F path (pulse.index.scoring) reads postings a block at a time and
field lengths as one column, which Whoosh's public API only offers one
posting or one document at a time (about ten times slower at 50k repos).
Those two reads need private names of whoosh-reloaded's codec:

- ``whoosh.codec.whoosh3._lenfield``, ``LENGTHS_COLUMN`` and the per-document
  reader's ``_perdoc._cached_reader``: the one-byte field-length column;
- a leaf matcher's ``_read_ids``, ``_read_weights``, ``_ids``, ``_weights``
  and ``_next_block``, and a deletion wrapper's ``child``: postings by block.

They are used only when the installed Whoosh is the pinned version
(``PINNED_VERSION``, the one pyproject.toml requires) and the names are there
(``AVAILABLE``); `PULSE_FAST_PATH=0` turns them off too. Each function returns
None when it cannot do its job, and its caller then uses the public API, which
gives the same numbers (tests/test_fast_path.py proves both paths against
Whoosh's own ``searcher.search``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import whoosh

log = logging.getLogger(__name__)

PINNED_VERSION = (2, 7, 5)


def _available() -> bool:
    if tuple(whoosh.__version__[:3]) != PINNED_VERSION:
        log.warning("Whoosh %s is not the pinned %s: the fast path is off", whoosh.versionstring(), PINNED_VERSION)
        return False
    try:
        from whoosh.codec import whoosh3

        leaf = whoosh3.W3LeafMatcher
        return all(hasattr(leaf, name) for name in ("_read_ids", "_read_weights", "_next_block")) and all(
            hasattr(whoosh3, name) for name in ("_lenfield", "LENGTHS_COLUMN")
        )
    except ImportError:
        return False


AVAILABLE: bool = _available()


def length_codes(reader: Any, fieldname: str) -> list[int] | None:
    """Each document's length in `fieldname` as its stored one-byte code, for one segment; None if unreadable."""
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        codes = list(column) if column is not None else None
    except (AttributeError, ImportError, TypeError):
        return None
    if codes is None or len(codes) < reader.doc_count_all():
        return None
    return codes


def block_postings(matcher: Any) -> Iterator[tuple[int, float]] | None:
    """(docnum, weight) of a segment's term matcher a block at a time; None if it is not the codec's leaf.

    Deleted documents are not skipped (the caller masks them out with the live documents).
    """
    leaf = getattr(matcher, "child", matcher)  # deletions wrap the codec's leaf matcher
    if not all(hasattr(leaf, name) for name in ("_read_ids", "_read_weights", "_next_block", "is_active")):
        return None
    return _blocks(leaf)


def _blocks(leaf: Any) -> Iterator[tuple[int, float]]:
    while leaf.is_active():
        leaf._read_ids()
        leaf._read_weights()
        yield from zip(leaf._ids, leaf._weights, strict=True)
        leaf._next_block()
