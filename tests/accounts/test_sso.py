"""Single sign-on against a real OpenID Connect provider (oidc-provider-mock, a Flask and
Authlib provider) running on a local port: the Django test client plays the browser on
Panelist's side, ``requests`` plays it on the provider's (its authorization page and form),
and Panelist's back channel (token, keys, user info) is real HTTP to the provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse
from django.utils.html import escape
from oidc_provider_mock import run_server_in_thread

from accounts import sso
from accounts.models import AuditEvent, Membership, Role, User
from accounts.models_sso import OrganizationSSO
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/accounts/sso/callback/"
LOGIN = reverse("accounts:login")
START = reverse("accounts:sso_start")
SETTINGS_URL = reverse("accounts:sso_settings")


class Provider:
    def __init__(self, port: int) -> None:
        self.issuer = f"http://localhost:{port}"
        # A registered client: the provider checks its secret and redirect URI.
        response = requests.post(
            f"{self.issuer}/oauth2/clients",
            json={"redirect_uris": [CALLBACK], "token_endpoint_auth_method": "client_secret_post"},
            timeout=5,
        )
        response.raise_for_status()
        self.client_id = response.json()["client_id"]
        self.client_secret = response.json()["client_secret"]

    def user(self, sub: str, **claims: object) -> str:
        requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5).raise_for_status()
        return sub


@pytest.fixture(scope="session")
def provider():
    with run_server_in_thread(require_client_registration=True, require_nonce=True) as server:
        yield Provider(server.server_port)


@pytest.fixture(autouse=True)
def _http_provider(settings):
    settings.SSO_ALLOW_HTTP = True


@pytest.fixture
def acme(team, owner, provider):
    """The ``team`` fixture's organization signs in acme.test through the provider."""
    sso.organization_sso_save(
        organization=team.organization,
        enabled=True,
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        email_domains=["acme.test"],
        jit_team=team,
        jit_role=Role.RECRUITER,
        password_login_disabled=False,
        by=owner,
        team=team,
        ip=None,
    )
    return OrganizationSSO.objects.get(organization=team.organization)


def sso_sign_in(client, provider, email, *, sub=None, deny=False, next_url="", meanwhile=None):
    """Start at Panelist, authorize at the provider as a browser would, come back (after
    ``meanwhile()``, when given)."""
    response = client.post(START, {"email": email, "next": next_url})
    assert response.status_code == 200, response.content
    authorize = response["Refresh"].removeprefix("0;url=")
    assert f'href="{escape(authorize)}"' in response.content.decode()
    assert authorize.startswith(f"{provider.issuer}/oauth2/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"]
    assert query["state"]
    page = requests.get(authorize, timeout=5)
    assert page.status_code == 200
    assert 'name="sub"' in page.text
    form = {"action": "deny"} if deny else {"sub": sub or email}
    back = requests.post(authorize, data=form, allow_redirects=False, timeout=5)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["Location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == CALLBACK
    if meanwhile is not None:
        meanwhile()
    return client.get(f"{callback.path}?{callback.query}")


def signed_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def message_of(client):
    response = client.get(LOGIN)
    return " ".join(str(m) for m in response.context["messages"])


# --- Signing in ----------------------------------------------------------------------------


def test_it_signs_a_known_member_in_through_the_provider(client, provider, acme, team):
    member = UserFactory(email="rita@acme.test")
    MembershipFactory(user=member, team=team, role=Role.ADMIN)
    sub = provider.user("rita", email="Rita@acme.test", email_verified=True)

    response = sso_sign_in(client, provider, "rita@acme.test", sub=sub)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert signed_in_as(client) == member
    assert Membership.objects.get(user=member).role == Role.ADMIN
    assert client.get(reverse("dashboard:home")).status_code == 200
    event = AuditEvent.objects.get(action="auth.sso_login")
    assert event.actor == member
    assert event.team == team


def test_deactivating_the_account_ends_its_sso_session(client, provider, acme, team):
    member = UserFactory(email="kim@acme.test")
    MembershipFactory(user=member, team=team)
    sub = provider.user("kim", email="kim@acme.test", email_verified=True)
    sso_sign_in(client, provider, "kim@acme.test", sub=sub)
    assert client.session["_auth_user_backend"] == "accounts.sso.OrganizationOIDCBackend"
    User.objects.filter(pk=member.pk).update(is_active=False)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_it_goes_to_the_next_page_after_signing_in(client, provider, acme, team):
    MembershipFactory(user=UserFactory(email="nina@acme.test"), team=team)
    sub = provider.user("nina", email="nina@acme.test", email_verified=True)
    response = sso_sign_in(client, provider, "nina@acme.test", sub=sub, next_url="/interviews/")
    assert response["Location"] == "/interviews/"


def test_it_creates_an_unknown_person_just_in_time_with_the_default_role(
    client, provider, acme, team
):
    sub = provider.user("sam", email="sam@acme.test", email_verified=True, name="Sam Stone")

    sso_sign_in(client, provider, "sam@acme.test", sub=sub)

    user = User.objects.get(email="sam@acme.test")
    assert signed_in_as(client) == user
    assert user.full_name == "Sam Stone"
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.team, membership.role) == (team, Role.RECRUITER)
    joined = AuditEvent.objects.get(action="member.joined", actor=user)
    assert joined.data == {"role": "recruiter", "via": "sso"}


