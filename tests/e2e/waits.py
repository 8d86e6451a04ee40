"""Waiting for a condition in a page whose Content-Security-Policy forbids string evaluation.

Playwright's ``page.wait_for_function`` checks its predicate once through DevTools (exempt
from the page's CSP), but when the first check is false it polls inside the page with
``new Function``, which Panelist's ``script-src 'self'`` refuses: the wait then fails with an
EvalError, and only when the page was slower than the first check (a flaky test under load).
``wait_until`` polls from Python through DevTools instead.
"""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Page

POLL_MS = 100


def wait_until(page: Page, expression: str, *, arg: Any = None, timeout: float = 15_000) -> Any:
    """The first truthy value of ``expression`` (a JavaScript expression, or a function given
    ``arg``), checked every 100 ms for up to ``timeout`` milliseconds; AssertionError after."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout:g} ms: {expression}")
        page.wait_for_timeout(POLL_MS)
