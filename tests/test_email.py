"""Email with a real SMTP server (aiosmtpd on 127.0.0.1): the registrant's confirmation link, the
moderators' note, and what happens when the mail server is down. Without SMTP settings it is off."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from pulse.core.errors import ConfigError
from pulse.core.settings import Settings
from pulse.jobs.registrations import RegistrationStore
from tests.conftest import LiveServer, free_port, github_env
from tests.fake_github import FakeGitHub
from tests.test_registrations import VALID


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802 - aiosmtpd's hook
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def wait(self, count: int, seconds: float = 20) -> list[Message]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} of {count} emails within {seconds} s")
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def mail_env(github: FakeGitHub, smtp_port: int, web_port: int, **extra: str) -> dict[str, str]:
    return github_env(
        github,
        PULSE_SMTP_HOST="127.0.0.1",
        PULSE_SMTP_PORT=str(smtp_port),
        PULSE_MAIL_FROM="pulse@pulse.example.gov.uk",
        PULSE_MODERATOR_EMAILS="moderators@pulse.example.gov.uk",
        PULSE_BASE_URL=f"http://127.0.0.1:{web_port}",
        **extra,
    )


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def signals(server: LiveServer, registration_id: str) -> dict[str, dict]:  # type: ignore[type-arg]
    found = httpx.get(f"{server.url}/api/registrations/{registration_id}").json()["evidence"]
    return {e["signal"]: e for e in found}


def test_the_registrant_confirms_by_the_emailed_link_and_moderators_are_told(
    github: FakeGitHub, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, smtp_port = smtp
    web_port = free_port()
    settings = Settings.from_env(mail_env(github, smtp_port, web_port), data_dir=tmp_path / "data")
    with LiveServer(settings, port=web_port) as server:
        answer = httpx.post(server.url + "/api/registrations", json=VALID)
        assert answer.status_code == 202
        registration_id = answer.json()["id"]
        messages = inbox.wait(2)
        by_to = {m["To"]: m for m in messages}
        confirmation = by_to[VALID["contact_email"]]
        assert confirmation["From"] == "pulse@pulse.example.gov.uk" and "Dorset-Council-UK" in confirmation["Subject"]
        link = re.search(r"http://127\.0\.0\.1:\d+/registrations/\S+", body(confirmation))
        assert link, body(confirmation)
        note = body(by_to["moderators@pulse.example.gov.uk"])
        assert f"/moderate/{registration_id}" in note and VALID["contact_email"] not in note

        page = httpx.get(link.group(0))  # what a mail scanner fetches: it confirms nothing
        assert page.status_code == 200 and "Confirm your email address" in page.text
        assert signals(server, registration_id)["email_confirmed"]["met"] is None

        wrong = httpx.post(f"{server.url}/registrations/{registration_id}/confirm", data={"token": "guess"})
        assert wrong.status_code == 400 and "expired or is not complete" in wrong.text
        token = re.search(r'name="token" value="([^"]+)"', page.text)
        assert token
        done = httpx.post(f"{server.url}/registrations/{registration_id}/confirm", data={"token": token.group(1)})
        assert done.status_code == 200 and "Email address confirmed" in done.text
        assert signals(server, registration_id)["email_confirmed"]["met"] is True
    stored = RegistrationStore(settings.data_dir)
    assert token.group(1) not in stored.confirmation_hash(registration_id)  # only a hash of the token is kept
    assert [a.action for a in stored.audit_trail(registration_id)].count("emailed") == 2


def test_a_mail_server_that_is_down_delays_the_email_and_loses_nothing(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pulse.jobs import mail

    monkeypatch.setattr(mail, "RETRY_SECONDS", 0.5)
    web_port, smtp_port = free_port(), free_port()
    settings = Settings.from_env(mail_env(github, smtp_port, web_port), data_dir=tmp_path / "data")
    store = RegistrationStore(settings.data_dir)
    with LiveServer(settings, port=web_port) as server:
        answer = httpx.post(server.url + "/api/registrations", json=VALID)
        assert answer.status_code == 202  # the registration does not wait for email
        registration_id = answer.json()["id"]
        deadline = time.monotonic() + 15
        while "organisation" not in signals(server, registration_id) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # the worker has tried the mail server (refused) at least once since
        assert store.pending_jobs() == 2 and "emailed" not in [a.action for a in store.audit_trail(registration_id)]
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()  # the mail server comes back
        try:
            server_wakes = httpx.post(server.url + "/api/registrations", json=dict(VALID, organisation="other-org"))
            assert server_wakes.status_code == 202
            assert len(inbox.wait(4)) == 4  # both emails of each registration: nothing was lost
        finally:
            controller.stop()
    assert store.pending_jobs() == 0


def test_email_settings_are_checked_and_the_password_never_shown(github: FakeGitHub) -> None:
    with pytest.raises(ConfigError, match="PULSE_MAIL_FROM"):
        Settings.from_env({"PULSE_SMTP_HOST": "127.0.0.1", "PULSE_BASE_URL": "https://pulse.example.gov.uk"})
    with pytest.raises(ConfigError, match="PULSE_BASE_URL"):
        Settings.from_env({"PULSE_SMTP_HOST": "127.0.0.1", "PULSE_MAIL_FROM": "a@b.gov.uk"})
    settings = Settings.from_env(mail_env(github, 25, 8000, PULSE_SMTP_PASSWORD="hunter2-secret"))
    assert "hunter2-secret" not in repr(settings) and settings.email_enabled
