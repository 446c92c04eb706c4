"""Fuzz and property tests: hostile input over real HTTP must never break Pulse.

Everything runs against the real app under uvicorn (tests/conftest.py `LiveServer`),
through httpx, so routing, parameter parsing, Whoosh, templates, feeds and
downloads are all in the loop. What the fuzzer guards:

1. Any request. Every route, every search parameter: random unicode (control
   characters included), Whoosh/Lucene query syntax (AND OR NOT REQUIRE ANDMAYBE
   ANDNOT, quotes, brackets, wildcards, fuzzy terms, boosts, fields, ranges,
   regexes), repeated and unknown parameters, every facet filter at once, absurd
   `page`/`per_page`/`sort`, and percent-encoded invalid UTF-8 in the query string
   and in the path. Properties: never a 5xx, a dropped connection or a timeout;
   HTML and Atom never carry markup from the request unescaped (a `<x-fuzz>` or
   `<script>` sent in `q`, a filter or a path segment never appears literally);
   every JSON error is `{"status", "message"}` with `status` equal to the HTTP code.
2. Hostile records. A catalogue whose descriptions, topics, URLs, homepages,
   READMEs, languages, licences and publishers are full of HTML, script tags,
   `javascript:` URLs, markdown links to `javascript:`, control characters, huge
   whitespace runs and 30,000-character READMEs is indexed, then every record is
   shown on its page, in the API, in search results, the Atom feed and both
   downloads. Properties: never a 5xx; no script element, event handler or
   `javascript:`/`vbscript:`/`data:` URL in any HTML `href`/`src` (parsed with
   html.parser) or Atom link (parsed with ElementTree); no CSV cell a spreadsheet
   would run as a formula.
3. A hang guard. Every request must be answered within HANG_SECONDS (2 s): a
   pathological regex or loop shows up as a timeout. The slowest request of each
   test is printed; run with `-s` to see the figures.

Deterministic for CI: Hypothesis runs derandomized with no example database, and
the hostile catalogue comes from a seeded generator (Hypothesis only chooses which
hostile strings and records go into requests, and builds extra records in
`test_generated_hostile_record_is_rendered_safely`).
"""

from __future__ import annotations

import csv
import io
import random
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pulse.core.record import Repo
from pulse.core.settings import Settings
from pulse.core.vocabulary import FILTERS, PUBLISHER_TYPES, RESOURCE_TYPES, SORTS
from pulse.index import IndexStore
from pulse.jobs.demo import DEMO_SNAPSHOT, read_jsonl
from tests.conftest import LiveServer

HANG_SECONDS = 2.0
Params = Sequence[tuple[str, str]]


def fuzz_settings(max_examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Hypothesis settings for tests over a live server: deterministic, no deadline (the hang
    guard times requests itself), fixtures shared across examples on purpose."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# --- checking one answer -----------------------------------------------------------------

# The site has no JavaScript at all (see the accessibility statement), so any of these in a
# page can only have come from data or from the request.
FORBIDDEN_TAGS = frozenset({"script", "iframe", "frame", "object", "embed", "applet", "base"})
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "poster",
        "background",
        "cite",
        "longdesc",
        "xlink:href",
        "ping",
        "data",
        "srcset",
    }
)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
# Literal markup that must never reach an HTML or Atom body unescaped (compared lower-cased).
NEEDLES = ("<x-fuzz", "<script", "<img src=x onerror", "<svg onload")
_URL_NOISE = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL
_URL_EDGES = "".join(chr(c) for c in range(33))  # ...and strip C0 controls and spaces at the ends
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def dangerous_url(value: str) -> bool:
    """True if a browser would treat `value` as a script (or data) URL."""
    cleaned = _URL_NOISE.sub("", value).strip(_URL_EDGES).lower()
    return cleaned.startswith(BAD_SCHEMES)


