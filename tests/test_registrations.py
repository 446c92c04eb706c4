"""Registering an organisation, the first part: the submission checked before any network call,
and the registrations database (duplicates, decisions, evidence, audit, jobs that survive restarts)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from pulse.core.errors import FieldError
from pulse.core.registration import normalise_organisation, parse_registration
from pulse.core.vocabulary import RegistrationStatus
from pulse.jobs.registrations import (
    DATABASE_FILE,
    SCHEMA_VERSION,
    DatabaseVersionError,
    Evidence,
    RegistrationStore,
)

VALID = {
    "organisation": "Dorset-Council-UK",
    "publisher_name": "Dorset Council",
    "publisher_type": "local-government",
    "contact_email": "digital@dorsetcouncil.gov.uk",
    "note": "Our bin day finder and design system.",
}


@pytest.mark.parametrize(
    "typed",
    [
        "Dorset-Council-UK",
        "@Dorset-Council-UK",
        " https://github.com/Dorset-Council-UK ",
        "http://www.github.com/Dorset-Council-UK/",
        "github.com/Dorset-Council-UK?tab=repositories",
    ],
)
def test_the_organisation_is_accepted_as_a_login_a_handle_or_a_pasted_url(typed: str) -> None:
    assert normalise_organisation(typed) == "Dorset-Council-UK"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "-dorset",
        "dorset-",
        "dor--set",
        "a" * 40,
        "dorset council",
        "https://github.com/Dorset-Council-UK/BinDayFinder",
        "https://gitlab.com/dorset",
        "https://github.com.evil.com/dorset",
        "dorset/../../etc",
        "x" * 400,
    ],
)
def test_a_bad_organisation_names_its_field(typed: str) -> None:
    with pytest.raises(FieldError) as caught:
        normalise_organisation(typed)
    assert caught.value.field == "organisation" and "GitHub" in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("publisher_name", "   ", "Enter the name"),
        ("publisher_name", "x" * 201, "200 characters"),
        ("publisher_type", "parish-council", "Choose the type"),
        ("contact_email", "", "Enter a contact email"),
        ("contact_email", "digital at dorset.gov.uk", "right format"),
        ("contact_email", "digital@localhost", "right format"),
        ("contact_email", "a@b.gov.uk\nBcc: x@evil.com", "right format"),
        ("contact_email", "x" * 250 + "@a.gov.uk", "right format"),
        ("note", "n" * 2001, "2,000 characters"),
    ],
)
def test_each_bad_field_gets_its_own_message(field: str, value: str, says: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_registration(dict(VALID, **{field: value}))
    assert caught.value.field == field and says in str(caught.value)


def test_a_valid_submission_is_normalised() -> None:
    request = parse_registration(dict(VALID, organisation="@Dorset-Council-UK", publisher_name="  Dorset   Council "))
    assert (request.organisation, request.organisation_key, request.publisher_name) == (
        "Dorset-Council-UK",
        "dorset-council-uk",
        "Dorset Council",
    )


def test_a_registration_is_stored_pending_with_an_unguessable_id_and_an_evidence_job(tmp_path: Path) -> None:
    store = RegistrationStore(tmp_path)
    first, created = store.submit(parse_registration(VALID))
    assert created and first.status == RegistrationStatus.PENDING and len(first.id) >= 24
    other, _ = store.submit(parse_registration(dict(VALID, organisation="essexcountycouncil")))
    assert other.id != first.id
    assert [a.action for a in store.audit_trail(first.id)] == ["submitted"]
    job = store.claim()
    assert job is not None and (job.kind, job.registration_id, job.attempts) == ("evidence", first.id, 1)


def test_registering_an_open_organisation_again_returns_the_existing_one(tmp_path: Path) -> None:
    store = RegistrationStore(tmp_path)
    first, _ = store.submit(parse_registration(VALID))
    again, created = store.submit(parse_registration(dict(VALID, organisation="DORSET-COUNCIL-uk")))
    assert not created and again.id == first.id and len(store.find()) == 1
    store.decide(first.id, RegistrationStatus.APPROVED, actor="moderator-login")
    assert store.submit(parse_registration(VALID))[0].id == first.id  # registered: still the same
    store.decide(first.id, RegistrationStatus.REJECTED, actor="moderator-login", reason="not a public body")
    fresh, created = store.submit(parse_registration(VALID))  # a rejected one may be registered afresh
    assert created and fresh.id != first.id


def test_concurrent_duplicate_submissions_make_one_registration(tmp_path: Path) -> None:
    store = RegistrationStore(tmp_path)
    ids: list[str] = []
    threads = [
        threading.Thread(target=lambda: ids.append(store.submit(parse_registration(VALID))[0].id)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1 and len(store.find()) == 1


def test_decisions_evidence_and_audit_survive_a_restart(tmp_path: Path) -> None:
    store = RegistrationStore(tmp_path)
    registration, _ = store.submit(parse_registration(VALID))
    store.record_evidence(
        registration.id,
        [Evidence("organisation", True, "An Organization, created 2019"), Evidence("verified_domain", None, "")],
    )
    store.record_evidence(registration.id, [Evidence("verified_domain", False, "GitHub shows no verified domain")])
    store.decide(registration.id, RegistrationStatus.REJECTED, actor="moderator-login", reason="no evidence")

    reopened = RegistrationStore(tmp_path)  # as after a server restart
    found = reopened.get(registration.id)
    assert found is not None and (found.status, found.reason) == (RegistrationStatus.REJECTED, "no evidence")
    assert reopened.evidence(registration.id) == [
        Evidence("organisation", True, "An Organization, created 2019"),
        Evidence("verified_domain", False, "GitHub shows no verified domain"),
    ]
    trail = reopened.audit_trail(registration.id)
    assert [(a.actor, a.action, a.detail) for a in trail] == [
        ("registrant", "submitted", ""),
        ("moderator-login", "rejected", "no evidence"),
    ]
    with pytest.raises(KeyError):
        reopened.decide("no-such-id", RegistrationStatus.APPROVED, actor="m")


def test_a_job_interrupted_mid_way_is_handed_out_again(tmp_path: Path) -> None:
    store = RegistrationStore(tmp_path)
    registration, _ = store.submit(parse_registration(VALID))
    claimed = store.claim()
    assert claimed is not None and store.claim() is None  # one worker gets it
    # The worker dies here. A new one starts:
    restarted = RegistrationStore(tmp_path)
    assert restarted.requeue_interrupted() == 1
    again = restarted.claim()
    assert again is not None and again.id == claimed.id and again.attempts == 2
    restarted.finish(again.id)
    assert restarted.pending_jobs() == 0 and restarted.requeue_interrupted() == 0


def test_the_database_is_wal_and_versioned_and_a_newer_one_is_refused(tmp_path: Path) -> None:
    RegistrationStore(tmp_path)
    db = sqlite3.connect(tmp_path / DATABASE_FILE)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(DatabaseVersionError):
        RegistrationStore(tmp_path)


# -- over HTTP: the form and the API ---------------------------------------------------------------


@pytest.fixture
def registration_server(tmp_path: Path, github):  # type: ignore[no-untyped-def]
    from pulse.core.settings import Settings
    from tests.conftest import LiveServer, github_env

    settings = Settings.from_env(github_env(github), data_dir=tmp_path / "data")
    with LiveServer(settings) as server:
        yield server, github, settings


def test_the_api_accepts_refuses_and_finds_registrations(registration_server) -> None:  # type: ignore[no-untyped-def]
    import httpx

    server, github, _ = registration_server
    url = server.url + "/api/registrations"
    for field, value in [("organisation", "dor--set"), ("publisher_type", "parish"), ("contact_email", "x@y")]:
        refused = httpx.post(url, json=dict(VALID, **{field: value}))
        assert refused.status_code == 400 and refused.json()["field"] == field, refused.text
    assert httpx.post(url, content=b"[1]", headers={"content-type": "application/json"}).json()["field"] == "body"
    assert httpx.post(url, content=b"{" * 20_000, headers={"content-type": "application/json"}).status_code == 400
    assert httpx.post(url, content=b"<x/>", headers={"content-type": "text/xml"}).status_code == 400
    assert github.count() == 0  # a refused submission never reaches GitHub

    first = httpx.post(url, json=dict(VALID, organisation="@Dorset-Council-UK"))
    assert first.status_code == 202
    body = first.json()
    assert body["status"] == "pending" and body["organisation"] == "Dorset-Council-UK"
    assert body["status_url"] == f"/registrations/{body['id']}"
    again = httpx.post(url, data=dict(VALID, organisation="dorset-council-uk"))  # form-encoded, other case
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    status = httpx.get(f"{server.url}/api/registrations/{body['id']}").json()
    assert (status["status"], status["publisher_url"]) == ("pending", "")
    assert (
        "contact_email" not in status and VALID["contact_email"] not in httpx.get(server.url + body["status_url"]).text
    )
    assert httpx.get(server.url + "/api/registrations/not-a-real-id").status_code == 404


def wait_for_evidence(server, registration_id: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    import time

    import httpx

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = httpx.get(f"{server.url}/api/registrations/{registration_id}").json()["evidence"]
        if found:
            return {e["signal"]: e for e in found}
        time.sleep(0.1)
    raise AssertionError("no evidence within 15 s")


SIGNALS = ("organisation", "verified_domain", "website", "public_email", "contact_domain")


def test_evidence_is_gathered_in_the_background_and_explains_itself(registration_server) -> None:  # type: ignore[no-untyped-def]
    import httpx

    server, github, _ = registration_server
    github.add_org("Dorset-Council-UK", blog="https://www.dorsetcouncil.gov.uk", email="digital@dorsetcouncil.gov.uk",
                   is_verified=True)  # fmt: skip
    github.add_org("Evil-Gov", blog="https://www.gov.uk@evil.com", email="it@evilgov.uk", is_verified=False)
    github.add_user("a-person", blog="https://www.dorsetcouncil.gov.uk")
    url = server.url + "/api/registrations"

    good = wait_for_evidence(server, httpx.post(url, json=VALID).json()["id"])
    assert [good[s]["met"] for s in SIGNALS] == [True, True, True, True, True]
    assert "www.dorsetcouncil.gov.uk is under gov.uk" in good["website"]["detail"]

    evil = wait_for_evidence(server, httpx.post(url, json=dict(VALID, organisation="Evil-Gov")).json()["id"])
    assert [evil[s]["met"] for s in SIGNALS] == [True, False, False, False, False]

    person = wait_for_evidence(server, httpx.post(url, json=dict(VALID, organisation="a-person")).json()["id"])
    assert person["organisation"]["met"] is False and "personal User account" in person["organisation"]["detail"]

    nobody = wait_for_evidence(server, httpx.post(url, json=dict(VALID, organisation="no-such-org")).json()["id"])
    assert nobody["organisation"]["met"] is False and "no account" in nobody["organisation"]["detail"]
    # Only profiles were asked for: /users/{login}, and /orgs/{login} for organisations.
    assert github.count() == github.count("/users/") + github.count("/orgs/") == 4 + 2


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored(registration_server) -> None:  # type: ignore[no-untyped-def]
    import httpx

    server, _, settings = registration_server
    form = httpx.post(server.url + "/register", data=dict(VALID, website="http://spam.example"))
    api = httpx.post(server.url + "/api/registrations", json=dict(VALID, website="http://spam.example"))
    assert form.status_code == 200 and api.status_code == 202
    assert RegistrationStore(settings.data_dir).find() == []


def test_registrations_survive_a_server_restart(tmp_path: Path) -> None:
    import httpx

    from pulse.core.settings import Settings
    from tests.conftest import LiveServer

    settings = Settings.from_env({}, data_dir=tmp_path / "data")
    with LiveServer(settings) as server:
        created = httpx.post(server.url + "/register", data=VALID, follow_redirects=False)
        assert created.status_code == 303
        status_url = created.headers["location"]
    with LiveServer(settings) as server:  # a new process would see the same: the database is on disk
        page = httpx.get(server.url + status_url)
        assert page.status_code == 200 and "Dorset-Council-UK" in page.text and "Pending" in page.text


# -- moderation from the shell: pulse registrations ----------------------------------------------------


def pulse_cli(*args: str, env: dict[str, str]):  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    full = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PULSE_"))}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "pulse", *args], capture_output=True, text=True, env=full, timeout=120)


def test_an_approved_registration_is_harvested_at_once_and_stays_in_later_harvests(github, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    from pulse.index import IndexStore
    from pulse.jobs.registry import REGISTRY_FILE
    from tests.conftest import github_env

    github.add_org("Dorset-Council-UK", blog="https://www.dorsetcouncil.gov.uk")
    github.add_repo("Dorset-Council-UK", "BinDayFinder", readme="# Bin day finder")
    github.add_org("spam-org")
    github.add_repo("spam-org", "casino", readme="# Casino")
    data_dir = tmp_path / "data"
    store = RegistrationStore(data_dir)
    good, _ = store.submit(parse_registration(VALID))
    spam, _ = store.submit(parse_registration(dict(VALID, organisation="spam-org", publisher_name="Spam")))
    env = github_env(github)
    dirs = ("--data-dir", str(data_dir))

    listed = pulse_cli("registrations", "list", "--status", "pending", "--json", *dirs, env=env)
    assert listed.returncode == 0, listed.stderr
    assert [json.loads(line)["organisation"] for line in listed.stdout.splitlines()] == [
        "Dorset-Council-UK",
        "spam-org",
    ]

    approved = pulse_cli("registrations", "approve", good.id, *dirs, env=env)
    assert approved.returncode == 0, approved.stderr
    assert "harvested Dorset-Council-UK: ok, 1 repos" in approved.stdout
    assert github.count("/orgs/spam-org/repos") == 0  # exactly that organisation
    index = IndexStore(data_dir / "index")
    assert index.get("Dorset-Council-UK", "BinDayFinder") is not None
    index.close()

    rejected = pulse_cli("registrations", "reject", spam.id, "--reason", "not a public body", *dirs, env=env)
    assert rejected.returncode == 0 and "spam-org: rejected" in rejected.stdout
    assert "spam-org" not in (data_dir / REGISTRY_FILE).read_text()
    trail = RegistrationStore(data_dir).audit_trail(spam.id)
    assert (
        trail[-1].action == "rejected"
        and trail[-1].actor.startswith("shell:")
        and trail[-1].detail == "not a public body"
    )

    # The nightly harvest reads sources.yaml and the registry: the approved organisation stays in.
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "publishers:\n  - name: Essex\n    type: local-government\n    sources:\n      - github: essex-cc\n"
    )
    github.add_org("essex-cc")
    github.add_repo("essex-cc", "libraries", readme="# Libraries")
    nightly = pulse_cli("harvest", "--sources", str(sources), *dirs, env=env)
    assert nightly.returncode == 0, nightly.stderr + nightly.stdout
    assert "Harvested 2 of 2 sources" in nightly.stdout
    assert pulse_cli("registrations", "approve", "no-such-id", *dirs, env=env).returncode == 2


def test_registration_ids_never_look_like_command_line_options(monkeypatch: pytest.MonkeyPatch) -> None:
    from pulse.jobs import registrations

    drawn = iter(["-02RmT8Gw5I25Z5puJ0", "_x9RmT8Gw5I25Z5puJ0", "a9RmT8Gw5I25Z5puJ0"])
    monkeypatch.setattr(registrations.secrets, "token_urlsafe", lambda n: next(drawn))
    assert registrations.new_registration_id() == "a9RmT8Gw5I25Z5puJ0"  # "-…" would be read as an option
