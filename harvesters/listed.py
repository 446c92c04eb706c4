"""Reading a file a source names (a code.json inventory, a resources list): from the web, safely, or from disk.

Shared by the `code_json` and `resources` harvesters. A web address goes through
pulse.harvesters.fetch (https only, public addresses only, every redirect re-checked,
size and time capped); a path (resources lists only) is read relative to the
sources file, with the same size cap.
"""

from __future__ import annotations

from pathlib import Path

from pulse.core.errors import SourceError
from pulse.core.settings import Settings
from pulse.core.sources import Source
from pulse.harvesters.fetch import fetch_url, shown_url

MAX_FILE_BYTES = 10_000_000


def read_listed(source: Source, settings: Settings) -> str:
    """The text `source` names, decoded as UTF-8 (a byte-order mark is dropped); SourceError if it cannot be."""
    location = source.location
    if "://" in location:
        data = fetch_url(location, allow_private=settings.allow_private_urls, max_bytes=MAX_FILE_BYTES)
        shown = shown_url(location)
    else:
        path = Path(location)
        shown = source.target
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise SourceError(f"{shown} is larger than {MAX_FILE_BYTES:,} bytes")
            data = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"{shown}: cannot read it ({exc.strerror or exc})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{shown} is not UTF-8 text (byte {exc.start})") from exc
