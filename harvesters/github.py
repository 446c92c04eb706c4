"""GitHub organisations, harvested with PyGithub.

Only attributes that the org repo list response already carries are read,
so PyGithub's lazy loading never adds a request per repo. A repo that is new
or was pushed to since the last harvest costs two requests: its README, and
its root file listing (contributing guide, tests, CI) or, for a fork, its
upstream, which list responses lack. An unchanged org costs its list pages
and nothing more. Requests are serial, as GitHub asks.

Requests are counted (for the run report) at urllib3's `Retry` policy, the
documented seam PyGithub accepts as `retry=`: urllib3 calls `is_retry()` once
per response it receives and `increment()` for every attempt, so a subclass of
PyGithub's own `GithubRetry` sees every request, retries included, without
touching PyGithub's internals. (A requests transport adapter would need
PyGithub's private session; a response hook sees no failed connections.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import NamedTuple

from github import Auth, Github, GithubException, GithubRetry, RateLimitExceededException
from github.Repository import Repository

from pulse.core.errors import RateLimited, SourceError
from pulse.core.metadata import MAX_METADATA_BYTES, METADATA_FILES, parse_metadata
from pulse.core.record import GITHUB_HOST, NO_README, Repo, cap_readme, web_url
from pulse.core.registration import AccountProfile
from pulse.core.settings import Settings
from pulse.core.sources import Publisher, Source
from pulse.core.vocabulary import github_login_problem
from pulse.harvesters.signals import TEST_DIRS, TEST_OR_CI_FILES

log = logging.getLogger(__name__)

# GitHub logins: alphanumerics and single hyphens, at most 39 characters.
# GitHub's contents API stops inlining file bodies above 1 MB; PyGithub's
# decoded_content then asserts, so bigger READMEs are skipped on purpose.
_UNKNOWN_SIGNALS: tuple[bool | None, bool | None] = (None, None)  # contributing guide, tests or CI
_NO_METADATA: tuple[str, dict[str, str | list[str]], str] = ("", {}, "")  # file, metadata, problem
README_MAX_BYTES = 1_000_000


class OrganisationProfile(NamedTuple):
    """An organisation's profile as the evidence checks read it, and the name it gives itself."""

    profile: AccountProfile
    name: str  # "" when the organisation gives none


