"""The fake GitHub must behave like GitHub *as PyGithub sees it*.

These tests drive the real ``github`` package against FakeGitHub over HTTP,
so a harvester test that passes against the fake exercises the same
pagination, error and rate-limit paths it will meet in production.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)

try:
    from fake_github import FakeGitHub, build_world, git_blob_sha, link_header
except ImportError:  # tests/ became a package
    from tests.fake_github import FakeGitHub, build_world, git_blob_sha, link_header


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


def client(fake: FakeGitHub, **kwargs: Any) -> Github:
    """A real PyGithub client pointed at the fake.

    retry=None unless a test wants PyGithub's own retries; seconds_between_requests=0
    because PyGithub otherwise sleeps 0.25 s before every request.
    """
    kwargs.setdefault("retry", None)
    kwargs.setdefault("seconds_between_requests", 0)
    return Github(base_url=fake.url, auth=Auth.Token("ghp_fake"), **kwargs)


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Plain stdlib GET, to check wire details PyGithub hides."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


# ------------------------------------------------------------------ listing


def test_pagination_250_repos_in_3_list_requests(fake: FakeGitHub) -> None:
    for i in range(250):
        fake.add_repo("camden-council", f"repo-{i:03}")
    gh = client(fake, per_page=100)
    org = gh.get_organization("camden-council")
    fake.reset_counts()

    names = [r.name for r in org.get_repos()]

    assert len(names) == 250 == len(set(names))
    list_requests = [r for r in fake.requests if r.path.endswith("/repos")]
    assert len(list_requests) == 3 == len(fake.requests)
    assert [r.query.get("page") for r in list_requests] == [None, "2", "3"]
    # PyGithub followed the Link URLs, which point back at the fake.
    assert fake.count("/organizations/") == 2


def test_default_page_size_is_30_and_total_count_reads_last_link(fake: FakeGitHub) -> None:
    for i in range(65):
        fake.add_repo("leeds", f"r{i}")
    status, headers, body = http_get(f"{fake.url}/orgs/leeds/repos")
    assert status == 200 and len(json.loads(body)) == 30
    assert 'rel="last"' in headers["Link"] and "page=3" in headers["Link"]

    gh = client(fake)
    fake.reset_counts()
    assert gh.get_organization("leeds").get_repos().totalCount == 65
    assert fake.requests[-1].query["per_page"] == "1"  # PyGithub's totalCount trick


def test_link_header_format_matches_github(fake: FakeGitHub) -> None:
    for i in range(250):
        fake.add_repo("camden", f"r{i}")
    org_id = fake.repo("camden", "r0")["owner"]["id"]
    base = f"{fake.url}/organizations/{org_id}/repos"

    _, h1, _ = http_get(f"{fake.url}/orgs/camden/repos?per_page=100")
    assert h1["Link"] == (f'<{base}?per_page=100&page=2>; rel="next", <{base}?per_page=100&page=3>; rel="last"')

    _, h2, _ = http_get(f"{fake.url}/orgs/camden/repos?type=all&per_page=100&page=2")
    assert h2["Link"] == (
        f'<{base}?type=all&per_page=100&page=1>; rel="prev", '
        f'<{base}?type=all&per_page=100&page=3>; rel="next", '
        f'<{base}?type=all&per_page=100&page=3>; rel="last", '
        f'<{base}?type=all&per_page=100&page=1>; rel="first"'
    )

    _, h3, body = http_get(f"{fake.url}/orgs/camden/repos?per_page=100&page=3")
    assert len(json.loads(body)) == 50
    assert 'rel="next"' not in h3["Link"] and 'rel="first"' in h3["Link"]

    assert link_header("http://x/r", {"per_page": "10"}, 1, 1) == ""


def test_single_page_has_no_link_header(fake: FakeGitHub) -> None:
    fake.add_repo("york", "only")
    status, headers, body = http_get(f"{fake.url}/orgs/york/repos")
    assert status == 200 and "Link" not in headers and len(json.loads(body)) == 1


def test_per_page_is_capped_at_100(fake: FakeGitHub) -> None:
    for i in range(120):
        fake.add_repo("kent", f"r{i}")
    _, _, body = http_get(f"{fake.url}/orgs/kent/repos?per_page=500")
    assert len(json.loads(body)) == 100


def test_list_items_carry_the_keys_real_list_responses_have(fake: FakeGitHub) -> None:
    fake.add_repo(
        "hackney",
        "bins",
        description="Bin day",
        topics=["waste"],
        license_spdx="MIT",
        stars=7,
        forks=2,
        archived=True,
        is_template=True,
    )
    fake.add_repo("hackney", "nolicence", license_spdx=None)
    _, _, body = http_get(f"{fake.url}/orgs/hackney/repos?sort=full_name")
    bins, nolic = json.loads(body)
    for key in ("license", "forks", "open_issues", "watchers", "topics", "is_template", "archived", "pushed_at"):
        assert key in bins
    assert bins["license"] == {
        "key": "mit",
        "name": "MIT License",
        "spdx_id": "MIT",
        "url": "https://api.github.com/licenses/mit",
        "node_id": bins["license"]["node_id"],
    }
    assert nolic["license"] is None
    assert bins["full_name"] == "hackney/bins"
    assert bins["url"] == f"{fake.url}/repos/hackney/bins"
    assert bins["owner"]["login"] == "hackney" and bins["owner"]["type"] == "Organization"
    assert (bins["stargazers_count"], bins["watchers_count"], bins["forks_count"]) == (7, 7, 2)
    assert bins["archived"] and bins["is_template"]
    assert "octocat" not in json.dumps(bins) and "Hello-World" not in json.dumps(bins)


def test_list_attributes_do_not_trigger_extra_requests(fake: FakeGitHub) -> None:
    """What a harvester reads from list items must not cost a GET per repo."""
    for i in range(5):
        fake.add_repo("bristol", f"r{i}", topics=["waste"], homepage="https://example.org")
    gh = client(fake)
    repos = list(gh.get_organization("bristol").get_repos())
    fake.reset_counts()
    for r in repos:
        (r.id, r.name, r.full_name, r.description, r.topics, r.language, r.license.spdx_id)
        (r.stargazers_count, r.forks_count, r.open_issues_count, r.watchers_count, r.archived)
        (r.is_template, r.fork, r.homepage, r.pushed_at, r.created_at, r.updated_at)
        (r.default_branch, r.html_url, r.size, r.owner.login, r.visibility, r.private)
    assert fake.count() == 0
    # ...but these are only in the full repository and cost one GET each, as on GitHub.
    repos[0].subscribers_count
    repos[1].raw_data
    assert fake.count("/repos/") == 2


def test_type_forks_and_sources_filter(fake: FakeGitHub) -> None:
    fake.add_repo("cardiff", "mine")
    fake.add_repo("cardiff", "theirs", fork=True)
    gh = client(fake)
    org = gh.get_organization("cardiff")
    assert [r.name for r in org.get_repos(type="forks")] == ["theirs"]
    assert [r.name for r in org.get_repos(type="sources")] == ["mine"]
    assert sorted(r.name for r in org.get_repos(type="all")) == ["mine", "theirs"]


def test_user_accounts(fake: FakeGitHub) -> None:
    fake.add_user("a-developer", repos=[{"name": "dotfiles"}])
    gh = client(fake)
    user = gh.get_user("a-developer")
    assert user.type == "User"
    assert [r.name for r in user.get_repos()] == ["dotfiles"]
    with pytest.raises(UnknownObjectException):
        gh.get_organization("a-developer")


# ------------------------------------------------------------------ objects


def test_unknown_org_raises_unknown_object(fake: FakeGitHub) -> None:
    gh = client(fake)
    with pytest.raises(UnknownObjectException) as exc:
        gh.get_organization("no-such-council")
    assert exc.value.status == 404
    assert exc.value.data["message"] == "Not Found"
    assert exc.value.data["status"] == "404"


def test_org_shape(fake: FakeGitHub) -> None:
    fake.add_org("camden", name="London Borough of Camden")
    fake.add_repo("camden", "a")
    fake.add_repo("camden", "b")
    org = client(fake).get_organization("CAMDEN")  # GitHub logins are case-insensitive
    assert org.login == "camden" and org.name == "London Borough of Camden"
    assert org.public_repos == 2
    assert org.repos_url == f"{fake.url}/orgs/camden/repos"
    assert org.type == "Organization"


def test_full_repository(fake: FakeGitHub) -> None:
    fake.add_repo("camden", "bins", language="TypeScript", stars=3, topics=["waste"])
    repo = client(fake).get_repo("camden/bins")
    assert repo.full_name == "camden/bins" and repo.language == "TypeScript"
    assert repo.stargazers_count == 3 and repo.topics == ["waste"]
    assert repo.organization.login == "camden"
    assert repo.subscribers_count == 0 and repo.license.spdx_id == "MIT"
    assert repo.get_topics() == ["waste"]
    # PyGithub injects "url" into any GET dict body lacking one, so languages gain a "url" key.
    assert [k for k in repo.get_languages() if k != "url"] == ["TypeScript"]
    assert repo.parent is None  # not a fork: absent, as in GitHub's non-fork response


def test_repo_by_id(fake: FakeGitHub) -> None:
    item = fake.add_repo("camden", "bins", id=4242)
    assert item["id"] == 4242
    assert client(fake).get_repo(4242).full_name == "camden/bins"


# ------------------------------------------------------------------ README


def test_readme_is_real_base64_like_github(fake: FakeGitHub) -> None:
    text = "# Bin collection day finder\n\n" + "Find your bin day by postcode. " * 20
    fake.add_repo("camden", "bins", readme=text)
    readme = client(fake).get_repo("camden/bins").get_readme()
    data = text.encode()
    assert readme.decoded_content == data
    assert readme.encoding == "base64" and readme.path == "README.md" and readme.name == "README.md"
    assert readme.size == len(data)
    assert readme.sha == git_blob_sha(data)
    lines = readme.content.split("\n")
    assert lines[-1] == "" and all(len(line) == 60 for line in lines[:-2])
    assert base64.b64decode(readme.content) == data
    assert readme.download_url.endswith("/camden/bins/main/README.md")


def test_readme_non_ascii_bytes(fake: FakeGitHub) -> None:
    data = "# Gwasanaeth biniau — Cardiff £5\n".encode()
    fake.add_repo("cardiff", "biniau", readme=data)
    readme = client(fake).get_repo("cardiff/biniau").get_readme()
    assert readme.decoded_content == data and readme.size == len(data)


def test_readme_raw_media_type(fake: FakeGitHub) -> None:
    fake.add_repo("camden", "bins", readme="# Bins\n")
    for accept in ("application/vnd.github.raw", "application/vnd.github.raw+json"):
        status, headers, body = http_get(f"{fake.url}/repos/camden/bins/readme", {"Accept": accept})
        assert status == 200 and body == b"# Bins\n"
        assert headers["Content-Type"].startswith("text/plain")


def test_readme_missing_is_404_and_empty_repo_is_409(fake: FakeGitHub) -> None:
    fake.add_repo("camden", "noreadme", readme=None)
    fake.add_repo("camden", "empty", empty=True)
    gh = client(fake)

    with pytest.raises(GithubException) as missing:
        gh.get_repo("camden/noreadme").get_readme()
    assert missing.value.status == 404
    assert isinstance(missing.value, UnknownObjectException)
    assert missing.value.data == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest/repos/contents#get-a-repository-readme",
        "status": "404",
    }

    with pytest.raises(GithubException) as empty:
        gh.get_repo("camden/empty").get_readme()
    assert empty.value.status == 409
    assert empty.value.data["message"] == "This repository is empty."


# ------------------------------------------------------------------ headers, ETag, rate limit


def test_rate_limit_headers_on_every_response(fake: FakeGitHub) -> None:
    fake.add_repo("camden", "a")
    s1, h1, _ = http_get(f"{fake.url}/repos/camden/a")
    s2, h2, _ = http_get(f"{fake.url}/repos/camden/missing")
    assert (s1, s2) == (200, 404)
    for h in (h1, h2):
        assert h["X-RateLimit-Limit"] == "5000" and h["X-RateLimit-Resource"] == "core"
        assert int(h["X-RateLimit-Reset"]) > 0
        assert h["Content-Type"] == "application/json; charset=utf-8"
        assert int(h["Content-Length"]) > 0
    assert int(h2["X-RateLimit-Remaining"]) == int(h1["X-RateLimit-Remaining"]) - 1
    assert int(h2["X-RateLimit-Used"]) == int(h1["X-RateLimit-Used"]) + 1
    assert h1["ETag"].startswith('W/"')


def test_pygithub_sees_rate_limit_and_rate_limit_endpoint_is_free(fake: FakeGitHub) -> None:
    fake.add_repo("camden", "a")
    gh = client(fake)
    gh.get_repo("camden/a")
    remaining, limit = gh.rate_limiting
    assert limit == 5000 and remaining == fake.rate_remaining
    core = gh.get_rate_limit().resources.core
    assert core.remaining == remaining and core.limit == 5000
    assert gh.get_rate_limit().resources.core.remaining == remaining  # /rate_limit costs nothing


def test_etag_304_not_counted_against_the_limit(fake: FakeGitHub) -> None:
    fake.add_repo("camden", "a")
    gh = client(fake)
    repo = gh.get_repo("camden/a")
    before = fake.rate_remaining
    assert repo.update() is False  # PyGithub sent If-None-Match and got 304
    assert fake.requests[-1].headers["if-none-match"] == repo.etag
    assert fake.rate_remaining == before

    fake.update_repo("camden", "a", description="changed")
    assert repo.update() is True and repo.description == "changed"
    assert fake.rate_remaining == before - 1


def test_exhausted_budget_gives_primary_rate_limit(fake: FakeGitHub) -> None:
    fake.add_repo("camden", "a")
    fake.set_rate_limit(0)
    with pytest.raises(RateLimitExceededException) as exc:
        client(fake).get_repo("camden/a")
    assert exc.value.status == 403
    assert exc.value.headers["x-ratelimit-remaining"] == "0"


# ------------------------------------------------------------------ faults


def test_fault_injection_500_then_recover(fake: FakeGitHub) -> None:
    fake.add_org("broken")
    fake.fail("/orgs/broken", 500, times=1)
    gh = client(fake)
    with pytest.raises(GithubException) as exc:
        gh.get_organization("broken")
    assert exc.value.status == 500
    assert gh.get_organization("broken").login == "broken"


def test_default_pygithub_retry_hides_transient_5xx(fake: FakeGitHub) -> None:
    """Github()'s default GithubRetry retries 5xx itself: the server sees 3 requests."""
    fake.add_repo("camden", "a")
    fake.fail("/repos/camden/a", 502, times=2)
    gh = client(fake, retry=GithubRetry())
    fake.reset_counts()
    assert gh.get_repo("camden/a").name == "a"
    assert fake.count("/repos/camden/a") == 3


