"""Single sign-on over OpenID Connect, per organization (docs/sso.md).

mozilla-django-oidc does the protocol (state, nonce, PKCE, the code exchange, the ID token's
signature); this module gives it the organization's provider instead of global settings, and
decides who a verified email may sign in as:

- the provider must say the email is verified (``email_verified`` true), and its domain must
  be one the organization routes to its provider;
- an existing account signs in only if all its memberships are in that organization (or it has
  none) and it is not staff: a provider speaks for its own organization, never for an account
  that reaches another organization's data or the Django admin;
- someone new (or with no membership there) joins the configured team with the default role,
  never owner; with no team configured, only existing members sign in.

With ``password_login_disabled``, members of that organization only must use SSO; owners keep
their password (the break-glass rule: a broken provider cannot lock everyone out).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, NoReturn

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.audit import audit_record
from accounts.models import Membership, Organization, Role, Team, User
from accounts.models_sso import OrganizationSSO, SSODomain
from kit.sealing import seal, unseal

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

SEAL_PURPOSE = "panelist.sso"
SESSION_ORGANIZATION = "sso_organization_id"
SIGN_ALGORITHM = "RS256"
JIT_ROLES = (Role.ADMIN, Role.RECRUITER, Role.HIRING_MANAGER)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SSORefused(Exception):
    """A sign-in the provider vouched for but Panelist refuses; the message is for the person."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


# --- Selectors -----------------------------------------------------------------------------


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def sso_for_email(*, email: str) -> OrganizationSSO | None:
    """The enabled provider that ``email``'s domain routes to, if any."""
    domain = email_domain(email)
    if not domain:
        return None
    found = (
        SSODomain.objects.filter(domain=domain, sso__enabled=True)
        .select_related("sso__organization")
        .first()
    )
    return found.sso if found else None


def sso_for_organization(*, organization_id: Any) -> OrganizationSSO | None:
    return (
        OrganizationSSO.objects.filter(organization_id=organization_id)
        .select_related("organization", "jit_team")
        .prefetch_related("domains")
        .first()
    )


def password_login_refusal(user: Any) -> str:
    """Why ``user`` may not sign in with a password (empty when they may): every membership is
    in one organization that requires SSO, and they own no team there."""
    if user.is_staff or user.is_superuser:
        return ""
    memberships = list(Membership.objects.filter(user=user).select_related("team"))
    organizations = {m.team.organization_id for m in memberships}
    if len(organizations) != 1 or any(m.role == Role.OWNER for m in memberships):
        return ""
    if not OrganizationSSO.objects.filter(
        organization_id=organizations.pop(), enabled=True, password_login_disabled=True
    ).exists():
        return ""
    return (
        "Your organization signs in through its identity provider: use "
        "“Sign in with single sign-on” below."
    )


# --- The provider's discovery document ---------------------------------------------------


def _check_url(url: str, field: str) -> None:
    allowed = ("https://", "http://") if settings.SSO_ALLOW_HTTP else ("https://",)
    if not url.startswith(allowed):
        raise ValidationError({field: "The provider must be reached over https."})


def discover(*, issuer: str) -> dict[str, str]:
    """The endpoints from ``issuer``'s discovery document; a ValidationError on ``issuer``
    says what went wrong (this is the "test connection")."""
    _check_url(issuer, "issuer")
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.SSO_TIMEOUT, allow_redirects=False)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ValidationError(
            {"issuer": f"Could not read the provider's discovery document at {url}."}
        ) from exc
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer.rstrip(
        "/"
    ):
        raise ValidationError({"issuer": "The provider's discovery document names another issuer."})
    endpoints = {}
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        value = document.get(key)
        if not isinstance(value, str) or len(value) > 500:
            raise ValidationError({"issuer": f"The provider's discovery document has no {key}."})
        _check_url(value, "issuer")
        endpoints[key] = value
    return endpoints


# --- Services ------------------------------------------------------------------------------


def _domains_clean(domains: list[str], *, organization: Organization) -> list[str]:
    cleaned = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    bad = [d for d in cleaned if not _DOMAIN.match(d)]
    if bad:
        raise ValidationError({"email_domains": f"Not a domain: {', '.join(bad)}."})
    taken = list(
        SSODomain.objects.filter(domain__in=cleaned)
        .exclude(sso__organization=organization)
        .values_list("domain", flat=True)
    )
    if taken:
        raise ValidationError(
            {"email_domains": f"Another organization signs in {', '.join(taken)} already."}
        )
    return cleaned


