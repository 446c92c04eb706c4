"""A registration as a council submits it: parsed and checked before anything touches the network.

Everything here is syntax. Whether the organisation exists, is an organisation,
and belongs to a UK public body is evidence gathered later, in the background
(pulse/jobs); a handler only ever calls `parse_registration`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pulse.core.errors import FieldError
from pulse.core.vocabulary import GITHUB_LOGIN, PUBLISHER_TYPES

MAX_NAME_CHARS = 200
MAX_NOTE_CHARS = 2_000
MAX_EMAIL_CHARS = 254
# A pasted profile URL: github.com/<login>, with or without scheme, www, a trailing slash or a query.
_PROFILE_URL = re.compile(r"^(?:https?://)?(?:www\.)?github\.com/([^/?#\s]+)/?(?:[?#]\S*)?$", re.IGNORECASE)
# The addr-spec subset people use: a dot-atom local part and a host of DNS labels with a dot.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@" + _LABEL + r"(?:\." + _LABEL + r")+$"
)


@dataclass(frozen=True)
class RegistrationRequest:
    """A validated submission; `organisation` is the normalised GitHub login (its case as typed)."""

    organisation: str
    publisher_name: str
    publisher_type: str
    contact_email: str
    note: str = ""

    @property
    def organisation_key(self) -> str:
        """Logins are case-insensitive: the key duplicates are found by."""
        return self.organisation.lower()


def normalise_organisation(raw: str) -> str:
    """`org`, `@org` or a pasted `https://github.com/org` as the login `org`; FieldError otherwise."""
    text = (raw or "").strip()
    if len(text) > 300:
        raise FieldError("organisation", "The organisation is too long: give its GitHub login, e.g. Dorset-Council-UK.")
    found = _PROFILE_URL.match(text)
    login = found.group(1) if found else text.removeprefix("@")
    if not login:
        raise FieldError("organisation", "Enter the GitHub organisation, e.g. Dorset-Council-UK.")
    if not GITHUB_LOGIN.match(login):
        raise FieldError(
            "organisation",
            "Enter a GitHub organisation login: 1 to 39 letters, digits or single hyphens, "
            "not starting or ending with a hyphen (e.g. Dorset-Council-UK).",
        )
    return login


def parse_registration(fields: Mapping[str, str]) -> RegistrationRequest:
    """Check a submission field by field, in form order; the first problem is a FieldError naming its field."""
    organisation = normalise_organisation(fields.get("organisation", ""))
    name = " ".join((fields.get("publisher_name") or "").split())
    if not name:
        raise FieldError("publisher_name", "Enter the name of the public body, e.g. Dorset Council.")
    if len(name) > MAX_NAME_CHARS:
        raise FieldError("publisher_name", f"The name must be {MAX_NAME_CHARS} characters or fewer.")
    publisher_type = (fields.get("publisher_type") or "").strip()
    if publisher_type not in PUBLISHER_TYPES:
        raise FieldError("publisher_type", "Choose the type of public body: " + ", ".join(PUBLISHER_TYPES) + ".")
    email = (fields.get("contact_email") or "").strip()
    if not email:
        raise FieldError("contact_email", "Enter a contact email address, e.g. digital@dorsetcouncil.gov.uk.")
    if len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email):
        raise FieldError("contact_email", "Enter an email address in the right format, e.g. name@council.gov.uk.")
    note = (fields.get("note") or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise FieldError("note", f"The note must be {MAX_NOTE_CHARS:,} characters or fewer.")
    if "\x00" in name + email + note:
        raise FieldError("note", "The form contains a NUL character.")
    return RegistrationRequest(organisation, name, publisher_type, email, note)


@dataclass(frozen=True)
class AccountProfile:
    """What GitHub says about a login, as the evidence checks read it."""

    login: str
    kind: str  # "Organization" or "User"
    is_verified: bool | None  # GitHub's verified-domain flag (organisations only)
    blog: str
    email: str
    public_repos: int
    created_at: str  # ISO 8601 UTC
