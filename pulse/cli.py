"""The `pulse` command: harvest sources into the index, serve it, move it.

Exit codes (documented in the README):
  0  every source harvested
  1  some sources failed; their previously indexed repos are kept
  2  bad configuration or usage; nothing was touched
  3  another harvest or import is running on this data directory
  4  the API rate limit stopped the run; finished sources were committed and
     the rest go first next run
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from pulse.core.errors import HarvestLocked, PulseError
from pulse.core.settings import LOCAL_HOSTS, Settings
from pulse.core.sources import DEFAULT_SOURCES, load_sources
from pulse.core.vocabulary import HarvestStatus, RegistrationStatus

if TYPE_CHECKING:
    from pulse.core.sources import Publisher
    from pulse.index import IndexStore

EXIT_OK, EXIT_SOURCES_FAILED, EXIT_CONFIG, EXIT_LOCKED, EXIT_RATE_LIMITED = 0, 1, 2, 3, 4

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the index and reports live. Default: $PULSE_DATA_DIR, else ~/.local/share/pulse.",
)


def sources_option(help_text: str):  # type: ignore[no-untyped-def]
    """The `--sources` option (the curated sources file), with what it means to this command."""
    return click.option(
        "--sources",
        "sources_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_SOURCES,
        show_default=True,
        help=help_text,
    )


def _all_publishers(sources_path: Path, settings: Settings) -> list[Publisher]:
    """sources.yaml plus the organisations approved through registration; exit 2 on a bad file."""
    from pulse.jobs.registry import merged, registered_publishers

    try:
        return merged(load_sources(sources_path), registered_publishers(settings.data_dir))
    except PulseError as exc:
        _fail(str(exc), EXIT_CONFIG)


@click.group()
def main() -> None:
    """Pulse: a discovery index of reusable UK public-sector code."""


@main.command()
@sources_option("The publishers and sources to harvest.")
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="LOGIN",
    help="Harvest just this organisation (repeatable); it must be in the sources file or the registry.",
)
@data_dir_option
def harvest(sources_path: Path, only: tuple[str, ...], data_dir: Path | None) -> None:
    """Harvest every source in the sources file into the index (one commit)."""
    from pulse.jobs.harvest import run_harvest
    from pulse.jobs.registry import restricted

    settings = _settings(data_dir)
    publishers = _all_publishers(sources_path, settings)
    if only:
        publishers = restricted(publishers, only)
        if not publishers:
            _fail(f"none of {', '.join(only)} is a source in {sources_path} or the registry", EXIT_CONFIG)
    total_sources = sum(len(p.sources) for p in publishers)
    with _locked(settings) as store, _Progress(total_sources) as progress:
        report = run_harvest(publishers, store, settings, progress=progress.update)
    if report.state_recovered:
        found = report.state_recovered
        click.echo(
            f"WARNING     the harvest state file was unreadable ({found.problem}); it was moved aside to "
            f"{settings.data_dir / found.moved_to} and this run started from an empty state",
            err=True,
        )
    for entry in report.sources:
        if entry.status == HarvestStatus.OK:
            click.echo(
                f"ok          {entry.target}: {entry.seen} items (+{entry.added} new, {entry.updated} updated, "
                f"-{entry.removed} removed), {entry.requests} requests, {entry.seconds:.1f}s"
            )
            for problem in entry.problems:
                click.echo(f"  not used  {problem}")
        elif entry.status == HarvestStatus.TOMBSTONED:
            click.echo(
                f"TOMBSTONED  {entry.target}: not found on consecutive runs; its {entry.removed} repos were removed"
            )
        elif entry.status == HarvestStatus.NOT_REACHED:
            click.echo(f"NOT REACHED {entry.target}: rate limit; harvested first next run")
        else:
            click.echo(f"FAILED      {entry.target}: {entry.error} (its previously indexed repos are kept)")
    failed = len(report.failed)
    kinds = ", ".join(f"{kind} {n['items']} items from {n['sources']}" for kind, n in report.by_kind.items())
    click.echo(
        f"Harvested {total_sources - failed} of {total_sources} sources with {report.requests} requests; "
        f"index at {settings.index_dir}"
    )
    if kinds:
        click.echo(f"By kind: {kinds}")
    if report.stopped_early:
        sys.exit(EXIT_RATE_LIMITED)
    sys.exit(EXIT_SOURCES_FAILED if failed else EXIT_OK)


@main.command("export")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (JSON Lines). Default: standard output.",
)
@data_dir_option
def export_catalogue(output: Path | None, data_dir: Path | None) -> None:
    """Write every record, README included, as JSON Lines (the normalised records)."""
    import json

    from pulse.index import IndexStore

    settings = _settings(data_dir)
    if not (settings.index_dir / "PULSE_SCHEMA_VERSION").exists():
        _fail(f"no index in {settings.index_dir}: run 'pulse harvest' or 'pulse import' first", EXIT_CONFIG)
    try:
        store = IndexStore(settings.index_dir, fast_path=settings.fast_path)
    except PulseError as exc:
        _fail(str(exc), EXIT_CONFIG)
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    count = 0
    for repo in store.all_records():
        out.write(json.dumps(repo.to_dict(), ensure_ascii=False) + "\n")
        count += 1
    if output:
        out.close()
    store.close()
    click.echo(f"Exported {count} records", err=True)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace/--merge",
    default=True,
    show_default=True,
    help="Replace the whole catalogue, or add/update by id keeping the rest.",
)
@data_dir_option
def import_catalogue(file: Path, replace: bool, data_dir: Path | None) -> None:
    """Load a JSON Lines export into the index, in one commit."""
    from pulse.jobs.demo import read_jsonl

    settings = _settings(data_dir)
    try:
        records = list(read_jsonl(file))
    except ValueError as exc:
        _fail(str(exc), EXIT_CONFIG)
    with _locked(settings) as store:
        store.add_records(records, clear=replace)
        count = store.doc_count()
    click.echo(f"Imported {len(records)} records from {file}; the index now holds {count}")


def _settings(data_dir: Path | None) -> Settings:
    """Settings from the environment; a malformed variable is one line and exit code 2."""
    try:
        return Settings.from_env(data_dir=data_dir)
    except PulseError as exc:
        _fail(str(exc), EXIT_CONFIG)


@contextmanager
def _locked(settings: Settings) -> Iterator[IndexStore]:
    """The data directory's writer lock and its index, with errors turned into exit codes."""
    from pulse.index import IndexStore
    from pulse.jobs.lock import harvest_lock

    try:
        with harvest_lock(settings.data_dir):
            store = IndexStore(settings.index_dir, fast_path=settings.fast_path)
            try:
                yield store
            finally:
                store.close()
    except HarvestLocked as exc:
        _fail(str(exc), EXIT_LOCKED)
    except PulseError as exc:
        _fail(str(exc), EXIT_CONFIG)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@data_dir_option
