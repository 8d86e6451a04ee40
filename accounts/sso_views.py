"""Single sign-on pages: start a sign-in from a work email, the provider's callback, and the
owner's settings page. mozilla-django-oidc's views do the protocol; these give them the
organization's provider (see accounts.sso)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts import sso, twofactor
from accounts.access import deny
from accounts.audit import client_ip
from accounts.http import AuthedRequest
from accounts.models_sso import OrganizationSSO
from accounts.sso_forms import OrganizationSSOForm, SSOStartForm
from kit.pages import apply_errors


@method_decorator([csrf_protect, never_cache], name="dispatch")
class SSOStartView(OIDCAuthenticationRequestView):
    """GET: the work email page. POST: on to that email's provider, with state, nonce and
    PKCE (the library's request view, given the organization's provider)."""

    http_method_names = ["get", "post", "head"]

    def __init__(self, **kwargs: Any) -> None:
        # The library reads the provider from settings here; ours is chosen by the email.
        self.sso: OrganizationSSO | None = None
        self.email = ""

    def get_settings(self, attr: str, *args: Any) -> Any:
        return sso.oidc_setting(self.sso, attr, *args)

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        return {"login_hint": self.email}

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        return self._page(request, SSOStartForm(), next_url, status=200)

    @staticmethod
    def _page(request: HttpRequest, form: SSOStartForm, next_url: str, status: int) -> HttpResponse:
        context = {"form": form, "next": next_url}
        return render(request, "accounts/sso_start.html", context, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SSOStartForm(request.POST)
        next_url = request.POST.get(REDIRECT_FIELD_NAME, "")
        if not form.is_valid():
            return self._page(request, form, next_url, status=400)
        self.sso = sso.sso_for_email(email=form.cleaned_data["email"])
        if self.sso is None:
            form.add_error("email", "Single sign-on is not set up for that email's domain.")
            return self._page(request, form, next_url, status=400)
        self.email = form.cleaned_data["email"]
        self.OIDC_OP_AUTH_ENDPOINT = self.sso.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = self.sso.client_id
        authorize_url = super().get(request)["Location"]
        request.session[sso.SESSION_ORGANIZATION] = str(self.sso.organization_id)
        request.session["oidc_login_next"] = (
            next_url
            if next_url
            and url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            else None
        )
        # Not a redirect: the site's CSP (form-action 'self') forbids a form's submission to
        # end at another origin. A new navigation (the Refresh header, or the link) may.
        response = render(
            request,
            "accounts/sso_continue.html",
            {"authorize_url": authorize_url, "provider": urlsplit(authorize_url).netloc},
        )
        response["Refresh"] = f"0;url={authorize_url}"
        return response


@method_decorator(never_cache, name="dispatch")
class SSOCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here; the backend checks everything and signs in."""

    def get_settings(self, attr: str, *args: Any) -> Any:
        if attr == "LOGIN_REDIRECT_URL_FAILURE":
            return reverse("accounts:login")
        return sso.oidc_setting(None, attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state")
        if state is not None and state not in request.session.get("oidc_states", {}):
            # The library would answer 400 (SuspiciousOperation); a person deserves a way back.
            request.sso_error = "That sign-in link is stale or was not started here. Start again."  # type: ignore[attr-defined]
            return self.login_failure()
        return super().get(request)

    def login_failure(self) -> HttpResponse:
        request = self.request
        request.session.pop(sso.SESSION_ORGANIZATION, None)
        if request.GET.get("error"):
            message = "Your identity provider did not sign you in."
        else:
            message = getattr(request, "sso_error", "") or "Single sign-on did not complete."
        messages.error(request, message)
        return HttpResponseRedirect(self.failure_url)

    def login_success(self) -> HttpResponse:
        request = self.request
        response: HttpResponse = super().login_success()
        # The provider is responsible for the second factor (docs/sso.md): the app's own
        # two-factor step and set-up requirement do not apply to this session.
        request.session[twofactor.SESSION_VERIFIED] = True
        request.session.pop(sso.SESSION_ORGANIZATION, None)
        team = getattr(request, "sso_team", None)
        if team is not None:
            request.session["team_id"] = str(team.pk)
        return response

    @property
    def success_url(self) -> str:
        next_url = self.request.session.get("oidc_login_next")
        return str(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


sso_start = SSOStartView.as_view()
sso_callback = SSOCallbackView.as_view()


def _initial(config: OrganizationSSO | None) -> dict[str, Any]:
    if config is None:
        return {"jit_role": "hiring_manager"}
    return {
        "enabled": config.enabled,
        "issuer": config.issuer,
        "client_id": config.client_id,
        "email_domains": ", ".join(d.domain for d in config.domains.all()),
        "jit_team": config.jit_team_id,
        "jit_role": config.jit_role,
        "password_login_disabled": config.password_login_disabled,
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def sso_settings(request: AuthedRequest) -> HttpResponse:
    """The organization's identity provider. Owners only (like the two-factor policy)."""
    membership = request.membership
    if membership is None or not membership.can_manage_owners:
        raise deny(request, "Only owners can change the organization's single sign-on.")
    organization = membership.team.organization
    config = sso.sso_for_organization(organization_id=organization.pk)
    form = OrganizationSSOForm(
        request.POST or None, initial=_initial(config), organization=organization
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sso.organization_sso_save(
                organization=organization,
                enabled=data["enabled"],
                issuer=data["issuer"],
                client_id=data["client_id"],
                client_secret=data["client_secret"],
                email_domains=data["email_domains"],
                jit_team=data["jit_team"],
                jit_role=data["jit_role"],
                password_login_disabled=data["password_login_disabled"],
                by=request.user,
                team=membership.team,
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Single sign-on settings saved.")
            return redirect("accounts:sso_settings")
    context = {
        "form": form,
        "config": config,
        "organization": organization,
        "callback_url": request.build_absolute_uri(reverse("accounts:sso_callback")),
        "has_secret": bool(config and config.client_secret_sealed),
        "page_title": "Single sign-on",
        "section": "sso",
    }
    return render(
        request, "accounts/sso_settings.html", context, status=422 if form.errors else 200
    )