def test_persistent_5xx_with_default_retry_is_a_requests_error(fake: FakeGitHub) -> None:
    """Surprise: not a GithubException but requests' RetryError after 11 attempts."""
    fake.add_repo("camden", "a")
    fake.fail("/repos/", 500)
    gh = client(fake, retry=GithubRetry())
    with pytest.raises(requests.exceptions.RetryError):
        gh.get_repo("camden/a")
    assert fake.count("/repos/") == 11


def test_bad_credentials(fake: FakeGitHub) -> None:
    fake.add_org("camden")
    fake.fail("/", 401)
    with pytest.raises(BadCredentialsException) as exc:
        client(fake).get_organization("camden")
    assert exc.value.status == 401 and exc.value.data["message"] == "Bad credentials"


def test_primary_rate_limit_fault(fake: FakeGitHub) -> None:
    fake.add_org("camden")
    fake.fail_rate_limited("/orgs/", reset_in=3600)
    with pytest.raises(RateLimitExceededException) as exc:
        client(fake).get_organization("camden")
    assert exc.value.headers["x-ratelimit-remaining"] == "0"
    # With the default retry PyGithub would sleep until reset; capping the wait raises instead.
    capped = client(fake, retry=GithubRetry(max_rate_limit_wait=1))
    with pytest.raises(RateLimitExceededException):
        capped.get_organization("camden")


