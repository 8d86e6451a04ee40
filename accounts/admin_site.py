"""The Django admin's site, signing in through the app's own sign-in view.

Django's admin has its own password form, which knows nothing of the sign-in throttle or of
two-factor authentication. Here it only redirects to ``accounts:login`` (with ``next``), so
there is one way in for everyone; ``TwoFactorEnforcementMiddleware`` then refuses any session
of a user with a device that the device has not verified, whichever way it was made.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class PanelistAdminSite(admin.AdminSite):
    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        index = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(index)
            # Signed in but not staff: sending them to sign in again would loop.
            raise PermissionDenied
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or index
        return redirect(f"{reverse('accounts:login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


class PanelistAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``PanelistAdminSite`` as ``admin.site`` (INSTALLED_APPS)."""

    default_site = "accounts.admin_site.PanelistAdminSite"
