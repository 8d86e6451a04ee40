"""Sign-in (password, then a two-factor code where it is on), sign-out, passwords, two-factor
settings, and accepting a team invitation."""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login, user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import throttle, twofactor
from accounts.audit import audit_record, client_ip
from accounts.forms import (
    AcceptInvitationForm,
    EmailAuthenticationForm,
    QueuedPasswordResetForm,
    TwoFactorCodeForm,
    TwoFactorPolicyForm,
    TwoFactorProofForm,
    TwoFactorSetupForm,
)
from accounts.http import AuthedRequest
from accounts.models import User
from accounts.services import (
    team_invitation_accept,
    team_invitation_by_token,
    user_review_emails_set,
)
from kit.pages import apply_errors

LOCKED_MESSAGE = (
    "Too many failed sign-in attempts. Sign-in is paused for {minutes} minutes; "
    "try again later or reset your password."
)


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _locked_response(
    request: HttpRequest, template: str, context: dict[str, Any], lock: throttle.Lock
) -> HttpResponse:
    minutes = max(1, -(-lock.retry_after // 60))
    response = render(
        request,
        template,
        {**context, "locked_message": LOCKED_MESSAGE.format(minutes=minutes)},
        status=429,
    )
    response["Retry-After"] = str(lock.retry_after)
    return response


def _audit_lock(request: HttpRequest, *, email: str, lock: throttle.Lock) -> None:
    user = User.objects.filter(email__iexact=email).first() if email else None
    audit_record(
        action="auth.login_locked",
        actor_label=email[:254],
        team=twofactor._team_of(user) if user else None,
        obj=user,
        ip=client_ip(request),
        data={"email": email[:254], "by": lock.scope, "seconds": lock.retry_after},
    )


def _failed(request: HttpRequest, *, email: str) -> throttle.Lock | None:
    """Count a failed password or code; audit the lock it starts, if it starts one."""
    lock = throttle.login_failed(email=email, ip=client_ip(request))
    if lock is not None:
        _audit_lock(request, email=email, lock=lock)
    return lock


@sensitive_post_parameters()
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """The password step. With two-factor on, it only starts a pending sign-in."""
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if request.user.is_authenticated:
        return redirect(_safe_next(request, next_url))
    form = EmailAuthenticationForm(request, data=request.POST or None)
    context: dict[str, Any] = {"form": form, "next": next_url}
    if request.method == "POST":
        email = throttle.normalise_email(request.POST.get("username", ""))
        lock = throttle.login_locked(email=email, ip=client_ip(request))
        if lock is not None:
            # Refused before the password is checked: a lock cannot be used to guess it.
            return _locked_response(
                request, "accounts/login.html", {**context, "form": EmailAuthenticationForm()}, lock
            )
        if form.is_valid():
            user = cast("User", form.get_user())
            twofactor.pending_login_clear(request)
            if twofactor.totp_device_for(user=user) is not None:
                # The failures are forgotten only after the code too: otherwise typing the
                # password again between guesses would reset the count of wrong codes.
                twofactor.pending_login_start(request, user=user, next_url=next_url)
                return redirect("accounts:login_verify")
            throttle.login_succeeded(email=email)
            login(request, user)
            return redirect(_safe_next(request, next_url))
        if email and form.errors.get("__all__"):
            lock = _failed(request, email=email)
            if lock is not None:
                return _locked_response(request, "accounts/login.html", context, lock)
    return render(request, "accounts/login.html", context)


@sensitive_post_parameters()
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator app, or a recovery code."""
    pending = twofactor.pending_login(request)
    if pending is None:
        messages.info(request, "Sign in again: the sign-in waited too long for a code.")
        return redirect("accounts:login")
    user, backend, next_url = pending
    form = TwoFactorCodeForm(request.POST or None)
    context = {"form": form}
    ip = client_ip(request)
    if request.method == "POST":
        lock = throttle.login_locked(email=user.email, ip=ip)
        if lock is not None:
            twofactor.pending_login_clear(request)
            return _locked_response(request, "accounts/login_verify.html", context, lock)
        if form.is_valid():
            method = twofactor.two_factor_verify(user=user, code=form.cleaned_data["code"], ip=ip)
            if method is not None:
                twofactor.pending_login_clear(request)
                throttle.login_succeeded(email=user.email)
                login(request, user, backend=backend)
                request.session[twofactor.SESSION_VERIFIED] = True
                if method == "recovery":
                    left = twofactor.recovery_codes_left(user=user)
                    messages.warning(
                        request,
                        f"You signed in with a recovery code; {left} left. "
                        "Make new ones in Two-factor authentication if you are running out.",
                    )
                return redirect(_safe_next(request, next_url))
            form.add_error("code", "That code is not valid, or it was already used.")
            user_login_failed.send(
                sender=__name__, credentials={"username": user.email}, request=request
            )
            lock = _failed(request, email=user.email)
            if lock is not None:
                twofactor.pending_login_clear(request)
                return _locked_response(request, "accounts/login_verify.html", context, lock)
    return render(request, "accounts/login_verify.html", context)


def _two_factor_context(request: AuthedRequest, **extra: Any) -> dict[str, Any]:
    user = request.user
    device = twofactor.totp_device_for(user=user)
    membership = request.membership
    context: dict[str, Any] = {
        "device": device,
        "required": twofactor.two_factor_required_for(membership),
        "codes_left": twofactor.recovery_codes_left(user=user) if device else 0,
        "codes_form": TwoFactorProofForm(prefix="codes"),
        "disable_form": TwoFactorProofForm(prefix="disable"),
        "is_owner": bool(membership and membership.can_manage_owners),
    }
    if device is None:
        secret = request.session.get(twofactor.SESSION_SETUP_SECRET)
        if not secret:
            # Kept in the session until confirmed, so a reload shows the same QR code.
            secret = twofactor.secret_new()
            request.session[twofactor.SESSION_SETUP_SECRET] = secret
        uri = twofactor.otpauth_uri(secret=secret, account=user.email)
        context |= {
            "secret": twofactor.format_secret(secret),
            "otpauth_uri": uri,
            "qr": twofactor.qr_svg(uri),
            "code_form": TwoFactorSetupForm(),
        }
    if context["is_owner"] and membership is not None:
        organization = membership.team.organization
        context |= {
            "organization": organization,
            "policy_form": TwoFactorPolicyForm(
                initial={
                    "require_for_admins": twofactor.organization_requires_two_factor(
                        organization_id=organization.pk
                    )
                }
            ),
        }
    return context | extra


@login_required
@never_cache
@require_http_methods(["GET"])
def two_factor(request: AuthedRequest) -> HttpResponse:
    """Two-factor authentication: set it up, see what is left, turn it off."""
    return render(request, "accounts/two_factor.html", _two_factor_context(request))


@login_required
@sensitive_post_parameters()
@never_cache
@require_POST
def two_factor_confirm(request: AuthedRequest) -> HttpResponse:
    secret = request.session.get(twofactor.SESSION_SETUP_SECRET, "")
    form = TwoFactorSetupForm(request.POST)
    if secret and form.is_valid():
        try:
            codes = twofactor.totp_device_confirm(
                user=request.user,
                secret=secret,
                code=form.cleaned_data["code"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session.pop(twofactor.SESSION_SETUP_SECRET, None)
            request.session[twofactor.SESSION_VERIFIED] = True
            messages.success(request, "Two-factor authentication is on.")
            return render(request, "accounts/two_factor_codes.html", {"codes": codes})
    elif not secret:
        return redirect("accounts:two_factor")
    return render(
        request,
        "accounts/two_factor.html",
        _two_factor_context(request, code_form=form),
        status=400,
    )


def _proof_view(request: AuthedRequest, action: str) -> HttpResponse:
    """Turn off (``action="disable"``) or renew recovery codes (``"codes"``) once proven."""
    form = TwoFactorProofForm(request.POST, prefix=action)
    ip = client_ip(request)
    if form.is_valid():
        lock = throttle.login_locked(email=request.user.email, ip=ip)
        if lock is not None:
            form.add_error("proof", "Too many wrong attempts. Try again later.")
        else:
            try:
                if action == "disable":
                    twofactor.totp_device_disable(
                        user=request.user, proof=form.cleaned_data["proof"], ip=ip
                    )
                    request.session.pop(twofactor.SESSION_VERIFIED, None)
                    messages.success(request, "Two-factor authentication is off.")
                    return redirect("accounts:two_factor")
                codes = twofactor.recovery_codes_regenerate(
                    user=request.user, proof=form.cleaned_data["proof"], ip=ip
                )
                return render(
                    request, "accounts/two_factor_codes.html", {"codes": codes, "renewed": True}
                )
            except ValidationError as exc:
                apply_errors(form, exc)
                if any(e.code == "wrong_proof" for e in exc.error_dict.get("proof", [])):
                    _failed(request, email=request.user.email)
    context = _two_factor_context(request, **{f"{action}_form": form})
    return render(request, "accounts/two_factor.html", context, status=400)


@login_required
@sensitive_post_parameters()
@require_POST
def two_factor_disable(request: AuthedRequest) -> HttpResponse:
    return _proof_view(request, "disable")


@login_required
@sensitive_post_parameters()
@require_POST
def two_factor_recovery_codes(request: AuthedRequest) -> HttpResponse:
    return _proof_view(request, "codes")


@login_required
@require_POST
def two_factor_policy(request: AuthedRequest) -> HttpResponse:
    """An owner requires (or stops requiring) two-factor of the organization's admins."""
    membership = request.membership
    if membership is None or not membership.can_manage_owners:
        from accounts.access import deny

        raise deny(request, "Only owners can change the organization's two-factor policy.")
    form = TwoFactorPolicyForm(request.POST)
    if form.is_valid():
        required = form.cleaned_data["require_for_admins"]
        try:
            twofactor.two_factor_policy_set(
                organization=membership.team.organization,
                require_for_admins=required,
                by=request.user,
                team=membership.team,
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                "Owners and admins must now use two-factor authentication."
                if required
                else "Two-factor authentication is now optional for owners and admins.",
            )
            return redirect("accounts:two_factor")
    context = _two_factor_context(request, policy_form=form)
    return render(request, "accounts/two_factor.html", context, status=400)


class ReviewEmailsForm(forms.Form):
    review_emails = forms.ChoiceField(
        choices=User.ReviewEmails.choices,
        widget=forms.RadioSelect,
        label="When a candidate completes an interview you review",
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: AuthedRequest) -> HttpResponse:
    """The signed-in person's email choices (for now: completed candidates to review)."""
    user = request.user
    form = ReviewEmailsForm(request.POST or None, initial={"review_emails": user.review_emails})
    if request.method == "POST" and form.is_valid():
        try:
            user_review_emails_set(user=user, choice=form.cleaned_data["review_emails"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Your email choices are saved.")
            return redirect("accounts:notifications")
    return render(
        request,
        "accounts/notifications.html",
        {"form": form, "page_title": "Email notifications"},
        status=422 if form.errors else 200,
    )


logout_view = auth_views.LogoutView.as_view()
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("accounts:password_change_done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)
_password_reset_view = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    form_class=QueuedPasswordResetForm,
    email_template_name="emails/password_reset.txt",
    subject_template_name="emails/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Django's reset form, with a per-IP limit on requests (they send email)."""
    if request.method == "POST":
        wait = throttle.password_reset_allowed(ip=client_ip(request))
        if wait:
            minutes = max(1, -(-wait // 60))
            response = render(
                request,
                "accounts/password_reset.html",
                {
                    "form": QueuedPasswordResetForm(),
                    "locked_message": "Too many reset requests from your network. "
                    f"Try again in {minutes} minutes.",
                },
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
    return cast("HttpResponse", _password_reset_view(request))


password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Join a team from an emailed link: sign in (existing account) or set a password (new)."""
    invitation = team_invitation_by_token(token=token)
    if invitation is None:
        return render(
            request, "accounts/invitation_invalid.html", {"reason": "unknown"}, status=404
        )
    if not invitation.is_pending:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"reason": invitation.state, "invitation": invitation},
            status=410,
        )
    existing = User.objects.filter(email__iexact=invitation.email).exists()
    user = cast("User", request.user) if request.user.is_authenticated else None
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    error = ""
    if request.method == "POST":
        try:
            if user is not None:
                membership = team_invitation_accept(
                    invitation=invitation,
                    user=user,
                    ip=client_ip(request),
                )
            elif form.is_valid():
                membership = team_invitation_accept(
                    invitation=invitation,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                    ip=client_ip(request),
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                membership = None
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                error = " ".join(exc.messages)
            membership = None
        if membership is not None:
            request.session["team_id"] = str(membership.team_id)
            messages.success(request, f"Welcome to {membership.team.name}.")
            return redirect("dashboard:home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "existing": existing,
            "user_obj": user,
            "error": error,
        },
    )