class _MarkupScan(HTMLParser):
    """Collects script-capable markup: forbidden elements, event handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS or tag.startswith("x-fuzz"):
            self.problems.append(f"a <{tag}> element in the page")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"an event handler {name}={value!r:.80} on <{tag}>")
            if name in URL_ATTRIBUTES and value:
                urls = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
                if any(dangerous_url(url) for url in urls):
                    self.problems.append(f"<{tag} {name}={value!r:.120}>")

    handle_startendtag = handle_starttag


def echo_problems(body: str, sent: Sequence[str]) -> list[str]:
    """Markup from the request (or from hostile data) that reached an HTML/Atom body unescaped."""
    lowered = body.lower()
    problems = [f"unescaped {needle!r} in the body" for needle in NEEDLES if needle in lowered]
    for value in sent:
        value = value.strip()
        # Short snippets such as "<a" or "</" are part of every page's own markup.
        if "<" in value and len(value) >= 8 and value in body:
            problems.append(f"the request value {value!r:.120} appears unescaped in the body")
    return problems


def html_problems(body: str, sent: Sequence[str]) -> list[str]:
    scan = _MarkupScan()
    scan.feed(body)
    scan.close()
    return scan.problems + echo_problems(body, sent)


def atom_problems(content: bytes, sent: Sequence[str]) -> list[str]:
    problems = echo_problems(content.decode("utf-8", "replace"), sent)
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        return problems + [f"the feed is not well-formed XML: {exc}"]
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        for name in ("href", "src", "uri"):
            value = element.get(name)
            if value and dangerous_url(value):
                problems.append(f"<{local} {name}={value!r:.120}> in the feed")
        if local in ("uri", "icon", "logo") and element.text and dangerous_url(element.text):
            problems.append(f"<{local}>{element.text!r:.120}</{local}> in the feed")
    return problems


def json_problems(response: httpx.Response) -> list[str]:
    try:
        body = response.json()
    except ValueError as exc:
        return [f"the JSON body does not parse: {exc}"]
    if response.status_code < 400:
        return []
    if not (isinstance(body, dict) and set(body) == {"status", "message"}):
        return [f"a JSON error not of the shape {{'status', 'message'}}: {response.text:.200}"]
    problems = []
    if body["status"] != response.status_code:
        problems.append(f"JSON error says status {body['status']!r}, HTTP says {response.status_code}")
    if not (isinstance(body["message"], str) and body["message"]):
        problems.append(f"JSON error message is not a non-empty string: {body['message']!r:.80}")
    return problems


def csv_problems(content: bytes) -> list[str]:
    try:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        return [f"the CSV does not parse: {exc}"]
    problems = []
    for number, row in enumerate(rows[1:], 2):
        for cell in row:
            if cell.startswith(CSV_FORMULA_STARTS):
                problems.append(f"CSV row {number}: the cell {cell!r:.60} would run as a spreadsheet formula")
    return problems[:5]


def problems_in(response: httpx.Response, sent: Sequence[str]) -> list[str]:
    """Every property of one answer that does not hold."""
    status = response.status_code
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    path = response.request.url.path
    problems = [f"server error {status}"] if status >= 500 else []
    if kind == "text/html":
        problems += html_problems(response.text, sent)
    elif kind == "application/atom+xml":
        problems += atom_problems(response.content, sent)
    elif kind == "application/json":
        problems += json_problems(response)
    elif kind == "text/csv" and status == 200:
        problems += csv_problems(response.content)
    if status >= 400 and (path.startswith("/api/") or path == "/healthz") and kind != "application/json":
        problems.append(f"an error under /api/ that is not JSON ({kind or 'no content type'})")
    return problems


# --- the client ---------------------------------------------------------------------------


@dataclass
class Answer:
    """One request: the URL as sent, how long it took, the response (None if none) and what is wrong."""

    url: str
    seconds: float
    response: httpx.Response | None
    problems: list[str]

    def report(self) -> str:
        return "\n".join(self.problems)


@dataclass
class Probe:
    """One httpx client for one test: times every request, keeps the slowest, checks every answer."""

    base_url: str
    test_name: str
    client: httpx.Client = field(init=False)
    slowest: float = 0.0
    slowest_url: str = ""
    count: int = 0

    def __post_init__(self) -> None:
        # No keep-alive: after a 500 the server drops the connection, and a pooled connection
        # reused by the next example would fail with a reset that is not that example's fault.
        self.client = httpx.Client(
            base_url=self.base_url, timeout=HANG_SECONDS, limits=httpx.Limits(max_keepalive_connections=0)
        )

    def get(self, url: str, params: Params | None = None, sent: Sequence[str] = ()) -> Answer:
        """GET `url` (a path, optionally with a raw query string) and check the answer."""
        request = self.client.build_request("GET", url, params=list(params) if params else None)
        shown = request.url.raw_path.decode("ascii", "replace")
        shown = shown if len(shown) <= 2000 else shown[:2000] + "…"
        start = time.monotonic()
        try:
            response = self.client.send(request)
        except httpx.TimeoutException:
            seconds = time.monotonic() - start
            self._time(seconds, shown)
            return Answer(
                shown,
                seconds,
                None,
                [f"GET {shown}: no answer within {HANG_SECONDS} s (gave up after {seconds:.2f} s)"],
            )
        except httpx.TransportError as exc:
            seconds = time.monotonic() - start
            return Answer(shown, seconds, None, [f"GET {shown}: connection error {type(exc).__name__}: {exc}"])
        seconds = time.monotonic() - start
        self._time(seconds, shown)
        problems = problems_in(response, sent)
        if seconds >= HANG_SECONDS:
            problems.append(f"answered in {seconds:.2f} s, over the {HANG_SECONDS} s hang guard")
        prefix = f"GET {shown} -> {response.status_code} in {seconds:.3f} s: "
        return Answer(shown, seconds, response, [prefix + p for p in problems])

    def _time(self, seconds: float, url: str) -> None:
        self.count += 1
        if seconds > self.slowest:
            self.slowest, self.slowest_url = seconds, url

    def close(self) -> None:
        self.client.close()
        print(
            f"\n[fuzz] {self.test_name}: {self.count} requests, slowest {self.slowest:.3f} s: "
            f"GET {self.slowest_url[:300]}"
        )


def open_probe(base_url: str, request: pytest.FixtureRequest) -> Iterator[Probe]:
    probe = Probe(base_url, request.node.name)
    try:
        yield probe
    finally:
        probe.close()


@pytest.fixture
def demo_probe(demo_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Probe]:
    """A fresh client (one per test) on the shared demo-catalogue server."""
    yield from open_probe(demo_server.url, request)


# --- strategies: requests -----------------------------------------------------------------

DEMO: list[Repo] = list(read_jsonl(DEMO_SNAPSHOT))
DEMO_WORDS = sorted({w.lower() for r in DEMO for w in re.findall(r"[A-Za-z]{3,12}", r.description)})[:300]
FACET_VALUES: dict[str, list[str]] = {
    "language": sorted({r.language for r in DEMO if r.language}) + ["(none)"],
    "licence": sorted({r.licence for r in DEMO if r.licence}) + ["(none)", "Other"],
    "publisher": sorted({r.publisher for r in DEMO}),
    "publisher_type": list(PUBLISHER_TYPES),
    "topic": sorted({t for r in DEMO for t in r.topics}) or ["waste"],
    "archived": ["yes", "no"],
    "kind": ["code", "template", "resource"],
    "resource_type": [*RESOURCE_TYPES, "(none)"],
    "has_licence": ["yes", "no"],
}
FACET_VALUES["license"] = FACET_VALUES["licence"]
FILTER_PARAMS = (*FILTERS, "license")
DEMO_SEGMENTS = sorted({r.owner for r in DEMO} | {r.name for r in DEMO} | {r.source.split(":", 1)[1] for r in DEMO})

MARKERS = (
    "<x-fuzz>",
    "<script>alert('xfz')</script>",
    '"><x-fuzz a=1>',
    "'><x-fuzz>",
    "<img src=x onerror=alert('xfz')>",
    "\"'><svg onload=alert('xfz')>",
    "</title></textarea><x-fuzz>",
    "]]><x-fuzz>",
    "<!--<x-fuzz>-->",
    "javascript:alert('xfz')",
)
QUERY_SYNTAX = (
    "AND",
    "OR",
    "NOT",
    "REQUIRE",
    "ANDMAYBE",
    "ANDNOT",
    "and",
    "or",
    "not",
    "&&",
    "||",
    "!",
    "+",
    "-",
    '"',
    '""',
    '"council data"',
    '"open',
    'source"',
    "(",
    ")",
    "()",
    "((",
    "))",
    "[",
    "]",
    "{",
    "}",
    "[a TO z]",
    "{a TO z}",
    "[* TO *]",
    "[a TO]",
    "[TO b]",
    "*",
    "?",
    "**",
    "data*",
    "*ata",
    "te?t",
    "*:*",
    "~",
    "flood~",
    "flodding~2",
    '"open data"~5',
    "^",
    "council^5",
    "data^0",
    "^^",
    "name:drupal",
    "description:<x-fuzz>",
    "readme_excerpt:x",
    "readme:x",
    "id:1",
    "source:demo*",
    "topic:",
    ":",
    "::",
    "/.*/",
    "/[a-z]+/",
    "/(a+)+$/",
    "/",
    "\\",
    "\\\\",
    "'",
    "%",
    "_",
    "&",
    ";",
    ",",
    "=",
    "<",
    ">",
    "#",
    "the",
    "a",
    "of",
    "council",
    "data",
    "bin",
    "waste",
    "freedom of information",
    "FOI",
    "SEND",
    "nhs",
)
PARAM_NAMES = ("q", *FILTER_PARAMS, "page", "per_page", "sort", "type", "format", "callback", "q[]", "")

full_text = st.characters(exclude_categories=("Cs",))  # all of unicode but lone surrogates


def any_text(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(full_text, min_size=min_size, max_size=max_size)


def with_marker(around: int) -> st.SearchStrategy[str]:
    return st.tuples(any_text(around), st.sampled_from(MARKERS), any_text(around)).map("".join)


OPERATORS = ("NOT", "AND", "OR", "REQUIRE", "ANDMAYBE", "ANDNOT", "(", ")", '"')
syntax_query: st.SearchStrategy[str] = st.tuples(
    st.lists(
        st.one_of(st.sampled_from(QUERY_SYNTAX), st.sampled_from(DEMO_WORDS), st.sampled_from(MARKERS)), max_size=40
    ),
    st.sampled_from((" ", "", "  ", "\t", "\n")),
).map(lambda parts_sep: parts_sep[1].join(parts_sep[0]))
# Short runs of operators around a few words: where the query parser's corner cases are.
operator_run: st.SearchStrategy[str] = st.lists(
    st.one_of(st.sampled_from(OPERATORS), st.sampled_from(("a", "data", "council", "the", "bin"))),
    min_size=1,
    max_size=6,
).map(" ".join)
repeated_word: st.SearchStrategy[str] = st.tuples(
    st.sampled_from(("the", "a", "data", "council", "NOT", "REQUIRE", "(", '"', "*", "bin", "x~")),
    st.integers(1, 200),
).map(lambda word_count: " ".join([word_count[0]] * word_count[1]))
QUERY: st.SearchStrategy[str] = st.one_of(
    any_text(600),
    syntax_query,
    operator_run,
    repeated_word,
    with_marker(40),
    st.sampled_from(DEMO_WORDS),
)
INT_LIKE: st.SearchStrategy[str] = st.one_of(
    st.integers(-5, 120).map(str),
    st.integers(-(10**40), 10**40).map(str),
    st.sampled_from(
        (
            "",
            " ",
            "abc",
            "1.5",
            "1e3",
            "0x10",
            "+5",
            "-0",
            "00",
            "1_000",
            " 7 ",
            "٣",
            "５",
            "NaN",
            "inf",
            "-inf",
            "9" * 4301,
            "-" + "9" * 60,
            "\x00",
            "1\x00",
            "<x-fuzz>",
        )
    ),
    any_text(20),
)
SORT: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(SORTS),
    st.sampled_from(MARKERS),
    any_text(40),
    st.sampled_from(("STARS", " stars", "stars ", "-stars", "relevance,stars")),
)


def filter_value(name: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(FACET_VALUES[name]),
        any_text(40),
        with_marker(10),
        st.sampled_from(QUERY_SYNTAX),
        st.text("ab<>& ", min_size=195, max_size=210),  # around the 200-character limit
    )


def filter_values(name: str) -> st.SearchStrategy[list[str]]:
    return st.one_of(
        st.lists(filter_value(name), min_size=1, max_size=3),
        st.lists(st.sampled_from(FACET_VALUES[name]), min_size=19, max_size=22),  # around 20 values
    )


unknown_param: st.SearchStrategy[tuple[str, str]] = st.tuples(
    st.one_of(any_text(20), st.sampled_from(PARAM_NAMES)), st.one_of(any_text(40), st.sampled_from(MARKERS))
)


@st.composite
def search_params(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Query parameters for any search-like page: q, every filter, paging, sort, junk; repeated and shuffled."""
    params = [("q", q) for q in draw(st.lists(QUERY, max_size=2))]
    every_filter = draw(st.integers(0, 3)) == 0
    for name in FILTER_PARAMS:
        if every_filter or draw(st.integers(0, 5)) == 0:
            params += [(name, value) for value in draw(filter_values(name))]
    # Valid values half the time, so that many requests get past validation into the search.
    params += [("page", v) for v in draw(st.lists(st.one_of(st.integers(1, 6).map(str), INT_LIKE), max_size=2))]
    params += [("per_page", v) for v in draw(st.lists(st.one_of(st.integers(1, 100).map(str), INT_LIKE), max_size=2))]
    params += [("sort", v) for v in draw(st.lists(st.one_of(st.sampled_from(SORTS), SORT), max_size=2))]
    params += [
        ("type", v) for v in draw(st.lists(st.one_of(st.sampled_from(PUBLISHER_TYPES), with_marker(5)), max_size=1))
    ]
    params += draw(st.lists(unknown_param, max_size=4))
    return list(draw(st.permutations(params)))


