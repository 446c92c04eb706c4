"""Rate limits on what strangers can make Pulse do: registrations and sign-ins.

Counted in this process's memory with the `limits` library (moving windows), so
each worker of a multi-worker server counts for itself: the effective limit is
the configured one times the number of workers, which is still a bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from limits import RateLimitItem, parse, storage, strategies
from starlette.requests import Request

from pulse.core.settings import Settings


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int  # seconds


class Throttle:
    """Per-client and global limits, from the settings' rates."""

    def __init__(self, settings: Settings) -> None:
        self._limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
        self._registration_ip = parse(settings.registration_rate_per_ip)
        self._registration_all = parse(settings.registration_rate_global)
        self._sign_in_ip = parse(settings.sign_in_rate_per_ip)

    def registration(self, request: Request) -> Refusal | None:
        """Count one submission from this client; a Refusal when it or everyone has sent too many."""
        if not self._hit(self._registration_all, "registration", "all"):
            return self._refusal(
                self._registration_all, "Pulse is receiving too many registrations just now", "registration", "all"
            )
        if not self._hit(self._registration_ip, "registration", _client(request)):
            return self._refusal(
                self._registration_ip, "Too many registrations from your address", "registration", _client(request)
            )
        return None

    def sign_in(self, request: Request) -> Refusal | None:
        if not self._hit(self._sign_in_ip, "sign-in", _client(request)):
            return self._refusal(
                self._sign_in_ip, "Too many sign-in attempts from your address", "sign-in", _client(request)
            )
        return None

    def _hit(self, item: RateLimitItem, *keys: str) -> bool:
        return self._limiter.hit(item, *keys)

    def _refusal(self, item: RateLimitItem, what: str, *keys: str) -> Refusal:
        reset = self._limiter.get_window_stats(item, *keys).reset_time
        wait = max(1, int(reset - time.time()) + 1)
        return Refusal(f"{what}. Please try again in {_duration(wait)}.", wait)


def _client(request: Request) -> str:
    """The client's address (uvicorn sets it from X-Forwarded-For only behind a trusted proxy)."""
    return request.client.host if request.client else "unknown"


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    if seconds < 5400:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"
