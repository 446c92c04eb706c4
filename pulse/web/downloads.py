"""CSV and JSON downloads of a search or of the whole catalogue, streamed.

    GET /downloads/search.csv?<the /search parameters>
    GET /downloads/search.json?<the /search parameters>

No parameters means the whole catalogue. The rows come in the search's order
(`sort`; with no words that is most stars first, as on /search); `page` and
`per_page` are accepted and ignored. A download has every match, except that
a search with words (`q`) stops at the first 10,000 results, the same window
as paging: each page of a word search is scored and highlighted, which is
too dear to do for a whole 50k catalogue on every request.

Memory stays constant whatever the catalogue size: records are read 500 at a
time through `pulse.index.search` and written out as they come. The reading
happens in one worker thread per download over one pinned Whoosh searcher
(`_PinnedStore`), because a Whoosh searcher must not be shared between
threads and a streamed response is otherwise iterated from whichever thread
is free; pinning also makes a download one consistent snapshot even if a
harvest commits half-way through it. A bounded queue hands chunks to the
response, so a slow client slows the reader instead of filling memory.

CSV choices: UTF-8 *with* a byte order mark, so Excel shows Welsh and other
non-ASCII names correctly when the file is double-clicked (Python reads it
with `encoding="utf-8-sig"`, pandas and LibreOffice skip the mark); RFC 4180
quoting by the csv module (every field quoted when needed, CRLF line ends);
topics joined with ";"; booleans as `true`/`false`. Cells that start with
`=`, `+`, `-`, `@`, tab or carriage return get a leading `'` so a
spreadsheet shows them as text instead of running them as formulas (OWASP's
advice on CSV injection). The JSON download is not altered: it is data.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import queue
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Message, Send

from pulse.core.errors import ServiceBusy
from pulse.core.query import MAX_RESULT_WINDOW, SearchRequest
from pulse.core.record import Repo
from pulse.index import IndexStore, check_query, iter_pages, pinned

log = logging.getLogger(__name__)

CHUNK = 500  # records read per search() call
FLUSH_BYTES = 64 * 1024  # bytes written per response chunk
QUEUE_CHUNKS = 8  # chunks buffered between reader and client: at most ~512 KB per download
MAX_DOWNLOADS = 4  # downloads read at once; the next waits SLOT_WAIT_SECONDS, then gets a 503

CSV_COLUMNS = (
    "id",
    "full_name",
    "owner",
    "name",
    "url",
    "description",
    "homepage",
    "language",
    "licence",
    "topics",
    "stars",
    "forks",
    "open_issues",
    "archived",
    "is_template",
    "fork",
    "created_at",
    "pushed_at",
    "updated_at",
    "publisher",
    "publisher_type",
    # Added with identity across forges and listed resources (columns are only ever appended).
    "key",
    "kind",
    "resource_type",
    "host",
    "page_url",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def iter_matches(store: IndexStore, request: SearchRequest) -> Iterator[Repo]:
    """Every record a download of `request` holds, in the search's order (see the module docstring)."""
    view = pinned(store)
    limit = MAX_RESULT_WINDOW if request.q else None
    emitted = 0
    for page in iter_pages(view, request, per_page=CHUNK, limit=limit):
        for hit in page.hits:
            if limit is not None and emitted >= limit:
                return
            yield hit.repo
            emitted += 1


def download_request(request: Request) -> SearchRequest:
    """The search a download URL asks for (validated like /search; page and per_page do not apply)."""
    return replace(SearchRequest.from_params(request.query_params), page=1)


# -- formats -----------------------------------------------------------------------


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell, with spreadsheet formulas neutralised."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_row(repo: Repo) -> list[Any]:
    data = repo.to_dict(with_readme=False)
    data["topics"] = ";".join(repo.topics)
    return [csv_cell(data[column]) for column in CSV_COLUMNS]