@transaction.atomic
def organization_sso_save(
    *,
    organization: Organization,
    enabled: bool,
    issuer: str,
    client_id: str,
    client_secret: str,
    email_domains: list[str],
    jit_team: Team | None,
    jit_role: str,
    password_login_disabled: bool,
    by: User,
    team: Team | None,
    ip: str | None,
) -> OrganizationSSO:
    """Create or change the organization's provider. An empty ``client_secret`` keeps the one
    stored. Enabling it reads the provider's discovery document first."""
    sso = OrganizationSSO.objects.filter(organization=organization).first()
    issuer = issuer.strip().rstrip("/")
    errors: dict[str, str] = {}
    if jit_team is not None and jit_team.organization_id != organization.pk:
        errors["jit_team"] = "Choose a team of this organization."
    if jit_role not in JIT_ROLES:
        errors["jit_role"] = "New members join as admin, recruiter or hiring manager."
    if enabled and not client_secret and not (sso and sso.client_secret_sealed):
        errors["client_secret"] = "Enter the client secret the provider gave you."
    if enabled and not client_id.strip():
        errors["client_id"] = "Enter the client ID the provider gave you."
    if password_login_disabled and not enabled:
        errors["password_login_disabled"] = "Turn single sign-on on first."
    if errors:
        raise ValidationError(errors)
    domains = _domains_clean(email_domains, organization=organization)
    if enabled and not domains:
        raise ValidationError({"email_domains": "Enter at least one email domain."})
    _check_url(issuer, "issuer")
    endpoints = discover(issuer=issuer) if enabled else {}
    before = _snapshot(sso) if sso else {}
    if sso is None:
        sso = OrganizationSSO(organization=organization)
    sso.enabled = enabled
    sso.issuer = issuer
    sso.client_id = client_id.strip()
    if client_secret:
        sso.client_secret_sealed = seal(client_secret, purpose=SEAL_PURPOSE)
    for key, value in endpoints.items():
        setattr(sso, key, value)
    sso.jit_team = jit_team
    sso.jit_role = jit_role
    sso.password_login_disabled = password_login_disabled
    sso.updated_by = by
    sso.save()
    sso.domains.exclude(domain__in=domains).delete()
    SSODomain.objects.bulk_create(
        [SSODomain(sso=sso, domain=d) for d in domains if d not in before.get("domains", [])]
    )
    after = _snapshot(sso)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if client_secret:
        changed["client_secret"] = "changed"
    audit_record(
        action="sso.settings_changed", actor=by, team=team, obj=organization, ip=ip, data=changed
    )
    return sso


def _snapshot(sso: OrganizationSSO) -> dict[str, Any]:
    return {
        "enabled": sso.enabled,
        "issuer": sso.issuer,
        "client_id": sso.client_id,
        "domains": sorted(sso.domains.values_list("domain", flat=True)),
        "jit_team": str(sso.jit_team_id) if sso.jit_team_id else None,
        "jit_role": sso.jit_role,
        "password_login_disabled": sso.password_login_disabled,
    }


def _refuse(*, reason: str, message: str) -> NoReturn:
    raise SSORefused(message, reason=reason)


def sso_sign_in_user(
    *, sso: OrganizationSSO, claims: dict[str, Any], ip: str | None
) -> tuple[User, Team | None]:
    """The account the provider's ``claims`` sign in as, created or given a membership just in
    time; the team to open. Raises SSORefused (audited) when Panelist will not."""
    email = str(claims.get("email") or "").strip().lower()
    try:
        return _sign_in_checked(sso=sso, email=email, claims=claims, ip=ip)
    except SSORefused as exc:
        audit_record(
            action="auth.sso_refused",
            actor_label=email[:254],
            team=sso.jit_team or sso.organization.teams.first(),
            obj=sso.organization,
            ip=ip,
            data={"email": email[:254], "reason": exc.reason},
        )
        raise


def _sign_in_checked(
    *, sso: OrganizationSSO, email: str, claims: dict[str, Any], ip: str | None
) -> tuple[User, Team | None]:
    if not email or "@" not in email:
        _refuse(
            reason="no_email",
            message="Your identity provider did not send an email address.",
        )
    if claims.get("email_verified") is not True:
        _refuse(
            reason="email_not_verified",
            message="Your identity provider has not verified your email address, so Panelist "
            "cannot match it to an account. Ask your IT team to verify it.",
        )
    if not sso.domains.filter(domain=email_domain(email)).exists():
        _refuse(
            reason="domain_not_configured",
            message=f"{email} is not in a domain your organization signs in with single sign-on.",
        )
    try:
        with transaction.atomic():
            return _sign_in_user(sso=sso, email=email, claims=claims, ip=ip)
    except IntegrityError:
        # Two first sign-ins at once: the other one created the account; use it.
        with transaction.atomic():
            return _sign_in_user(sso=sso, email=email, claims=claims, ip=ip)


