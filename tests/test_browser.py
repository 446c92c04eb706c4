"""Real headless-browser tests: axe-core accessibility checks, keyboard-only use,
no-JavaScript use and script injection, against the app under uvicorn.

Needs Debian's Chromium at /usr/bin/chromium (or $PULSE_CHROMIUM), the Python
`playwright` package (its browser download is not used) and axe-core from npm
(`npm ci` at the repository root puts it in node_modules/). Without them the
tests skip, except when $CI is set: then they fail, so CI cannot pass silently.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import LiveServer, make_repo

from pulse.core.settings import Settings
from pulse.index import IndexStore

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("PULSE_CHROMIUM") or "/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TIMEOUT_MS = 10_000


def _missing(what: str, fix: str) -> None:
    """Skip locally, but fail under CI, when a browser-test prerequisite is absent."""
    message = f"{what} is not available ({fix})"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so browser tests must run: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole module."""
    if not CHROMIUM.is_file():
        _missing(f"Chromium at {CHROMIUM}", "apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python playwright package", "pip install playwright")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def axe_path() -> Path:
    if not AXE_JS.is_file():
        _missing(f"axe-core at {AXE_JS.relative_to(ROOT)}", "run `npm ci` in the repository root")
    return AXE_JS


class Tab:
    """A page in a fresh browser context that records dialogs and page errors."""

    def __init__(self, browser: Any, **context_options: Any) -> None:
        self.context = browser.new_context(**context_options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def goto(self, url: str, status: int = 200) -> Any:
        response = self.page.goto(url, wait_until="load")
        assert response is not None, url
        assert response.status == status, f"{url}: HTTP {response.status}, expected {status}"
        return response

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    # The tests inject axe-core as a script, which Pulse's Content-Security-Policy forbids (as it
    # should); test_pages_keep_to_their_content_security_policy checks the pages with it enforced.
    tab = Tab(browser, bypass_csp=True)
    yield tab
    tab.close()
    assert not tab.errors, f"JavaScript errors on the page: {tab.errors}"
    assert not tab.dialogs, f"unexpected dialogs: {tab.dialogs}"


def focused(page: Any) -> dict[str, Any]:
    """What has keyboard focus: tag, id, text, href, and whether it is a facet link."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {tag: el.tagName.toLowerCase(), id: el.id, text: el.textContent.trim(),
                    href: el.getAttribute('href'), facet: !!el.closest('.facets nav a')};
        }"""
    )


def result_total(page: Any) -> int:
    text = page.locator(".result-count").inner_text()
    match = re.match(r"(\d+) (?:repositor|item|result)", text)
    assert match, f"unexpected result count text: {text!r}"
    return int(match.group(1))


# --- accessibility (axe-core) ---------------------------------------------------

AXE_PAGES = [
    pytest.param("/", 200, id="home"),
    pytest.param("/search?q=drupal", 200, id="results-with-facets"),
    pytest.param("/search?q=drupal&publisher=Essex+County+Council", 200, id="results-active-filter"),
    pytest.param("/search?language=Python&sort=stars&page=2", 200, id="results-page-2"),
    pytest.param("/search?q=zzzzqqq", 200, id="zero-results"),
    pytest.param("/repos/alphagov/govuk-frontend", 200, id="repo-detail"),
    pytest.param("/publishers", 200, id="publishers"),
    pytest.param("/publishers/essexcountycouncil", 200, id="publisher"),
    pytest.param("/repos/nobody/nothing-here", 404, id="not-found"),
    pytest.param("/no/such/page", 404, id="not-found-route"),
    pytest.param("/search?q=" + "a" * 600, 400, id="bad-request"),
    pytest.param("/publishers?type=bogus", 400, id="bad-request-publishers"),
    pytest.param("/accessibility", 200, id="accessibility-statement"),
    pytest.param("/register", 200, id="register-form"),
    pytest.param("/items/design-system.service.gov.uk/components/button", 200, id="resource"),
    pytest.param("/search?q=privacy+notice+template", 200, id="search-with-resources"),
    pytest.param("/publishers/ministry-of-housing-communities-and-local-government", 200, id="resources-publisher"),
]


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} axe violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} [{v.get('impact')}]: {v['help']} ({v.get('helpUrl', '')})")
        for node in v["nodes"][:8]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    target {node['target']}: {node['html'][:160]}")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more node(s)")
    return "\n".join(lines)


