from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import (
    ApiKey,
    AuditEvent,
    Membership,
    Organization,
    OrganizationSSO,
    RecoveryCode,
    SSODomain,
    Team,
    TeamInvitation,
    TOTPDevice,
    TwoFactorPolicy,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "last_team")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    raw_id_fields = ["last_team"]


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organization", "created_at"]
    list_select_related = ["organization"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "team"]
    raw_id_fields = ["user", "team"]


@admin.register(TeamInvitation)
class TeamInvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "team",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_select_related = ["team"]
    exclude = ["token_hash"]
    raw_id_fields = ["team", "invited_by", "accepted_by"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "organization",
        "team",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_select_related = ["organization", "team"]
    exclude = ["secret_hash"]
    raw_id_fields = ["organization", "team", "default_team", "created_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit events are append-only."""

    list_display = [
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_repr",
        "team",
        "ip_address",
    ]
    list_filter = ["action"]
    list_select_related = ["team"]
    search_fields = ["actor_label", "object_repr", "action"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """Deleting a device turns two-factor off for someone who lost their phone and codes."""

    list_display = ["user", "confirmed_at", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    exclude = ["secret_encrypted"]
    readonly_fields = ["user", "confirmed_at", "last_used_step"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RecoveryCode)
class RecoveryCodeAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "used_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    exclude = ["code_hash"]
    readonly_fields = ["user", "used_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TwoFactorPolicy)
class TwoFactorPolicyAdmin(admin.ModelAdmin):
    list_display = ["organization", "require_for_admins", "updated_at", "updated_by"]
    list_select_related = ["organization", "updated_by"]
    raw_id_fields = ["organization", "updated_by"]


class SSODomainInline(admin.TabularInline):
    model = SSODomain
    extra = 0


@admin.register(OrganizationSSO)
class OrganizationSSOAdmin(admin.ModelAdmin):
    """Operators can see and turn off an organization's provider; the sealed secret and the
    endpoints read from discovery are not edited here (the owner's settings page does that)."""

    list_display = ["organization", "enabled", "issuer", "password_login_disabled", "updated_at"]
    list_select_related = ["organization"]
    list_filter = ["enabled", "password_login_disabled"]
    raw_id_fields = ["organization", "jit_team", "updated_by"]
    readonly_fields = [
        "client_secret_sealed",
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
    ]
    inlines = [SSODomainInline]


@admin.register(SSODomain)
class SSODomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "sso"]
    list_select_related = ["sso__organization"]
    search_fields = ["domain"]
