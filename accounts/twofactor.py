"""Two-factor authentication with TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps).

The standard library computes the codes; the shared secret is stored encrypted (Fernet, with a
key derived from ``SECRET_KEY``, so ``SECRET_KEY_FALLBACKS`` still decrypt after a rotation);
recovery codes are stored as SHA-256 hashes (they are random, 60 bits, and single-use).

A sign-in with a confirmed device happens in two steps: the password step leaves only a
signed, five-minute pending-login token in the session; the user is logged in once the code
matches. An accepted code's time step is recorded, and a code for that step or an earlier one
is refused, so a code seen over someone's shoulder cannot be used again.

An organization's owner may require two-factor authentication of its owners and admins
(``TwoFactorPolicy``); ``TwoFactorEnforcementMiddleware`` then sends such a member without a
device to the set-up page until they have one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.audit import audit_record
from accounts.models_twofactor import RecoveryCode, TOTPDevice, TwoFactorPolicy
from accounts.selectors import membership_current

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse

    from accounts.models import Membership, Organization, Team, User

STEP_SECONDS = 30
DIGITS = 6
WINDOW_STEPS = 1
RECOVERY_CODE_COUNT = 10
PENDING_MAX_AGE = 5 * 60

SESSION_PENDING = "twofactor_pending"
SESSION_VERIFIED = "twofactor_verified"
SESSION_SETUP_SECRET = "twofactor_setup_secret"

# --- RFC 4226 / 6238 ----------------------------------------------------------------------


def hotp(key: bytes, counter: int, *, digits: int = DIGITS) -> str:
    """RFC 4226: the HMAC-SHA-1 of the counter, dynamically truncated to ``digits`` digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def totp_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def totp(key: bytes, *, now: float | None = None, digits: int = DIGITS) -> str:
    return hotp(key, totp_step(now), digits=digits)