SEARCH_PAGES = ("/", "/search", "/api/search", "/feeds/search.atom", "/downloads/search.csv", "/downloads/search.json")
OTHER_PAGES = (
    "/publishers",
    "/api/publishers",
    "/stats",
    "/api/stats",
    "/api",
    "/api/openapi.json",
    "/healthz",
    "/accessibility",
    "/static/pulse.css",
    "/static/favicon.svg",
)
# (path template, number of segments): every route with a path parameter, and near misses.
PATH_ROUTES: tuple[tuple[str, int], ...] = (
    ("/repos/{}/{}", 2),
    ("/api/repos/{}/{}", 2),
    ("/publishers/{}", 1),
    ("/api/publishers/{}", 1),
    ("/static/{}", 1),
    ("/static/build/{}", 1),
    ("/static/{}/{}", 2),
    ("/repos/{}", 1),
    ("/api/repos/{}", 1),
    ("/{}", 1),
    ("/api/{}", 1),
    ("/feeds/{}", 1),
    ("/downloads/{}", 1),
    ("/search/{}", 1),
)
SEGMENT: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(DEMO_SEGMENTS),
    st.sampled_from(
        (
            "pulse.css",
            "favicon.svg",
            "build",
            ".",
            "..",
            "...",
            "~",
            "*",
            " ",
            "a b",
            "\\",
            "%",
            "a/b",
            "..%2f..%2fapp.py",
            "search.atom",
            "search.csv",
            "search.json",
            "openapi.json",
        )
    ),
    any_text(80, min_size=1),
    with_marker(10),
)


