"""After approval: harvest the approved organisation at once, in its own process.

The web process never writes the index (a commit beside search threads in one
process measured 46 s instead of 2.1 s), so an approval queues a `harvest` job
and `HarvestWorker` runs `pulse harvest --only LOGIN` as a child process. The
child takes the one-harvest lock like any harvest; when another harvest holds
it (exit code 3), the job waits in the queue and is tried again. Jobs are rows
in the registrations database, so a restart picks up a harvest that was queued
or interrupted.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from pulse.core.settings import Settings
from pulse.core.vocabulary import RegistrationStatus
from pulse.jobs.registrations import RegistrationStore
from pulse.jobs.worker import JobThread

log = logging.getLogger(__name__)

HARVEST_JOB = "harvest"
UNLIST_JOB = "unlist"  # after a withdrawal: `pulse unlist LOGIN` takes its repos out of the index
EXIT_LOCKED = 3  # pulse harvest: another harvest or import holds the lock
LOCKED_RETRY_SECONDS = 30.0
FAILED_RETRY_SECONDS = 600.0
MAX_ATTEMPTS = 5
HARVEST_TIMEOUT_SECONDS = 3600


def harvest_command(settings: Settings, organisation: str, kind: str = HARVEST_JOB) -> list[str]:
    """The child process: the documented CLI, for one organisation."""
    if kind == UNLIST_JOB:
        return [sys.executable, "-m", "pulse", "unlist", organisation, "--data-dir", str(settings.data_dir)]
    return [
        sys.executable, "-m", "pulse", "harvest", "--only", organisation, "--data-dir", str(settings.data_dir),
    ]  # fmt: skip


def harvest_environment(settings: Settings) -> dict[str, str]:
    """This process's environment plus the settings a harvest reads, so the child harvests as configured
    (a server built from a Settings object, as in tests, may not have them in its environment)."""
    env = dict(os.environ)
    env.update(
        PULSE_DATA_DIR=str(settings.data_dir),
        GITHUB_API_URL=settings.github_api_url,
        PULSE_GITHUB_REQUEST_INTERVAL=str(settings.github_request_interval),
        PULSE_GITHUB_RETRIES=str(settings.github_retries),
        PULSE_GITHUB_TIMEOUT=str(settings.github_timeout),
        PULSE_GITHUB_MAX_RATE_LIMIT_WAIT=str(settings.github_max_rate_limit_wait),
        PULSE_FAST_PATH="1" if settings.fast_path else "0",
    )
    if settings.github_token:
        env["GITHUB_TOKEN"] = settings.github_token
    return env


def run_harvest_job(store: RegistrationStore, settings: Settings) -> bool:
    """Run the oldest due harvest or unlist job, if any; False when there was none."""
    job = store.claim((HARVEST_JOB, UNLIST_JOB))
    if job is None:
        return False
    registration = store.get(job.registration_id)
    wanted = RegistrationStatus.APPROVED if job.kind == HARVEST_JOB else RegistrationStatus.WITHDRAWN
    if registration is None or registration.status != wanted:
        store.finish(job.id)  # decided otherwise while it waited
        return True
    try:
        done = subprocess.run(
            harvest_command(settings, registration.organisation, job.kind),
            env=harvest_environment(settings),
            capture_output=True,
            text=True,
            timeout=HARVEST_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        store.postpone(job.id, FAILED_RETRY_SECONDS, str(exc)[:300])
        return True
    last = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""])[-1][:300]
    if done.returncode == EXIT_LOCKED:
        store.postpone(job.id, LOCKED_RETRY_SECONDS, "waiting: another harvest is running")
        return True
    if done.returncode == 2 and job.attempts < MAX_ATTEMPTS:  # e.g. the registry not yet written: try again
        store.postpone(job.id, FAILED_RETRY_SECONDS, last)
        return True
    store.finish(job.id)
    verb = "harvested" if job.kind == HARVEST_JOB else "unlisted"
    outcome = verb if done.returncode == 0 else f"{job.kind} ended with exit code {done.returncode}"
    store.note(registration.id, "pulse", outcome, last)
    return True


class HarvestWorker(JobThread):
    """The background thread that starts queued harvests and unlists, one at a time."""

    def __init__(self, store: RegistrationStore, settings: Settings, interval: float = 5.0) -> None:
        self._store, self._settings = store, settings
        super().__init__("pulse-harvest-jobs", self._once, interval)

    def _once(self) -> None:
        while not self.stopping and run_harvest_job(self._store, self._settings):
            pass
