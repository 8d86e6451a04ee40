"""In a browser: set up two-factor authentication from the secret on the page, sign out, and
sign in again with the password and a code."""

import base64
import hashlib
import hmac
import struct
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.django_db(transaction=True)


def totp(secret_b32: str, *, steps_ahead: int = 0) -> str:
    secret_b32 = secret_b32.replace(" ", "")
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int(time.time() // 30) + steps_ahead
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = digest[-1] & 15
    return f"{(struct.unpack('>I', digest[o : o + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_it_sets_up_two_factor_and_signs_in_with_a_code(
    live_server, page: Page, recruiter, password
):
    base = live_server.url
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, base, recruiter.email, password)
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(f"{base}/accounts/two-factor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    expect(page.get_by_role("img", name="QR code")).to_be_visible()
    page.screenshot(path=str(SHOTS / "two-factor-setup-360.png"), full_page=True)
    # The page fits a small phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    secret = page.locator("#two-factor-secret").inner_text()
    page.get_by_label("Authentication code").fill(totp(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    page.screenshot(path=str(SHOTS / "two-factor-codes-360.png"), full_page=True)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("10 of 10 recovery codes left")).to_be_visible()
    page.screenshot(path=str(SHOTS / "two-factor-on-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Sign out (the user menu collapses into the navbar toggler at this width).
    page.set_viewport_size({"width": 1200, "height": 800})
    page.locator("#user-menu-button").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Panelist")

    sign_in(page, base, recruiter.email, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("Authentication code").fill("000000")
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_text("That code is not valid")).to_be_visible()
    page.screenshot(path=str(SHOTS / "two-factor-login-code.png"))
    # The set-up code's time step is used up: the next step's code is accepted (±1 window).
    page.get_by_label("Authentication code").fill(totp(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.locator("#user-menu-button")).to_be_visible()
    assert "/accounts/" not in page.url
