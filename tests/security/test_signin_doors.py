"""The sign-in doors, tried on every run.

- The Django admin's login checks no password: it sends everyone to the app's sign-in, whose
  throttle locks the 40 wrong passwords that the admin's own form used to check unhindered.
- A staff user with a two-factor device does not reach ``/admin/`` with the password alone.
- A session that no device verified (made by ``django.contrib.auth.login`` some other way) is
  signed out on every page of the sweep's table, on the admin and on the API.
- Behind a trusted proxy each client counts as itself; ``X-Forwarded-For`` from anyone else
  is ignored.
"""

from __future__ import annotations

import base64
import time
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import twofactor
from accounts.audit import client_ip
from accounts.models import AuditEvent
from tests.factories import TOTPDeviceFactory
from tests.security.sweep import ROUTES, build_url

pytestmark = pytest.mark.django_db

LOGIN = "accounts:login"


@pytest.fixture
def staff(owner):
    owner.is_staff = owner.is_superuser = True
    owner.save(update_fields=["is_staff", "is_superuser"])
    return owner


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _to_login(response, next_url: str | None = None) -> bool:
    expected = reverse(LOGIN) + (f"?{urlencode({'next': next_url})}" if next_url else "")
    return response.status_code == 302 and (
        response["Location"] == expected if next_url else response["Location"].startswith(expected)
    )


def _code(secret: str, *, steps_ahead: int = 0) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return twofactor.totp(key, now=time.time() + 30 * steps_ahead)


def _turn_on_two_factor(user) -> str:
    secret = twofactor.secret_new()
    twofactor.totp_device_confirm(user=user, secret=secret, code=_code(secret), ip=None)
    return secret


# --- The Django admin ----------------------------------------------------------------------


def test_it_sends_the_admin_login_to_the_apps_sign_in_with_next(client):
    response = client.get(reverse("admin:login") + "?next=/admin/accounts/user/")
    assert _to_login(response, "/admin/accounts/user/")
    assert _to_login(client.get(reverse("admin:login")), reverse("admin:index"))


def test_it_locks_40_wrong_admin_passwords_like_the_apps_sign_in(client, staff, password, settings):
    admin_login = reverse("admin:login")
    for attempt in range(40):
        response = client.post(admin_login, {"username": staff.email, "password": f"no-{attempt}"})
        assert _to_login(response), "the admin's own form checked a password"
    # The right password is not checked there either: there is one way in.
    assert _to_login(client.post(admin_login, {"username": staff.email, "password": password}))
    assert not _signed_in(client)
    assert not AuditEvent.objects.filter(action="auth.login_failed").exists()

    # Where the admin sends them, the throttle stops the guesses after the limit.
    sign_in = client.get(admin_login)["Location"]
    statuses = [
        client.post(sign_in, {"username": staff.email, "password": f"no-{attempt}"}).status_code
        for attempt in range(40)
    ]
    limit = settings.LOGIN_THROTTLE_EMAIL_LIMIT
    assert statuses == [200] * (limit - 1) + [429] * (40 - limit + 1)
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == limit
    assert client.post(sign_in, {"username": staff.email, "password": password}).status_code == 429
    assert not _signed_in(client)


def test_it_keeps_a_staff_user_with_a_device_out_of_the_admin_with_the_password_alone(
    client, staff, password
):
    secret = _turn_on_two_factor(staff)
    admin_index = reverse("admin:index")

    client.post(reverse("admin:login"), {"username": staff.email, "password": password})
    assert not _signed_in(client)
    assert client.get(admin_index).status_code == 302

    # The app's password step only starts a pending sign-in: still no admin.
    response = client.post(
        reverse(LOGIN), {"username": staff.email, "password": password, "next": admin_index}
    )
    assert response["Location"] == reverse("accounts:login_verify")
    assert client.get(admin_index).status_code == 302

    response = client.post(reverse("accounts:login_verify"), {"code": _code(secret, steps_ahead=1)})
    assert response["Location"] == admin_index
    assert client.get(admin_index).status_code == 200


