"""Sign-in, sign-out, passwords, and accepting a team invitation."""

from typing import cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from accounts.audit import client_ip
from accounts.forms import AcceptInvitationForm, EmailAuthenticationForm, QueuedPasswordResetForm
from accounts.services import team_invitation_accept, team_invitation_by_token

login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=EmailAuthenticationForm,
    redirect_authenticated_user=True,
)
logout_view = auth_views.LogoutView.as_view()
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("accounts:password_change_done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)
password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    form_class=QueuedPasswordResetForm,
    email_template_name="emails/password_reset.txt",
    subject_template_name="emails/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
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
    from accounts.models import User

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
