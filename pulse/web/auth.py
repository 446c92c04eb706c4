"""Sign in with GitHub: the OAuth web flow (authlib's Starlette client), for moderators and registrants.

Only the login is kept, in the signed session cookie (Starlette's SessionMiddleware,
PULSE_SECRET_KEY); the access token is used during the callback and dropped.
A registrant who signs in from their registration's status page proves control:
the callback asks `GET /user/memberships/orgs/{org}` with the token it has just
received and records what GitHub said as the `control` signal. That one request
happens in the handler because the token exists only there; Pulse never stores it.
GITHUB_OAUTH_URL points the flow at GitHub Enterprise (same paths) or the tests' fake.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pulse.core.settings import Settings
from pulse.jobs.registrations import Evidence, RegistrationStore
from pulse.web.templating import public_base_url, render

SCOPE = "read:org"  # what GET /user/memberships/orgs/{org} needs; nothing that can write
SESSION_LOGIN = "login"


def oauth_client(settings: Settings) -> Any | None:
    """The registered GitHub client, or None when sign-in is not configured."""
    if not settings.sign_in_enabled:
        return None
    oauth = OAuth()
    oauth.register(
        "github",
        client_id=settings.oauth_client_id,
        client_secret=settings.oauth_client_secret,
        authorize_url=f"{settings.github_oauth_url}/login/oauth/authorize",
        access_token_url=f"{settings.github_oauth_url}/login/oauth/access_token",
        api_base_url=settings.github_api_url + "/",
        # GitHub documents the client credentials as POST parameters.
        client_kwargs={"scope": SCOPE, "token_endpoint_auth_method": "client_secret_post", "timeout": 15},
    )
    return oauth.create_client("github")


def signed_in(request: Request) -> str | None:
    """The GitHub login of whoever this session signed in as, if anyone."""
    if "session" not in request.scope:
        return None
    login = request.session.get(SESSION_LOGIN)
    return login if isinstance(login, str) else None


def local_path(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site (never `//host` or a URL elsewhere: no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else default


def _client(request: Request) -> Any | None:
    return request.app.state.oauth


def _off(request: Request) -> Response:
    return render(request, "sign_in_off.html", status=404)


async def sign_in(request: Request) -> Response:
    """GET /sign-in?next=/moderate or ?registration=ID: off to GitHub to sign in."""
    client = _client(request)
    if client is None:
        return _off(request)
    refused = request.app.state.throttle.sign_in(request)
    if refused is not None:
        response = render(request, "error.html", status=429, title="Too many attempts", message=refused.message)
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    registration_id = request.query_params.get("registration", "")
    store: RegistrationStore = request.app.state.registrations
    if registration_id and store.get(registration_id) is not None:
        request.session["prove"] = registration_id
        request.session["after"] = f"/registrations/{registration_id}"
    else:
        request.session.pop("prove", None)
        request.session["after"] = local_path(request.query_params.get("next"))
    callback = public_base_url(request) + "/sign-in/callback"
    redirect: Response = await client.authorize_redirect(request, callback)
    return redirect


async def callback(request: Request) -> Response:
    """GET /sign-in/callback: GitHub sends the person back with a code; exchange it, learn who they are."""
    client = _client(request)
    if client is None:
        return _off(request)
    try:
        token = await client.authorize_access_token(request)
        user = await client.get("user", token=token)
        user.raise_for_status()
        login = str(user.json()["login"])
    except (OAuthError, KeyError, ValueError) as exc:
        message = getattr(exc, "description", None) or "GitHub did not confirm who you are."
        return render(
            request, "error.html", status=400, title="Sign-in did not finish", message=f"{message} Please try again."
        )
    except Exception:  # noqa: BLE001 - GitHub unreachable or answering nonsense: a clear page, not a 500
        return render(
            request, "error.html", status=502, title="Sign-in did not finish",
            message="GitHub could not be reached to finish signing in. Please try again in a minute.",
        )  # fmt: skip
    request.session[SESSION_LOGIN] = login
    prove = request.session.pop("prove", None)
    after = local_path(request.session.pop("after", None))
    if isinstance(prove, str):
        await _record_control(request, client, token, login, prove)
    return RedirectResponse(after, status_code=303)


async def _record_control(request: Request, client: Any, token: Any, login: str, registration_id: str) -> None:
    """What GitHub says about `login` in the registered organisation: the strongest proof of control."""
    store: RegistrationStore = request.app.state.registrations
    registration = store.get(registration_id)
    if registration is None:
        return
    org = registration.organisation
    try:
        answer = await client.get(f"user/memberships/orgs/{org}", token=token)
        evidence = _control(login, org, answer.status_code, answer.json() if answer.status_code == 200 else {})
    except Exception:  # noqa: BLE001 - recorded as unchecked; the registrant can sign in again
        evidence = Evidence("control", None, f"@{login} signed in, but GitHub could not be asked about {org}")
    store.record_evidence(registration_id, [evidence])
    store.note(registration_id, f"github:{login}", "signed in", evidence.detail)


def _control(login: str, org: str, status: int, body: dict[str, Any]) -> Evidence:
    if status == 404:
        return Evidence("control", False, f"@{login} signed in but is not a member of {org} on GitHub")
    if status != 200:
        return Evidence("control", None, f"@{login} signed in; GitHub answered {status} about membership of {org}")
    role, state = body.get("role"), body.get("state")
    if state != "active":
        return Evidence("control", False, f"@{login} has a {state} invitation to {org}, not an active membership")
    if role == "admin":
        return Evidence("control", True, f"@{login} signed in with GitHub and is an owner (admin) of {org}")
    return Evidence("control", False, f"@{login} signed in with GitHub and is a member of {org}, not an owner")


async def sign_out(request: Request) -> Response:
    """POST /sign-out (with its CSRF token)."""
    if "session" in request.scope:
        request.session.clear()
    return RedirectResponse("/", status_code=303)