def csv_chunks(records: Iterator[Repo]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # excel dialect: RFC 4180 quoting, CRLF
    buffer.write(BOM)
    writer.writerow(CSV_COLUMNS)
    for repo in records:
        writer.writerow(csv_row(repo))
        if buffer.tell() >= FLUSH_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def json_record(repo: Repo) -> dict[str, Any]:
    """A download's JSON record: an /api/search result without its snippet."""
    return repo.to_dict(with_readme=False)


def json_chunks(records: Iterator[Repo]) -> Iterator[bytes]:
    parts: list[str] = ["["]
    size = 1
    first = True
    for repo in records:
        text = ("\n" if first else ",\n") + json.dumps(json_record(repo), ensure_ascii=False)
        first = False
        parts.append(text)
        size += len(text)
        if size >= FLUSH_BYTES:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    parts.append("\n]\n")
    yield "".join(parts).encode("utf-8")


# -- streaming: one reader thread per download, a bounded queue to the client -------

# At most MAX_DOWNLOADS downloads read the index at once. A slot is taken before the response
# starts (so a full house is a 503 with Retry-After, not a silent wait) and given back when the
# reader thread ends: finished, client gone, or client stalled.
_slots = threading.BoundedSemaphore(MAX_DOWNLOADS)
SLOT_WAIT_SECONDS = 2.0  # a download waits this long for a free slot, then is told to come back
RETRY_AFTER_SECONDS = 30
_DONE = object()
_EMPTY = object()


class Abandoned(Exception):
    """The reader of a download gave up (its client stalled): the response must not end cleanly."""


class DownloadStream:
    """Run the blocking generator `produce()` wholly in one reader thread; hand its chunks on.

    Back-pressure: the reader waits while QUEUE_CHUNKS chunks are unread. A reader that can
    put nothing for `stall_seconds` (the client stopped reading, or went away) gives up and
    frees its slot; so do the client-gone and finished cases. `slot_release` runs exactly once.
    """

    def __init__(
        self, produce: Callable[[], Iterator[bytes]], *, stall_seconds: float, slot_release: Callable[[], None]
    ) -> None:
        self._produce = produce
        self._stall = stall_seconds
        self._release = slot_release
        self._chunks: queue.Queue[object] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._read, name="pulse-download", daemon=True).start()

    def _put(self, item: object) -> bool:
        waited = 0.0
        while not self._stop.is_set():
            try:
                self._chunks.put(item, timeout=0.25)
                return True
            except queue.Full:
                waited += 0.25
                if waited >= self._stall:
                    log.warning("download abandoned: its client read nothing for %.0f s", self._stall)
                    self._stop.set()
        return False

    def _read(self) -> None:
        try:
            for chunk in self._produce():
                if not self._put(chunk):
                    return
        except BaseException as exc:  # handed to the response, which aborts the connection
            self._put(exc)
        else:
            self._put(_DONE)
        finally:
            self._release()

    def _get(self) -> object:
        try:
            return self._chunks.get(timeout=0.5)
        except queue.Empty:
            return _EMPTY

    async def chunks(self) -> AsyncIterator[bytes]:
        """The chunks; ends after the last one, or raises Abandoned if the reader gave up."""
        try:
            while True:
                item = await anyio.to_thread.run_sync(self._get)
                if item is _EMPTY:
                    if self._stop.is_set() and self._chunks.empty():
                        raise Abandoned()  # never end a cut-short download as if it were whole
                    continue
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, bytes)
                yield item
        finally:
            self._stop.set()


class GuardedStreamingResponse(StreamingResponse):
    """A StreamingResponse that gives up on a client that reads nothing for `stall_seconds`.

    Starlette's own loop would wait in `send` for as long as the client keeps the connection
    open; here each send has a deadline, and on a stall the response ends unfinished, so
    uvicorn closes the connection."""

    def __init__(self, content: AsyncIterator[bytes], *, stall_seconds: float, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.stall_seconds = stall_seconds

    async def stream_response(self, send: Send) -> None:
        async def guarded(message: Message) -> bool:
            with anyio.move_on_after(self.stall_seconds):
                await send(message)
                return True
            log.warning("download response abandoned: its client read nothing for %.0f s", self.stall_seconds)
            return False

        if not await guarded({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}):
            return
        try:
            async for chunk in self.body_iterator:
                if not await guarded({"type": "http.response.body", "body": chunk, "more_body": True}):
                    return
        except Abandoned:
            return  # unfinished: uvicorn closes the connection, and the client sees a cut, not an end
        await guarded({"type": "http.response.body", "body": b"", "more_body": False})


def _filename(search: SearchRequest, extension: str) -> str:
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    if not search.q and not search.filters:
        return f"pulse-catalogue-{today}.{extension}"
    slug = re.sub(r"[^a-z0-9]+", "-", search.q.lower()).strip("-")[:40].strip("-")
    return f"pulse-search-{slug + '-' if slug else ''}{today}.{extension}"


def _download(
    request: Request, extension: str, media_type: str, chunks: Callable[[Iterator[Repo]], Iterator[bytes]]
) -> StreamingResponse:
    search = download_request(request)  # a bad parameter is a 400 before anything is sent
    store: IndexStore = request.app.state.store
    check_query(store, search)  # and so are words that do not parse ("NOT NOT a")
    stall: float = request.app.state.settings.download_stall_seconds
    if not _slots.acquire(timeout=SLOT_WAIT_SECONDS):
        raise ServiceBusy(
            f"{MAX_DOWNLOADS} downloads are already running; please try again in a minute.",
            retry_after=RETRY_AFTER_SECONDS,
        )
    stream = DownloadStream(
        lambda: chunks(iter_matches(store, search)), stall_seconds=stall, slot_release=_slots.release
    )
    stream.start()
    headers = {"Content-Disposition": f'attachment; filename="{_filename(search, extension)}"'}
    return GuardedStreamingResponse(stream.chunks(), stall_seconds=stall, media_type=media_type, headers=headers)


def search_csv(request: Request) -> StreamingResponse:
    return _download(request, "csv", "text/csv; charset=utf-8", csv_chunks)


def search_json(request: Request) -> StreamingResponse:
    return _download(request, "json", "application/json", json_chunks)
