"""Is a web address or email domain under a UK public-sector domain?

Compared on the registrable domain, with the Public Suffix List as shipped in the
`publicsuffixlist` package (no download at run time), so look-alikes do not pass:
`evilgov.uk` (registrable under `uk`), `gov.uk.evil.com` (under `com`) and
`https://www.gov.uk@evil.com` (whose host is `evil.com`).

Two kinds of UK public-sector name:
- public suffixes under which each body registers its own domain: `gov.uk`,
  `nhs.uk`, `police.uk`, `gov.scot`, and `ac.uk` (flagged as academic);
- single registrable domains of one body or its family: `mod.uk`, `gov.wales`,
  `llyw.cymru`, `parliament.uk`, `judiciary.uk`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

PUBLIC_SECTOR_SUFFIXES = ("gov.uk", "nhs.uk", "police.uk", "gov.scot")
ACADEMIC_SUFFIXES = ("ac.uk",)
PUBLIC_SECTOR_DOMAINS = ("mod.uk", "gov.wales", "llyw.cymru", "parliament.uk", "judiciary.uk")


@dataclass(frozen=True)
class DomainVerdict:
    host: str  # as found, lower case, e.g. "www.dorsetcouncil.gov.uk"
    registrable: str  # e.g. "dorsetcouncil.gov.uk"
    under: str  # the public-sector name it sits under, e.g. "gov.uk"
    academic: bool  # under ac.uk: a university, not a council


@cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()  # the list bundled with the package


def host_of(value: str) -> str:
    """The host of a web address (`https://x.gov.uk/a`, `x.gov.uk`) or email (`a@x.gov.uk`), or ""."""
    text = (value or "").strip().lower()
    if not text or len(text) > 2_000 or any(c.isspace() for c in text):
        return ""
    if "://" not in text and "@" in text and "/" not in text:
        text = text.rsplit("@", 1)[1]  # an email address: its domain
    try:
        host = urlsplit(text if "://" in text else "//" + text).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".")


def public_sector_domain(value: str) -> DomainVerdict | None:
    """Where `value`'s host sits among UK public-sector names, or None when it does not."""
    host = host_of(value)
    if not host or "." not in host:
        return None
    registrable = _psl().privatesuffix(host)
    if registrable is None:
        return None  # a bare public suffix such as gov.uk is nobody's domain
    suffix = _psl().publicsuffix(host) or ""
    if suffix in PUBLIC_SECTOR_SUFFIXES or suffix in ACADEMIC_SUFFIXES:
        return DomainVerdict(host, registrable, suffix, suffix in ACADEMIC_SUFFIXES)
    if registrable in PUBLIC_SECTOR_DOMAINS:
        return DomainVerdict(host, registrable, registrable, False)
    return None


def same_organisation_domain(email: str, *others: str) -> bool:
    """Whether an email's registrable domain is that of any of `others` (web addresses or emails)."""
    mine = host_of(email)
    wanted = {_psl().privatesuffix(h) for h in map(host_of, others) if h}
    return bool(mine) and _psl().privatesuffix(mine) in wanted - {None}