def encode_route(template: str, segments: Sequence[str]) -> str:
    return template.format(*(quote(s, safe="") for s in segments))


def percent_bytes(data: bytes) -> str:
    return "".join(f"%{b:02X}" for b in data)


INVALID_UTF8 = (
    "%ff",
    "%fe",
    "%ff%fe",
    "%c0%af",
    "%c0%80",
    "%ed%a0%80",
    "%ed%bf%bf",
    "%f4%90%80%80",
    "%f8%88%80%80%80",
    "%e2%82",
    "%80",
    "%bf",
    "%00",
    "%0d%0a",
    "%c3",
    "%e2%82%ac%ff",
)
RAW: st.SearchStrategy[str] = st.one_of(
    st.binary(max_size=16).map(percent_bytes),
    st.sampled_from(INVALID_UTF8),
    st.lists(st.sampled_from(INVALID_UTF8), min_size=2, max_size=6).map("".join),
    st.sampled_from(MARKERS).map(lambda m: quote(m, safe="")),
    st.tuples(st.sampled_from(DEMO_WORDS), st.sampled_from(INVALID_UTF8)).map("".join),
)
RAW_QUERY: st.SearchStrategy[str] = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAM_NAMES), RAW), RAW),
    max_size=6,
).map(lambda pairs: "&".join(f"{name}={value}" for name, value in pairs))