@pytest.mark.parametrize(("path", "status"), AXE_PAGES)
def test_page_has_no_axe_violations(tab: Tab, demo_server: LiveServer, axe_path: Path, path: str, status: int) -> None:
    url = demo_server.url + path
    tab.goto(url, status)
    tab.page.add_script_tag(path=str(axe_path))
    results = tab.page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    violations = results["violations"]
    assert not violations, format_violations(url, violations)
    # Guard against a vacuous pass (axe not checking anything).
    assert results["passes"], f"axe reported no passing checks on {url}"


@pytest.mark.parametrize(("path", "status"), AXE_PAGES)
def test_pages_keep_to_their_content_security_policy(
    browser: Any, demo_server: LiveServer, path: str, status: int
) -> None:
    """With the policy enforced, nothing on a page is refused, and the stylesheet still applies."""
    tab = Tab(browser)
    try:
        response = tab.goto(demo_server.url + path, status)
        assert "default-src 'none'" in response.headers["content-security-policy"]
        refused = [m for m in tab.console if "Content Security Policy" in m or "Refused to" in m]
        assert not refused, refused
        font = tab.page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
        assert "arial" in font.lower(), f"the stylesheet did not apply: the heading font is {font!r}"
    finally:
        tab.close()


def axe_violations(tab: Tab, axe_path: Path) -> list[dict[str, Any]]:
    tab.page.add_script_tag(path=str(axe_path))
    results = tab.page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    assert results["passes"], "axe reported no passing checks"
    return list(results["violations"])


def test_registering_by_keyboard_shows_errors_then_the_status_page(
    tab: Tab, demo_server: LiveServer, axe_path: Path
) -> None:
    """No JavaScript: a mistake comes back as the GOV.UK error summary, focused and linked to the field,
    with what was typed kept; a correct form leads to the registration's status page."""
    page = tab.page
    tab.goto(demo_server.url + "/register")
    page.fill("#organisation", "not a login")
    page.fill("#publisher_name", "Browser Test Council")
    page.check("#publisher_type")
    page.fill("#contact_email", "digital@browser-test.gov.uk")
    page.keyboard.press("Enter")
    page.wait_for_selector(".govuk-error-summary")
    assert page.title().startswith("Error:")
    assert page.evaluate("() => document.activeElement.classList.contains('govuk-error-summary')")
    assert page.locator(".govuk-error-summary a").get_attribute("href") == "#organisation"
    assert page.input_value("#publisher_name") == "Browser Test Council"
    assert not (violations := axe_violations(tab, axe_path)), format_violations(page.url, violations)

    page.fill("#organisation", "https://github.com/Browser-Test-Council")
    page.click("button[type=submit]")
    page.wait_for_url("**/registrations/*")
    assert page.locator("h1").inner_text() == "Browser-Test-Council"
    assert "Pending" in page.locator("#registration-status").inner_text()
    assert "browser-test.gov.uk" not in page.content()  # the contact email is never shown
    assert not (violations := axe_violations(tab, axe_path)), format_violations(page.url, violations)


def test_focused_controls_stay_legible(tab: Tab, demo_server: LiveServer, axe_path: Path) -> None:
    """axe checks the page at rest; check colour contrast of focused links and the search box too."""
    tab.goto(demo_server.url + "/search?q=council&publisher_type=local-government")
    page = tab.page
    page.add_script_tag(path=str(axe_path))
    for selector in [
        ".govuk-skip-link",
        ".govuk-generic-header__homepage-link",
        ".govuk-service-navigation__link",
        "#q",
        "form[role=search] button",
        ".pulse-filter-tag",
        ".facets nav a",
        ".results-list h2 a",
        ".govuk-pagination__link",
        ".govuk-footer__link",
    ]:
        page.locator(selector).first.focus()
        results = page.evaluate(
            """async (sel) => await axe.run({include: [sel]},
                   {runOnly: {type: 'rule', values: ['color-contrast']}})""",
            selector,
        )
        assert not results["violations"], format_violations(f"{selector} when focused", results["violations"])