def test_secondary_rate_limit_403_and_429(fake: FakeGitHub) -> None:
    fake.add_org("camden")
    fake.fail_secondary("/orgs/", status=403, retry_after=30)
    with pytest.raises(RateLimitExceededException) as exc:
        client(fake).get_organization("camden")
    assert exc.value.headers["retry-after"] == "30"
    fake.clear_faults()

    fake.fail_secondary("/orgs/", status=429, retry_after=30)
    with pytest.raises(GithubException) as exc429:
        client(fake).get_organization("camden")
    assert exc429.value.status == 429
    fake.clear_faults()

    # The default retry honours Retry-After and then succeeds.
    fake.fail_secondary("/orgs/", retry_after=0, times=1)
    fake.reset_counts()
    assert client(fake, retry=GithubRetry()).get_organization("camden").login == "camden"
    assert fake.count("/orgs/camden") == 2


def test_malformed_json(fake: FakeGitHub) -> None:
    fake.add_org("camden")
    fake.fail("/orgs/camden", 200, body='{"login": "camden", ')
    with pytest.raises(ValueError):  # json.JSONDecodeError from PyGithub's parser
        client(fake).get_organization("camden")


def test_fault_matches_prefix_only_and_clear(fake: FakeGitHub) -> None:
    fake.add_repo("camden", "a")
    fake.fail("/orgs/camden/repos", 503)
    gh = client(fake)
    org = gh.get_organization("camden")  # /orgs/camden does not match the prefix
    with pytest.raises(GithubException) as exc:
        list(org.get_repos())
    assert exc.value.status == 503
    fake.clear_faults()
    assert [r.name for r in org.get_repos()] == ["a"]


