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
from pulse.core.vocabulary import HarvestStatus

if TYPE_CHECKING:
    from pulse.index import IndexStore

EXIT_OK, EXIT_SOURCES_FAILED, EXIT_CONFIG, EXIT_LOCKED, EXIT_RATE_LIMITED = 0, 1, 2, 3, 4

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the index and reports live. Default: $PULSE_DATA_DIR, else ~/.local/share/pulse.",
)


@click.group()
def main() -> None:
    """Pulse: a discovery index of reusable UK public-sector code."""


@main.command()
@click.option(
    "--sources",
    "sources_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_SOURCES,
    show_default=True,
    help="The publishers and sources to harvest.",
)
@data_dir_option
def harvest(sources_path: Path, data_dir: Path | None) -> None:
    """Harvest every source in the sources file into the index (one commit)."""
    from pulse.jobs.harvest import run_harvest

    try:
        publishers = load_sources(sources_path)
    except PulseError as exc:
        _fail(str(exc), EXIT_CONFIG)
    settings = _settings(data_dir)
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
                f"ok          {entry.target}: {entry.seen} repos (+{entry.added} new, {entry.updated} updated, "
                f"-{entry.removed} removed), {entry.requests} requests, {entry.seconds:.1f}s"
            )
        elif entry.status == HarvestStatus.TOMBSTONED:
            click.echo(
                f"TOMBSTONED  {entry.target}: not found on consecutive runs; its {entry.removed} repos were removed"
            )
        elif entry.status == HarvestStatus.NOT_REACHED:
            click.echo(f"NOT REACHED {entry.target}: rate limit; harvested first next run")
        else:
            click.echo(f"FAILED      {entry.target}: {entry.error} (its previously indexed repos are kept)")
    failed = len(report.failed)
    click.echo(
        f"Harvested {total_sources - failed} of {total_sources} sources with {report.requests} requests; "
        f"index at {settings.index_dir}"
    )
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
