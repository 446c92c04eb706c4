"""Sign-in with GitHub (real OAuth against the fake GitHub), proof of control, moderation over real
HTTP (CSRF, Origin, moderators only), approval harvesting that one organisation in its own process,
rate limits and the pending cap; restarts lose nothing."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pulse.core.errors import ConfigError
from pulse.core.settings import Settings
from pulse.jobs.registrations import RegistrationStore
from pulse.jobs.registry import REGISTRY_FILE
from tests.conftest import LiveServer, github_env
from tests.fake_github import FakeGitHub
from tests.test_registrations import VALID, pulse_cli

SECRET = "s3cret-key-for-tests-only-0123456789abcdef"
MODERATOR = "mod-alice"


def moderated_env(github: FakeGitHub, **extra: str) -> dict[str, str]:
    return github_env(
        github,
        GITHUB_OAUTH_URL=github.url,
        PULSE_GITHUB_CLIENT_ID=github.oauth_client_id,
        PULSE_GITHUB_CLIENT_SECRET=github.oauth_client_secret,
        PULSE_SECRET_KEY=SECRET,
        PULSE_MODERATORS=MODERATOR,
        **extra,
    )


@pytest.fixture
def world(github: FakeGitHub) -> FakeGitHub:
    repos = [{"name": "BinDayFinder", "readme": "# Bin day finder\n\nFind your bin day."}]
    github.add_org("Dorset-Council-UK", blog="https://www.dorsetcouncil.gov.uk", email="digital@dorsetcouncil.gov.uk",
                   is_verified=True, repos=repos)  # fmt: skip
    github.add_org("Other-Org", repos=[{"name": "casino-spinner", "readme": "# Casino spinner"}])
    # Not in the shipped sources.yaml (Dorset Council is): only registration can bring it in.
    planning = [{"name": "planning-search", "readme": "# Planning search\n\nSearch planning applications."}]
    github.add_org("Example-Borough-Council", blog="https://www.example-borough.gov.uk", repos=planning)
    for login in (MODERATOR, "dorset-admin", "dorset-dev", "stranger"):
        github.add_user(login)
    github.add_member("Dorset-Council-UK", "dorset-admin", role="admin")
    github.add_member("Dorset-Council-UK", "dorset-dev", role="member")
    return github


@pytest.fixture
def server(world: FakeGitHub, tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(Settings.from_env(moderated_env(world), data_dir=tmp_path / "data")) as live:
        yield live


def sign_in(client: httpx.Client, server: LiveServer, github: FakeGitHub, login: str, start: str) -> httpx.Response:
    """The whole web flow: Pulse -> GitHub's authorize page -> Pulse's callback -> where `start` said."""
    github.sign_in(login)
    return client.get(server.url + start, follow_redirects=True)


def register(server: LiveServer, **fields: str) -> str:
    answer = httpx.post(server.url + "/api/registrations", json=dict(VALID, **fields))
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def status(server: LiveServer, registration_id: str) -> dict:  # type: ignore[type-arg]
    return httpx.get(f"{server.url}/api/registrations/{registration_id}").json()  # type: ignore[no-any-return]


def control(server: LiveServer, registration_id: str) -> dict | None:  # type: ignore[type-arg]
    return next((e for e in status(server, registration_id)["evidence"] if e["signal"] == "control"), None)


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrftoken" value="([^"]+)"', page)
    assert found, "the form carries a CSRF token"
    return found.group(1)


def test_moderation_refuses_to_start_without_a_secret_key(github: FakeGitHub, tmp_path: Path) -> None:
    env = moderated_env(github)
    del env["PULSE_SECRET_KEY"]
    with pytest.raises(ConfigError, match="PULSE_SECRET_KEY"):
        Settings.from_env(env)
    short = dict(env, PULSE_SECRET_KEY="short")
    with pytest.raises(ConfigError, match="at least 32 characters") as raised:
        Settings.from_env(short)
    assert "short" not in str(raised.value)  # the key itself is never echoed
    served = pulse_cli("serve", "--port", "9", "--data-dir", str(tmp_path), env=env)
    assert served.returncode == 2 and "PULSE_SECRET_KEY" in served.stderr


def test_signing_in_as_an_owner_proves_control_and_a_member_or_stranger_does_not(
    server: LiveServer, world: FakeGitHub
) -> None:
    registration_id = register(server)
    start = f"/sign-in?registration={registration_id}"
    expected = [
        ("stranger", False, "not a member"),
        ("dorset-dev", False, "a member of Dorset-Council-UK, not an owner"),
        ("dorset-admin", True, "an owner (admin) of Dorset-Council-UK"),
    ]
    for login, met, says in expected:
        with httpx.Client() as browser:
            landed = sign_in(browser, server, world, login, start)
            assert landed.status_code == 200 and landed.url.path == f"/registrations/{registration_id}"
            cookie = next(h for h in landed.history if "pulse_session" in h.headers.get("set-cookie", ""))
            assert "httponly" in cookie.headers["set-cookie"].lower()
            assert "samesite=lax" in cookie.headers["set-cookie"].lower()
            assert "gho_" not in landed.text and "gho_" not in cookie.headers["set-cookie"]  # the token is dropped
        found = control(server, registration_id)
        assert found is not None and found["met"] is met and says in found["detail"], found
    # GitHub was asked about the membership with the signed-in user's token, once per sign-in.
    assert world.count("/user/memberships/orgs/Dorset-Council-UK") == 3
    trail = RegistrationStore(server.settings.data_dir)
    actions = [(a.actor, a.action) for a in trail.audit_trail(registration_id)]
    assert ("github:dorset-admin", "signed in") in actions


def test_a_failed_or_forged_sign_in_gets_a_clear_page_and_no_session(server: LiveServer, world: FakeGitHub) -> None:
    with httpx.Client() as browser:
        forged = browser.get(server.url + "/sign-in/callback?code=made-up&state=made-up")
        assert forged.status_code == 400 and "Sign-in did not finish" in forged.text
        world.sign_in("stranger")
        to_github = browser.get(server.url + "/sign-in?next=/moderate")
        assert to_github.status_code == 302 and to_github.headers["location"].startswith(world.url + "/login/oauth/")
        back = browser.get(to_github.headers["location"])  # GitHub's redirect, carrying a code and the state
        replayed = re.sub(r"code=[^&]+", "code=not-the-code", back.headers["location"])
        refused = browser.get(replayed)
        assert refused.status_code == 400 and "incorrect or expired" in refused.text
        assert browser.get(server.url + "/moderate").status_code == 401  # still not signed in


def test_only_moderators_see_the_queue_and_every_action_needs_csrf_and_this_origin(
    server: LiveServer, world: FakeGitHub
) -> None:
    registration_id = register(server)
    anonymous = httpx.get(server.url + "/moderate")
    assert anonymous.status_code == 401 and "Sign in with GitHub" in anonymous.text
    assert anonymous.headers["cache-control"] == "no-store"
    with httpx.Client() as browser:
        refused = sign_in(browser, server, world, "stranger", "/sign-in?next=/moderate")
        assert refused.status_code == 403 and "@stranger" in refused.text
        token = csrf_token(refused.text)  # the sign-out form's token: valid, but not a moderator's right
        post = browser.post(f"{server.url}/moderate/{registration_id}", data={"action": "approve", "csrftoken": token},
                            headers={"origin": server.url})  # fmt: skip
        assert post.status_code == 403
    with httpx.Client() as browser:
        queue = sign_in(browser, server, world, MODERATOR, "/sign-in?next=/moderate")
        assert queue.status_code == 200 and "Dorset-Council-UK" in queue.text and "@mod-alice" in queue.text
        page = browser.get(f"{server.url}/moderate/{registration_id}")
        assert VALID["contact_email"] in page.text  # moderators see the contact; the public never does
        token = csrf_token(page.text)
        url = f"{server.url}/moderate/{registration_id}"
        no_token = browser.post(url, data={"action": "reject", "reason": "spam"}, headers={"origin": server.url})
        assert no_token.status_code == 403 and "expired or was not sent from a Pulse page" in no_token.text
        elsewhere = browser.post(url, data={"action": "reject", "reason": "x", "csrftoken": token},
                                 headers={"origin": "https://evil.example"})  # fmt: skip
        assert elsewhere.status_code == 403
        no_reason = browser.post(url, data={"action": "reject", "reason": " ", "csrftoken": token},
                                 headers={"origin": server.url})  # fmt: skip
        assert no_reason.status_code == 400 and "There is a problem" in no_reason.text
        assert status(server, registration_id)["status"] == "pending"  # none of those changed anything
        rejected = browser.post(url, data={"action": "reject", "reason": "Not a public body", "csrftoken": token},
                                headers={"origin": server.url}, follow_redirects=True)  # fmt: skip
        assert rejected.status_code == 200 and rejected.url.path == f"/moderate/{registration_id}"
        assert "github:mod-alice" in rejected.text  # the audit trail: who, what, when
    public = status(server, registration_id)
    assert (public["status"], public["reason"]) == ("rejected", "Not a public body")
    assert "Dorset-Council-UK" not in (server.settings.data_dir / REGISTRY_FILE).read_text()


def wait_until(check, seconds: float = 90.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"not within {seconds} s")


def approve(browser: httpx.Client, server: LiveServer, registration_id: str) -> httpx.Response:
    token = csrf_token(browser.get(f"{server.url}/moderate/{registration_id}").text)
    return browser.post(f"{server.url}/moderate/{registration_id}", data={"action": "approve", "csrftoken": token},
                        headers={"origin": server.url}, follow_redirects=True)  # fmt: skip


def search(server: LiveServer, q: str) -> list[str]:
    return [hit["full_name"] for hit in httpx.get(server.url + "/api/search", params={"q": q}).json()["results"]]


def test_approval_harvests_exactly_that_organisation_and_a_restart_loses_nothing(
    world: FakeGitHub, tmp_path: Path
) -> None:
    settings = Settings.from_env(moderated_env(world), data_dir=tmp_path / "data")
    with LiveServer(settings, demo=False) as server:
        dorset = register(server, organisation="Example-Borough-Council", publisher_name="Example Borough Council",
                          contact_email="digital@example-borough.gov.uk")  # fmt: skip
        register(server, organisation="Other-Org", publisher_name="Other")
        with httpx.Client() as browser:
            sign_in(browser, server, world, MODERATOR, "/sign-in?next=/moderate")
            assert approve(browser, server, dorset).status_code == 200
        found = wait_until(lambda: search(server, "planning search"))
        assert found == ["Example-Borough-Council/planning-search"]
        assert search(server, "casino") == []  # the other registration is still pending: not harvested
        assert world.count("/orgs/Other-Org/repos") == 0
        answer = wait_until(lambda: status(server, dorset)["publisher_url"])
        assert answer == "/publishers/Example-Borough-Council"
        publisher = httpx.get(server.url + answer)
        assert "Registered through Pulse" in publisher.text and "approved by github:mod-alice" in publisher.text
    with LiveServer(settings, demo=False) as server:  # a restart: decisions, audit and the harvest are all kept
        assert status(server, dorset)["status"] == "approved"
        assert search(server, "planning search") == ["Example-Borough-Council/planning-search"]
        with httpx.Client() as browser:  # the moderator withdraws it: out of the registry and the index
            sign_in(browser, server, world, MODERATOR, "/sign-in?next=/moderate")
            token = csrf_token(browser.get(f"{server.url}/moderate/{dorset}").text)
            withdrawn = browser.post(f"{server.url}/moderate/{dorset}", follow_redirects=True,
                                     data={"action": "withdraw", "reason": "Asked to leave", "csrftoken": token},
                                     headers={"origin": server.url})  # fmt: skip
            assert withdrawn.status_code == 200
        wait_until(lambda: search(server, "planning search") == [])
        assert "Example-Borough-Council" not in (settings.data_dir / REGISTRY_FILE).read_text()
        assert status(server, dorset)["status"] == "withdrawn"
    trail = [(a.actor, a.action) for a in RegistrationStore(settings.data_dir).audit_trail(dorset)]
    assert ("github:mod-alice", "approved") in trail and ("pulse", "harvested") in trail
    assert ("github:mod-alice", "withdrawn") in trail and ("pulse", "unlisted") in trail


def test_a_harvest_approved_while_another_runs_waits_for_the_lock(
    world: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pulse.jobs import approval
    from pulse.jobs.lock import harvest_lock

    monkeypatch.setattr(approval, "LOCKED_RETRY_SECONDS", 0.5)
    settings = Settings.from_env(moderated_env(world), data_dir=tmp_path / "data")
    with LiveServer(settings, demo=False) as server:
        dorset = register(server, organisation="Example-Borough-Council", publisher_name="Example Borough Council")
        with httpx.Client() as browser:
            sign_in(browser, server, world, MODERATOR, "/sign-in?next=/moderate")
            with harvest_lock(settings.data_dir):  # the nightly harvest, say
                approve(browser, server, dorset)
                time.sleep(3)
                assert world.count("/orgs/Example-Borough-Council/repos") == 0
                assert "harvest queued" in browser.get(f"{server.url}/moderate/{dorset}").text
            assert wait_until(lambda: search(server, "planning search")) == ["Example-Borough-Council/planning-search"]


def test_submissions_are_rate_limited_and_capped(github: FakeGitHub, tmp_path: Path) -> None:
    env = github_env(github, PULSE_REGISTRATION_RATE="2/minute", PULSE_MAX_PENDING="3")
    with LiveServer(Settings.from_env(env, data_dir=tmp_path / "data")) as server:
        url = server.url + "/api/registrations"
        assert httpx.post(url, json=dict(VALID, organisation="org-one")).status_code == 202
        assert httpx.post(url, json=dict(VALID, organisation="org-two")).status_code == 202
        third = httpx.post(url, json=dict(VALID, organisation="org-three"))
        assert third.status_code == 429 and int(third.headers["retry-after"]) > 0
        assert "Too many registrations from your address" in third.json()["message"]
        form = httpx.post(server.url + "/register", data=dict(VALID, organisation="org-four"))
        assert form.status_code == 429 and "try again" in form.text
    env = github_env(github, PULSE_MAX_PENDING="1")
    with LiveServer(Settings.from_env(env, data_dir=tmp_path / "other")) as server:
        url = server.url + "/api/registrations"
        assert httpx.post(url, json=dict(VALID, organisation="org-one")).status_code == 202
        capped = httpx.post(url, json=dict(VALID, organisation="org-two"))
        assert capped.status_code == 429 and "paused" in capped.json()["message"]
    assert len(RegistrationStore(tmp_path / "other").find()) == 1


def test_sign_in_attempts_are_rate_limited_and_never_redirect_elsewhere(world: FakeGitHub, tmp_path: Path) -> None:
    env = moderated_env(world, PULSE_SIGN_IN_RATE="3/minute")
    with LiveServer(Settings.from_env(env, data_dir=tmp_path / "data")) as server:
        with httpx.Client() as browser:
            landed = sign_in(browser, server, world, "stranger", "/sign-in?next=//evil.example/path")
            assert landed.url.host == "127.0.0.1" and landed.url.path == "/"
        assert httpx.get(server.url + "/sign-in").status_code == 302
        assert httpx.get(server.url + "/sign-in").status_code == 302
        limited = httpx.get(server.url + "/sign-in")
        assert limited.status_code == 429 and "Too many sign-in attempts" in limited.text


def test_without_sign_in_configured_the_pages_say_so(github: FakeGitHub, tmp_path: Path) -> None:
    with LiveServer(Settings.from_env(github_env(github), data_dir=tmp_path / "data")) as server:
        assert httpx.get(server.url + "/sign-in").status_code == 404
        assert "not set up" in httpx.get(server.url + "/moderate").text
        registration_id = register(server)
        page = httpx.get(f"{server.url}/registrations/{registration_id}").text
        assert "Signing in with GitHub is not set up" in page and "Email is not set up" in page


def test_the_shell_withdraws_an_organisation_and_its_repos_leave_the_index(world: FakeGitHub, tmp_path: Path) -> None:
    from pulse.core.registration import parse_registration
    from pulse.index import IndexStore

    data_dir = tmp_path / "data"
    store = RegistrationStore(data_dir)
    found, _ = store.submit(parse_registration(dict(VALID, organisation="Example-Borough-Council")))
    env, dirs = github_env(world), ("--data-dir", str(data_dir))
    approved = pulse_cli("registrations", "approve", found.id, *dirs, env=env)
    assert approved.returncode == 0, approved.stderr
    index = IndexStore(data_dir / "index")
    assert len(index.records_of_source("github:example-borough-council")) == 1
    index.close()
    refused = pulse_cli("unlist", "Example-Borough-Council", *dirs, env=env)
    assert refused.returncode == 2 and "still a source" in refused.stderr  # approved: the next harvest re-adds it
    withdrawn = pulse_cli("registrations", "withdraw", found.id, "--reason", "Asked to leave", *dirs, env=env)
    assert withdrawn.returncode == 0 and "1 repos of Example-Borough-Council removed" in withdrawn.stdout
    index = IndexStore(data_dir / "index")
    assert index.records_of_source("github:example-borough-council") == {}
    index.close()
    assert store.get(found.id).status == "withdrawn"  # type: ignore[union-attr]
    again = pulse_cli("registrations", "withdraw", found.id, *dirs, env=env)
    assert again.returncode == 2 and "not an approved registration" in again.stderr


def test_the_readme_world_gives_pulse_discover_three_suggestions(tmp_path: Path) -> None:
    """The hand-run journey in the README: its fake world, then `pulse discover`."""
    from pulse.core.registration import parse_registration
    from tests.fake_github import load_world

    registered, _ = RegistrationStore(tmp_path).submit(
        parse_registration(dict(VALID, organisation="Example-Borough-Council"))
    )
    with FakeGitHub() as github:
        load_world(github, Path(__file__).parent / "data" / "registration-world.yaml")
        found = pulse_cli("discover", "--data-dir", str(tmp_path), env=github_env(github))
        assert found.returncode == 0, found.stderr
        suggested = sorted(
            line.split()[1].rstrip(":") for line in found.stdout.splitlines() if line.startswith("suggested")
        )
        assert suggested == ["Fenland-Council-IT", "Wealden-Digital", "smbc-digital"]
        assert "random-agency" not in found.stdout  # a fork owner without a public-sector domain
    queued = [r for r in RegistrationStore(tmp_path).find() if r.id != registered.id]
    assert {r.status for r in queued} == {"suggested"} and all(
        RegistrationStore(tmp_path).evidence(r.id) for r in queued
    )
