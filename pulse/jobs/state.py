"""What the harvest remembers between runs, besides the index: `sources-state.json`.

Per source: last success, last failure and its error, consecutive 404s and the
tombstone; plus the sources a rate-limited run did not reach. The file is
replaced atomically after each index commit.

A state file that cannot be read is never silently replaced: the next run
moves it aside with a timestamp (`sources-state.corrupt-<UTC>.json`), starts
from an empty state, and records the recovery in the new state, where the
harvest report, the CLI summary and /api/publishers show it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATE_FILE = "sources-state.json"


@dataclass
class SourceState:
    """What Pulse remembers about a source between runs."""

    publisher: str
    target: str
    last_success: str = ""
    last_failure: str = ""
    last_error: str = ""
    consecutive_not_found: int = 0
    tombstoned: str = ""  # when its repos were removed after repeated 404s
    repos: int = 0
    problems: list[str] = field(default_factory=list)  # what its last good harvest could not use, and why

    @property
    def stale(self) -> bool:
        """The latest attempt failed: its repos are from the last success (if any)."""
        return bool(self.last_error)


@dataclass(frozen=True)
class StateRecovery:
    """An unreadable state file found, moved aside, and replaced by an empty state."""

    at: str  # when it was moved aside
    problem: str  # why it could not be read
    moved_to: str  # the file name it was moved to, in the data directory

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class HarvestState:
    """Everything remembered between runs, besides the index itself."""

    sources: dict[str, SourceState] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)  # sources a rate-limited run did not reach
    recovery: StateRecovery | None = None  # the latest time an unreadable file was set aside
    unreadable: str = ""  # why the file on disk cannot be read now (read_state only)
    recovered_now: bool = False  # load_state set an unreadable file aside just now (not saved)


class CorruptState(ValueError):
    """The state file exists but is not a state Pulse wrote."""


def read_state(data_dir: Path) -> HarvestState:
    """The state as it is on disk, for readers (web pages): never moves or writes anything.

    An unreadable file gives an empty state whose `unreadable` says why.
    """
    try:
        return _parse((Path(data_dir) / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return HarvestState()
    except (OSError, UnicodeDecodeError, CorruptState) as exc:
        return HarvestState(unreadable=_problem(exc))


def load_state(data_dir: Path) -> HarvestState:
    """The state for a harvest run (the caller holds the harvest lock).

    An unreadable file is moved aside with a timestamp and an empty state that records the
    recovery is returned; the run then saves it, so the recovery stays visible.
    """
    path = Path(data_dir) / STATE_FILE
    try:
        return _parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return HarvestState()
    except (OSError, UnicodeDecodeError, CorruptState) as exc:
        now = datetime.now(UTC)
        moved = path.with_name(f"sources-state.corrupt-{now.strftime('%Y%m%dT%H%M%SZ')}.json")
        path.replace(moved)
        recovery = StateRecovery(at=now.strftime("%Y-%m-%dT%H:%M:%SZ"), problem=_problem(exc), moved_to=moved.name)
        return HarvestState(recovery=recovery, recovered_now=True)


def save_state(data_dir: Path, state: HarvestState) -> None:
    body: dict[str, Any] = {"sources": {k: asdict(v) for k, v in state.sources.items()}, "pending": state.pending}
    if state.recovery is not None:
        body["recovery"] = state.recovery.to_dict()
    write_atomically(Path(data_dir) / STATE_FILE, json.dumps(body, indent=2))


def write_atomically(path: Path, body: str) -> None:
    """Replace `path` with `body` so a reader or a crash sees the old file or the new one, whole."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(body)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def _parse(text: str) -> HarvestState:
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise CorruptState(f"not valid JSON ({exc})") from None
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("sources", {}), dict)
        or not isinstance(raw.get("pending", []), list)
    ):
        raise CorruptState("not a sources state: expected an object with 'sources' and 'pending'")
    names = {f.name for f in dataclasses.fields(SourceState)}
    try:
        sources = {
            str(key): SourceState(**{k: v for k, v in value.items() if k in names})
            for key, value in raw.get("sources", {}).items()
        }
        recovery = StateRecovery(**raw["recovery"]) if isinstance(raw.get("recovery"), dict) else None
    except (TypeError, AttributeError) as exc:
        raise CorruptState(f"a source entry is malformed ({exc})") from None
    return HarvestState(sources=sources, pending=[str(p) for p in raw.get("pending", [])], recovery=recovery)


def _problem(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, OSError):
        return f"cannot be read: {exc.strerror or exc}"
    return str(exc)[:300]
