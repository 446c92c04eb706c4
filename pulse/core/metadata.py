"""In-repo metadata files, read into a few plain keys; and the normalisers every catalogue format shares.

A repository can describe itself: publiccode.yml (the European standard), Backstage's
catalog-info.yaml (DWP, HMCTS) or DWP's own .dwp/project-metadata.yaml. None of them is ours,
and all of them are written by hand, so `parse_metadata` never raises: it returns the
normalised keys, or no keys and the reason a publisher page can show.

Normalised keys (a key is left out when the file gives nothing for it; every value is a plain
`str` or `list[str]`, never a date, number or None):

| key | publiccode.yml | catalog-info.yaml | .dwp/project-metadata.yaml |
|---|---|---|---|
| `description` | `description.<lang>.shortDescription`, English first | `metadata.description` | |
| `software_type` | `softwareType` | `spec.type` | |
| `development_status` | `developmentStatus` | | |
| `maintenance` | `maintenance.type` | | |
| `lifecycle` | | `spec.lifecycle` | |
| `owner` | `legal.repoOwner`, else `organisation.name` | `spec.owner` (entity ref shortened) | |
| `system` | | `spec.system` (entity ref shortened) | `cmdb_id` (not when it is a URL) |
| `contacts` | `maintenance.contacts` | | `last_verified.name` |
| `categories` | `categories` | `metadata.tags` | |
| `used_by` | `usedBy` | | |

A contact reads `Name <email>` when the file gives both (these files are public, in public
repositories, and say so on purpose), else the name, else the email.

YAML safety: the text is capped at MAX_METADATA_BYTES before it is parsed, and parsed with
PyYAML's SafeLoader (what `yaml.safe_load` uses) in two steps, so the node graph is measured
before any Python object is built: a document whose aliases would expand to more than
`max_nodes` nodes (the "billion laughs"), that refers to itself, or that nests deeper than
MAX_DEPTH is refused. Counting aliases alone is not enough: nine levels of ten aliases each
expand to a billion nodes.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import yaml

from pulse.core.text import excerpt

METADATA_FILES: tuple[str, ...] = (
    "publiccode.yml",
    "publiccode.yaml",
    "catalog-info.yaml",
    ".dwp/project-metadata.yaml",
)
MAX_METADATA_BYTES = 100_000
MAX_METADATA_NODES = 50_000  # after alias expansion; a 100 kB file without aliases has fewer
MAX_DEPTH = 64
MAX_DOCUMENTS = 20  # catalog-info.yaml may hold several entities, one per YAML document

DESCRIPTION_MAX_CHARS = 500
TEXT_MAX_CHARS = 200
LIST_MAX_ITEMS = 50


# --- Safe YAML ------------------------------------------------------------------------------------


class _Refused(Exception):
    """The node graph is too deep or circular; the message says which."""


class _TooBig(_Refused):
    """The node graph expands past the caller's budget."""


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Nodes the document would have with every alias expanded, stopping once past `limit`."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _Refused("refers to itself (a recursive alias)")
        if depth > MAX_DEPTH:
            raise _Refused(f"nests more than {MAX_DEPTH} levels deep")
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child, depth + 1)
                if total > limit:
                    break
        elif isinstance(node, yaml.MappingNode):
            for knode, vnode in node.value:
                total += size(knode, depth + 1) + size(vnode, depth + 1)
                if total > limit:
                    break
        open_nodes.discard(key)
        if total > limit:
            raise _TooBig()
        sizes[key] = total
        return total

    return size(root, 0)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().split("\n", 1)[0]


def load_yaml(text: str, what: str, *, max_nodes: int, max_documents: int = 1) -> tuple[list[Any], str]:
    """The documents of untrusted YAML `text` as plain Python data, and "" — or ([], a reason naming `what`).

    SafeLoader only (no Python objects), with the node graph measured before it is built (see the
    module docstring). An empty stream is one document, None. Never raises for bad input.
    """
    try:
        loader = yaml.SafeLoader(text)  # reads the text at once: a control character fails here
    except yaml.YAMLError as exc:
        return [], f"{what} is not valid YAML: {_first_line(exc)}"
    documents: list[Any] = []
    try:
        budget = max_nodes
        while loader.check_node():
            if len(documents) >= max_documents:
                more = "one document" if max_documents == 1 else f"{max_documents} documents"
                return [], f"{what} has more than {more}"
            node = loader.get_node()
            if node is None:
                break
            budget -= _expanded_size(node, budget)
            documents.append(loader.construct_document(node))
    except _TooBig:
        return [], f"{what} is refused: it expands to more than {max_nodes:,} values (too many aliases)"
    except _Refused as exc:
        return [], f"{what} is refused: it {exc}"
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark else ""
        return [], f"{what} is not valid YAML: {where}{exc.problem or exc.context or 'unreadable'}"
    except yaml.YAMLError as exc:
        return [], f"{what} is not valid YAML: {_first_line(exc)}"
    except RecursionError:
        return [], f"{what} is refused: it nests too deeply"
    except Exception as exc:  # SafeConstructor raises plain ValueError, AttributeError... on values
        # it cannot build (`date: 2025-13-45`, `!!timestamp 2020`); bad input, never a crash.
        return [], f"{what} is not valid YAML: a value cannot be read ({type(exc).__name__}: {exc})"
    finally:
        loader.dispose()
    return documents or [None], ""