# --- 0. the checks themselves --------------------------------------------------------------


def fake_answer(path: str, content_type: str, body: str, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"content-type": content_type},
        text=body,
        request=httpx.Request("GET", f"http://127.0.0.1{path}"),
    )


@pytest.mark.parametrize(
    ("path", "content_type", "body", "status"),
    [
        ("/repos/a/b", "text/html", '<a href=" java\tscript:alert(1)">x</a>', 200),
        ("/repos/a/b", "text/html", "<p>ok</p><SCRIPT>alert(1)</SCRIPT>", 200),
        ("/repos/a/b", "text/html", '<img src="x" onerror="alert(1)">', 200),
        ("/search", "text/html", "<h1>Results for <x-fuzz></h1>", 200),
        (
            "/feeds/search.atom",
            "application/atom+xml",
            '<feed xmlns="http://www.w3.org/2005/Atom"><link href="JavaScript:alert(1)"/></feed>',
            200,
        ),
        ("/feeds/search.atom", "application/atom+xml", "<feed><unclosed></feed>", 200),
        ("/api/search", "application/json", '{"error": "bad"}', 400),
        ("/api/search", "application/json", '{"status": 404, "message": "bad"}', 400),
        ("/api/search", "text/html", "<p>bad</p>", 400),
        ("/downloads/search.csv", "text/csv", "id,description\r\n1,=HYPERLINK(1)\r\n", 200),
        ("/search", "text/html", "<p>ok</p>", 502),
    ],
)
def test_the_checks_catch_what_they_guard(path: str, content_type: str, body: str, status: int) -> None:
    """Each property fails on a response that breaks it, so a passing fuzz run means something."""
    assert problems_in(fake_answer(path, content_type, body, status), sent=["<b>hello</b>"])


def test_the_checks_pass_a_safe_page() -> None:
    page = (
        '<a href="https://github.com/a/b">a</a><a href="/search?q=%3Cx-fuzz%3E">&lt;x-fuzz&gt;</a>'
        '<svg aria-hidden="true"></svg>'
    )
    assert problems_in(fake_answer("/repos/a/b", "text/html", page), sent=["<x-fuzz>"]) == []


# --- 1. any request on the demo catalogue --------------------------------------------------


@fuzz_settings(max_examples=300)
# Seeds, run first on every run: failures found while these tests were written.
@example(path="/api/search", q="council REQUIRE data", sort="relevance")
@example(path="/search", q=" ".join(["the"] * 125), sort="relevance")
@example(path="/downloads/search.csv", q="NOT NOT a", sort="relevance")
@given(path=st.sampled_from(SEARCH_PAGES), q=QUERY, sort=st.sampled_from(SORTS))
def test_any_query_text_on_search_pages(demo_probe: Probe, path: str, q: str, sort: str) -> None:
    """Query text alone (random unicode, Whoosh/Lucene syntax, operator runs, repeated words, markup)
    with a valid sort, so that every request reaches the query parser and the search."""
    answer = demo_probe.get(path, [("q", q), ("sort", sort)], sent=[q])
    assert not answer.problems, answer.report()


@fuzz_settings(max_examples=200)
@given(
    path=st.one_of(st.sampled_from(SEARCH_PAGES), st.sampled_from(SEARCH_PAGES + OTHER_PAGES)), params=search_params()
)
def test_any_parameters_on_any_page(demo_probe: Probe, path: str, params: list[tuple[str, str]]) -> None:
    """Random q, filters, paging, sort and junk parameters, on every page that reads parameters."""
    answer = demo_probe.get(path, params, sent=[text for pair in params for text in pair])
    assert not answer.problems, answer.report()


@fuzz_settings(max_examples=150)
@given(
    route=st.sampled_from(PATH_ROUTES),
    segments=st.lists(SEGMENT, min_size=2, max_size=2),
    params=st.lists(unknown_param, max_size=2),
)
def test_any_path_segment_on_every_route(
    demo_probe: Probe, route: tuple[str, int], segments: list[str], params: list[tuple[str, str]]
) -> None:
    """Owners, names, publisher logins and static paths from real, random and hostile text."""
    template, count = route
    answer = demo_probe.get(
        encode_route(template, segments[:count]),
        params,
        sent=segments[:count] + [text for pair in params for text in pair],
    )
    assert not answer.problems, answer.report()


@fuzz_settings(max_examples=150)
@given(
    route=st.one_of(st.sampled_from(PATH_ROUTES), st.sampled_from([(p, 0) for p in SEARCH_PAGES])),
    segments=st.lists(RAW, min_size=2, max_size=2),
    raw_query=RAW_QUERY,
)
def test_percent_encoded_invalid_utf8_in_query_and_path(
    demo_probe: Probe, route: tuple[str, int], segments: list[str], raw_query: str
) -> None:
    """The raw URL is built by hand so that bytes such as %ff, %c0%af or %ed%a0%80 reach the server as sent."""
    template, count = route
    url = template.format(*segments[:count]) + (f"?{raw_query}" if raw_query else "")
    answer = demo_probe.get(url, sent=MARKERS)
    assert not answer.problems, answer.report()


