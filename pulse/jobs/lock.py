"""The data directory's writer lock: one harvest or import at a time (filelock)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from pulse.core.errors import HarvestLocked

LOCK_FILE = "harvest.lock"


@contextmanager
def harvest_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's writer lock, or raise HarvestLocked at once."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(Path(data_dir) / LOCK_FILE))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise HarvestLocked(f"another harvest or import is running on {data_dir} (lock: {lock.lock_file})") from None
    try:
        yield
    finally:
        lock.release()