def test_it_gives_an_existing_account_without_membership_one(client, provider, acme, team):
    user = UserFactory(email="lee@acme.test")
    sub = provider.user("lee", email="lee@acme.test", email_verified=True)
    sso_sign_in(client, provider, "lee@acme.test", sub=sub)
    assert signed_in_as(client) == user
    assert Membership.objects.get(user=user).role == Role.RECRUITER


def test_it_refuses_an_unverified_email(client, provider, acme):
    sub = provider.user("una", email="una@acme.test", email_verified=False)
    response = sso_sign_in(client, provider, "una@acme.test", sub=sub)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="una@acme.test").exists()
    assert "has not verified your email" in message_of(client)
    assert AuditEvent.objects.get(action="auth.sso_refused").data["reason"] == (
        "email_not_verified"
    )


def test_it_refuses_an_email_without_the_verified_claim(client, provider, acme):
    # The provider's own default user: its email claim only.
    sso_sign_in(client, provider, "bare@acme.test", sub="bare@acme.test")
    assert signed_in_as(client) is None
    assert "has not verified your email" in message_of(client)


def test_it_refuses_a_domain_the_organization_does_not_route(client, provider, acme):
    # Started with an acme.test email, but the provider vouches for another domain.
    sub = provider.user("eve", email="eve@elsewhere.test", email_verified=True)
    sso_sign_in(client, provider, "eve@acme.test", sub=sub)
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="eve@elsewhere.test").exists()
    assert "is not in a domain" in message_of(client)


def test_the_sign_in_page_leads_to_the_work_email_page(client):
    page = client.get(LOGIN, {"next": "/interviews/"}).content.decode()
    assert f'href="{START}?next=/interviews/"' in page
    response = client.get(START, {"next": "/interviews/"})
    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()
    assert 'value="/interviews/"' in response.content.decode()


def test_it_does_not_start_for_a_domain_without_single_sign_on(client, acme):
    response = client.post(START, {"email": "someone@unknown.test"})
    assert response.status_code == 400
    assert "not set up for that email" in response.content.decode()
    assert not client.session.get(sso.SESSION_ORGANIZATION)


def test_it_refuses_an_account_that_reaches_another_organization(
    client, provider, acme, team, other_team
):
    # Otherwise acme's provider could sign in as someone of another organization.
    user = UserFactory(email="multi@acme.test")
    MembershipFactory(user=user, team=other_team)
    sub = provider.user("multi", email="multi@acme.test", email_verified=True)
    sso_sign_in(client, provider, "multi@acme.test", sub=sub)
    assert signed_in_as(client) is None
    assert not Membership.objects.filter(user=user, team=team).exists()
    assert "reaches more than your organization" in message_of(client)


def test_it_refuses_staff_accounts(client, provider, acme):
    UserFactory(email="ops@acme.test", is_staff=True)
    sub = provider.user("ops", email="ops@acme.test", email_verified=True)
    sso_sign_in(client, provider, "ops@acme.test", sub=sub)
    assert signed_in_as(client) is None


def test_it_refuses_newcomers_when_no_team_is_configured(client, provider, acme):
    acme.jit_team = None
    acme.save()
    sub = provider.user("new", email="new@acme.test", email_verified=True)
    sso_sign_in(client, provider, "new@acme.test", sub=sub)
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="new@acme.test").exists()
    assert "Ask its admin to invite you" in message_of(client)