# --- Plain values ---------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def plain_text(value: Any, limit: int = TEXT_MAX_CHARS) -> str:
    """A YAML or JSON scalar as one line of text: numbers and dates become their text, None and
    containers become "" (YAML reads `version: 1.0` as a float and `date: 2025-02-14` as a date)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, str | int | float):
        text = str(value)
    else:
        return ""
    return excerpt(_SPACES.sub(" ", text).strip(), limit)


def text_list(value: Any, limit: int = LIST_MAX_ITEMS) -> list[str]:
    """A list of scalars (or one scalar) as distinct non-empty strings, first spelling kept."""
    values = value if isinstance(value, list | tuple) else [value]
    seen: set[str] = set()
    out: list[str] = []
    for item in values:
        text = plain_text(item)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
            if len(out) >= limit:
                break
    return out


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _unquote(text: str) -> str:
    """Drop one pair of quotes around the whole text: DWP writes `"..."` inside a block scalar."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    return text


def slug(text: str, limit: int = 80) -> str:
    """Lower-case ASCII letters and digits joined by hyphens: a stable path segment from a title."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


def url_host(url: str) -> str:
    """The host of `url`, lower-case, without the trailing dot of a fully qualified name (`ico.org.uk.`)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".")


def url_path(url: str) -> str:
    """The path of `url` without leading or trailing slashes, empty and dot segments, or a `.git` ending."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    segments = [s for s in path.split("/") if s and s not in (".", "..")]
    if segments and segments[-1].lower().endswith(".git"):
        segments[-1] = segments[-1][:-4]
    return "/".join(s for s in segments if s)


# --- Dates ------------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")  # DWP writes "2025-06-9"
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?,? (\d{4})$")  # "June 2026"
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2}) ([A-Za-z]+)\.?,? (\d{4})$")  # "19 December 2023"


def _stamp(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def iso_timestamp(value: Any) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` from an ISO date or datetime (text or a YAML date), an unpadded
    `2025-06-9`, or "June 2026" / "19 December 2023" (a month alone is its first day); else ""."""
    if isinstance(value, datetime):
        return _stamp(value)
    if isinstance(value, date):
        return _stamp(datetime(value.year, value.month, value.day))
    if not isinstance(value, str):
        return ""
    text = _SPACES.sub(" ", value).strip()
    if not text or len(text) > 40:
        return ""
    try:
        if match := _YMD.match(text):
            return _stamp(datetime(int(match[1]), int(match[2]), int(match[3])))
        if match := _MONTH_YEAR.match(text):
            month = _MONTHS.get(match[1].lower())
            return _stamp(datetime(int(match[2]), month, 1)) if month else ""
        if match := _DAY_MONTH_YEAR.match(text):
            month = _MONTHS.get(match[2].lower())
            return _stamp(datetime(int(match[3]), month, int(match[1]))) if month else ""
        if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", text):
            return _stamp(datetime.fromisoformat(text.replace("z", "Z")))
    except ValueError:
        return ""
    return ""


# --- Licences ---------------------------------------------------------------------------------

