"""Browser journeys: the real app behind a real WSGI server, driven by Chromium.

- Every test here is marked ``browser``. Without Chromium the suite is skipped with one
  line, except in CI (``CI=true``), where a missing browser fails every browser test:
  CI must never pass without having run these journeys.
- One live server per session: a file SQLite database built by the real migrations
  and the demo seed, served by werkzeug in a daemon thread. The store clock is frozen
  per test by the root conftest; the server thread reads the same module global.
- One Chromium per session; a fresh context (fresh cookies) per test. The ``page``
  fixture runs each journey twice, with JavaScript ("js-on") and without ("js-off").
  A test can pin one mode with ``@pytest.mark.parametrize("js", ["js-on"])``.
- In js-on pages the console must show no Content Security Policy violation and the
  page must throw no uncaught error; on the server, no request may raise.
- On failure a screenshot and the page's HTML go to ``test-artifacts/browser/``.
- ``assert_accessible(page)`` runs the vendored axe-core (WCAG 2.0/2.1 A+AA, 2.2 AA).
  The app's strict CSP stays on: axe is evaluated through the DevTools protocol,
  which CSP does not govern, so no ``bypass_csp`` is needed. Without JavaScript a page
  cannot run axe, so audits run in js-on pages only.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parent
REPO_ROOT = BROWSER_DIR.parent.parent
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "browser"

AXE_VERSION = "4.14.1"
AXE_PATH = BROWSER_DIR.parent / "vendor" / f"axe-core-{AXE_VERSION}.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SKIP_MESSAGE = (
    "browser suite skipped: install Debian's chromium "
    "(apt-get install chromium chromium-driver)"
)
TIMEOUT_MS = 10_000  # per action; a journey step that takes longer is broken


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM


def chromium_missing() -> bool:
    path = chromium_path()
    return not (os.path.isfile(path) and os.access(path, os.X_OK))


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


# --- Collection: mark every test in this folder ---------------------------------------


def _is_browser_item(item: pytest.Item) -> bool:
    return BROWSER_DIR in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A conftest hook sees every collected item, not only this folder's.
    skip = chromium_missing() and not in_ci()  # in CI, _require_chromium fails instead
    for item in items:
        if _is_browser_item(item):
            item.add_marker(pytest.mark.browser)
            if skip:
                item.add_marker(pytest.mark.skip(reason=SKIP_MESSAGE))  # only off CI: under CI=true this is a failure


# --- Failure artifacts ----------------------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"browser_report_{report.when}", report)
    if (
        report.skipped
        and isinstance(report.longrepr, tuple)
        and report.longrepr[2].endswith(SKIP_MESSAGE)
    ):
        # Point every such skip at this file, so `-ra` folds the suite into one line.
        report.longrepr = (str(Path(__file__)), None, report.longrepr[2])
    return report


def _failed(node: pytest.Item) -> bool:
    return any(
        getattr(getattr(node, f"browser_report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


def _artifact_stem(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:200]


def _save_artifacts(page, nodeid: str) -> None:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS_DIR / _artifact_stem(nodeid)
    try:
        page.screenshot(path=f"{stem}.png", full_page=True, timeout=5_000)
    except Exception as error:  # the page may have crashed: keep what we can
        print(f"browser: no screenshot for {nodeid}: {error}")
    try:
        Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
    except Exception as error:
        print(f"browser: no HTML for {nodeid}: {error}")
    print(f"browser: failure artifacts in {stem}.png / .html")


# --- Chromium present? ----------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    """Skip the suite with one line, or in CI fail it: it must never pass unrun."""
    if chromium_missing():
        if in_ci():
            pytest.fail(
                f"{SKIP_MESSAGE.replace('skipped', 'cannot run')}; "
                f"{chromium_path()} not found and CI=true, so this is a failure",
                pytrace=False,
            )
        pytest.skip(SKIP_MESSAGE)  # only off CI: under CI=true this is a failure


# --- The live server ------------------------------------------------------------------


class LiveServer:
    def __init__(self, app, url: str):
        self.app = app
        self.url = url
        self.errors: list[str] = []  # exceptions raised while serving a request

    def take_errors(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors


@pytest.fixture(scope="session")
def live_server(_require_chromium, tmp_path_factory) -> Iterator[LiveServer]:
    import flask_migrate
    from flask import got_request_exception
    from werkzeug.serving import WSGIRequestHandler, make_server

    from ally_web.extensions import db
    from ally_web.seed import seed_all
    from tests.conftest import make_app  # tests/ is a namespace package on pythonpath

    database = tmp_path_factory.mktemp("browser") / "browser.sqlite3"
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=False,
    )
    with app.app_context():
        flask_migrate.upgrade()  # the real migrations, not create_all
        seed_all()
        db.session.commit()

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # errors are still logged
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    live = LiveServer(app, f"http://127.0.0.1:{server.server_port}")

    def record(sender, exception, **extra):
        live.errors.append(f"{type(exception).__name__}: {exception}")

    got_request_exception.connect(record, app)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        got_request_exception.disconnect(record, app)
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


# --- Playwright -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_instance(_require_chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(params=["js-on", "js-off"])
def js(request) -> str:
    """Which way to run a journey; override with parametrize("js", ["js-on"])."""
    return request.param


@pytest.fixture
def page(request, browser, live_server, js):
    """A page in a fresh context (fresh cookies), at the live server's base URL."""
    from playwright.sync_api import expect

    if js not in ("js-on", "js-off"):
        raise ValueError(f"js must be 'js-on' or 'js-off', not {js!r}")
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=(js == "js-on"),
        locale="en-US",
        timezone_id="America/New_York",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.ally_js_enabled = js == "js-on"  # read by assert_accessible
    csp_violations: list[str] = []
    page_errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            csp_violations.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    live_server.take_errors()  # start clean
    try:
        yield page
        problems = (
            [f"server raised: {e}" for e in live_server.take_errors()]
            + [f"CSP violation: {v}" for v in csp_violations]
            + [f"uncaught page error: {e}" for e in page_errors]
        )
        failed = _failed(request.node)
        if failed or problems:
            _save_artifacts(page, request.node.nodeid)
        if problems:
            if failed:  # already failing: show them, do not pile on
                print("\n".join(problems))
            else:
                pytest.fail("\n".join(problems), pytrace=False)
    finally:
        context.close()