# ------------------------------------------------------------------ world changes


def test_removed_repo_404s_and_leaves_listing(fake: FakeGitHub) -> None:
    fake.add_repo("camden", "a")
    fake.add_repo("camden", "b")
    fake.remove_repo("camden", "a")
    gh = client(fake)
    with pytest.raises(UnknownObjectException):
        gh.get_repo("camden/a")
    assert [r.name for r in gh.get_organization("camden").get_repos()] == ["b"]


def test_renamed_repo_301s_and_keeps_id(fake: FakeGitHub) -> None:
    item = fake.add_repo("camden", "old-name")
    fake.rename_repo("camden", "old-name", "new-name")
    status, headers, body = http_get(f"{fake.url}/repos/camden/old-name")
    assert status == 200  # urllib follows the 301
    assert json.loads(body)["full_name"] == "camden/new-name"

    gh = client(fake)
    fake.reset_counts()
    repo = gh.get_repo("camden/old-name")  # PyGithub follows the 301 itself
    assert (repo.id, repo.name) == (item["id"], "new-name")
    assert [r.path for r in fake.requests] == ["/repos/camden/old-name", f"/repositories/{item['id']}"]
    assert gh.get_repo("camden/new-name").get_readme().decoded_content


def test_301_location_header(fake: FakeGitHub) -> None:
    item = fake.add_repo("camden", "old")
    fake.rename_repo("camden", "old", "new")
    status, headers, body = fake.handle("GET", "/repos/camden/old/readme", {})
    assert status == 301
    assert headers["Location"] == f"{fake.url}/repositories/{item['id']}/readme"
    assert json.loads(body)["message"] == "Moved Permanently"