_LICENCE_ALIASES = {
    "mit": "MIT",
    "mit license": "MIT",
    "mit licence": "MIT",
    "the mit license": "MIT",
    "apache 2.0": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license version 2.0": "Apache-2.0",
    "apache licence 2.0": "Apache-2.0",
    "gpl 3.0": "GPL-3.0",
    "gplv3": "GPL-3.0",
    "gpl v3": "GPL-3.0",
    "gpl 3": "GPL-3.0",
    "gpl 2.0": "GPL-2.0",
    "gplv2": "GPL-2.0",
    "gpl v2": "GPL-2.0",
    "agpl 3.0": "AGPL-3.0",
    "agplv3": "AGPL-3.0",
    "lgpl 3.0": "LGPL-3.0",
    "lgpl 2.1": "LGPL-2.1",
    "bsd 3 clause": "BSD-3-Clause",
    "bsd 2 clause": "BSD-2-Clause",
    "isc": "ISC",
    "isc license": "ISC",
    "mpl 2.0": "MPL-2.0",
    "mozilla public license 2.0": "MPL-2.0",
    "cc0": "CC0-1.0",
    "cc0 1.0": "CC0-1.0",
    "cc zero": "CC0-1.0",
    "creative commons zero": "CC0-1.0",
    "cc by 4.0": "CC-BY-4.0",
    "unlicense": "Unlicense",
    "the unlicense": "Unlicense",
    "eupl 1.2": "EUPL-1.2",
}
# SPDX ids matched case-insensitively, so `apache-2.0` (GitHub's licence URLs) reads as `Apache-2.0`.
_KNOWN_IDS = (
    "0BSD AGPL-3.0 AGPL-3.0-only AGPL-3.0-or-later Apache-2.0 BSD-2-Clause BSD-3-Clause BSL-1.0 CC-BY-4.0 "
    "CC-BY-SA-4.0 CC0-1.0 EPL-1.0 EPL-2.0 EUPL-1.1 EUPL-1.2 GPL-2.0 GPL-2.0-only GPL-2.0-or-later GPL-3.0 "
    "GPL-3.0-only GPL-3.0-or-later ISC LGPL-2.1 LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0 LGPL-3.0-only "
    "LGPL-3.0-or-later MIT MIT-0 MPL-2.0 OGL-UK-1.0 OGL-UK-2.0 OGL-UK-3.0 Unlicense Zlib"
).split()
_LICENCE_ALIASES.update({spdx.lower(): spdx for spdx in _KNOWN_IDS})
_OGL = re.compile(
    r"^(?:ogl|open government licen[cs]e)(?: uk)?(?: for public sector information)?(?: ?v(?:ersion)?)? ?(\d)?(?:\.0)?$"
)
_SPDX_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$")
_PARENTHESES = re.compile(r"\([^)]*\)")


def licence_id(value: Any, *, keep_unknown: bool = False) -> str:
    """An SPDX id for the first licence `value` names, where the form is obvious ("ogl3", "OGL v3.0",
    "Open Government Licence v3.0" -> OGL-UK-3.0; "CC0" -> CC0-1.0; "Apache License 2.0"...).

    An unknown id-shaped value ("EUPL-1.1") is kept as given; an unknown phrase ("not stated (no
    LICENSE file)", "see LICENCE.txt") is "" unless `keep_unknown` (code.json names licences in its
    own words, which are kept, trimmed). "OGL-UK-3.0 (content); MIT (code)" is OGL-UK-3.0: the first.
    """
    text = _SPACES.sub(" ", _PARENTHESES.sub(" ", plain_text(value, 300).split(";")[0])).strip(" ,.")
    if not text:
        return ""
    key = re.sub(r"[^a-z0-9.]+", " ", text.lower()).strip(" .")
    if match := _OGL.match(key):
        return f"OGL-UK-{match[1] or 3}.0"
    for form in (text.lower(), key):
        if form in _LICENCE_ALIASES:
            return _LICENCE_ALIASES[form]
    if _SPDX_LIKE.match(text):
        return text
    return plain_text(value, 100) if keep_unknown else ""


# --- The three file formats -------------------------------------------------------------------

_ENGLISH = ("en", "en-gb", "eng", "en-us")


def _english_first(descriptions: dict[str, Any]) -> dict[str, Any]:
    """The description block in English (`en`, `en-GB`, `eng`, any `en-*`), else the first language given."""
    blocks = {str(k).lower(): v for k, v in descriptions.items() if isinstance(v, dict)}
    for tag in _ENGLISH:
        if tag in blocks:
            return blocks[tag]
    for tag, block in blocks.items():
        if tag.startswith(("en-", "en_")):
            return block
    return next(iter(blocks.values()), {})


def _short_description(block: dict[str, Any]) -> str:
    """`shortDescription`, else the first paragraph of `longDescription`, as one short line."""
    short = plain_text(block.get("shortDescription"), DESCRIPTION_MAX_CHARS)
    if short:
        return short
    long = block.get("longDescription")
    if not isinstance(long, str):
        return ""
    first = next((p for p in re.split(r"\n\s*\n", long) if p.strip()), "")
    return plain_text(first, 300)


def contact_list(value: Any) -> list[str]:
    """`Name <email>`, the name, or the email, for each contact mapping (one, or a list of them)."""
    out: list[str] = []
    for entry in value if isinstance(value, list) else [value]:
        if not isinstance(entry, dict):
            continue
        name, email = plain_text(entry.get("name")), plain_text(entry.get("email"))
        contact = f"{name} <{email}>" if name and email else name or email
        if contact and contact not in out:
            out.append(contact)
    return out[:LIST_MAX_ITEMS]