def serve(host: str, port: int, data_dir: Path | None) -> None:
    """Serve the search UI and JSON API (loads the demo catalogue into an empty index)."""
    from pulse.web.server import run_server

    settings = _settings(data_dir)
    click.echo(f"Pulse: serving {settings.index_dir} at {settings.base_url or f'http://{host}:{port}'}/")
    if not settings.base_url and host not in LOCAL_HOSTS:
        click.echo(
            "Pulse: PULSE_BASE_URL is not set, so only requests for 127.0.0.1 and localhost are answered; "
            "set it (or PULSE_ALLOWED_HOSTS) to the public address.",
            err=True,
        )
    run_server(settings, host=host, port=port)


class _Progress:
    """A rich progress bar on a terminal; plain log lines otherwise (the nightly job's log)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar = None
        if sys.stderr.isatty():
            from rich.progress import Progress

            self.bar = Progress(transient=True)
        else:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
        self.log = logging.getLogger("pulse.jobs.harvest")

    def __enter__(self) -> _Progress:
        if self.bar:
            self.bar.start()
            self.task = self.bar.add_task("Harvesting", total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()

    def update(self, event: str, entry) -> None:  # type: ignore[no-untyped-def]
        if self.bar:
            if event == "start":
                self.bar.update(self.task, description=f"Harvesting {entry.target}")
            else:
                self.bar.advance(self.task)
        elif event == "done":
            self.log.info(
                "source=%s status=%s repos=%d requests=%d seconds=%.1f%s",
                entry.source,
                entry.status,
                entry.seen,
                entry.requests,
                entry.seconds,
                f" error={entry.error!r}" if entry.error else "",
            )


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"pulse: {message}", err=True)
    sys.exit(code)


@main.group()
def registrations() -> None:
    """Moderate registrations from the shell: list, approve, reject."""


@registrations.command("list")
@click.option("--status", type=click.Choice([s.value for s in RegistrationStatus]), default=None)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per registration, with its evidence.")
@data_dir_option
def registrations_list(status: str | None, as_json: bool, data_dir: Path | None) -> None:
    """Registrations, oldest first, with their evidence."""
    import json

    from pulse.jobs.registrations import RegistrationStore

    store = RegistrationStore(_settings(data_dir).data_dir)
    for found in store.find(RegistrationStatus(status) if status else None):
        evidence = store.evidence(found.id)
        if as_json:
            body = {
                "id": found.id, "organisation": found.organisation, "publisher_name": found.publisher_name,
                "publisher_type": found.publisher_type, "status": found.status, "reason": found.reason,
                "contact_email": found.contact_email, "created_at": found.created_at,
                "evidence": [{"signal": e.signal, "met": e.met, "detail": e.detail} for e in evidence],
            }  # fmt: skip
            click.echo(json.dumps(body))
            continue
        met = sum(1 for e in evidence if e.met)
        click.echo(f"{found.id}  {found.status:9}  {found.organisation}  ({found.publisher_name}), "
                   f"{met} of {len(evidence)} checks met, since {found.created_at[:10]}")  # fmt: skip


def _decide(registration_id: str, status: RegistrationStatus, reason: str, data_dir: Path | None) -> Settings:
    import getpass

    from pulse.jobs.registrations import RegistrationStore
    from pulse.jobs.registry import write_registry

    settings = _settings(data_dir)
    store = RegistrationStore(settings.data_dir)
    try:
        decided = store.decide(registration_id, status, actor=f"shell:{getpass.getuser()}", reason=reason)
    except KeyError:
        _fail(f"there is no registration {registration_id}", EXIT_CONFIG)
    write_registry(settings.data_dir, store)
    click.echo(f"{decided.organisation}: {decided.status}")
    return settings


@registrations.command("approve")
@click.argument("registration_id")
@click.option("--no-harvest", is_flag=True, help="Only add it to the registry; the next harvest picks it up.")
@data_dir_option
def registrations_approve(registration_id: str, no_harvest: bool, data_dir: Path | None) -> None:
    """Approve a registration: add it to the registry and harvest that organisation now."""
    settings = _decide(registration_id, RegistrationStatus.APPROVED, "", data_dir)
    if no_harvest:
        return
    from pulse.jobs.harvest import run_harvest
    from pulse.jobs.registrations import RegistrationStore
    from pulse.jobs.registry import registered_publishers, restricted

    found = RegistrationStore(settings.data_dir).get(registration_id)
    assert found is not None
    just_this = restricted(registered_publishers(settings.data_dir), (found.organisation,))
    with _locked(settings) as store:
        report = run_harvest(just_this, store, settings)
    for entry in report.sources:
        click.echo(
            f"harvested {entry.target}: {entry.status}, {entry.seen} repos"
            + (f" ({entry.error})" if entry.error else "")
        )
    sys.exit(EXIT_SOURCES_FAILED if report.failed else EXIT_OK)


@main.command("unlist")
@click.argument("login")
@sources_option("The curated sources file: what it lists is not unlisted.")
@data_dir_option
def unlist_organisation(login: str, sources_path: Path, data_dir: Path | None) -> None:
    """Remove a withdrawn GitHub organisation's repositories from the index."""
    from pulse.core.sources import Source
    from pulse.jobs.harvest import unlist
    from pulse.jobs.registry import restricted

    settings = _settings(data_dir)
    listed = restricted(_all_publishers(sources_path, settings), (login,))
    if listed:
        _fail(f"{login} is still a source ({sources_path} or the registry): the next harvest would add it back",
              EXIT_CONFIG)  # fmt: skip
    with _locked(settings) as store:
        removed = unlist(store, settings.data_dir, Source("github", login))
    click.echo(f"Unlisted {login}: {removed} repos removed from the index")


