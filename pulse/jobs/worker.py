"""A background thread that runs queued jobs now and then, and at once when woken.

The jobs themselves are rows in the registrations database; this thread only
decides when to look. Two run in `pulse serve`: evidence and email (quick, many)
and harvests (slow, one at a time), so a long harvest never delays a check.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class JobThread:
    """Calls `run_once` every `interval` seconds (sooner when woken) until stopped; it outlives errors."""

    def __init__(self, name: str, run_once: Callable[[], object], interval: float = 5.0) -> None:
        self._name, self._run_once, self._interval = name, run_once, interval
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._run_once()
            except Exception:  # noqa: BLE001 - the worker must outlive one bad job; it is logged
                log.exception("%s", self._name)
            self._wake.wait(self._interval)
            self._wake.clear()
