"""Browser tests: Koop on a live server, driven by the system Chromium through Playwright.

Every page a test shows is checked three ways:

* accessibility: axe-core runs automatically on the `load` event of every document of the main frame (WCAG 2.0/2.1
  A and AA); `site.visit()`, `site.navigation()` and `site.check()` wait for its result and fail on any violation,
  and the test's teardown fails for a page whose result nobody waited for and that was left before axe finished;
* HTML validity: the server's HTML of every document response is saved, and one run of the Nu HTML Checker at the
  end of the session fails the session (as a teardown error of the last test) on any error;
* a full-page screenshot per checked page goes to `screenshots/<test>/`.

Chromium, node_modules (axe-core, vnu-jar) and Java are prerequisites: without them the browser tests are skipped
locally and fail in CI (CI=true).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, got_request_exception
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.extensions import db, limiter
from tests.conftest import Outbox, _empty_all_tables
from tests.factories import PASSWORD

E2E_DIR = Path(__file__).resolve().parent
ROOT = E2E_DIR.parents[1]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

# Runs in every document before the page's own code (an init script is not subject to the page's CSP, so the
# app's strict `script-src 'self'` stays on in these tests). Only http(s) documents of the main frame are checked.
AXE_ON_LOAD = """
(() => {
  if (window.top !== window || !/^https?:$/.test(location.protocol)) return;
  const documentId = Date.now().toString(36) + Math.random().toString(36).slice(2);
  const url = location.href;
  window.__koopAxe = new Promise((resolve) => {
    window.addEventListener("load", () => {
      window.__koopReport({kind: "load", documentId, url});
      const finish = (result) => {
        window.__koopReport({kind: "axe", documentId, url, ...result});
        resolve({documentId, url, ...result});
      };
      axe.run(document, {runOnly: {type: "tag", values: __WCAG_TAGS__}, resultTypes: ["violations"]}).then(
        (results) => finish({violations: results.violations.map((violation) => ({
          id: violation.id,
          impact: violation.impact,
          help: violation.help,
          targets: violation.nodes.map((node) => node.target.join(" ")),
        }))}),
        (error) => finish({error: String((error && error.stack) || error)}),
      );
    }, {once: true});
  });
})();
""".replace("__WCAG_TAGS__", json.dumps(WCAG_TAGS))

RUN_AXE_NOW = "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"


# --- prerequisites and markers -------------------------------------------------------------------------------


def missing_prerequisites() -> list[str]:
    """What the browser tests need and this machine lacks, as readable hints."""
    missing = []
    if not Path(CHROMIUM).is_file():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE_SCRIPT.is_file() or not VNU_JAR.is_file():
        missing.append("node_modules/axe-core and node_modules/vnu-jar (make node-modules)")
    if not shutil.which("java"):
        missing.append("java for the Nu HTML Checker (apt-get install default-jre-headless)")
    return missing


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _browser_prerequisites() -> None:
    missing = missing_prerequisites()
    if not missing:
        return
    reason = "browser tests need " + "; ".join(missing)
    if IN_CI:
        pytest.fail(f"{reason}. In CI (CI=true) they must run, not be skipped.", pytrace=False)
    pytest.skip(reason)


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_CALL_FAILED] = True
    return report


# --- the live server ----------------------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # one line per static file is only noise
        pass


@dataclass
class LiveServer:
    app: Flask
    url: str
    outbox: Outbox
    errors: list[BaseException] = field(default_factory=list)


@pytest.fixture(scope="session")
def live_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, _browser_prerequisites: None
) -> Iterator[LiveServer]:
    """Koop on 127.0.0.1 (a free port) in a daemon thread, on the test database, with CSRF protection on."""
    outbox = tmp_path_factory.mktemp("live-outbox")
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_OUTBOX": str(outbox), "WTF_CSRF_ENABLED": True},
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    live = LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}", outbox=Outbox(outbox))
    app.config["BASE_URL"] = live.url  # links in mails point to this server

    def record_error(sender: Flask, exception: BaseException, **extra: Any) -> None:
        live.errors.append(exception)

    got_request_exception.connect(record_error, app, weak=False)
    thread = threading.Thread(target=server.serve_forever, name="koop-live-server", daemon=True)
    thread.start()
    yield live
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def live_app(live_server: LiveServer) -> Iterator[Flask]:
    """The live server's app with an app context for this test (for factories); emptied afterwards."""
    app = live_server.app
    live_server.errors.clear()
    with app.app_context():
        limiter.reset()
        yield app
        db.session.remove()
        _empty_all_tables()
        limiter.reset()
    for message in live_server.outbox.folder.glob("*.eml"):
        message.unlink()
    if live_server.errors:
        raise AssertionError(f"the live server raised during the test: {live_server.errors!r}")


@pytest.fixture
def live_outbox(live_server: LiveServer) -> Outbox:
    """The mails the live server sent during this test."""
    return live_server.outbox