class GitHubHarvester:
    """Lists every public repo of a GitHub organisation and reads its README."""

    kind = "github"

    def __init__(self, settings: Settings) -> None:
        self._requests = [0]  # counted by the retry policy below (see _counting_retry)
        self.problems: list[str] = []  # GitHub sources have none yet: every listed repo is used
        auth = Auth.Token(settings.github_token) if settings.github_token else None
        # Bounded waits: PyGithub would otherwise sleep up to an hour, silently.
        retry = _counting_retry(self._requests)(
            total=settings.github_retries,
            backoff_factor=0.5,
            secondary_rate_wait=min(60.0, settings.github_max_rate_limit_wait),
            max_rate_limit_wait=settings.github_max_rate_limit_wait,
        )
        self._github = Github(
            base_url=settings.github_api_url,
            auth=auth,
            per_page=100,
            timeout=settings.github_timeout,
            retry=retry,
            seconds_between_requests=settings.github_request_interval,
            user_agent="Pulse (UK public-sector code index)",
        )

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries included: what the rate limit sees."""
        return self._requests[0]

    @staticmethod
    def check_target(target: str) -> str | None:
        return github_login_problem(target)

    def account(self, login: str) -> AccountProfile | None:
        """The profile of a GitHub login (organisation or user), or None if there is none: the
        registration checks' one read. SourceError when GitHub could not be asked."""
        try:
            user = self._github.get_user(login)  # /users/{login}: organisations too, with their type
            kind = user.type
            if kind == "Organization":
                org = self._github.get_organization(login)
                return AccountProfile(
                    login=org.login, kind=kind, is_verified=org.is_verified, blog=org.blog or "",
                    email=org.email or "", public_repos=org.public_repos or 0, created_at=_iso(org.created_at),
                )  # fmt: skip
            return AccountProfile(
                login=user.login, kind=kind or "User", is_verified=None, blog=user.blog or "",
                email=user.email or "", public_repos=user.public_repos or 0, created_at=_iso(user.created_at),
            )  # fmt: skip
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise SourceError(_describe(exc, login), status=exc.status) from exc
        except OSError as exc:  # refused, timeout, DNS, and requests' RetryError after persistent 5xx
            raise SourceError(f"GitHub '{login}': network error or server error after retries") from exc

    # -- discovery (pulse discover): each method is one request, so a caller can keep to a budget --

    def organisation(self, login: str) -> OrganisationProfile | None:
        """An organisation's profile and display name from `/orgs/{login}` alone (one request, where
        `account` takes two); None when no organisation has that login."""
        try:
            org = self._github.get_organization(login)
            profile = AccountProfile(
                login=org.login, kind="Organization", is_verified=org.is_verified, blog=org.blog or "",
                email=org.email or "", public_repos=org.public_repos or 0, created_at=_iso(org.created_at),
            )  # fmt: skip
            return OrganisationProfile(profile, (org.name or "").strip())
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise _source_error(exc, login) from exc
        except (OSError, ValueError) as exc:
            raise SourceError(f"GitHub '{login}': network error or malformed response: {type(exc).__name__}") from exc

    def fork_owners(self, full_name: str, page: int = 0) -> list[tuple[str, str]]:
        """One page (per_page 100, newest first) of the forks of "owner/name" as (owner login, owner
        type), from the list response alone: one request. [] when the repo is gone (404)."""
        try:
            forks = self._github.withLazy(True).get_repo(full_name).get_forks()  # lazy: no GET of the repo
            return [(fork.owner.login, fork.owner.type or "") for fork in forks.get_page(page)]
        except GithubException as exc:
            if exc.status == 404:
                return []
            raise _source_error(exc, full_name) from exc
        except (OSError, ValueError) as exc:
            raise SourceError(f"GitHub '{full_name}' forks: network error or malformed response") from exc

    def search_organisations(self, words: str, page: int = 0) -> list[str]:
        """Logins of one page (per_page 100) of GitHub's user search for `words` among organisations
        (`type:org`): one request. A match is a lead, not evidence; the profile decides."""
        try:
            found = self._github.search_users(f"{words} type:org").get_page(page)
            return [user.login for user in found if (user.type or "Organization") == "Organization"]
        except GithubException as exc:
            raise _source_error(exc, f"search {words}") from exc
        except (OSError, ValueError) as exc:
            raise SourceError(f"GitHub search '{words}': network error or malformed response") from exc

    def harvest(self, publisher: Publisher, source: Source, previous: Mapping[str, Repo]) -> Iterator[Repo]:
        target = source.target
        harvested_at = _iso(datetime.now(UTC))
        try:
            repos = self._github.get_organization(target).get_repos(type="public")
            for repo in repos:
                yield self._record(repo, publisher, target, harvested_at, previous.get(f"{GITHUB_HOST}:{repo.id}"))
        except RateLimitExceededException as exc:
            raise RateLimited(
                f"GitHub rate limit reached while harvesting '{target}'; "
                "the run stopped and resumes from here next time",
                exc.status,
            ) from exc
        except GithubException as exc:
            raise SourceError(_describe(exc, target), exc.status) from exc
        except OSError as exc:  # refused, timeout, DNS, and requests' RetryError after persistent 5xx
            raise SourceError(
                f"GitHub '{target}': network error or server error after retries: {type(exc).__name__}"
            ) from exc
        except ValueError as exc:  # PyGithub lets a malformed JSON body through as JSONDecodeError
            raise SourceError(f"GitHub '{target}': malformed response: {exc}") from exc

    def _record(
        self, repo: Repository, publisher: Publisher, target: str, harvested_at: str, before: Repo | None
    ) -> Repo:
        pushed_at = _iso(repo.pushed_at)
        unchanged = before is not None and before.pushed_at == pushed_at
        if before is not None and unchanged and before.readme_sha:
            readme, readme_sha = before.readme, before.readme_sha  # nothing pushed: README unchanged
        else:
            readme, readme_sha = self._readme(repo, before)
        fork_of, signals, about = "", _UNKNOWN_SIGNALS, _NO_METADATA
        if repo.fork:
            # Known upstreams are kept; an unknown one is asked again only after a push,
            # so a fork whose upstream is gone does not cost a request every night.
            fork_of = before.fork_of if before is not None and (before.fork_of or unchanged) else self._upstream(repo)
        elif before is not None and unchanged:
            signals = (before.has_contributing, before.has_tests)
            about = (before.metadata_file, before.metadata, before.metadata_problem)
        else:
            # The second request of a new or pushed repo (a fork's is its upstream):
            # the root listing says whether there is a contributing guide, tests or CI,
            # and which metadata file to read (one more request, only when there is one).
            signals, metadata_file = self._listing(repo)
            about = self._metadata(repo, metadata_file) if metadata_file else _NO_METADATA
        licence = repo.license.spdx_id if repo.license else ""
        if licence == "NOASSERTION":  # GitHub's "a licence file we could not identify"
            licence = "Other"
        return Repo(
            id=repo.id,
            owner=repo.owner.login,
            name=repo.name,
            url=web_url(repo.html_url),
            source=f"{self.kind}:{target.lower()}",
            publisher=publisher.name,
            publisher_type=publisher.type,
            description=repo.description or "",
            homepage=web_url(repo.homepage),
            topics=tuple(repo.topics or ()),
            language=repo.language or "",
            licence=licence or "",
            stars=repo.stargazers_count or 0,
            forks=repo.forks_count or 0,
            open_issues=repo.open_issues_count or 0,
            archived=bool(repo.archived),
            is_template=bool(repo.is_template),
            fork=bool(repo.fork),
            created_at=_iso(repo.created_at),
            pushed_at=pushed_at,
            updated_at=_iso(repo.updated_at),
            default_branch=repo.default_branch or "",
            readme=readme,
            readme_sha=readme_sha,
            harvested_at=harvested_at,
            fork_of=fork_of,
            has_contributing=signals[0],
            has_tests=signals[1],
            metadata_file=about[0],
            metadata=dict(about[1]),
            metadata_problem=about[2],
        )

    def _listing(self, repo: Repository) -> tuple[tuple[bool | None, bool | None], str]:
        """((has a contributing guide, has tests or CI), the metadata file to read or "") from the
        root listing; unknown signals are None."""
        try:
            entries = repo.get_contents("")
        except RateLimitExceededException:
            raise
        except (GithubException, OSError, ValueError) as exc:
            if not (isinstance(exc, GithubException) and exc.status == 404):  # 404: an empty repo
                log.warning("file listing of %s not read: %s", repo.full_name, type(exc).__name__)
            return (None, None), ""
        names = {(e.name.lower(), e.type) for e in (entries if isinstance(entries, list) else [entries])}
        contributing = any(n.startswith("contributing") and t == "file" for n, t in names)
        tests = any((t == "dir" and n in TEST_DIRS) or n in TEST_OR_CI_FILES for n, t in names)
        # The first metadata file present, in METADATA_FILES' order; `.dwp/...` needs its folder.
        present = {n for n, t in names if t == "file"} | {f"{n}/" for n, t in names if t == "dir"}
        chosen = next((f for f in METADATA_FILES if f.lower() in present or f.split("/")[0] + "/" in present), "")
        return (contributing, tests), chosen

    def _metadata(self, repo: Repository, filename: str) -> tuple[str, dict[str, str | list[str]], str]:
        """(file, normalised metadata, problem) of the project's own metadata file: one request."""
        try:
            content = repo.get_contents(filename)
        except RateLimitExceededException:
            raise
        except GithubException as exc:
            if exc.status == 404:  # a `.dwp/` folder without the metadata file in it
                return _NO_METADATA
            return filename, {}, f"{filename} could not be read from GitHub ({exc.status})"
        except (OSError, ValueError) as exc:
            return filename, {}, f"{filename} could not be read from GitHub ({type(exc).__name__})"
        if isinstance(content, list) or content.size > MAX_METADATA_BYTES or content.encoding != "base64":
            return filename, {}, f"{filename} is too large or not a file (the limit is {MAX_METADATA_BYTES:,} bytes)"
        try:
            text = _decode(content.decoded_content)
        except (ValueError, TypeError, AssertionError):
            return filename, {}, f"{filename} could not be decoded"
        metadata, problem = parse_metadata(filename, text)
        return filename, metadata, problem

    def _upstream(self, repo: Repository) -> str:
        """A fork's upstream "Owner/name": one request, once per fork (list responses lack `parent`)."""
        try:
            parent = repo.parent
            return parent.full_name if parent is not None else ""
        except RateLimitExceededException:
            raise
        except (GithubException, OSError, ValueError) as exc:
            log.warning("upstream of fork %s not read: %s", repo.full_name, type(exc).__name__)
            return ""  # unknown: asked again next run

    def _readme(self, repo: Repository, before: Repo | None) -> tuple[str, str]:
        """(README text, its sha); NO_README when there is none (404) or the repo is empty (409).

        When the README cannot be read this time, the previous text is kept
        with an unknown sha, so the next run tries again and nothing is lost.
        """
        kept = (before.readme, "") if before is not None else ("", "")
        try:
            content = repo.get_readme()
        except RateLimitExceededException:
            raise
        except GithubException as exc:
            if exc.status in (404, 409):
                return "", NO_README
            log.warning("README of %s not read: %s", repo.full_name, _describe(exc, repo.full_name))
            return kept
        except (OSError, ValueError) as exc:
            log.warning("README of %s not read: %s", repo.full_name, type(exc).__name__)
            return kept
        if content.size > README_MAX_BYTES or content.encoding != "base64":
            log.warning(
                "README of %s skipped: %s bytes, over the %s byte limit", repo.full_name, content.size, README_MAX_BYTES
            )
            return "", content.sha or NO_README
        try:
            raw = content.decoded_content
        except (ValueError, TypeError, AssertionError) as exc:  # corrupt base64
            log.warning("README of %s not decoded: %s", repo.full_name, exc)
            return kept
        return cap_readme(_decode(raw)), content.sha or NO_README


