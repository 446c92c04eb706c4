"""How `pulse serve` runs the app under uvicorn, with limits a public server needs.

One function builds the uvicorn configuration, so `pulse serve` and the
tests' live servers run with the same limits:

- `limit_concurrency` (PULSE_LIMIT_CONCURRENCY, default 200): connections
  and requests at once; beyond it uvicorn answers 503 instead of queueing
  without bound.
- a header-read timeout (PULSE_HEADER_TIMEOUT, default 10 s): a client has
  that long to send a request's headers, from the moment it connects or
  its previous response ended. uvicorn has no such setting (its keep-alive
  timeout stops at the first byte), so a slow client sending one byte every
  few seconds could hold a connection for ever. `HeaderTimeoutH11` adds it
  on the asyncio Protocol interface (`connection_made`, `data_received`,
  `connection_lost`) and uvicorn's documented `on_response_complete` hook,
  and uses no private attribute of uvicorn's.
- keep-alive 5 s; request heads at most 16 KB (h11's limit, uvicorn's
  default, made explicit); no `server` banner.

Behind nginx (deploy/nginx.conf) the same limits are set at the edge.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from pulse.core.settings import Settings

KEEP_ALIVE_SECONDS = 5
MAX_HEAD_BYTES = 16 * 1024
_END_OF_HEAD = b"\r\n\r\n"


class HeaderTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers."""

    header_timeout: float = 10.0  # set per server by `uvicorn_config`

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._head_tail = b""  # the last bytes seen, to find the end of a head split across reads
        self._conn_transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._conn_transport = transport
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._deadline is not None:
            seen = self._head_tail + data
            if _END_OF_HEAD in seen:
                self._disarm()
            else:
                self._head_tail = seen[-3:]
        super().data_received(data)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request on this keep-alive connection gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_tail = b""
        self._deadline = asyncio.get_running_loop().call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self._conn_transport is not None and not self._conn_transport.is_closing():
            self._conn_transport.close()


def uvicorn_config(
    settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info", demo: bool = True
) -> uvicorn.Config:
    """The uvicorn configuration of `pulse serve` (also used by the tests' live servers)."""
    from pulse.web.app import create_app

    protocol = type("PulseH11", (HeaderTimeoutH11,), {"header_timeout": settings.header_timeout})
    return uvicorn.Config(
        create_app(settings, demo=demo),
        host=host,
        port=port,
        log_level=log_level,
        lifespan="on",
        http=protocol,
        limit_concurrency=settings.limit_concurrency,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        server_header=False,
    )


def run_server(settings: Settings, *, host: str, port: int) -> None:
    """Serve until interrupted."""
    uvicorn.Server(uvicorn_config(settings, host=host, port=port)).run()
