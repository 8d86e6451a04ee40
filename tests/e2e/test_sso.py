"""In a browser, against a real OpenID Connect provider on a local port: an owner sets up
single sign-on on its page, then someone new signs in through the provider's own page and
lands in the team (docs/sso.md)."""

import pytest
import requests
from oidc_provider_mock import run_server_in_thread
from playwright.sync_api import Page, expect

from accounts.models import Membership
from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_owner_sets_up_sso_and_a_newcomer_signs_in(
    live_server, page: Page, owner, team, password, settings
):
    settings.SSO_ALLOW_HTTP = True
    base = live_server.url
    with run_server_in_thread(require_nonce=True) as server:
        issuer = f"http://localhost:{server.server_port}"
        requests.put(
            f"{issuer}/users/jo",
            json={"email": "jo@acme.test", "email_verified": True, "name": "Jo Park"},
            timeout=5,
        ).raise_for_status()

        # The provider's page styles itself from a CDN, which this machine cannot reach.
        page.route(
            "https://cdn.jsdelivr.net/**",
            lambda route: route.fulfill(status=200, content_type="text/css", body=""),
        )
        page.set_viewport_size({"width": 360, "height": 800})
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Email").fill(owner.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{base}/accounts/sso/")
        page.get_by_label("Single sign-on is on").check()
        page.get_by_label("Issuer URL").fill(issuer)
        page.get_by_label("Client ID").fill("panelist")
        page.get_by_label("Client secret").fill("s3cret")
        page.get_by_label("Email domains").fill("acme.test")
        page.get_by_label("Team new people join").select_option(label=team.name)
        page.get_by_label("Their role").select_option("recruiter")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Single sign-on settings saved.")).to_be_visible()
        page.screenshot(path=SHOTS / "sso-settings.png", full_page=True)

        page.context.clear_cookies()
        page.goto(f"{base}/accounts/login/")
        page.get_by_role("link", name="Sign in with single sign-on").click()
        page.get_by_label("Work email").fill("jo@acme.test")
        page.get_by_role("button", name="Continue with your identity provider").click()
        page.wait_for_url(f"{issuer}/oauth2/authorize?**")
        page.get_by_label("Subject").fill("jo")
        page.get_by_role("button", name="Authorize").click()

        page.wait_for_url(f"{base}/**")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert "/accounts/login/" not in page.url
        membership = Membership.objects.get(user__email="jo@acme.test")
        assert (membership.team, membership.role) == (team, "recruiter")