def test_it_lets_a_staff_user_without_a_device_in_through_the_apps_sign_in(client, staff, password):
    admin_index = reverse("admin:index")
    response = client.post(
        reverse(LOGIN), {"username": staff.email, "password": password, "next": admin_index}
    )
    assert response["Location"] == admin_index
    assert client.get(admin_index).status_code == 200


def test_it_refuses_the_admin_to_a_signed_in_member_who_is_not_staff(client, recruiter):
    client.force_login(recruiter)
    assert client.get(reverse("admin:login")).status_code == 403
    assert client.get(reverse("admin:index")).status_code == 302


# --- Sessions no device verified ------------------------------------------------------------


def test_it_signs_out_a_session_made_without_the_second_step(client, owner):
    _turn_on_two_factor(owner)
    client.force_login(owner)  # django.contrib.auth.login, no code asked
    home = reverse("dashboard:home")
    assert _to_login(client.get(home), home)
    assert not _signed_in(client)


def test_it_keeps_a_session_the_device_verified(client, owner):
    _turn_on_two_factor(owner)
    client.force_login(owner)
    session = client.session
    session[twofactor.SESSION_VERIFIED] = True
    session.save()
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_it_refuses_an_unverified_session_on_every_page(world):
    """Every pattern of the sweep's table, the admin and the API, with GET and POST."""
    user = world.a.users["owner"]
    urls = [
        build_url(name, route, dict.fromkeys(route.args, world.a)) for name, route in ROUTES.items()
    ]
    urls += [
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:password_change"),
        "/qsi/gather/interviews",
    ]
    problems = []
    with transaction.atomic():
        TOTPDeviceFactory(user=user)
        for url in urls:
            for method in ("get", "post"):
                client = Client(raise_request_exception=False)
                client.force_login(user)
                response = getattr(client, method)(url)
                if not _to_login(response) or _signed_in(client):
                    problems.append(f"{method.upper()} {url} -> {response.status_code}")
        transaction.set_rollback(True)
    assert not problems, "an unverified session was let in:\n" + "\n".join(problems)


# --- The client's address behind a proxy -----------------------------------------------------


def _request(peer: str, forwarded: str = ""):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **extra)


def test_it_ignores_x_forwarded_for_from_a_peer_that_is_not_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request("203.0.113.5", "198.51.100.1, 10.0.0.2")) == "203.0.113.5"


def test_it_takes_the_rightmost_untrusted_address_behind_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    # The client wrote 6.6.6.6 itself; the proxies appended what they saw.
    chain = "6.6.6.6, 198.51.100.1, 10.1.2.3"
    assert client_ip(_request("127.0.0.1", chain)) == "198.51.100.1"
    assert client_ip(_request("127.0.0.1", "10.0.0.9")) == "10.0.0.9"
    assert client_ip(_request("127.0.0.1", "not-an-ip, 10.0.0.9")) == "10.0.0.9"
    assert client_ip(_request("127.0.0.1")) == "127.0.0.1"
    settings.TRUSTED_PROXIES = ["::1"]
    assert client_ip(_request("::1", "2001:db8::7")) == "2001:db8::7"


def test_it_does_not_lock_everyone_out_behind_a_proxy(client, recruiter, password, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    login = reverse(LOGIN)
    for n in range(settings.LOGIN_THROTTLE_IP_LIMIT):
        client.post(
            login,
            {"username": f"someone-{n}@example.test", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}",
        )
    response = client.post(
        login,
        {"username": recruiter.email, "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    assert response.status_code == 302
    assert _signed_in(client)


def test_it_still_locks_one_client_behind_a_proxy(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    login = reverse(LOGIN)
    statuses = [
        client.post(
            login,
            {"username": f"someone-{n}@example.test", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            # A client cannot escape its count by writing its own X-Forwarded-For.
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.1",
        ).status_code
        for n in range(settings.LOGIN_THROTTLE_IP_LIMIT + 1)
    ]
    assert statuses[-2:] == [429, 429]