# --- 2. hostile records --------------------------------------------------------------------

# Inline hostile text: fields shown as text (descriptions, topics, publishers, facets).
HOSTILE_INLINE = (
    *MARKERS,
    "<a href=\"javascript:alert('xfz')\">click</a>",
    "<style>body{display:none}</style>",
    "<iframe src=javascript:alert(1)></iframe>",
    "[click](javascript:alert('xfz'))",
    "{{ 7*7 }} {% raw %} ${7*7} #{7*7}",
    "&amp;&lt;x-fuzz&gt;&#0;&#x110000;&#60;script&#62;",
    "<![CDATA[<x-fuzz>]]>",
    "'\"`;--",
    "\x00\x01\x02\x07\x08\x0b\x0c\x1b[31m\x7f\x85",
    "\u202eevil\u202c \u200b\u200d\ufeff",
    "\ud7ff\ue000\ufffe\uffff\U0001f4a9\U0010ffff",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "Ω≈ç√∫ 田中さん العربية עברית",
    " " * 3000,
    "\t\n" * 500,
    "\u00a0" * 1000,
    "x" * 5000,
)
# URLs: record.url and homepage. Only absolute http(s) URLs may become links.
HOSTILE_URLS = (
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "javascript&colon;alert(1)",
    "&#106;avascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    'https://example.org/"><x-fuzz>',
    "https://example.org/' onmouseover='alert(1)",
    "http://<x-fuzz>/",
    "https://example.org/" + "a" * 3000,
    "//evil.example/",
    "/relative/path",
    "mailto:someone@example.org",
    "",
    "https://github.com/Hostile-Org-0/ok",
)
# Markdown for READMEs: links and images to script URLs, raw HTML, and constructs known to be slow.
HOSTILE_MARKDOWN = (
    "[click](javascript:alert('xfz'))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "![i](javascript:alert(1))",
    '![i](x "onerror=alert(1)")',
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">a</a>',
    "<script>alert('xfz')</script>",
    "<img src=x onerror=alert('xfz')>",
    "<svg onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "```html\n<script>alert(1)</script>\n```",
    "| a | b |\n|---|---|\n| <x-fuzz> | [x](javascript:alert(1)) |",
    "# a" + " " * 1500 + "x",
    "## a" + " " * 3000 + "#" * 200,
    "#" + " " * 5000 + "x",
    "a\n" + "=" * 5000,
    "[" * 3000,
    "](" * 2000,
    "*a " * 2000,
    "**" * 3000,
    "_" * 5000,
    "`" * 3000,
    "> " * 2000 + "x",
    "- " * 2000 + "x",
    "1. " * 1500,
    "|" * 3000 + "\n" + "|---" * 500,
    "<" * 3000,
    "&" * 3000 + ";",
    "\\" * 4000,
    "[a]: <" + "b" * 3000,
    "x" + " " * 10000 + "y",
    "\n" * 5000,
    "\x00\x01\x1b[31m\x7f",
)
PUBLISHERS = (
    "<script>alert('xfz')</script> Council",
    'Council of "><x-fuzz>',
    "javascript:alert(1)",
    "\u202eevil\x00 \x1b[31m &amp; <b>bold</b>",
)
DATES = (
    "2024-01-02T03:04:05Z",
    "2026-11-20T00:00:00Z",
    "",
    "<x-fuzz>",
    "2024-13-45T99:99:99Z",
    "javascript:alert(1)",
    "9999-12-31T23:59:59Z",
    "0000-00-00T00:00:00Z",
    " " * 100,
)
BRANCHES = ("", "main", "<x-fuzz>", "../../x", "a b?c#d", "javascript:alert(1)", "%2e%2e", "\x00")
HOSTILE_ORGS = 4
HOSTILE_COUNT = 24


def search_word(index: int) -> str:
    """A word only hostile record `index` has, so a search for it finds exactly that record."""
    return f"zorblax{index}"


def hostile_readme(rng: random.Random, word: str, target: int) -> str:
    parts = [f"# {word}", word]
    while sum(len(p) + 2 for p in parts) < target:
        parts.append(rng.choice(HOSTILE_MARKDOWN + HOSTILE_INLINE))
    return "\n\n".join(parts)[:target] if target else ""