# --- keyboard only ---------------------------------------------------------------------


def test_keyboard_only_search_and_filter(tab: Tab, demo_server: LiveServer) -> None:
    page = tab.page
    tab.goto(demo_server.url + "/")

    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == "Skip to main content" and first["href"] == "#main", first
    assert page.locator(".govuk-skip-link").is_visible(), "the skip link must be visible when focused"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main", "Enter on the skip link must move focus to <main>"

    page.keyboard.press("Tab")
    assert focused(page)["id"] == "q", f"the search box must follow main: {focused(page)}"
    page.keyboard.type("drupal")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert parse_qs(urlsplit(page.url).query) == {"q": ["drupal"]}, page.url
    assert page.locator("h1").inner_text() == "Results for “drupal”"
    unfiltered = result_total(page)
    assert unfiltered > 1

    for _ in range(40):
        page.keyboard.press("Tab")
        current = focused(page)
        if current["facet"]:
            break
    else:
        raise AssertionError("no facet link reached by Tab within 40 presses")
    # Pick a facet value that narrows the results, still by keyboard only.
    for _ in range(40):
        count = int(re.search(r"\((\d+)\)", current["text"]).group(1))  # type: ignore[union-attr]
        if count < unfiltered:
            break
        page.keyboard.press("Tab")
        current = focused(page)
        assert current["facet"], f"ran out of facet links without a narrowing one: {current}"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    params = parse_qs(urlsplit(page.url).query)
    assert params.get("q") == ["drupal"], page.url
    filters = {k: v for k, v in params.items() if k not in {"q", "page", "sort"}}
    assert len(filters) == 1, f"expected one filter in {page.url}"
    ((name, [value]),) = filters.items()
    assert result_total(page) == count, "the facet count must equal the filtered result count"
    label = re.sub(r"\s*\(\d+\)\s*$", "", current["text"]).strip()  # what the facet link said, e.g. "Local government"
    assert page.locator(".active-filters a", has_text=f": {label}").count() == 1
    selected = page.locator('.facets a[aria-current="true"]')
    assert selected.count() == 1 and label.lower() in selected.inner_text().lower()
    if name == "publisher":
        metas = page.locator(".results-list .meta").all_inner_texts()
        assert metas and all(m.startswith(value) for m in metas), metas


def test_skip_link_is_hidden_until_focused(tab: Tab, demo_server: LiveServer) -> None:
    """GOV.UK's skip link is visually hidden (clipped to 1px) until it has focus."""
    tab.goto(demo_server.url + "/search?q=drupal")
    link = tab.page.locator(".govuk-skip-link")
    box = link.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1, f"skip link shows before focus: {box}"
    tab.page.keyboard.press("Tab")
    box = link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 100 and box["height"] > 20, box


REFLOW_PAGES = [
    "/",
    "/search?q=drupal",
    "/search?q=drupal&publisher=Essex+County+Council",
    "/search?q=zzzzqqq",
    "/repos/alphagov/govuk-frontend",
    "/repos/nobody/nothing-here",
    "/publishers",
    "/publishers/localgovdrupal",
]


def test_pages_reflow_at_320_css_pixels(browser: Any, demo_server: LiveServer) -> None:
    """WCAG 1.4.10: no horizontal scrolling at 320 CSS px (code blocks may scroll inside)."""
    tab = Tab(browser, viewport={"width": 320, "height": 640})
    try:
        problems = []
        for path in REFLOW_PAGES:
            tab.page.goto(demo_server.url + path)
            widths = tab.page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if widths[0] > widths[1]:
                problems.append(f"{path}: content is {widths[0]}px wide in a {widths[1]}px viewport")
        assert not problems, "\n".join(problems)
    finally:
        tab.close()


# --- without JavaScript ------------------------------------------------------------