@registrations.command("withdraw")
@click.argument("registration_id")
@click.option("--reason", default="", help="Why: shown on the registration's status page.")
@data_dir_option
def registrations_withdraw(registration_id: str, reason: str, data_dir: Path | None) -> None:
    """Withdraw an approved organisation: out of the registry, its repositories out of the index."""
    from pulse.core.sources import Source
    from pulse.jobs.harvest import unlist
    from pulse.jobs.registrations import RegistrationStore

    settings = _settings(data_dir)
    found = RegistrationStore(settings.data_dir).get(registration_id)
    if found is None or found.status != RegistrationStatus.APPROVED:
        _fail(f"{registration_id} is not an approved registration", EXIT_CONFIG)
    _decide(registration_id, RegistrationStatus.WITHDRAWN, reason, data_dir)
    with _locked(settings) as store:
        removed = unlist(store, settings.data_dir, Source("github", found.organisation))
    click.echo(f"{removed} repos of {found.organisation} removed from the index")


@registrations.command("reject")
@click.argument("registration_id")
@click.option("--reason", required=True, help="Why: shown on the registration's status page.")
@data_dir_option
def registrations_reject(registration_id: str, reason: str, data_dir: Path | None) -> None:
    """Reject a registration with a reason (an approved one: use withdraw, which also unlists it)."""
    _decide(registration_id, RegistrationStatus.REJECTED, reason, data_dir)