def hostile_catalogue(count: int = HOSTILE_COUNT, seed: int = 20261123) -> list[Repo]:
    """Records whose every text field is hostile, deterministically (same records on every run)."""
    rng = random.Random(seed)
    records = []
    for i in range(count):
        org = i % HOSTILE_ORGS
        owner, name, word = f"Hostile-Org-{org}", f"hostile-{i}", search_word(i)
        if i == 1:
            readme = "# a" + " " * 1500 + "x"  # known: very slow on the repo page
        else:
            readme = hostile_readme(rng, word, rng.choice((0, 300, 3000, 12_000, 30_000)))
        records.append(
            Repo(
                id=900_000 + i,
                owner=owner,
                name=name,
                url="javascript:alert(document.domain)"
                if i == 0
                else HOSTILE_URLS[i % len(HOSTILE_URLS)]
                if i % 2
                else f"https://github.com/{owner}/{name}",
                source=f"github:{owner.lower()}",
                publisher=PUBLISHERS[org],
                publisher_type="<x-fuzz>" if i == 5 else PUBLISHER_TYPES[i % len(PUBLISHER_TYPES)],
                description=f"{word} " + " ".join(rng.sample(HOSTILE_INLINE, 3)),
                homepage=HOSTILE_URLS[(i * 7 + 3) % len(HOSTILE_URLS)],
                topics=tuple(rng.sample(HOSTILE_INLINE[:20], rng.randint(0, 4))),
                language=rng.choice(HOSTILE_INLINE[:20] + ("Python", "")),
                licence=rng.choice(HOSTILE_INLINE[:20] + ("MIT", "")),
                stars=rng.randrange(0, 10**6),
                forks=rng.randrange(0, 1000),
                open_issues=rng.randrange(0, 100),
                archived=rng.random() < 0.3,
                is_template=rng.random() < 0.2,
                fork=i % 5 == 0,
                created_at=rng.choice(DATES),
                pushed_at=rng.choice(DATES),
                updated_at=rng.choice(DATES),
                default_branch=rng.choice(BRANCHES),
                readme=readme,
                harvested_at=rng.choice(DATES),
                fork_of=f"Hostile-Org-{(org + 1) % HOSTILE_ORGS}/hostile-{(i + 1) % count}"
                if i % 5 == 0
                else rng.choice(("", "<x-fuzz>/<script>", "javascript:alert(1)/x")),
                has_contributing=rng.choice((None, True, False)),
                has_tests=rng.choice((None, True, False)),
            )
        )
    return records


HOSTILE_RECORDS = hostile_catalogue()


@dataclass(frozen=True)
class HostileSite:
    """A server over the hostile catalogue, and a store on its index for adding records while it runs."""

    server: LiveServer
    store: IndexStore


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileSite]:
    settings = Settings.from_env({}, data_dir=tmp_path_factory.mktemp("hostile-data"))
    store = IndexStore(settings.index_dir)
    try:
        store.add_records(HOSTILE_RECORDS)
        with LiveServer(settings, demo=False) as server:
            yield HostileSite(server, store)
    finally:
        store.close()


@pytest.fixture
def hostile_probe(hostile_site: HostileSite, request: pytest.FixtureRequest) -> Iterator[Probe]:
    yield from open_probe(hostile_site.server.url, request)


def repo_path(repo: Repo, api: bool = False) -> str:
    return f"{'/api' if api else ''}/repos/{quote(repo.owner, safe='')}/{quote(repo.name, safe='')}"


def record_problems(probe: Probe, repo: Repo, word: str) -> list[str]:
    """Show `repo` everywhere it can be shown; `word` is a search word only it has."""
    problems: list[str] = []
    for path in (repo_path(repo), repo_path(repo, api=True)):
        answer = probe.get(path)
        problems += answer.problems
        if answer.response is not None and answer.response.status_code != 200:
            problems.append(f"GET {answer.url} -> {answer.response.status_code}, expected the record")
    for path in SEARCH_PAGES[1:]:
        answer = probe.get(path, [("q", word)])
        problems += answer.problems
        listed = (
            answer.response is not None
            and answer.response.status_code == 200
            and (repo.full_name in answer.response.text or quote(repo.full_name) in answer.response.text)
        )
        if answer.response is not None and not listed:
            problems.append(
                f"GET {answer.url} -> {answer.response.status_code}: {repo.full_name} not listed, "
                "so its hostile fields were not exercised"
            )
    return problems


def test_every_hostile_record_on_every_page(hostile_probe: Probe) -> None:
    """Each hostile record on its page, in the API, the results page, the feed and both downloads;
    then the site-wide pages, which show all of them (facets, publishers, stats)."""
    problems: list[str] = []
    for index, repo in enumerate(HOSTILE_RECORDS):
        problems += record_problems(hostile_probe, repo, search_word(index))
    site_wide: list[tuple[str, Params]] = [
        ("/", ()),
        ("/search", ()),
        ("/search", [("per_page", "100")]),
        ("/search", [("sort", "stars")]),
        ("/search", [("sort", "updated")]),
        ("/api/search", [("per_page", "100")]),
        ("/publishers", ()),
        ("/api/publishers", ()),
        ("/stats", ()),
        ("/api/stats", ()),
        ("/healthz", ()),
        ("/feeds/search.atom", ()),
        ("/downloads/search.csv", ()),
        ("/downloads/search.json", ()),
    ]
    for org in range(HOSTILE_ORGS):
        site_wide += [
            (f"/publishers/hostile-org-{org}", ()),
            (f"/api/publishers/hostile-org-{org}", ()),
            ("/search", [("publisher", PUBLISHERS[org])]),
        ]
    for path, params in site_wide:
        problems += hostile_probe.get(path, params).problems
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def query_candidates(repo: Repo) -> list[str]:
    """Words and whole values of a record's hostile fields, as search terms."""
    texts = [repo.description, repo.readme[:3000], repo.language, repo.licence, repo.publisher, *repo.topics]
    words = sorted({w for text in texts for w in re.findall(r"\w{1,30}", text)})
    return words[:200] + [t for t in texts if t]