@pytest.fixture
def is_js(js) -> bool:
    return js == "js-on"


# --- Accessibility ---------------------------------------------------------------------

_axe_source: str | None = None


def _axe() -> str:
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE_PATH.read_text(encoding="utf-8")
    return _axe_source


def assert_accessible(page, context: str = "") -> None:
    """Zero axe-core violations (WCAG 2.x A/AA) on the page as it is now."""
    if not getattr(page, "ally_js_enabled", True):
        raise RuntimeError("assert_accessible needs a js-on page: axe runs in the page")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe() + "\n;true")  # via CDP: not subject to the page's CSP
    # Audit at the top of the page, then put the scroll back: axe's target-size
    # check measures what is visible, so an arbitrary scroll offset (say a link
    # clipped 1px by the viewport under the sticky header) would make results flaky.
    result = page.evaluate(
        """async tags => {
             const [x, y] = [window.scrollX, window.scrollY];
             window.scrollTo({left: 0, top: 0, behavior: 'instant'});
             try {
               const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
               return r.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                 nodes: v.nodes.map(n => ({target: n.target.join(' '),
                                           summary: n.failureSummary}))}));
             } finally {
               window.scrollTo({left: x, top: y, behavior: 'instant'});
             }
           }""",
        AXE_TAGS,
    )
    if result:
        lines = [f"{len(result)} axe-core violation(s) on {page.url} {context}".rstrip()]
        for violation in result:
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']} "
                f"<{violation['helpUrl']}>"
            )
            for node in violation["nodes"]:
                summary = " ".join((node["summary"] or "").split())
                lines.append(f"    at {node['target']}: {summary}")
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture
def audit(page):
    """assert_accessible bound to the page; a no-op in js-off runs (axe needs JS)."""

    def run(context: str = "") -> None:
        if page.ally_js_enabled:
            assert_accessible(page, context)

    return run