def test_it_refuses_a_wrong_client_secret_without_an_error_page(client, provider, acme):
    acme.client_secret_sealed = sso.seal("not-the-secret", purpose=sso.SEAL_PURPOSE)
    acme.save()
    sub = provider.user("wendy", email="wendy@acme.test", email_verified=True)
    response = sso_sign_in(client, provider, "wendy@acme.test", sub=sub)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_as(client) is None
    assert "did not complete the sign-in" in message_of(client)


def test_it_refuses_an_id_token_from_another_issuer(client, provider, acme, team):
    # The provider's endpoints stay; only the issuer the organization trusts changes while the
    # browser is away: the ID token then names an issuer Panelist was not told to trust.
    sub = provider.user("ivan", email="ivan@acme.test", email_verified=True)

    def trust_another_issuer():
        OrganizationSSO.objects.filter(pk=acme.pk).update(issuer=f"{provider.issuer}/elsewhere")

    response = sso_sign_in(
        client, provider, "ivan@acme.test", sub=sub, meanwhile=trust_another_issuer
    )
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_as(client) is None
    assert "did not complete the sign-in" in message_of(client)


def test_it_refuses_an_unknown_state(client, provider, acme):
    client.post(START, {"email": "x@acme.test"})
    response = client.get(reverse("accounts:sso_callback"), {"code": "abc", "state": "forged"})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_as(client) is None
    assert "Start again" in message_of(client)


def test_it_refuses_a_state_from_another_browser(client, provider, acme, django_user_model):
    from django.test import Client

    sub = provider.user("vic", email="vic@acme.test", email_verified=True)
    MembershipFactory(user=UserFactory(email="vic@acme.test"), team=acme.jit_team)
    attacker = Client()
    response = attacker.post(START, {"email": "vic@acme.test"})
    authorize = response["Refresh"].removeprefix("0;url=")
    back = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=5)
    callback = urlsplit(back.headers["Location"])
    # The victim's browser is sent to the callback with the attacker's code and state.
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 302
    assert signed_in_as(client) is None


def test_it_handles_the_provider_denying_access(client, provider, acme):
    response = sso_sign_in(client, provider, "dan@acme.test", deny=True)
    assert response["Location"] == LOGIN
    assert signed_in_as(client) is None
    assert "did not sign you in" in message_of(client)


def test_it_skips_the_apps_own_two_factor_step(client, provider, acme, team):
    from accounts import twofactor
    from tests.factories import TOTPDeviceFactory

    user = UserFactory(email="tess@acme.test")
    MembershipFactory(user=user, team=team)
    TOTPDeviceFactory(user=user)
    sub = provider.user("tess", email="tess@acme.test", email_verified=True)
    sso_sign_in(client, provider, "tess@acme.test", sub=sub)
    assert client.session[twofactor.SESSION_VERIFIED] is True
    assert client.get(reverse("dashboard:home")).status_code == 200


# --- Password sign-in when the organization requires SSO ---------------------------------


@pytest.fixture
def required(acme):
    acme.password_login_disabled = True
    acme.save()
    return acme


def _password_login(client, user, password):
    return client.post(LOGIN, {"username": user.email, "password": password})


def test_it_refuses_a_password_to_members_when_sso_is_required(
    client, required, team, recruiter, password
):
    response = _password_login(client, recruiter, password)
    assert response.status_code == 200
    assert "signs in through its identity provider" in response.content.decode()
    assert signed_in_as(client) is None


def test_it_still_lets_owners_sign_in_with_a_password(client, required, owner, password):
    # The break-glass rule: a broken provider cannot lock the organization out.
    response = _password_login(client, owner, password)
    assert response.status_code == 302
    assert signed_in_as(client) == owner


def test_it_still_lets_other_organizations_sign_in_with_a_password(
    client, required, outsider, password
):
    response = _password_login(client, outsider, password)
    assert response.status_code == 302
    assert signed_in_as(client) == outsider


def test_it_lets_members_use_a_password_when_sso_does_not_require_it(
    client, acme, recruiter, password
):
    assert _password_login(client, recruiter, password).status_code == 302


def test_it_sends_no_password_reset_to_members_when_sso_is_required(
    client, required, recruiter, outsider, mailoutbox
):
    client.post(reverse("accounts:password_reset"), {"email": recruiter.email})
    client.post(reverse("accounts:password_reset"), {"email": outsider.email})
    assert [m.to for m in mailoutbox] == [[outsider.email]]