def test_search_works_without_javascript(browser: Any, demo_server: LiveServer) -> None:
    tab = Tab(browser, java_script_enabled=False)
    try:
        page = tab.page
        tab.goto(demo_server.url + "/")
        page.fill("#q", "drupal")
        with page.expect_navigation():
            page.click("form[role=search] button[type=submit]")
        assert parse_qs(urlsplit(page.url).query) == {"q": ["drupal"]}
        assert page.locator("h1").inner_text() == "Results for “drupal”"
        assert result_total(page) == 50  # repositories and LocalGov Drupal's 11 documented features
        assert page.locator(".results-list > li").count() > 0

        # A new search from a filtered page keeps the filter (hidden inputs).
        tab.goto(demo_server.url + "/search?q=drupal&publisher=Essex+County+Council")
        page.fill("#q", "council")
        with page.expect_navigation():
            page.press("#q", "Enter")
        params = parse_qs(urlsplit(page.url).query)
        assert params == {"q": ["council"], "publisher": ["Essex County Council"]}, page.url
        metas = page.locator(".results-list .meta").all_inner_texts()
        assert metas and all(m.startswith("Essex County Council") for m in metas)
    finally:
        tab.close()


# --- script injection --------------------------------------------------------------

PAYLOADS = (
    '<script>window.__xss=1</script> <img src=x onerror="window.__xss=1"> '
    '<a href="javascript:window.__xss=1">js</a> &lt;b&gt; &amp;amp; &#60;script&#62; '
)
HOSTILE_README = f"""# Hostile planning tool

Planning {PAYLOADS}

<script>window.__xss=1</script>

<img src=x onerror="window.__xss=1">

[click](javascript:window.__xss=1) and [also](JaVaScRiPt:window.__xss=1) and [encoded](javas&#99;ript:window.__xss=1)

![pic](javascript:window.__xss=1)

<iframe src="javascript:window.__xss=1"></iframe> <svg onload="window.__xss=1"></svg>

Entities: &lt;script&gt; &amp; &#x3C;img&#x3E; planning
"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = Settings.from_env({}, data_dir=tmp_path_factory.mktemp("hostile-data"))
    store = IndexStore(settings.index_dir)
    try:
        store.add_records(
            [
                make_repo(
                    1,
                    "hostile-planning",
                    description=f"Planning {PAYLOADS}",
                    topics=("planning", "<script>window.__xss=1</script>", '<img src=x onerror="window.__xss=1">'),
                    homepage="javascript:window.__xss=1",
                    language="<b>PHP</b>",
                    readme=HOSTILE_README,
                ),
                make_repo(2, "plain-planning", description="An ordinary planning search."),
            ]
        )
    finally:
        store.close()
    with LiveServer(settings, demo=False) as server:
        yield server


def assert_no_injection(tab: Tab, url: str) -> None:
    page = tab.page
    page.wait_for_timeout(200)  # let a failing <img onerror> fire if one slipped through
    assert page.evaluate("() => typeof window.__xss") == "undefined", f"script ran on {url}"
    assert not tab.dialogs, f"dialog fired on {url}: {tab.dialogs}"
    found = page.evaluate(
        """() => {
            const bad = [];
            for (const el of document.querySelectorAll('*')) {
                for (const attr of el.attributes) {
                    const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
                    if (attr.name.startsWith('on')) bad.push(el.outerHTML.slice(0, 120));
                    else if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attr.name)
                             && value.startsWith('javascript:')) bad.push(el.outerHTML.slice(0, 120));
                }
            }
            for (const s of document.scripts) bad.push('script: ' + s.outerHTML.slice(0, 120));
            for (const f of document.querySelectorAll('iframe, object, embed'))
                bad.push(f.outerHTML.slice(0, 120));
            return bad;
        }"""
    )
    assert not found, f"dangerous markup in the DOM of {url}: {found}"


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=planning",
        "/search?q=hostile",
        "/search?topic=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
        "/search?q=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E%3Cimg+src%3Dx+onerror%3Dwindow.__xss%3D1%3E",
        "/repos/Dorset-Council-UK/hostile-planning",
        "/repos/%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D1%3E/x",
    ],
)
def test_stored_and_reflected_markup_is_inert(tab: Tab, hostile_server: LiveServer, path: str) -> None:
    url = hostile_server.url + path
    status = 404 if path.startswith("/repos/%3C") else 200
    tab.goto(url, status)
    assert_no_injection(tab, url)
    if "hostile" in path or "planning" in path:
        body = tab.page.locator("main").inner_text()
        if path.startswith("/repos/Dorset"):
            # Text shows literally, entities decode once, and the README renders as markdown.
            assert "<script>window.__xss=1</script>" in body
            assert "&lt;b&gt;" in tab.page.locator(".lead").inner_text()
            assert tab.page.locator(".readme h1").inner_text() == "Hostile planning tool"
            assert "Entities: <script> & <img> planning" in tab.page.locator(".readme").inner_text()
        else:
            assert tab.page.locator(".results-list > li").count() >= 1
            assert "<script>window.__xss=1</script>" in body


def test_the_whole_registration_journey_register_prove_moderate_find(
    tab: Tab, browser: Any, axe_path: Path, tmp_path: Path
) -> None:
    """Register through the form, sign in with GitHub as the organisation's owner, approve it as a
    moderator, and find its repositories in search: every page on the way is axe-clean."""
    from tests.conftest import github_env
    from tests.fake_github import FakeGitHub

    def clean() -> None:
        assert not (violations := axe_violations(tab, axe_path)), format_violations(tab.page.url, violations)

    with FakeGitHub() as github:
        planning = [{"name": "planning-search", "readme": "# Planning search\n\nSearch planning applications."}]
        github.add_org("Example-Borough-Council", blog="https://www.example-borough.gov.uk",
                       email="digital@example-borough.gov.uk", is_verified=True, repos=planning)  # fmt: skip
        github.add_user("borough-admin")
        github.add_member("Example-Borough-Council", "borough-admin", role="admin")
        github.add_user("mod-alice")
        env = github_env(
            github, GITHUB_OAUTH_URL=github.url, PULSE_GITHUB_CLIENT_ID=github.oauth_client_id,
            PULSE_GITHUB_CLIENT_SECRET=github.oauth_client_secret, PULSE_MODERATORS="mod-alice",
            PULSE_SECRET_KEY="journey-secret-key-0123456789abcdef0123",
        )  # fmt: skip
        with LiveServer(Settings.from_env(env, data_dir=tmp_path / "data"), demo=False) as server:
            page = tab.page
            tab.goto(server.url + "/register")
            page.fill("#organisation", "https://github.com/Example-Borough-Council")
            page.fill("#publisher_name", "Example Borough Council")
            page.check("#publisher_type")
            page.fill("#contact_email", "digital@example-borough.gov.uk")
            page.click("button[type=submit]")
            page.wait_for_url("**/registrations/*")
            status_url = page.url
            clean()

            github.sign_in("borough-admin")  # signed in to GitHub as the organisation's owner
            page.click("text=Sign in with GitHub")
            page.wait_for_url(status_url)
            page.wait_for_selector("text=is an owner (admin) of Example-Borough-Council")
            clean()

            moderator = Tab(browser, bypass_csp=True)
            try:
                github.sign_in("mod-alice")
                moderator.goto(server.url + "/moderate", 401)
                tab_page, tab.page = tab.page, moderator.page  # axe runs on whichever page `tab` holds
                clean()
                moderator.page.click("text=Sign in with GitHub")
                moderator.page.wait_for_url(server.url + "/moderate")
                clean()
                moderator.page.click("text=Example-Borough-Council")
                moderator.page.wait_for_selector("h2:has-text('Evidence')")
                assert "digital@example-borough.gov.uk" in moderator.page.content()
                clean()
                moderator.page.check("#action")  # approve
                moderator.page.click("button:has-text('Save decision')")
                moderator.page.wait_for_selector("text=Approved")
                clean()
            finally:
                tab.page = tab_page
                moderator.close()

            import time

            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                tab.goto(server.url + "/search?q=planning")
                if page.locator("text=planning-search").count():
                    break
                time.sleep(0.5)
            assert page.locator("text=planning-search").count(), "the approved organisation's repo is searchable"
            tab.goto(status_url)
            page.click("text=Example Borough Council’s repositories")
            page.wait_for_selector("text=Registered through Pulse")
            clean()