def totp_match(key: bytes, code: str, *, now: float | None = None) -> int | None:
    """The time step ``code`` is valid for, within one step either side of now; else None."""
    code = normalise_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = totp_step(now)
    for step in (current, current - WINDOW_STEPS, current + WINDOW_STEPS):
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def secret_new() -> str:
    """A 160-bit secret (RFC 4226's recommended length) in unpadded base32."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def secret_key_bytes(secret: str) -> bytes:
    secret = secret.strip().replace(" ", "").upper()
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def otpauth_uri(*, secret: str, account: str, issuer: str = "Panelist") -> str:
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": 30}
    )
    return f"otpauth://totp/{label}?{query}"


def qr_svg(data: str) -> SafeString:
    """The QR code of ``data`` as inline SVG (no script, no style attribute: CSP-safe)."""
    import segno

    svg = segno.make(data, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="twofactor-qr", lineclass=None
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-label="QR code" ', 1))  # noqa: S308


def format_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- Encryption of the stored secret -----------------------------------------------------


def _fernet() -> Any:
    from cryptography.fernet import Fernet, MultiFernet

    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"panelist.totp:{k}".encode()).digest()))
            for k in keys
        ]
    )


def secret_encrypt(secret: str) -> str:
    return str(_fernet().encrypt(secret.encode()).decode())


def secret_decrypt(token: str) -> str:
    return str(_fernet().decrypt(token.encode()).decode())


# --- Recovery codes ------------------------------------------------------------------------

_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _recovery_code_new() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def recovery_code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _recovery_codes_replace(*, user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_recovery_code_new() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=recovery_code_hash(c)) for c in codes]
    )
    return codes


# --- Selectors -----------------------------------------------------------------------------


def totp_device_for(*, user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user).first()


def _device_cache_key(user_id: Any) -> str:
    return f"twofactor:device:{user_id}"


def user_has_device(*, user: Any) -> bool:
    """Whether ``user`` has a device: one cache read per request, so pages keep their query
    counts. Only "no device" is believed from the cache; turning a device on forgets it."""
    key = _device_cache_key(user.pk)
    if cache.get(key) is False:
        return False
    has_device = TOTPDevice.objects.filter(user=user).exists()
    if not has_device:
        cache.set(key, False, timeout=300)
    return has_device


def _device_cache_forget(user: Any) -> None:
    key = _device_cache_key(user.pk)
    transaction.on_commit(lambda: cache.delete(key))


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def _policy_cache_key(organization_id: Any) -> str:
    return f"twofactor:policy:{organization_id}"


def organization_requires_two_factor(*, organization_id: Any) -> bool:
    """Cached for five minutes per process (and refreshed at once where it was changed)."""
    key = _policy_cache_key(organization_id)
    required = cache.get(key)
    if required is None:
        required = TwoFactorPolicy.objects.filter(
            organization_id=organization_id, require_for_admins=True
        ).exists()
        cache.set(key, required, timeout=300)
    return bool(required)


def two_factor_required_for(membership: Membership | None) -> bool:
    """Whether this member must use two-factor authentication (an admin where it's required)."""
    if membership is None or not membership.is_admin:
        return False
    return organization_requires_two_factor(organization_id=membership.team.organization_id)


# --- Services ------------------------------------------------------------------------------


def _team_of(user: Any) -> Team | None:
    membership = membership_current(user=user, team_id=None)
    return membership.team if membership else None


@transaction.atomic
def totp_device_confirm(*, user: User, secret: str, code: str, ip: str | None) -> list[str]:
    """Turn on two-factor authentication once ``code`` matches ``secret``; returns the
    recovery codes (shown once: only their hashes are kept)."""
    if TOTPDevice.objects.filter(user=user).exists():
        raise ValidationError({"code": "Two-factor authentication is already on."})
    step = totp_match(secret_key_bytes(secret), code)
    if step is None:
        raise ValidationError(
            {
                "code": "That code does not match. Check the time on your phone and try the "
                "current code."
            }
        )
    device = TOTPDevice.objects.create(
        user=user, secret_encrypted=secret_encrypt(secret), last_used_step=step
    )
    _device_cache_forget(user)
    codes = _recovery_codes_replace(user=user)
    audit_record(
        action="auth.two_factor_enabled", actor=user, team=_team_of(user), obj=device, ip=ip
    )
    return codes


_WRONG_PROOF = ValidationError(
    "That is neither your password nor a current code.", code="wrong_proof"
)


def _proof_ok(*, user: User, device: TOTPDevice, proof: str) -> bool:
    """A current code (not replayed) or the account's password."""
    if _totp_accept(device=device, code=proof):
        return True
    return bool(proof) and user.check_password(proof)


@transaction.atomic
def totp_device_disable(*, user: User, proof: str, ip: str | None) -> None:
    """Turn two-factor authentication off; ``proof`` is a current code or the password."""
    device = totp_device_for(user=user)
    if device is None:
        raise ValidationError({"proof": "Two-factor authentication is not on."})
    membership = membership_current(user=user, team_id=None)
    if any(two_factor_required_for(m) for m in user.memberships.select_related("team").all()):
        raise ValidationError(
            {
                "proof": "Your organization requires two-factor authentication of its owners and "
                "admins, so it cannot be turned off."
            }
        )
    if not _proof_ok(user=user, device=device, proof=proof):
        raise ValidationError({"proof": _WRONG_PROOF})
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(
        action="auth.two_factor_disabled",
        actor=user,
        team=membership.team if membership else None,
        obj=device,
        ip=ip,
    )
    device.delete()
    _device_cache_forget(user)


@transaction.atomic
def recovery_codes_regenerate(*, user: User, proof: str, ip: str | None) -> list[str]:
    device = totp_device_for(user=user)
    if device is None:
        raise ValidationError({"proof": "Two-factor authentication is not on."})
    if not _proof_ok(user=user, device=device, proof=proof):
        raise ValidationError({"proof": _WRONG_PROOF})
    codes = _recovery_codes_replace(user=user)
    audit_record(
        action="auth.recovery_codes_regenerated",
        actor=user,
        team=_team_of(user),
        obj=device,
        ip=ip,
    )
    return codes


def _totp_accept(*, device: TOTPDevice, code: str) -> bool:
    step = totp_match(secret_key_bytes(secret_decrypt(device.secret_encrypted)), code)
    if step is None:
        return False
    # One conditional UPDATE: of two requests racing with the same code, only one wins.
    return bool(
        TOTPDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(last_used_step=step)
    )


def two_factor_verify(*, user: User, code: str, ip: str | None) -> str | None:
    """Check a sign-in's second factor: ``"totp"`` or ``"recovery"`` if it is accepted."""
    device = totp_device_for(user=user)
    if device is None or not code.strip():
        return None
    if _totp_accept(device=device, code=code):
        return "totp"
    used = RecoveryCode.objects.filter(
        user=user, code_hash=recovery_code_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if not used:
        return None
    audit_record(
        action="auth.recovery_code_used",
        actor=user,
        team=_team_of(user),
        obj=device,
        ip=ip,
        data={"left": recovery_codes_left(user=user)},
    )
    return "recovery"


@transaction.atomic
def two_factor_policy_set(
    *, organization: Organization, require_for_admins: bool, by: User, team: Team, ip: str | None
) -> TwoFactorPolicy:
    if require_for_admins and totp_device_for(user=by) is None:
        raise ValidationError(
            {"require_for_admins": "Turn on two-factor authentication for yourself first."}
        )
    policy, _ = TwoFactorPolicy.objects.update_or_create(
        organization=organization,
        defaults={"require_for_admins": require_for_admins, "updated_by": by},
    )
    transaction.on_commit(
        lambda: cache.set(_policy_cache_key(organization.pk), require_for_admins, timeout=300)
    )
    audit_record(
        action="two_factor.policy_changed",
        actor=by,
        team=team,
        obj=organization,
        ip=ip,
        data={"require_for_admins": require_for_admins},
    )
    return policy


# --- The pending sign-in -------------------------------------------------------------------

_PENDING_SALT = "panelist.twofactor.pending"


def pending_login_start(request: HttpRequest, *, user: User, next_url: str) -> None:
    """Remember who typed the right password, for five minutes, without logging them in."""
    request.session[SESSION_PENDING] = signing.dumps(
        {
            "user": str(user.pk),
            "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
            "hash": user.get_session_auth_hash(),
            "next": next_url,
        },
        salt=_PENDING_SALT,
    )


def pending_login(request: HttpRequest) -> tuple[User, str, str] | None:
    """The pending user, their auth backend and where to go next; None if absent or stale."""
    from accounts.models import User

    token = request.session.get(SESSION_PENDING)
    if not token:
        return None
    try:
        data = signing.loads(token, salt=_PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        request.session.pop(SESSION_PENDING, None)
        return None
    user = User.objects.filter(pk=data["user"], is_active=True).first()
    # A password changed meanwhile invalidates the first step.
    if user is None or not hmac.compare_digest(user.get_session_auth_hash(), data["hash"]):
        request.session.pop(SESSION_PENDING, None)
        return None
    return user, str(data["backend"]), str(data["next"])


def pending_login_clear(request: HttpRequest) -> None:
    request.session.pop(SESSION_PENDING, None)


# --- Enforcement ---------------------------------------------------------------------------

# Pages a member who must set up two-factor authentication may still open.
_ALLOWED_URL_NAMES = frozenset(
    {
        "accounts:logout",
        "accounts:two_factor",
        "accounts:two_factor_confirm",
        "accounts:password_change",
        "accounts:password_change_done",
        "dashboard:team_switch",
    }
)


class TwoFactorEnforcementMiddleware:
    """Two rules for every signed-in request, on every URL (the Django admin included). Must
    come after ``CurrentTeamMiddleware``.

    1. A session of a user who has a device, which that device has not verified (the mark
       ``login_verify`` sets), is signed out and sent to sign in: however the session was made
       (another login view, ``auth.login`` in some future code), it cannot skip the code.
    2. An owner or admin whose organization requires two-factor authentication, and who has
       no device yet, is sent to the set-up page.

    Costs nothing for a session that passed two-factor sign-in (or set it up) and a cached
    read or two for other requests, so list pages keep their query counts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.session.get(SESSION_VERIFIED):
            if user_has_device(user=request.user):
                return self._sign_out(request)
            if two_factor_required_for(getattr(request, "membership", None)) and not self._allowed(
                request
            ):
                return self._to_setup(request)
        return self.get_response(request)

    @staticmethod
    def _sign_out(request: HttpRequest) -> HttpResponse:
        from django.contrib.auth import REDIRECT_FIELD_NAME, logout
        from django_htmx.http import HttpResponseClientRedirect

        next_url = request.get_full_path() if request.method == "GET" else ""
        logout(request)
        url = reverse("accounts:login")
        if next_url:
            url = f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)

    @staticmethod
    def _allowed(request: HttpRequest) -> bool:
        from django.urls import Resolver404, resolve

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in _ALLOWED_URL_NAMES

    @staticmethod
    def _to_setup(request: HttpRequest) -> HttpResponse:
        from django_htmx.http import HttpResponseClientRedirect

        # The set-up page itself says why the member was sent there.
        url = reverse("accounts:two_factor")
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)
