"""Email, when SMTP is configured: a confirmation link for the registrant, a note to moderators.

Both are background jobs in the registrations database (never sent while a request
is answered, retried when the mail server is down). The confirmation link carries a
random token of which only a hash is stored; following it shows a page whose button
confirms (a POST), so mail scanners that fetch links do not confirm by themselves.
Without PULSE_SMTP_HOST the feature is off, and the pages say so.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
from email.message import EmailMessage

from pulse.core.settings import Settings
from pulse.jobs.registrations import Evidence, Registration, RegistrationStore

log = logging.getLogger(__name__)

CONFIRM_JOB, NOTIFY_JOB = "confirm_email", "notify_moderators"
MAIL_JOBS = (CONFIRM_JOB, NOTIFY_JOB)
RETRY_SECONDS = 300.0
MAX_ATTEMPTS = 5
SIGNAL = "email_confirmed"


def queue_mail(store: RegistrationStore, settings: Settings, registration: Registration) -> None:
    """After a new registration: the confirmation email, and a note to the moderators if any are listed."""
    if not settings.email_enabled:
        return  # no signal then: the pages say email is off
    if registration.contact_email:
        store.enqueue(CONFIRM_JOB, registration.id)
    if settings.moderator_emails:
        store.enqueue(NOTIFY_JOB, registration.id)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def run_mail_jobs(store: RegistrationStore, settings: Settings) -> int:
    """Send every due email job; a failure waits RETRY_SECONDS and is given up after MAX_ATTEMPTS."""
    sent = 0
    while (job := store.claim(MAIL_JOBS)) is not None:
        registration = store.get(job.registration_id)
        if registration is None:
            store.finish(job.id)
            continue
        token = secrets.token_urlsafe(24) if job.kind == CONFIRM_JOB else ""
        message = _confirmation(settings, registration, token) if token else _notification(settings, registration)
        try:
            _send(settings, message)
        except (OSError, smtplib.SMTPException) as exc:
            reason = f"{type(exc).__name__}: {exc}"[:200]
            if job.attempts >= MAX_ATTEMPTS:
                store.finish(job.id)
                store.note(registration.id, "pulse", f"{job.kind} failed", reason)
            else:
                store.postpone(job.id, RETRY_SECONDS, reason)
            log.warning("email for %s not sent: %s", registration.organisation, reason)
            return sent
        if token:
            store.set_confirmation(registration.id, token_hash(token))
            store.record_evidence(
                registration.id,
                [Evidence(SIGNAL, None, "A confirmation link was sent to the contact email; not followed yet")],
            )
        store.note(registration.id, "pulse", "emailed", "confirmation link to the contact" if token else "moderators")
        store.finish(job.id)
        sent += 1
    return sent


def confirm(store: RegistrationStore, registration: Registration, token: str) -> bool:
    """Record that the registrant followed the link, if `token` is the one sent."""
    expected = store.confirmation_hash(registration.id)
    if not expected or not token or not secrets.compare_digest(expected, token_hash(token)):
        return False
    store.record_evidence(
        registration.id, [Evidence(SIGNAL, True, "The registrant followed the link sent to the contact email")]
    )
    store.note(registration.id, "registrant", "confirmed email", "")
    return True


def _confirmation(settings: Settings, registration: Registration, token: str) -> EmailMessage:
    link = f"{settings.base_url}/registrations/{registration.id}/confirm?token={token}"
    message = _message(settings, registration.contact_email, f"Confirm the registration of {registration.organisation}")
    message.set_content(
        f"Someone registered the GitHub organisation {registration.organisation} ({registration.publisher_name})\n"
        f"on Pulse, giving this address as its contact.\n\n"
        f"If it was you, confirm it here:\n{link}\n\n"
        f"If it was not you, ignore this email: nothing is listed until a moderator approves it.\n"
    )
    return message


def _notification(settings: Settings, registration: Registration) -> EmailMessage:
    message = _message(settings, ", ".join(settings.moderator_emails), f"New registration: {registration.organisation}")
    message.set_content(
        f"{registration.publisher_name} registered the GitHub organisation {registration.organisation}.\n\n"
        f"Review it: {settings.base_url}/moderate/{registration.id}\n"
    )
    return message


def _message(settings: Settings, to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.mail_from, to, subject
    return message


def _send(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)