def _entity_ref(value: Any) -> str:
    """A Backstage entity reference without its kind and default namespace:
    `group:default/backstage.group.health-and-disability` -> `backstage.group.health-and-disability`."""
    text = plain_text(value)
    text = re.sub(r"^[A-Za-z][A-Za-z0-9-]*:(?!//)", "", text)
    return text.removeprefix("default/")


def _publiccode(data: dict[str, Any]) -> dict[str, Any]:
    maintenance = _mapping(data.get("maintenance"))
    legal = _mapping(data.get("legal"))
    return {
        "description": _short_description(_english_first(_mapping(data.get("description")))),
        "software_type": plain_text(data.get("softwareType")),
        "development_status": plain_text(data.get("developmentStatus")),
        "maintenance": plain_text(maintenance.get("type")),
        "owner": plain_text(legal.get("repoOwner")) or plain_text(_mapping(data.get("organisation")).get("name")),
        "contacts": contact_list(maintenance.get("contacts")),
        "categories": text_list(data.get("categories")),
        "used_by": text_list(data.get("usedBy")),
    }


def _backstage(documents: list[Any]) -> dict[str, Any]:
    entities = [d for d in documents if isinstance(d, dict)]
    entity = next((d for d in entities if plain_text(d.get("kind")).lower() == "component"), entities[0])
    meta, spec = _mapping(entity.get("metadata")), _mapping(entity.get("spec"))
    return {
        "description": excerpt(_unquote(plain_text(meta.get("description"), 10_000)), DESCRIPTION_MAX_CHARS),
        "software_type": plain_text(spec.get("type")),
        "lifecycle": plain_text(spec.get("lifecycle")),
        "owner": _entity_ref(spec.get("owner")),
        "system": _entity_ref(spec.get("system")),
        "categories": text_list(meta.get("tags")),
    }


def _dwp(data: dict[str, Any]) -> dict[str, Any]:
    projects = data.get("project")
    project = _mapping(projects[0] if isinstance(projects, list) and projects else projects)
    cmdb = plain_text(project.get("cmdb_id"))
    verified = _mapping(project.get("last_verified"))
    return {
        "system": "" if "://" in cmdb else cmdb,  # one repo gives a policy page's URL, not an id
        "contacts": text_list(verified.get("name")),
    }


def _reader(filename: str) -> str:
    name = filename.replace("\\", "/").lower()
    base = name.rsplit("/", 1)[-1]
    if base in ("publiccode.yml", "publiccode.yaml"):
        return "publiccode"
    if base in ("catalog-info.yaml", "catalog-info.yml"):
        return "backstage"
    if name.endswith(".dwp/project-metadata.yaml") or base == "project-metadata.yaml":
        return "dwp"
    return ""


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a single text value"
    return f"a single {type(value).__name__} value"


def parse_metadata(filename: str, text: str) -> tuple[dict[str, Any], str]:
    """The normalised metadata of one in-repo file and "" — or ({}, a reason for the publisher page).

    `filename` picks the format (one of METADATA_FILES; a path ending in one is fine). Never raises
    for bad input: too large, not YAML, refused (aliases, depth), not a mapping, or nothing usable.
    """
    reader = _reader(filename)
    if not reader:
        return {}, f"{filename} is not a metadata file Pulse reads ({', '.join(METADATA_FILES)})"
    size = len(text) if len(text) > MAX_METADATA_BYTES else len(text.encode("utf-8", "replace"))
    if size > MAX_METADATA_BYTES:
        return {}, f"{filename} is too large: {size:,} bytes (the limit is {MAX_METADATA_BYTES:,})"
    documents, problem = load_yaml(
        text,
        filename,
        max_nodes=MAX_METADATA_NODES,
        max_documents=MAX_DOCUMENTS if reader == "backstage" else 1,
    )
    if problem:
        return {}, problem
    first = documents[0]
    if not isinstance(first, dict):
        return {}, f"{filename} is not a mapping of keys to values: it is {_kind_of(first)}"
    if reader == "publiccode":
        found = _publiccode(first)
    elif reader == "backstage":
        found = _backstage(documents)
    else:
        found = _dwp(first)
    metadata = {key: value for key, value in found.items() if value}
    if not metadata:
        return {}, f"{filename} has no recognisable fields"
    return metadata, ""


__all__ = [
    "MAX_METADATA_BYTES",
    "contact_list",
    "METADATA_FILES",
    "iso_timestamp",
    "licence_id",
    "load_yaml",
    "parse_metadata",
    "plain_text",
    "slug",
    "text_list",
    "url_host",
    "url_path",
]
