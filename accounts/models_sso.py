"""Single sign-on over OpenID Connect, one identity provider per organization (docs/sso.md).

The client secret is kept sealed (``kit.sealing``); the provider's endpoints are read from its
discovery document each time the settings are saved, so a sign-in needs no extra round trip."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.ids import uuid7


class OrganizationSSO(models.Model):
    """An organization's identity provider and what a sign-in through it may do."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="sso"
    )
    enabled = models.BooleanField(default=False)
    issuer = models.URLField(
        max_length=500, help_text="The provider's issuer URL (its discovery document sits below)."
    )
    client_id = models.CharField(max_length=255)
    client_secret_sealed = models.CharField(
        max_length=1000, blank=True, help_text="Encrypted with a key derived from SECRET_KEY."
    )
    authorization_endpoint = models.URLField(max_length=500, blank=True)
    token_endpoint = models.URLField(max_length=500, blank=True)
    userinfo_endpoint = models.URLField(max_length=500, blank=True)
    jwks_uri = models.URLField(max_length=500, blank=True)
    jit_team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="People new to the organization join this team; empty: no one joins by SSO.",
    )
    jit_role = models.CharField(
        max_length=20,
        choices=[
            ("admin", "Admin"),
            ("recruiter", "Recruiter"),
            ("hiring_manager", "Hiring manager"),
        ],
        default="hiring_manager",
    )
    password_login_disabled = models.BooleanField(
        default=False,
        help_text="Members of this organization only (owners excepted) must sign in by SSO.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "organization SSO"
        verbose_name_plural = "organization SSO settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(jit_role__in=["admin", "recruiter", "hiring_manager"]),
                name="organizationsso_jit_role_not_owner",
            )
        ]

    def __str__(self) -> str:
        return f"SSO of {self.organization}"


class SSODomain(models.Model):
    """An email domain whose people sign in through one organization's provider. A domain
    routes to one organization only (the unique constraint)."""

    id = models.BigAutoField(primary_key=True)
    sso = models.ForeignKey(OrganizationSSO, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253)

    class Meta:
        ordering = ["domain"]
        verbose_name = "SSO domain"
        constraints = [models.UniqueConstraint(fields=["domain"], name="ssodomain_unique_domain")]

    def __str__(self) -> str:
        return self.domain