@main.command()
@sources_option("The publishers already harvested (never suggested).")
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="At most this many GitHub requests in this run.",
)
@data_dir_option
def discover(sources_path: Path, max_requests: int, data_dir: Path | None) -> None:
    """Suggest public-sector organisations nobody has registered: queued for moderation, never harvested."""
    from pulse.index import IndexStore
    from pulse.jobs.discover import discover as run_discovery
    from pulse.jobs.registrations import RegistrationStore

    settings = _settings(data_dir)
    publishers = _all_publishers(sources_path, settings)
    try:
        store = RegistrationStore(settings.data_dir)
        # Read only, and only if there is one: opening a missing index would create it.
        has_index = (settings.index_dir / "PULSE_SCHEMA_VERSION").exists()
        index = IndexStore(settings.index_dir, fast_path=settings.fast_path) if has_index else None
    except PulseError as exc:
        _fail(str(exc), EXIT_CONFIG)
    try:
        report = run_discovery(settings, publishers, store, index, max_requests)
    finally:
        if index is not None:
            index.close()
    for found in report.suggestions:
        click.echo(f"suggested   {found.registration.organisation}: {found.how}; {found.evidence}")
    for error in report.errors:
        click.echo(f"WARNING     {error}", err=True)
    click.echo(
        f"Discovered {report.candidates} candidates: {len(report.suggestions)} suggested (new), "
        f"{len(report.skipped)} skipped (already known), {len(report.not_public)} not found or not public-sector; "
        f"{report.requests} of {report.max_requests} GitHub requests used"
        + ("; budget reached, the rest next run" if report.budget_exhausted else "")
    )
