"""Pulse's domain errors: one small hierarchy, translated once at each edge.

    PulseError
    ├── ConfigError     sources.yaml or settings are wrong   -> CLI message, exit 2
    ├── SourceError     one source could not be harvested     -> reported, run goes on
    │   └── RateLimited the API quota is spent for longer than we wait -> run stops cleanly, resumes next time
    ├── HarvestLocked   another harvest holds the lock            -> CLI exit 3
    ├── QueryError      a search request is not acceptable   -> HTTP 400
    ├── NotFound        no such repository or page            -> HTTP 404
    └── ServiceBusy     every slot for a costly request is taken -> HTTP 503 with Retry-After

The web app turns these into an error page or the one JSON error shape; the
CLI into a one-line message and a non-zero exit code.
"""

from __future__ import annotations


class PulseError(Exception):
    """Base of every error Pulse raises on purpose."""


class ConfigError(PulseError):
    """A configuration file is malformed; the message names file, line and key."""

    def __init__(self, path: str, line: int | None, key: str, problem: str) -> None:
        self.path, self.line, self.key, self.problem = path, line, key, problem
        where = f"{path}, line {line}" if line else path
        super().__init__(f"{where}: {key}: {problem}")


class SourceError(PulseError):
    """A source (e.g. one GitHub organisation) could not be harvested."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status when there was one (404: the source is gone)


class RateLimited(SourceError):
    """The API quota ran out and resets later than we are willing to wait."""


class HarvestLocked(PulseError):
    """Another harvest (or import) is writing this data directory."""


class QueryError(PulseError):
    """A search request that Pulse will not run, with a message for the user."""


class NotFound(PulseError):
    """The thing asked for does not exist."""


class ServiceBusy(PulseError):
    """Too many costly requests (downloads) at once; the client should come back later."""

    def __init__(self, message: str, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FieldError(QueryError):
    """A submitted form field is invalid: a 400 that names the field, before any network call."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