# --- The settings page ----------------------------------------------------------------------


def _form(provider, team, **overrides):
    data = {
        "enabled": "on",
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "email_domains": "acme.test, Acme.Example",
        "jit_team": str(team.pk),
        "jit_role": "hiring_manager",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_an_owner_sets_up_single_sign_on(login, owner, team, provider):
    client = login(owner)
    assert client.get(SETTINGS_URL).status_code == 200
    response = client.post(SETTINGS_URL, _form(provider, team))
    assert response.status_code == 302, response.content
    config = OrganizationSSO.objects.get(organization=team.organization)
    assert config.enabled
    assert config.token_endpoint == f"{provider.issuer}/oauth2/token"
    assert sorted(config.domains.values_list("domain", flat=True)) == ["acme.example", "acme.test"]
    assert provider.client_secret not in config.client_secret_sealed
    assert sso.client_secret(config) == provider.client_secret
    event = AuditEvent.objects.get(action="sso.settings_changed")
    assert event.actor == owner
    assert event.data["client_secret"] == "changed"
    assert provider.client_secret not in str(event.data)
    page = client.get(SETTINGS_URL).content.decode()
    assert provider.client_secret not in page
    assert "A client secret is stored" in page


def test_saving_again_keeps_the_secret_and_audits_the_change(login, owner, team, provider):
    client = login(owner)
    client.post(SETTINGS_URL, _form(provider, team))
    response = client.post(
        SETTINGS_URL, _form(provider, team, client_secret="", password_login_disabled="on")
    )
    assert response.status_code == 302
    config = OrganizationSSO.objects.get(organization=team.organization)
    assert config.password_login_disabled
    assert sso.client_secret(config) == provider.client_secret
    last = AuditEvent.objects.filter(action="sso.settings_changed").first()
    assert last.data == {"password_login_disabled": True}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"issuer": "http://localhost:1"}, "issuer", "discovery document"),
        ({"client_id": ""}, "client_id", "client ID"),
        ({"client_secret": ""}, "client_secret", "client secret"),
        ({"email_domains": "not a domain!"}, "email_domains", "Not a domain"),
        ({"email_domains": ""}, "email_domains", "at least one"),
        ({"jit_role": "owner"}, "jit_role", "Select a valid choice"),
        ({"enabled": None, "password_login_disabled": "on"}, "password_login_disabled", "first"),
    ],
)
def test_it_shows_errors_next_to_the_fields(
    login, owner, team, provider, overrides, field, message
):
    response = login(owner).post(SETTINGS_URL, _form(provider, team, **overrides))
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert not OrganizationSSO.objects.exists()


def test_it_refuses_https_less_providers_unless_allowed(login, owner, team, provider, settings):
    settings.SSO_ALLOW_HTTP = False
    response = login(owner).post(SETTINGS_URL, _form(provider, team))
    assert response.status_code == 422
    assert "https" in " ".join(response.context["form"].errors["issuer"])


def test_it_refuses_a_domain_another_organization_uses(login, owner, team, provider, acme):
    other = TeamFactory()
    someone = UserFactory()
    MembershipFactory(user=someone, team=other, role=Role.OWNER)
    response = login(someone).post(SETTINGS_URL, _form(provider, other, email_domains="acme.test"))
    assert response.status_code == 422
    assert "Another organization" in " ".join(response.context["form"].errors["email_domains"])


def test_it_refuses_a_team_of_another_organization(login, owner, team, other_team, provider):
    response = login(owner).post(SETTINGS_URL, _form(provider, team, jit_team=str(other_team.pk)))
    assert response.status_code == 422
    assert "jit_team" in response.context["form"].errors


def test_it_needs_sign_in(client):
    response = client.get(SETTINGS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("persona", ["admin_user", "recruiter", "hiring_manager"])
def test_only_owners_open_the_settings(login, request, persona, team, provider):
    client = login(request.getfixturevalue(persona))
    assert client.get(SETTINGS_URL).status_code == 403
    assert client.post(SETTINGS_URL, _form(provider, team)).status_code == 403
    assert not OrganizationSSO.objects.exists()


def test_another_organizations_owner_never_sees_this_config(login, acme, outsider):
    page = login(outsider).get(SETTINGS_URL).content.decode()
    assert acme.issuer not in page
    assert acme.client_id not in page
    assert "acme.test" not in page
