"""The `pulse` command: harvest sources into the index, and serve it.

Exit codes: 0 success; 1 some sources failed (their old repos are kept);
2 bad configuration or usage (nothing was touched).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from pulse.config import DEFAULT_SOURCES, Settings, load_sources
from pulse.errors import PulseError

EXIT_OK, EXIT_SOURCES_FAILED, EXIT_CONFIG = 0, 1, 2

data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Where the index and reports live. Default: $PULSE_DATA_DIR, else ~/.local/share/pulse.",
)


@click.group()
def main() -> None:
    """Pulse: a discovery index of reusable UK public-sector code."""


@main.command()
@click.option("--sources", "sources_path", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_SOURCES, show_default=True, help="The publishers and sources to harvest.")
@data_dir_option
def harvest(sources_path: Path, data_dir: Path | None) -> None:
    """Harvest every source in the sources file into the index (one commit)."""
    from index.store import IndexStore
    from pulse.harvest import run_harvest

    try:
        publishers = load_sources(sources_path)
    except PulseError as exc:
        _fail(str(exc), EXIT_CONFIG)
    settings = Settings.from_env(data_dir=data_dir)
    try:
        store = IndexStore(settings.index_dir)
    except PulseError as exc:
        _fail(str(exc), EXIT_CONFIG)
    total_sources = sum(len(p.sources) for p in publishers)
    with _Progress(total_sources) as progress:
        report = run_harvest(publishers, store, settings, progress=progress.update)
    store.close()
    for entry in report.sources:
        if entry.status == "ok":
            click.echo(f"ok      {entry.target}: {entry.seen} repos (+{entry.added} new, {entry.updated} updated, "
                       f"-{entry.removed} removed), {entry.requests} requests, {entry.seconds:.1f}s")
        else:
            click.echo(f"FAILED  {entry.target}: {entry.error} (its previously indexed repos are kept)")
    failed = len(report.failed)
    click.echo(f"Harvested {total_sources - failed} of {total_sources} sources with {report.requests} requests; "
               f"index at {settings.index_dir}")
    sys.exit(EXIT_SOURCES_FAILED if failed else EXIT_OK)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@data_dir_option
def serve(host: str, port: int, data_dir: Path | None) -> None:
    """Serve the search UI and JSON API (loads the demo catalogue into an empty index)."""
    import uvicorn

    from pulse.app import create_app

    settings = Settings.from_env(data_dir=data_dir)
    click.echo(f"Pulse: serving {settings.index_dir} at http://{host}:{port}/")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


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
        self.log = logging.getLogger("pulse.harvest")

    def __enter__(self) -> "_Progress":
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
            self.log.info("source=%s status=%s repos=%d requests=%d seconds=%.1f%s", entry.source, entry.status,
                          entry.seen, entry.requests, entry.seconds, f" error={entry.error!r}" if entry.error else "")


def _fail(message: str, code: int) -> None:
    click.echo(f"pulse: {message}", err=True)
    sys.exit(code)