def facet_params(repo: Repo) -> list[tuple[str, str]]:
    """Filters on a record's own (hostile) facet values, so they round-trip through filter links."""
    params = [
        ("language", repo.language),
        ("licence", repo.licence),
        ("publisher", repo.publisher),
        ("publisher_type", repo.publisher_type),
        ("license", repo.licence),
    ]
    params += [("topic", t) for t in repo.topics]
    return [(k, v) for k, v in params if v]


@st.composite
def hostile_search(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    repo = draw(st.sampled_from(HOSTILE_RECORDS))
    params = [
        (
            "q",
            draw(
                st.one_of(
                    st.sampled_from(query_candidates(repo)),
                    st.sampled_from(HOSTILE_INLINE),
                    st.sampled_from(HOSTILE_MARKDOWN),
                )
            ),
        )
    ]
    options = facet_params(repo)
    if options:
        params += draw(st.lists(st.sampled_from(options), unique=True, max_size=3))
    params += [("sort", draw(st.sampled_from(SORTS)))]
    return draw(st.sampled_from(SEARCH_PAGES)), draw(st.permutations(params))


@fuzz_settings(max_examples=100)
@given(search=hostile_search())
def test_searching_hostile_words_and_facets(hostile_probe: Probe, search: tuple[str, list[tuple[str, str]]]) -> None:
    """Search for words and whole values of hostile fields, filtered on hostile facet values."""
    path, params = search
    answer = hostile_probe.get(path, params, sent=[value for _, value in params])
    assert not answer.problems, answer.report()


GENERATED_ID = 990_000
GENERATED_WORD = "zorblaxgen"
safe_name: st.SearchStrategy[str] = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,30}", fullmatch=True)
hostile_inline: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(HOSTILE_INLINE),
    any_text(200),
    with_marker(20),
    st.lists(st.one_of(st.sampled_from(HOSTILE_INLINE), st.sampled_from(DEMO_WORDS)), max_size=8).map(" ".join),
)
hostile_short: st.SearchStrategy[str] = st.one_of(st.sampled_from(HOSTILE_INLINE[:20]), any_text(40), with_marker(5))
hostile_url: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(HOSTILE_URLS),
    st.tuples(
        st.sampled_from(("javascript:", "JAVASCRIPT:", "vbscript:", "data:", "https://", " javascript:")), any_text(60)
    ).map("".join),
)
hostile_markdown: st.SearchStrategy[str] = st.one_of(
    st.just(""),
    st.sampled_from(HOSTILE_MARKDOWN),
    any_text(500),
    st.lists(st.one_of(st.sampled_from(HOSTILE_MARKDOWN), hostile_inline), max_size=30).map("\n\n".join),
    st.tuples(st.sampled_from(HOSTILE_MARKDOWN), st.integers(1, 30_000)).map(
        lambda chunk_size: (chunk_size[0] * (chunk_size[1] // max(1, len(chunk_size[0])) + 1))[: chunk_size[1]]
    ),
)
hostile_repo: st.SearchStrategy[Repo] = st.builds(
    Repo,
    id=st.just(GENERATED_ID),  # every example replaces the last one
    owner=safe_name.map(lambda s: f"gen-{s}"),
    name=safe_name,
    url=hostile_url,
    source=st.just("github:generated"),
    publisher=hostile_inline,
    publisher_type=st.one_of(st.sampled_from(PUBLISHER_TYPES), hostile_short),
    description=hostile_inline.map(lambda s: f"{s} {GENERATED_WORD}"),
    homepage=hostile_url,
    topics=st.lists(hostile_short, max_size=5).map(tuple),
    language=hostile_short,
    licence=hostile_short,
    stars=st.integers(0, 10**6),
    archived=st.booleans(),
    is_template=st.booleans(),
    fork=st.booleans(),
    created_at=st.sampled_from(DATES),
    pushed_at=st.sampled_from(DATES),
    default_branch=st.sampled_from(BRANCHES),
    readme=hostile_markdown,
    fork_of=st.one_of(st.just(""), hostile_short),
    has_contributing=st.sampled_from((None, True, False)),
    has_tests=st.sampled_from((None, True, False)),
)


@contextmanager
def os_seeded_random() -> Iterator[None]:
    """Hypothesis seeds the global `random` identically for every example, and Whoosh names a new
    segment with it: without a fresh seed each example's segment would overwrite the last one's files."""
    state = random.getstate()
    random.seed()
    try:
        yield
    finally:
        random.setstate(state)


@fuzz_settings(max_examples=40)
@given(repo=hostile_repo)
def test_generated_hostile_record_is_rendered_safely(
    hostile_site: HostileSite, hostile_probe: Probe, repo: Repo
) -> None:
    """Hypothesis builds the record (so a failure shrinks to a minimal one), indexed into the running site."""
    with os_seeded_random():
        hostile_site.store.add_records([repo])
    problems = record_problems(hostile_probe, repo, GENERATED_WORD)
    assert not problems, "\n".join(problems) + f"\nwith the record {repo!r:.4000}"
