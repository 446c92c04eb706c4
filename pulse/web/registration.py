"""Registering an organisation: the form (`/register`), its status page, and the same through the API.

Handlers only parse, check and store (pulse.core.registration, pulse.jobs.registrations):
nothing a registrant types is fetched, and no GitHub request is made while the
request is answered. Evidence is gathered by a background job from the queue the
store keeps (pulse.jobs.evidence.EvidenceWorker, woken by each new registration); until it
has run, the status page says the checks have not run yet.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from pulse.core.errors import FieldError, NotFound
from pulse.core.registration import RegistrationRequest, parse_registration
from pulse.core.vocabulary import PUBLISHER_TYPE_TERMS, RegistrationStatus
from pulse.jobs.evidence import SIGNAL_LABELS
from pulse.jobs.mail import confirm, queue_mail
from pulse.jobs.publishers import get_publisher
from pulse.jobs.registrations import Registration, RegistrationStore
from pulse.web import contracts
from pulse.web.templating import render
from pulse.web.throttle import Refusal

MAX_BODY_BYTES = 16 * 1024  # the largest possible valid submission is about 3 KB
FIELDS = ("organisation", "publisher_name", "publisher_type", "contact_email", "note")
HONEYPOT = "website"  # hidden from people; a bot that fills it is answered as if accepted, and nothing is stored


async def _fields(request: Request) -> dict[str, str]:
    """The submitted fields from a JSON object or a form; FieldError("body") if unreadable or too big."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise FieldError("body", f"The submission is too large: at most {MAX_BODY_BYTES // 1024} KB.")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise FieldError("body", f"The submission is too large: at most {MAX_BODY_BYTES // 1024} KB.")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data: Any = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise FieldError("body", "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise FieldError("body", "The body must be a JSON object of the registration's fields.")
        return {k: v if isinstance(v, str) else "" for k, v in data.items() if k in (*FIELDS, HONEYPOT)}
    if kind in ("application/x-www-form-urlencoded", ""):
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
        except (ValueError, UnicodeDecodeError):
            raise FieldError("body", "The form could not be read.") from None
        return {k: v for k, v in pairs if k in (*FIELDS, HONEYPOT)}  # a repeated field: the last wins
    raise FieldError("body", "Send the registration as JSON or as a form (application/x-www-form-urlencoded).")


def _store(request: Request) -> RegistrationStore:
    store: RegistrationStore = request.app.state.registrations
    return store


def _status_url(registration: Registration) -> str:
    return f"/registrations/{registration.id}"


def _view(request: Request, registration: Registration) -> contracts.RegistrationView:
    evidence = _store(request).evidence(registration.id)
    return {
        "id": registration.id,
        "organisation": registration.organisation,
        "publisher_name": registration.publisher_name,
        "publisher_type": registration.publisher_type,
        "status": registration.status,
        "reason": registration.reason,
        "evidence": [{"signal": e.signal, "met": e.met, "detail": e.detail} for e in evidence],
        "publisher_url": _publisher_url(request, registration),
    }


def _publisher_url(request: Request, registration: Registration) -> str:
    """The publisher page, once the organisation is approved and its first harvest has listed it."""
    if registration.status != RegistrationStatus.APPROVED:
        return ""
    state = request.app.state
    found = get_publisher(state.store, state.settings.data_dir, registration.organisation)
    return f"/publishers/{registration.organisation}" if found is not None else ""


def _accept(request: Request, parsed: RegistrationRequest) -> tuple[Registration, bool]:
    """Store it (or find the open one), queue its emails, and wake the background worker."""
    registration, created = _store(request).submit(parsed)
    if created:
        queue_mail(_store(request), request.app.state.settings, registration)
    request.app.state.evidence.wake()
    return registration, created


def _admission(request: Request) -> Refusal | None:
    """Whether one more registration may be stored now: the rate limits, then the cap on pending ones."""
    refused: Refusal | None = request.app.state.throttle.registration(request)
    if refused is None and _store(request).count(RegistrationStatus.PENDING) >= request.app.state.settings.max_pending:
        refused = Refusal("Registrations are paused while moderators catch up. Please try again tomorrow.", 3600)
    return refused


def _found(request: Request) -> Registration:
    registration = _store(request).get(request.path_params["id"])
    if registration is None:
        raise NotFound("There is no registration with that id.")
    return registration


async def api_submit(request: Request) -> Response:
    """POST /api/registrations: 202 with the new registration, 200 with the open one, or 400 naming the field."""
    try:
        fields = await _fields(request)
        if fields.get(HONEYPOT):
            organisation = fields.get("organisation", "")[:39]
            body: contracts.RegistrationAccepted = {
                "id": "", "status": RegistrationStatus.PENDING, "status_url": "", "organisation": organisation
            }  # fmt: skip
            return JSONResponse(body, status_code=202)
        parsed = parse_registration(fields)
        refused = _admission(request)
        if refused is not None:
            busy: contracts.Error = {"status": 429, "message": refused.message}
            return JSONResponse(busy, status_code=429, headers={"Retry-After": str(refused.retry_after)})
        registration, created = _accept(request, parsed)
    except FieldError as exc:
        error: contracts.FieldErrorBody = {"status": 400, "message": str(exc), "field": exc.field}
        return JSONResponse(error, status_code=400)
    body = {
        "id": registration.id,
        "status": registration.status,
        "status_url": _status_url(registration),
        "organisation": registration.organisation,
    }
    return JSONResponse(body, status_code=202 if created else 200)


def api_status(request: Request) -> JSONResponse:
    """GET /api/registrations/{id}."""
    return JSONResponse(_view(request, _found(request)))


def register_page(request: Request) -> Response:
    """GET /register: the form."""
    return render(request, "register.html", values={}, error=None, types=PUBLISHER_TYPE_TERMS)


async def register_submit(request: Request) -> Response:
    """POST /register: store and go to the status page (303), or the form again with the GOV.UK error summary."""
    fields: dict[str, str] = {}
    try:
        fields = await _fields(request)
        if fields.get(HONEYPOT):
            return render(request, "registered.html", status=200)
        parsed = parse_registration(fields)
        refused = _admission(request)
        if refused is not None:
            response = render(
                request, "error.html", status=429, title="Please try again later", message=refused.message
            )
            response.headers["Retry-After"] = str(refused.retry_after)
            return response
        registration, _ = _accept(request, parsed)
    except FieldError as exc:
        shown = {k: v[:2_000] for k, v in fields.items() if k in FIELDS}
        return render(request, "register.html", status=400, values=shown, error=exc, types=PUBLISHER_TYPE_TERMS)
    return RedirectResponse(_status_url(registration), status_code=303)


def status_page(request: Request) -> Response:
    """GET /registrations/{id}: where the registration stands and what the checks found."""
    registration = _found(request)
    settings = request.app.state.settings
    return render(
        request, "registration.html", registration=_view(request, registration), labels=SIGNAL_LABELS,
        sign_in=settings.sign_in_enabled, email_enabled=settings.email_enabled,
    )  # fmt: skip


def confirm_page(request: Request) -> Response:
    """GET /registrations/{id}/confirm?token=: the emailed link; a button confirms (mail scanners only GET)."""
    registration = _found(request)
    token = request.query_params.get("token", "")[:200]
    return render(request, "confirm.html", registration=registration, token=token, done=None)


async def confirm_submit(request: Request) -> Response:
    """POST /registrations/{id}/confirm: the token from the email proves the contact address reads its mail."""
    registration = _found(request)
    form = await request.form(max_files=0, max_fields=5)
    token = str(form.get("token", ""))[:200]
    done = confirm(_store(request), registration, token)
    return render(request, "confirm.html", status=200 if done else 400, registration=registration, token="", done=done)