# --- Playwright's fixtures, adapted to this machine -----------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, _browser_prerequisites: None) -> dict:
    # The Debian Chromium, not a downloaded one; without the background-networking flags Chromium keeps
    # trying to reach Google on this machine's closed network.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict, live_server: LiveServer) -> dict:
    # No bypass_csp: axe comes in as an init script, which the CSP does not govern, so the tests see the real CSP.
    return {**browser_context_args, "base_url": live_server.url, "locale": "de-DE", "timezone_id": "Europe/Berlin"}


# --- HTML validity ------------------------------------------------------------------------------------------------


@dataclass
class HtmlDocument:
    url: str
    status: int
    test: str


class HtmlDocuments:
    """The server's HTML of each document the browser showed, saved for one Nu HTML Checker run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.documents: dict[Path, HtmlDocument] = {}
        self._seen: set[str] = set()
        self.problems: list[str] = []

    def add(self, response: Response, test: str) -> None:
        try:
            body = response.body()
        except Exception as error:  # reported at the end, never silently dropped
            self.problems.append(f"{test}: could not read the HTML of {response.url}: {error}")
            return
        digest = hashlib.sha256(body).hexdigest()
        if digest in self._seen:
            return
        self._seen.add(digest)
        slug = re.sub(r"[^A-Za-z0-9]+", "-", urlsplit(response.url).path).strip("-") or "root"
        path = self.folder / f"{len(self.documents) + 1:03d}-{slug[:60]}.html"
        path.write_bytes(body)
        self.documents[path] = HtmlDocument(url=response.url, status=response.status, test=test)

    def validate(self) -> list[str]:
        """Run the checker once over every saved document; returns readable error lines."""
        problems = list(self.problems)
        if not self.documents:
            return problems
        command = ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout"]
        result = subprocess.run(  # noqa: S603 - fixed command, our own files
            [*command, *map(str, self.documents)], capture_output=True, text=True, timeout=600, check=False
        )
        try:
            messages = json.loads(result.stdout)["messages"]
        except (ValueError, KeyError):
            output = result.stderr or result.stdout
            return [*problems, f"the Nu HTML Checker failed (exit {result.returncode}): {output}"]
        by_path = {path.resolve().as_uri(): (path, document) for path, document in self.documents.items()}
        for message in messages:
            if message.get("type") not in ("error", "non-document-error", "fatal"):
                continue
            path, document = by_path.get(_file_uri(message.get("url", "")), (None, None))
            where = message.get("url", "?")
            if document:
                where = f"{document.url} (HTTP {document.status}, {document.test}, {path})"
            extract = message.get("extract", "").strip()
            problems.append(f"{where} line {message.get('lastLine', '?')}: {message.get('message')}\n      {extract}")
        if result.returncode not in (0, 1) or (result.returncode == 1 and not problems):
            problems.append(f"the Nu HTML Checker exited {result.returncode}: {result.stderr}")
        return problems


def _file_uri(uri: str) -> str:
    # vnu writes file:/tmp/x.html, pathlib writes file:///tmp/x.html
    return re.sub(r"^file:/+", "file:///", uri)


@pytest.fixture(scope="session")
def html_documents(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HtmlDocuments]:
    documents = HtmlDocuments(tmp_path_factory.mktemp("html"))
    yield documents
    problems = documents.validate()
    if problems:
        raise AssertionError(
            f"HTML validity (Nu HTML Checker over {len(documents.documents)} documents): {len(problems)} error(s)\n  "
            + "\n  ".join(problems)
        )


# --- accessibility and screenshots, per browser context ----------------------------------------------------------


class AccessibilityError(AssertionError):
    pass


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"  - {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"      at {target}" for target in violation["targets"])
    return "\n".join(lines)


@dataclass
class _Document:
    url: str
    result: dict | None = None
    reported: bool = False  # its violations were raised (or it had none) by an explicit check


class PageChecks:
    """The axe results the documents of one browser context reported."""

    def __init__(self) -> None:
        self.documents: dict[str, _Document] = {}
        self.console_problems: list[str] = []

    def on_report(self, source: Any, data: dict) -> None:
        document = self.documents.setdefault(data["documentId"], _Document(url=data["url"]))
        if data["kind"] == "axe":
            document.result = data

    def await_current(self, page: Page) -> _Document:
        """Wait for axe on the page's current document and return it; fails if axe never ran there."""
        page.wait_for_load_state("load")
        result = page.evaluate("() => window.__koopAxe ? window.__koopAxe : null")
        if result is None:
            raise AccessibilityError(f"axe did not run on {page.url} (not an http document of the main frame?)")
        document = self.documents.setdefault(result["documentId"], _Document(url=result["url"]))
        document.result = result
        return document

    def raise_for(self, document: _Document) -> None:
        document.reported = True
        result = document.result or {}
        if result.get("error"):
            raise AccessibilityError(f"axe failed on {document.url}: {result['error']}")
        if result.get("violations"):
            raise AccessibilityError(_format_violations(document.url, result["violations"]))

    def unreported_problems(self) -> list[str]:
        problems = list(self.console_problems)
        for document in self.documents.values():
            if document.result is None:
                problems.append(f"{document.url} was left before axe finished: call site.check() after navigating")
            elif not document.reported:
                try:
                    self.raise_for(document)
                except AccessibilityError as error:
                    problems.append(str(error))
        return problems