def _sign_in_user(
    *, sso: OrganizationSSO, email: str, claims: dict[str, Any], ip: str | None
) -> tuple[User, Team | None]:
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is not None:
        memberships = list(Membership.objects.filter(user=user).select_related("team"))
        elsewhere = any(m.team.organization_id != sso.organization_id for m in memberships)
        if user.is_staff or user.is_superuser or elsewhere or not user.is_active:
            _refuse(
                reason="account_outside_organization",
                message="This account reaches more than your organization, so it signs in "
                "with its password.",
            )
        if memberships:
            home = memberships[0].team
            audit_record(action="auth.sso_login", actor=user, team=home, obj=user, ip=ip)
            return user, home
    team = sso.jit_team
    if team is None:
        _refuse(
            reason="no_membership",
            message="You have no account in this organization yet. Ask its admin to invite you.",
        )
    if user is None:
        name = str(claims.get("name") or "")[:150]
        user = get_user_model().objects.create_user(email, None, full_name=name)
    membership = Membership.objects.create(user=user, team=team, role=sso.jit_role)
    audit_record(
        action="member.joined",
        actor=user,
        team=team,
        obj=membership,
        ip=ip,
        data={"role": sso.jit_role, "via": "sso"},
    )
    audit_record(action="auth.sso_login", actor=user, team=team, obj=user, ip=ip)
    return user, team


# --- The relying party (mozilla-django-oidc, per organization) ---------------------------


def client_secret(sso: OrganizationSSO) -> str:
    return unseal(sso.client_secret_sealed, purpose=SEAL_PURPOSE) if sso else ""


def oidc_setting(sso: OrganizationSSO | None, attr: str, *default: Any) -> Any:
    """What mozilla-django-oidc reads from settings, for ``sso``'s provider."""
    per_provider: dict[str, Any] = {
        "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:sso_callback",
        "OIDC_RP_SCOPES": "openid email profile",
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_RP_SIGN_ALGO": SIGN_ALGORITHM,
        "OIDC_TIMEOUT": settings.SSO_TIMEOUT,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
        "OIDC_CREATE_USER": False,
    }
    if sso is not None:
        per_provider |= {
            "OIDC_OP_AUTHORIZATION_ENDPOINT": sso.authorization_endpoint,
            "OIDC_OP_TOKEN_ENDPOINT": sso.token_endpoint,
            "OIDC_OP_USER_ENDPOINT": sso.userinfo_endpoint,
            "OIDC_OP_JWKS_ENDPOINT": sso.jwks_uri,
            "OIDC_RP_CLIENT_ID": sso.client_id,
        }
    if attr in per_provider:
        return per_provider[attr]
    return getattr(settings, attr, *default) if default else getattr(settings, attr)


def pending_sso(request: HttpRequest) -> OrganizationSSO | None:
    """The enabled provider a sign-in in this session was started with."""
    organization_id = request.session.get(SESSION_ORGANIZATION)
    if not organization_id:
        return None
    return (
        OrganizationSSO.objects.filter(organization_id=organization_id, enabled=True)
        .select_related("organization", "jit_team")
        .first()
    )


class OrganizationOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, configured from the organization the session's sign-in
    started with. Answers only the callback (it is given a ``nonce``), never a password."""

    sso: OrganizationSSO | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library reads global settings here; ours are per organization, read per request.
        self.UserModel = get_user_model()

    def get_settings(self, attr: str, *args: Any) -> Any:
        return oidc_setting(self.sso, attr, *args)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if request is None or "nonce" not in kwargs:
            return None
        self.sso = pending_sso(request)
        if self.sso is None:
            request.sso_error = "That single sign-on is not set up any more."  # type: ignore[attr-defined]
            return None
        self.OIDC_OP_TOKEN_ENDPOINT = self.sso.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = self.sso.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = self.sso.jwks_uri
        self.OIDC_RP_CLIENT_ID = self.sso.client_id
        self.OIDC_RP_SIGN_ALGO = SIGN_ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            self.OIDC_RP_CLIENT_SECRET = client_secret(self.sso)
            return super().authenticate(request, **kwargs)
        except SSORefused as exc:
            request.sso_error = str(exc)  # type: ignore[attr-defined]
        except (requests.RequestException, SuspiciousOperation, jwt.PyJWTError, ValueError) as exc:
            logger.warning("SSO sign-in through %s failed: %s", self.sso.issuer, exc)
            request.sso_error = (  # type: ignore[attr-defined]
                "Your identity provider did not complete the sign-in. Try again, or ask your "
                "IT team to check Panelist's single sign-on settings."
            )
        return None

    def get_user(self, user_id: Any) -> Any:
        # The library's returns deactivated accounts too; Django's refuses them, so turning an
        # account off ends its SSO sessions as it ends password ones.
        return ModelBackend.get_user(self, user_id)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The library checks the signature and nonce; the ID token must also be for this
        client, from this issuer."""
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        assert self.sso is not None
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.sso.client_id not in audiences:
            raise SuspiciousOperation("The ID token is for another client.")
        if str(payload.get("iss", "")).rstrip("/") != self.sso.issuer.rstrip("/"):
            raise SuspiciousOperation("The ID token is from another issuer.")
        return payload

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        from accounts.audit import client_ip

        assert self.sso is not None
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The user info is for another subject.")
        user, team = sso_sign_in_user(sso=self.sso, claims=claims, ip=client_ip(self.request))
        self.request.sso_team = team
        return user
