"""TOTP two-factor authentication: RFC 6238 codes, set-up, the second sign-in step, replays,
recovery codes, turning it off, and an organization requiring it of its admins."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import twofactor
from accounts.models import AuditEvent, RecoveryCode, TOTPDevice

pytestmark = pytest.mark.django_db

ENFORCEMENT = "accounts.twofactor.TwoFactorEnforcementMiddleware"


def rfc6238(secret: bytes, t: float, digits: int = 6, step: int = 30) -> str:
    """RFC 6238 written out again here, independently of accounts.twofactor."""
    counter = int(t // step)
    digest = hmac.new(secret, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    o = digest[19] & 15
    number = (struct.unpack(">I", digest[o : o + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{number:0{digits}d}"


def code_for(secret_b32: str, *, steps_ahead: int = 0) -> str:
    secret_b32 = secret_b32.replace(" ", "")
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    return rfc6238(key, time.time() + 30 * steps_ahead)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def enforcement(settings):
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("accounts.middleware.CurrentTeamMiddleware") + 1, ENFORCEMENT
    )
    settings.MIDDLEWARE = middleware


def enable(user) -> tuple[str, list[str]]:
    """Turn two-factor on for ``user`` through the service; returns (secret, recovery codes)."""
    secret = twofactor.secret_new()
    codes = twofactor.totp_device_confirm(user=user, secret=secret, code=code_for(secret), ip=None)
    return secret, codes


def password_step(client, user, password, **extra):
    return client.post(
        reverse("accounts:login"), {"username": user.email, "password": password, **extra}
    )


# --- RFC 6238 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
    ],
)
def test_it_computes_the_rfc_6238_sha1_test_vectors(t, expected):
    secret = b"12345678901234567890"
    assert rfc6238(secret, t, digits=8) == expected
    assert twofactor.totp(secret, now=t, digits=8) == expected


def test_it_accepts_one_step_either_side_and_no_further():
    key = b"12345678901234567890"
    now = 1_800_000_015.0
    step = twofactor.totp_step(now)
    for delta in (-1, 0, 1):
        assert twofactor.totp_match(key, rfc6238(key, now + 30 * delta), now=now) == step + delta
    for delta in (-2, 2):
        assert twofactor.totp_match(key, rfc6238(key, now + 30 * delta), now=now) is None
    assert twofactor.totp_match(key, "12345", now=now) is None
    assert twofactor.totp_match(key, "abcdef", now=now) is None


def test_it_stores_the_secret_encrypted(recruiter):
    secret, _ = enable(recruiter)
    device = TOTPDevice.objects.get(user=recruiter)
    assert secret not in device.secret_encrypted
    assert twofactor.secret_decrypt(device.secret_encrypted) == secret


# --- Set-up ----------------------------------------------------------------------------------


def test_the_setup_page_shows_the_secret_and_a_qr_code(login, recruiter):
    client = login(recruiter)
    response = client.get(reverse("accounts:two_factor"))
    assert response.status_code == 200
    html = response.content.decode()
    secret = client.session[twofactor.SESSION_SETUP_SECRET]
    assert twofactor.format_secret(secret) in html
    assert "<svg" in html
    assert 'aria-label="QR code"' in html
    assert "otpauth://totp/Panelist:recruiter@acme-recruiting.test?secret=" + secret in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    # A reload shows the same secret until it is confirmed.
    assert client.get(reverse("accounts:two_factor")).context["secret"] == (
        twofactor.format_secret(secret)
    )


def test_it_needs_login(client):
    response = client.get(reverse("accounts:two_factor"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_first_code_turns_it_on_and_shows_ten_recovery_codes_once(login, recruiter):
    client = login(recruiter)
    client.get(reverse("accounts:two_factor"))
    secret = client.session[twofactor.SESSION_SETUP_SECRET]
    response = client.post(reverse("accounts:two_factor_confirm"), {"code": code_for(secret)})
    assert response.status_code == 200
    codes = re.findall(r"<li class=\"col\">([A-Z0-9-]+)</li>", response.content.decode())
    assert len(codes) == 10 == len(set(codes))
    stored = set(RecoveryCode.objects.filter(user=recruiter).values_list("code_hash", flat=True))
    assert stored == {twofactor.recovery_code_hash(c) for c in codes}
    assert not stored & set(codes)
    assert TOTPDevice.objects.filter(user=recruiter).exists()
    assert AuditEvent.objects.filter(action="auth.two_factor_enabled", actor=recruiter).exists()
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "10 of 10 recovery codes left" in page
    assert codes[0] not in page


def test_a_wrong_first_code_is_shown_next_to_the_field(login, recruiter):
    client = login(recruiter)
    client.get(reverse("accounts:two_factor"))
    response = client.post(reverse("accounts:two_factor_confirm"), {"code": "000000"})
    assert response.status_code == 400
    assert 'id="id_code-error"' in response.content.decode()
    assert not TOTPDevice.objects.filter(user=recruiter).exists()


# --- Sign-in -----------------------------------------------------------------------------------


def test_the_password_alone_does_not_sign_in_a_user_with_two_factor(client, recruiter, password):
    enable(recruiter)
    response = password_step(client, recruiter, password)
    assert response["Location"] == reverse("accounts:login_verify")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("dashboard:home")).status_code == 302
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_a_code_computed_from_the_secret_signs_in(client, recruiter, password):
    secret, _ = enable(recruiter)
    password_step(client, recruiter, password, next="/settings/members/")
    response = client.post(
        reverse("accounts:login_verify"), {"code": code_for(secret, steps_ahead=1)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/settings/members/"
    assert client.session["_auth_user_id"] == str(recruiter.pk)
    assert client.session[twofactor.SESSION_VERIFIED] is True
    assert twofactor.SESSION_PENDING not in client.session
    assert AuditEvent.objects.filter(action="auth.login", actor=recruiter).exists()


def test_a_wrong_code_is_refused_and_audited(client, recruiter, password):
    enable(recruiter)
    password_step(client, recruiter, password)
    response = client.post(reverse("accounts:login_verify"), {"code": "123456"})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 1


def test_a_replayed_code_is_refused(client, recruiter, password):
    secret, _ = enable(recruiter)
    code = code_for(secret, steps_ahead=1)
    password_step(client, recruiter, password)
    assert client.post(reverse("accounts:login_verify"), {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    password_step(client, recruiter, password)
    response = client.post(reverse("accounts:login_verify"), {"code": code})
    assert response.status_code == 200
    assert "already used" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_setup_code_cannot_be_replayed_to_sign_in(client, recruiter, password):
    secret = twofactor.secret_new()
    code = code_for(secret)
    twofactor.totp_device_confirm(user=recruiter, secret=secret, code=code, ip=None)
    password_step(client, recruiter, password)
    assert client.post(reverse("accounts:login_verify"), {"code": code}).status_code == 200


def test_a_recovery_code_works_once(client, recruiter, password):
    _, codes = enable(recruiter)
    password_step(client, recruiter, password)
    response = client.post(reverse("accounts:login_verify"), {"code": codes[3].lower()})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.recovery_code_used")
    assert event.actor == recruiter
    assert event.data == {"left": 9}
    client.post(reverse("accounts:logout"))
    password_step(client, recruiter, password)
    response = client.post(reverse("accounts:login_verify"), {"code": codes[3]})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_toward_the_lock(client, recruiter, password):
    enable(recruiter)
    password_step(client, recruiter, password)
    for _ in range(4):
        assert client.post(reverse("accounts:login_verify"), {"code": "000000"}).status_code == 200
    response = client.post(reverse("accounts:login_verify"), {"code": "000000"})
    assert response.status_code == 429
    assert AuditEvent.objects.filter(action="auth.login_locked").exists()
    # The pending sign-in is dropped, and the password step is locked too.
    assert twofactor.SESSION_PENDING not in client.session
    assert password_step(client, recruiter, password).status_code == 429


def test_typing_the_password_again_does_not_reset_the_count_of_wrong_codes(
    client, recruiter, password
):
    enable(recruiter)
    for _ in range(2):
        password_step(client, recruiter, password)
        client.post(reverse("accounts:login_verify"), {"code": "000000"})
        client.post(reverse("accounts:login_verify"), {"code": "000000"})
    password_step(client, recruiter, password)
    assert client.post(reverse("accounts:login_verify"), {"code": "000000"}).status_code == 429


def test_the_code_step_without_a_password_step_goes_back_to_sign_in(client):
    response = client.get(reverse("accounts:login_verify"))
    assert response["Location"] == reverse("accounts:login")


def test_a_tampered_pending_token_is_refused(client, recruiter, password):
    enable(recruiter)
    password_step(client, recruiter, password)
    session = client.session
    session[twofactor.SESSION_PENDING] = session[twofactor.SESSION_PENDING][:-2] + "xx"
    session.save()
    response = client.get(reverse("accounts:login_verify"))
    assert response["Location"] == reverse("accounts:login")


def test_a_password_change_voids_the_pending_sign_in(client, recruiter, password):
    enable(recruiter)
    password_step(client, recruiter, password)
    recruiter.set_password("another-long-password-9")
    recruiter.save()
    assert client.get(reverse("accounts:login_verify"))["Location"] == reverse("accounts:login")


# --- Turning it off, new recovery codes --------------------------------------------------------


def test_turning_it_off_needs_the_password_or_a_code(login, recruiter, password):
    enable(recruiter)
    client = login(recruiter)
    response = client.post(reverse("accounts:two_factor_disable"), {"disable-proof": "nope"})
    assert response.status_code == 400
    assert 'id="id_disable-proof-error"' in response.content.decode()
    assert TOTPDevice.objects.filter(user=recruiter).exists()
    response = client.post(reverse("accounts:two_factor_disable"), {"disable-proof": password})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=recruiter).exists()
    assert not RecoveryCode.objects.filter(user=recruiter).exists()
    assert AuditEvent.objects.filter(action="auth.two_factor_disabled", actor=recruiter).exists()


def test_turning_it_off_with_a_current_code(login, recruiter):
    secret, _ = enable(recruiter)
    client = login(recruiter)
    response = client.post(
        reverse("accounts:two_factor_disable"), {"disable-proof": code_for(secret, steps_ahead=1)}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=recruiter).exists()


def test_new_recovery_codes_replace_the_old_ones(login, recruiter, password):
    _, old = enable(recruiter)
    client = login(recruiter)
    response = client.post(reverse("accounts:two_factor_recovery_codes"), {"codes-proof": password})
    assert response.status_code == 200
    new = re.findall(r"<li class=\"col\">([A-Z0-9-]+)</li>", response.content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    assert twofactor.two_factor_verify(user=recruiter, code=old[0], ip=None) is None
    assert twofactor.two_factor_verify(user=recruiter, code=new[0], ip=None) == "recovery"


# --- Organization policy and enforcement ---------------------------------------------------------


def require(owner, team):
    enable(owner)
    twofactor.two_factor_policy_set(
        organization=team.organization, require_for_admins=True, by=owner, team=team, ip=None
    )


def test_an_owner_turns_the_policy_on_once_they_use_two_factor(login, owner, team):
    client = login(owner)
    response = client.post(reverse("accounts:two_factor_policy"), {"require_for_admins": "on"})
    assert response.status_code == 400
    assert "for yourself first" in response.content.decode()
    enable(owner)
    response = client.post(reverse("accounts:two_factor_policy"), {"require_for_admins": "on"})
    assert response.status_code == 302
    assert team.organization.two_factor_policy.require_for_admins
    event = AuditEvent.objects.get(action="two_factor.policy_changed")
    assert event.data == {"require_for_admins": True}
    assert event.team == team


def test_an_admin_cannot_change_the_policy(login, admin_user):
    response = login(admin_user).post(
        reverse("accounts:two_factor_policy"), {"require_for_admins": "on"}
    )
    assert response.status_code == 403


def test_the_policy_form_is_shown_to_owners_only(login, owner, admin_user):
    assert "two-factor-policy" in login(owner).get(reverse("accounts:two_factor")).content.decode()
    html = login(admin_user).get(reverse("accounts:two_factor")).content.decode()
    assert "two-factor-policy" not in html


def test_an_admin_without_two_factor_is_sent_to_set_it_up(
    enforcement, client, owner, admin_user, team, password
):
    require(owner, team)
    response = password_step(client, admin_user, password)
    assert response.status_code == 302
    response = client.get(reverse("dashboard:members"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor")
    page = client.get(reverse("accounts:two_factor"))
    assert page.status_code == 200
    assert "requires two-factor authentication" in page.content.decode()
    # htmx requests are redirected by the client.
    response = client.get(reverse("dashboard:members"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("accounts:two_factor")
    # Once set up, the admin pages open.
    secret = client.session[twofactor.SESSION_SETUP_SECRET]
    client.post(reverse("accounts:two_factor_confirm"), {"code": code_for(secret)})
    assert client.get(reverse("dashboard:members")).status_code == 200


def test_a_recruiter_is_not_forced(enforcement, login, owner, recruiter, team):
    require(owner, team)
    assert login(recruiter).get(reverse("dashboard:home")).status_code == 200


def test_another_organization_is_not_affected(enforcement, login, owner, outsider, team):
    require(owner, team)
    assert login(outsider).get(reverse("dashboard:home")).status_code == 200


def test_nobody_is_forced_without_the_policy(enforcement, login, admin_user):
    assert login(admin_user).get(reverse("dashboard:members")).status_code == 200


def test_an_admin_cannot_turn_it_off_while_it_is_required(
    enforcement, login, owner, admin_user, team, password
):
    require(owner, team)
    enable(admin_user)
    response = login(admin_user).post(
        reverse("accounts:two_factor_disable"), {"disable-proof": password}
    )
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=admin_user).exists()


def test_enforcement_costs_no_query_once_the_policy_is_cached(enforcement, login, admin_user):
    client = login(admin_user)
    url = reverse("dashboard:home")
    client.get(url)
    with CaptureQueriesContext(connection) as cached:
        client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as uncached:
        client.get(url)
    # Whether the user has a device, and the organization's policy: both cached.
    assert len(uncached) == len(cached) + 2
    for table in ("twofactorpolicy", "totpdevice"):
        assert any(table in q["sql"].lower() for q in uncached.captured_queries)
        assert not any(table in q["sql"].lower() for q in cached.captured_queries)
