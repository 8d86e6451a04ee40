"""Browser tests: Playwright driving Debian's Chromium against Django's live server.

Every page that a test opens is watched: an uncaught exception (``pageerror``) or a console
error fails the test, so a script that throws in the background (as a DataCloneError did on
every recording) cannot hide behind a flow that still looks fine. A test that provokes errors on
purpose (a dropped connection logs failed requests) says which with
``@pytest.mark.allow_page_errors("substring", ...)``; with no argument every error is allowed.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Response, expect

# CI runs three test processes on two cores: a page can take longer than Playwright's default
# 5 s to answer, and a browser test must not fail for that alone (positive checks still pass
# as soon as they hold).
expect.set_options(timeout=15_000)

CHROMIUM = "/usr/bin/chromium"

# Where browser tests save the screenshots they take: the test run's temporary folder (removed
# when the run ends), or PANELIST_SCREENSHOTS=/some/dir to keep them. Every module uses this.
SHOTS = Path(
    os.environ.get("PANELIST_SCREENSHOTS") or Path(os.environ["PANELIST_TEST_TMP"]) / "screenshots"
)
SHOTS.mkdir(parents=True, exist_ok=True)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "allow_page_errors(*substrings): let page/console errors containing one of the "
        "substrings (all errors without arguments) pass in a browser test",
    )


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
        ],
    }


@pytest.fixture
def demo(transactional_db):
    """The demo data, as ``./panelist up`` loads it."""
    import io

    from django.core.management import call_command

    # Real recordings are left out: their transcription would run inline (eager tasks) in every
    # browser test; tests/test_seed_demo.py and tests/e2e/test_demo_review.py cover them.
    call_command("seed_demo", "--recordings", "0", stdout=io.StringIO())


FAILED_LOAD = "Failed to load resource: the server responded with a status of 4"


def _browser_own(url: str) -> bool:
    """Chromium asks for /favicon.ico by itself (for a page without an icon link, such as a
    media file or a download): not the page's request."""
    return urlsplit(url).path == "/favicon.ico"


class PageErrors:
    """What the pages of one test reported: uncaught exceptions and console errors.

    One kind of console error is the app working as meant: Chromium logs "Failed to load
    resource" for every 4xx answer, and a page or an htmx/tus request that gets one asked for
    it (a form error is a 422 page, a stale list a 409). Those are left out, as is the browser's
    own /favicon.ico; a 4xx for an image, a script or a stylesheet, any 5xx and any network
    failure still count.
    """

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []  # (message, url of the failed load or "")
        self.answered_4xx: set[str] = set()

    def watch(self, page: Page) -> None:
        page.on("pageerror", self._uncaught)
        page.on("console", self._console)
        page.on("response", self._response)

    def _uncaught(self, error: Error) -> None:
        self.entries.append((f"uncaught {error.name}: {error.message}\n{error.stack or ''}", ""))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            self.entries.append((f"console error: {message.text} ({where})", where))

    def _response(self, response: Response) -> None:
        kind = response.request.resource_type
        if 400 <= response.status < 500 and kind in ("document", "xhr", "fetch"):
            self.answered_4xx.add(response.url)

    def errors(self) -> list[str]:
        return [
            text.rstrip()
            for text, url in self.entries
            if not (FAILED_LOAD in text and (url in self.answered_4xx or _browser_own(url)))
        ]


PAGE_ERRORS = pytest.StashKey[PageErrors]()


@pytest.fixture(autouse=True)
def page_errors(request, monkeypatch) -> PageErrors:
    """Collect the errors of every page in every context the test makes (the ``page`` and
    ``context`` fixtures and ``browser.new_context()`` alike); checked after the test body."""
    errors = PageErrors()
    new_context = Browser.new_context

    def watched_context(self, *args, **kwargs):
        context = new_context(self, *args, **kwargs)
        context.on("page", errors.watch)
        return context

    monkeypatch.setattr(Browser, "new_context", watched_context)
    request.node.stash[PAGE_ERRORS] = errors
    return errors


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    watched = item.stash.get(PAGE_ERRORS, None)
    errors = watched.errors() if watched is not None else []
    if not errors:
        return result
    marker = item.get_closest_marker("allow_page_errors")
    if marker is not None:
        allowed = marker.args
        errors = [e for e in errors if allowed and not any(a in e for a in allowed)]
    if errors:
        pytest.fail("The browser reported errors:\n" + "\n".join(errors), pytrace=False)
    return result
