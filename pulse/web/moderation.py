"""Moderation: `/moderate`, for moderators signed in with GitHub (PULSE_MODERATORS).

Every action is a POST carrying a CSRF token (asgi-csrf, wrapped around these
paths in app.py) over the signed session cookie (SameSite=Lax), and must come
from this site's own origin (the Origin header, or Referer when a browser sends
no Origin). Approving writes the registry and queues the harvest of that one
organisation, which pulse.jobs.approval runs in its own process.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pulse.core.errors import FieldError, NotFound
from pulse.core.vocabulary import RegistrationStatus
from pulse.jobs.approval import HARVEST_JOB, UNLIST_JOB
from pulse.jobs.evidence import SIGNAL_LABELS
from pulse.jobs.registrations import Registration, RegistrationStore
from pulse.jobs.registry import write_registry
from pulse.web.auth import signed_in
from pulse.web.templating import public_base_url, render

MAX_REASON_CHARS = 500
QUEUE = (RegistrationStatus.PENDING, RegistrationStatus.SUGGESTED)
DECIDED = (RegistrationStatus.APPROVED, RegistrationStatus.REJECTED, RegistrationStatus.WITHDRAWN)
ACTIONS = {
    "approve": RegistrationStatus.APPROVED,
    "reject": RegistrationStatus.REJECTED,
    "withdraw": RegistrationStatus.WITHDRAWN,
}


def _store(request: Request) -> RegistrationStore:
    store: RegistrationStore = request.app.state.registrations
    return store


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _gate(request: Request) -> tuple[str | None, Response | None]:
    """The moderator's login, or the page to show instead (off, sign in, or not a moderator)."""
    settings = request.app.state.settings
    if not settings.moderators or not settings.sign_in_enabled:
        return None, _private(render(request, "moderate_off.html", status=404))
    login = signed_in(request)
    if login is None:
        return None, _private(render(request, "moderate_sign_in.html", status=401))
    if login.lower() not in settings.moderators:
        return None, _private(render(request, "moderate_refused.html", status=403, login=login))
    return login, None


def queue_page(request: Request) -> Response:
    """GET /moderate: what waits for a decision, what was decided, and the latest audit entries."""
    login, refused = _gate(request)
    if refused is not None:
        return refused
    store = _store(request)
    waiting = [r for status in QUEUE for r in store.find(status)]
    decided = sorted((r for status in DECIDED for r in store.find(status)), key=lambda r: r.updated_at, reverse=True)
    evidence = {r.id: store.evidence(r.id) for r in waiting}
    return _private(
        render(
            request,
            "moderate.html",
            login=login,
            waiting=waiting,
            decided=decided[:50],
            evidence=evidence,
            audit=store.recent_audit(30),
        )  # fmt: skip
    )


def _found(request: Request) -> Registration:
    registration = _store(request).get(request.path_params["id"])
    if registration is None:
        raise NotFound("There is no registration with that id.")
    return registration


def registration_page(request: Request, error: FieldError | None = None, status: int = 200) -> Response:
    """GET /moderate/{id}: one registration with everything a moderator needs, the contact email included."""
    login, refused = _gate(request)
    if refused is not None:
        return refused
    registration = _found(request)
    store = _store(request)
    return _private(
        render(
            request,
            "moderate_registration.html",
            status=status,
            login=login,
            registration=registration,
            evidence=store.evidence(registration.id),
            audit=store.audit_trail(registration.id),
            labels=SIGNAL_LABELS,
            error=error,
            harvest_queued=store.queued(registration.id, HARVEST_JOB),
        )  # fmt: skip
    )


def same_origin(request: Request) -> bool:
    """Whether a state-changing request was sent by a page of this site (Origin, else Referer)."""
    expected = urlsplit(public_base_url(request))
    sent = request.headers.get("origin") or request.headers.get("referer") or ""
    if not sent or sent == "null":
        return False
    parts = urlsplit(sent)
    return (parts.scheme, parts.netloc) == (expected.scheme, expected.netloc)


async def decide(request: Request) -> Response:
    """POST /moderate/{id}: approve, reject (with a reason) or withdraw; then back to the registration (303)."""
    login, refused = _gate(request)
    if refused is not None:
        return refused
    if not same_origin(request):
        return _private(
            render(request, "error.html", status=403, title="Refused",
                   message="This action must be sent from a Pulse moderation page.")
        )  # fmt: skip
    registration = _found(request)
    form = await request.form(max_files=0, max_fields=10)
    action, reason = str(form.get("action", "")), " ".join(str(form.get("reason", "")).split())
    status = ACTIONS.get(action)
    problem = None
    if status is None:
        problem = FieldError("action", "Choose approve, reject or withdraw.")
    elif status == RegistrationStatus.REJECTED and not reason:
        problem = FieldError("reason", "Enter why the registration is rejected: the registrant sees it.")
    elif len(reason) > MAX_REASON_CHARS:
        problem = FieldError("reason", f"The reason must be {MAX_REASON_CHARS} characters or fewer.")
    elif status == RegistrationStatus.WITHDRAWN and registration.status != RegistrationStatus.APPROVED:
        problem = FieldError("action", "Only an approved organisation can be withdrawn.")
    elif status == RegistrationStatus.APPROVED and registration.status == RegistrationStatus.APPROVED:
        problem = FieldError("action", "This organisation is already approved.")
    if problem is not None:
        return registration_page(request, error=problem, status=400)
    assert status is not None
    store = _store(request)
    store.decide(registration.id, status, actor=f"github:{login}", reason=reason)
    write_registry(request.app.state.settings.data_dir, store)
    if status in (RegistrationStatus.APPROVED, RegistrationStatus.WITHDRAWN):
        store.enqueue(HARVEST_JOB if status == RegistrationStatus.APPROVED else UNLIST_JOB, registration.id)
        request.app.state.harvests.wake()
    return RedirectResponse(f"/moderate/{registration.id}", status_code=303)