class Screenshots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def take(self, page: Page, name: str | None) -> Path:
        self.count += 1
        label = name or re.sub(r"[^A-Za-z0-9]+", "-", urlsplit(page.url).path).strip("-") or "start"
        path = self.folder / f"{self.count:02d}-{label}.png"
        page.screenshot(path=path, full_page=True)
        return path


@pytest.fixture(scope="session")
def _screenshot_root() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # git-ignored output of the last run
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture
def screenshots(request: pytest.FixtureRequest, _screenshot_root: Path) -> Screenshots:
    test = re.sub(r"\[.*\]$", "", request.node.name).removeprefix("test_")
    folder = _screenshot_root / test
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Screenshots(folder)


_CHECKS: dict[int, PageChecks] = {}


def checks_for(context: BrowserContext) -> PageChecks:
    try:
        return _CHECKS[id(context)]
    except KeyError:
        raise RuntimeError("make browser contexts with the new_context fixture, so their pages get checked") from None


@pytest.fixture
def new_context(
    new_context: Callable[..., BrowserContext], html_documents: HtmlDocuments, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """pytest-playwright's new_context, with axe on every load and the HTML of every document recorded."""
    created: list[BrowserContext] = []
    test = request.node.nodeid

    def on_response(response: Response) -> None:
        if response.request.resource_type != "document" or response.frame.parent_frame is not None:
            return
        if 300 <= response.status < 400 or "text/html" not in (response.headers.get("content-type") or ""):
            return
        html_documents.add(response, test)

    def create(**kwargs: Any) -> BrowserContext:
        context = new_context(**kwargs)
        checks = PageChecks()
        _CHECKS[id(context)] = checks
        context.expose_binding("__koopReport", checks.on_report)
        context.add_init_script(path=AXE_SCRIPT)
        context.add_init_script(script=AXE_ON_LOAD)
        context.on("response", on_response)

        def watch(page: Page) -> None:
            def on_console(message: ConsoleMessage) -> None:
                if "Content Security Policy" in message.text:
                    checks.console_problems.append(f"CSP violation on {page.url}: {message.text}")

            page.on("console", on_console)
            page.on("pageerror", lambda error: checks.console_problems.append(f"script error on {page.url}: {error}"))

        context.on("page", watch)
        created.append(context)
        return context

    yield create
    problems = []
    for context in created:
        checks = _CHECKS.pop(id(context))
        for page in context.pages:
            if not page.is_closed() and page.url.startswith(("http:", "https:")):
                try:
                    checks.await_current(page)
                except Exception as error:  # a closed or crashed page: report it with the rest
                    problems.append(str(error))
        problems.extend(checks.unreported_problems())
    if problems and not request.node.stash.get(_CALL_FAILED, False):
        raise AccessibilityError("\n".join(problems))


# --- the helper the tests use -------------------------------------------------------------------------------------


class Site:
    """Koop as a person sees it in one browser page; each page shown is checked and photographed."""

    def __init__(self, page: Page, screenshots: Screenshots) -> None:
        self.page = page
        self.screenshots = screenshots

    def visit(self, path: str, *, status: int = 200, name: str | None = None) -> Response:
        """Open a path of the live server and check the page."""
        response = self.page.goto(path)
        assert response is not None, f"no response for {path}"
        assert response.status == status, f"{path} answered {response.status}, expected {status}"
        self.check(name)
        return response

    @contextmanager
    def navigation(self, name: str | None = None) -> Iterator[None]:
        """Wrap the click that leads to a new page: waits for it to load, then checks it."""
        with self.page.expect_event("load"):
            yield
        self.check(name)

    def check(self, name: str | None = None) -> None:
        """Fail on accessibility violations of the current page; save its screenshot."""
        checks = checks_for(self.page.context)
        document = checks.await_current(self.page)
        self.screenshots.take(self.page, name)
        checks.raise_for(document)

    def axe(self) -> list[dict]:
        """Run axe again on the page as it is now (after changes made by the test)."""
        return self.page.evaluate(RUN_AXE_NOW, WCAG_TAGS)["violations"]

    def html_lang(self) -> str | None:
        return self.page.locator("html").get_attribute("lang")

    def log_in(self, email: str, password: str = PASSWORD) -> None:
        self.visit("/auth/login", name="login")
        self.page.locator("#email").fill(email)
        self.page.locator("#password").fill(password)
        with self.navigation(name="after-login"):
            self.page.locator("main form button[type=submit]").click()


@pytest.fixture
def site_for(screenshots: Screenshots) -> Callable[[Page], Site]:
    """A Site for another page (e.g. one in a context of its own)."""
    return lambda page: Site(page, screenshots)


@pytest.fixture
def site(page: Page, site_for: Callable[[Page], Site]) -> Site:
    return site_for(page)