def test_unknown_path_and_method_404(fake: FakeGitHub) -> None:
    assert http_get(f"{fake.url}/nope/at/all")[0] == 404
    status, _, body = http_get(f"{fake.url}/repos/camden/missing/readme")
    assert status == 404 and json.loads(body)["message"] == "Not Found"
    req = urllib.request.Request(f"{fake.url}/orgs/x", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    assert exc.value.code == 404


# ------------------------------------------------------------------ server mechanics


def test_request_log_and_counts(fake: FakeGitHub) -> None:
    fake.add_repo("camden", "a")
    gh = client(fake)
    gh.get_organization("camden")
    gh.get_repo("camden/a").get_readme()
    assert fake.count() == 3
    assert fake.count("/orgs/") == 1 and fake.count("/repos/camden/a") == 2
    req = fake.requests[0]
    assert (req.method, req.path) == ("GET", "/orgs/camden")
    assert req.headers["authorization"] == "token ghp_fake"
    fake.reset_counts()
    assert fake.count() == 0 and fake.requests == []


def test_concurrent_clients_are_counted_exactly(fake: FakeGitHub) -> None:
    for i in range(20):
        fake.add_repo("camden", f"r{i}")
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            gh = client(fake)
            for i in range(20):
                assert gh.get_repo(f"camden/r{i}").name == f"r{i}"
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert fake.count("/repos/") == 160
    assert fake.rate_remaining == 5000 - 160


def test_stop_really_stops(fake: FakeGitHub) -> None:
    fake.add_org("camden")
    gh = client(fake)
    gh.get_organization("camden")  # leaves a pooled keep-alive connection open
    fake.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        gh.get_organization("camden")


def test_build_world_is_searchable(fake: FakeGitHub) -> None:
    build_world(fake, orgs=3, repos_per_org=120)
    gh = client(fake, per_page=100)
    org = gh.get_organization("camden-council")
    repos = list(org.get_repos())
    assert len(repos) == 120 and len({r.name for r in repos}) == 120
    bins = gh.get_repo("camden-council/bin-collection-day-finder")
    assert b"bin collection" in bins.get_readme().decoded_content.lower()
    assert {r.archived for r in repos} == {True, False}
