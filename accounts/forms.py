from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from accounts.models import Role


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": "That email and password do not match an account. Both are case-sensitive "
        "apart from the email.",
        "inactive": "This account is disabled. Ask your team admin.",
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        from accounts.sso import password_login_refusal

        refusal = password_login_refusal(user)
        if refusal:
            raise forms.ValidationError(refusal, code="sso_required")


class QueuedPasswordResetForm(PasswordResetForm):
    """Sends the reset email through the Celery worker, not inside the request."""

    def get_users(self, email: str) -> Any:
        from accounts.sso import password_login_refusal

        # No reset email to someone who may not sign in with a password (docs/sso.md).
        return (u for u in super().get_users(email) if not password_login_refusal(u))

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from django.template import loader

        from accounts.tasks import send_email

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html = (
            loader.render_to_string(html_email_template_name, context)
            if html_email_template_name
            else ""
        )
        send_email.delay(subject, body, [to_email], html)


class TeamForm(forms.Form):
    name = forms.CharField(max_length=150, label="Team name")


class InviteMemberForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.RECRUITER)


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    password1 = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            from accounts.models import User

            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=data.get("full_name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class TwoFactorCodeForm(forms.Form):
    """The second sign-in step, and the confirmation of a new authenticator."""

    code = forms.CharField(
        label="Authentication code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class TwoFactorProofForm(forms.Form):
    """Proof that it is really the user, before two-factor settings change."""

    proof = forms.CharField(
        label="Your password or a current code",
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TwoFactorPolicyForm(forms.Form):
    require_for_admins = forms.BooleanField(
        required=False,
        label="Require two-factor authentication of every owner and admin in this organization",
    )


class TwoFactorSetupForm(forms.Form):
    """The first code from a newly added authenticator."""

    code = forms.CharField(
        label="Authentication code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows for Panelist now.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
