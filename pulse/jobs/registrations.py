"""Registrations, their evidence, the audit trail and pending background jobs, in SQLite.

One file in the data directory (`registrations.sqlite3`), in WAL mode so the web
process reads while a worker writes. The schema carries a version and moves
forward through `MIGRATIONS`, one transaction each, so an older data directory
upgrades in place and a newer one is refused rather than misread.

Jobs (gather evidence, harvest an approved organisation) are rows, not threads:
a job claimed by a worker that died (a restart mid-evidence or mid-harvest) is
handed out again by `requeue_interrupted`, so nothing is lost across restarts.
Every connection is opened per call: SQLite connections must not cross threads.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pulse.core.errors import PulseError
from pulse.core.registration import RegistrationRequest
from pulse.core.vocabulary import RegistrationStatus

DATABASE_FILE = "registrations.sqlite3"
# A registration of an organisation in one of these states blocks a second one (any letter case).
_OPEN = (RegistrationStatus.PENDING, RegistrationStatus.SUGGESTED, RegistrationStatus.APPROVED)

MIGRATIONS: tuple[str, ...] = (
    # 1: registrations, evidence, audit trail, jobs
    """
    CREATE TABLE registrations (
        id TEXT PRIMARY KEY,
        organisation TEXT NOT NULL,
        organisation_key TEXT NOT NULL,
        publisher_name TEXT NOT NULL,
        publisher_type TEXT NOT NULL,
        contact_email TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX registrations_by_key ON registrations (organisation_key, status);
    CREATE TABLE evidence (
        registration_id TEXT NOT NULL REFERENCES registrations (id),
        signal TEXT NOT NULL,
        met INTEGER,
        detail TEXT NOT NULL DEFAULT '',
        checked_at TEXT NOT NULL,
        PRIMARY KEY (registration_id, signal)
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        registration_id TEXT NOT NULL REFERENCES registrations (id),
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        registration_id TEXT NOT NULL REFERENCES registrations (id),
        state TEXT NOT NULL DEFAULT 'queued',
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        claimed_at TEXT NOT NULL DEFAULT ''
    );
    """,
    # 2: a job can wait (a harvest queued behind the harvest lock) and says why it last failed
    """
    ALTER TABLE jobs ADD COLUMN not_before TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
    """,
    # 3: the confirmation link emailed to the contact (only a hash of its token)
    """
    CREATE TABLE confirmations (
        registration_id TEXT PRIMARY KEY REFERENCES registrations (id),
        token_hash TEXT NOT NULL,
        sent_at TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class DatabaseVersionError(PulseError):
    """The database was written by a newer Pulse."""


@dataclass(frozen=True)
class Registration:
    id: str
    organisation: str
    publisher_name: str
    publisher_type: str
    contact_email: str  # never shown on a status page or in the public API
    note: str
    status: RegistrationStatus
    reason: str
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Evidence:
    signal: str
    met: bool | None  # None: could not be checked (yet)
    detail: str


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    action: str
    detail: str
    at: str


@dataclass(frozen=True)
class RegistrationStory:
    """How an organisation came to be listed, for its publisher page."""

    submitted_on: str  # ISO date
    how: str  # "the registration form" or "pulse discover"
    approved_on: str
    approved_by: str  # the audit trail's actor, e.g. "github:mod-alice" or "shell:ops"


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    registration_id: str
    attempts: int


class RegistrationStore:
    """The registrations database of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / DATABASE_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            found = db.execute("PRAGMA user_version").fetchone()[0]
            if found > SCHEMA_VERSION:
                raise DatabaseVersionError(
                    f"{self.path} has schema version {found}; this Pulse knows up to {SCHEMA_VERSION}"
                )
            for version in range(found, SCHEMA_VERSION):
                db.executescript("BEGIN;" + MIGRATIONS[version] + f"PRAGMA user_version = {version + 1}; COMMIT;")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
        try:
            yield db
        finally:
            db.close()

    # -- registrations -------------------------------------------------------------

    def submit(
        self, request: RegistrationRequest, *, status: RegistrationStatus = RegistrationStatus.PENDING
    ) -> tuple[Registration, bool]:
        """Store a new registration and queue its evidence job; or return the open one for that
        organisation (any letter case) and False."""
        now = _now()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # the duplicate check and the insert as one
            existing = db.execute(
                f"SELECT * FROM registrations WHERE organisation_key = ? AND status IN ({','.join('?' * len(_OPEN))})"
                " ORDER BY created_at LIMIT 1",
                (request.organisation_key, *_OPEN),
            ).fetchone()
            if existing is not None:
                db.execute("COMMIT")
                return _registration(existing), False
            new_id = new_registration_id()
            db.execute(
                "INSERT INTO registrations VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)",
                (
                    new_id,
                    request.organisation,
                    request.organisation_key,
                    request.publisher_name,
                    request.publisher_type,
                    request.contact_email,
                    request.note,
                    str(status),
                    now,
                    now,
                ),
            )
            _audit(db, new_id, "registrant" if status == RegistrationStatus.PENDING else "discovery", "submitted", "")
            db.execute("INSERT INTO jobs (kind, registration_id, created_at) VALUES ('evidence', ?, ?)", (new_id, now))
            db.execute("COMMIT")
        return Registration(
            id=new_id,
            organisation=request.organisation,
            publisher_name=request.publisher_name,
            publisher_type=request.publisher_type,
            contact_email=request.contact_email,
            note=request.note,
            status=status,
            reason="",
            created_at=now,
            updated_at=now,
        ), True

    def get(self, registration_id: str) -> Registration | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM registrations WHERE id = ?", (registration_id,)).fetchone()
        return _registration(row) if row is not None else None

    def find(self, status: RegistrationStatus | None = None) -> list[Registration]:
        with self._connect() as db:
            if status is None:
                rows = db.execute("SELECT * FROM registrations ORDER BY created_at, id").fetchall()
            else:
                rows = db.execute(
                    "SELECT * FROM registrations WHERE status = ? ORDER BY created_at, id", (str(status),)
                ).fetchall()
        return [_registration(row) for row in rows]

    def count(self, status: RegistrationStatus) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT count(*) FROM registrations WHERE status = ?", (str(status),)).fetchone()[0])

    def decide(self, registration_id: str, status: RegistrationStatus, *, actor: str, reason: str = "") -> Registration:
        """Record a moderator's decision (approve, reject, withdraw) and who made it; KeyError if unknown."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            changed = db.execute(
                "UPDATE registrations SET status = ?, reason = ?, updated_at = ? WHERE id = ?",
                (str(status), reason, _now(), registration_id),
            ).rowcount
            if not changed:
                db.execute("ROLLBACK")
                raise KeyError(registration_id)
            _audit(db, registration_id, actor, str(status), reason)
            db.execute("COMMIT")
        found = self.get(registration_id)
        assert found is not None
        return found

    # -- evidence and audit -----------------------------------------------------------

    def record_evidence(self, registration_id: str, evidence: list[Evidence]) -> None:
        """Replace each named signal's finding (a re-check overwrites the earlier one)."""
        now = _now()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO evidence VALUES (?, ?, ?, ?, ?) ON CONFLICT (registration_id, signal) DO UPDATE SET "
                "met = excluded.met, detail = excluded.detail, checked_at = excluded.checked_at",
                [(registration_id, e.signal, None if e.met is None else int(e.met), e.detail, now) for e in evidence],
            )
            db.execute("COMMIT")

    def evidence(self, registration_id: str) -> list[Evidence]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT signal, met, detail FROM evidence WHERE registration_id = ? ORDER BY rowid", (registration_id,)
            ).fetchall()
        return [
            Evidence(row["signal"], None if row["met"] is None else bool(row["met"]), row["detail"]) for row in rows
        ]

    def note(self, registration_id: str, actor: str, action: str, detail: str = "") -> None:
        """Add an entry to a registration's audit trail (sign-ins, harvests, emails)."""
        with self._connect() as db:
            _audit(db, registration_id, actor, action, detail)

    def recent_audit(self, limit: int = 50) -> list[tuple[str, AuditEntry]]:
        """The latest audit entries of all registrations, newest first, with their organisation."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT r.organisation, a.actor, a.action, a.detail, a.at FROM audit a "
                "JOIN registrations r ON r.id = a.registration_id ORDER BY a.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [(row[0], AuditEntry(row["actor"], row["action"], row["detail"], row["at"])) for row in rows]

    def approved(self, organisation: str) -> Registration | None:
        """The approved registration of an organisation (any letter case), if any."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM registrations WHERE organisation_key = ? AND status = ? "
                "ORDER BY updated_at DESC LIMIT 1",
                (organisation.lower(), str(RegistrationStatus.APPROVED)),
            ).fetchone()
        return _registration(row) if row is not None else None

    def set_confirmation(self, registration_id: str, token_hash: str) -> None:
        """Remember the hash of the token just emailed (a new email replaces the old link)."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO confirmations VALUES (?, ?, ?) ON CONFLICT (registration_id) DO UPDATE SET "
                "token_hash = excluded.token_hash, sent_at = excluded.sent_at",
                (registration_id, token_hash, _now()),
            )

    def confirmation_hash(self, registration_id: str) -> str:
        with self._connect() as db:
            row = db.execute("SELECT token_hash FROM confirmations WHERE registration_id = ?", (registration_id,))
            found = row.fetchone()
        return str(found[0]) if found else ""

    def story(self, organisation: str) -> RegistrationStory | None:
        """When and how an approved organisation was registered, and who approved it."""
        registration = self.approved(organisation)
        if registration is None:
            return None
        trail = self.audit_trail(registration.id)
        approval = next((a for a in reversed(trail) if a.action == RegistrationStatus.APPROVED), None)
        found_by = next((a.actor for a in trail if a.action == "submitted"), "registrant")
        return RegistrationStory(
            submitted_on=registration.created_at[:10],
            how="pulse discover" if found_by == "discovery" else "the registration form",
            approved_on=(approval.at if approval else registration.updated_at)[:10],
            approved_by=approval.actor if approval else "a moderator",
        )

    def audit_trail(self, registration_id: str) -> list[AuditEntry]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT actor, action, detail, at FROM audit WHERE registration_id = ? ORDER BY id", (registration_id,)
            ).fetchall()
        return [AuditEntry(row["actor"], row["action"], row["detail"], row["at"]) for row in rows]

    # -- jobs ---------------------------------------------------------------------------

    def enqueue(self, kind: str, registration_id: str) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO jobs (kind, registration_id, created_at) VALUES (?, ?, ?)", (kind, registration_id, _now())
            )

    def claim(self, kinds: tuple[str, ...] = ("evidence",)) -> Job | None:
        """The oldest queued job of one of `kinds` that is due, marked running (one worker gets each job)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute(
                f"SELECT * FROM jobs WHERE state = 'queued' AND kind IN ({','.join('?' * len(kinds))}) "
                "AND not_before <= ? ORDER BY id LIMIT 1",
                (*kinds, _now()),
            ).fetchone()
            if row is None:
                db.execute("COMMIT")
                return None
            db.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, claimed_at = ? WHERE id = ?",
                (_now(), row["id"]),
            )
            db.execute("COMMIT")
        return Job(row["id"], row["kind"], row["registration_id"], row["attempts"] + 1)

    def postpone(self, job_id: int, seconds: float, error: str = "") -> None:
        """Put a claimed job back in the queue, due again in `seconds` (why: `error`)."""
        due = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        with self._connect() as db:
            db.execute(
                "UPDATE jobs SET state = 'queued', not_before = ?, last_error = ? WHERE id = ?", (due, error, job_id)
            )

    def queued(self, registration_id: str, kind: str) -> bool:
        """Whether a job of `kind` for this registration is waiting or running."""
        with self._connect() as db:
            row = db.execute(
                "SELECT 1 FROM jobs WHERE registration_id = ? AND kind = ? AND state != 'done' LIMIT 1",
                (registration_id, kind),
            ).fetchone()
        return row is not None

    def finish(self, job_id: int) -> None:
        with self._connect() as db:
            db.execute("UPDATE jobs SET state = 'done' WHERE id = ?", (job_id,))

    def requeue_interrupted(self) -> int:
        """Hand out again every job left running by a worker that stopped; call it when a worker starts."""
        with self._connect() as db:
            return int(db.execute("UPDATE jobs SET state = 'queued' WHERE state = 'running'").rowcount)

    def pending_jobs(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT count(*) FROM jobs WHERE state != 'done'").fetchone()[0])


def new_registration_id() -> str:
    """An unguessable id (144 random bits; the status page's only key) that never starts with "-",
    so `pulse registrations approve ID` cannot read it as an option."""
    while True:
        candidate = secrets.token_urlsafe(18)
        if candidate[0].isalnum():
            return candidate


def _registration(row: sqlite3.Row) -> Registration:
    return Registration(
        id=row["id"],
        organisation=row["organisation"],
        publisher_name=row["publisher_name"],
        publisher_type=row["publisher_type"],
        contact_email=row["contact_email"],
        note=row["note"],
        status=RegistrationStatus(row["status"]),
        reason=row["reason"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _audit(db: sqlite3.Connection, registration_id: str, actor: str, action: str, detail: str) -> None:
    db.execute(
        "INSERT INTO audit (registration_id, actor, action, detail, at) VALUES (?, ?, ?, ?, ?)",
        (registration_id, actor, action, detail, _now()),
    )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
