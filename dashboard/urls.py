from django.contrib import admin
from django.urls import include, path

from dashboard import api_keys, audit_views, branding_views, health_views, models_views, views

dashboard_patterns = [
    path("", views.home, name="home"),
    path("welcome/", views.welcome, name="welcome"),
    path("teams/switch/", views.team_switch, name="team_switch"),
    path("settings/teams/", views.teams, name="teams"),
    path("settings/teams/<uuid:pk>/", views.team_edit, name="team_edit"),
    path("settings/members/", views.members, name="members"),
    path("settings/members/invite/", views.member_invite, name="member_invite"),
    path("settings/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("settings/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path(
        "settings/invitations/<uuid:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"
    ),
    path("settings/audit/", audit_views.audit_log, name="audit"),
    path("settings/models/", models_views.ai_models, name="ai_models"),
    path("settings/api-keys/", api_keys.api_keys, name="api_keys"),
    path(
        "settings/api-keys/<uuid:pk>/revoke/", api_keys.api_key_revoke_view, name="api_key_revoke"
    ),
    path("health/", health_views.health, name="health"),
    path("brand/<uuid:pk>/brand.css", branding_views.brand_css, name="brand_css"),
    path("brand/<uuid:pk>/logo", branding_views.brand_logo, name="brand_logo"),
]

urlpatterns = [
    path("", include((dashboard_patterns, "dashboard"))),
    path("accounts/", include("accounts.urls")),
    path("", include("interviews.urls")),
    path("", include("candidates.urls")),
    path("uploads/", include("uploads.urls")),
    path("settings/webhooks/", include("webhooks.urls")),
    path("", include("integrations.urls")),
    path("qsi/gather/", include("api.urls")),
    path("admin/", admin.site.urls),
]