def _decode(raw: bytes) -> str:
    """README bytes as text: UTF-8 (with or without BOM), else Windows-1252, which never fails here."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _counting_retry(counter: list[int]) -> type[GithubRetry]:
    """A GithubRetry that counts every HTTP attempt into `counter`: what the rate limit sees.

    The seam is urllib3's documented Retry interface, which PyGithub hands every request:
    urllib3 asks `is_retry` once for each response it receives (final, retried or
    redirected: requests follows redirects itself, each a new request), and calls
    `increment` with an error and no response for an attempt that got no answer (refused,
    timed out). No PyGithub internals are touched.
    """

    class CountingRetry(GithubRetry):
        def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
            counter[0] += 1
            return bool(super().is_retry(method, status_code, has_retry_after))

        def increment(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            response = kwargs.get("response", args[2] if len(args) > 2 else None)
            if response is None:
                counter[0] += 1  # an attempt with no response: not seen by is_retry
            return super().increment(*args, **kwargs)  # raises when no retry is left

    return CountingRetry


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _source_error(exc: GithubException, target: str) -> SourceError:
    """A PyGithub error as Pulse's: RateLimited when the quota is spent, so a caller can stop cleanly."""
    if isinstance(exc, RateLimitExceededException):
        return RateLimited(f"GitHub rate limit reached at '{target}'", exc.status)
    return SourceError(_describe(exc, target), exc.status)


def _describe(exc: GithubException, target: str) -> str:
    """A one-line reason that never includes request headers (the token)."""
    message = exc.data.get("message") if isinstance(exc.data, dict) else None
    reasons = {401: "bad or expired GITHUB_TOKEN", 403: "forbidden or rate limited", 404: "not found"}
    reason = message or reasons.get(exc.status, "request failed")
    return f"GitHub '{target}': HTTP {exc.status}: {reason}"
