"""Shared fixtures: personas, one per role, in one team; an outsider in another team."""

import os

import pytest

from accounts.models import Role
from tests.factories import PASSWORD, MembershipFactory, TeamFactory

# The local OpenAI-compatible server (fixture ``openai_server``) for any test that needs one.
pytest_plugins = ["tests.speech.openai_server"]

# Playwright drives the browser from an event loop in the test thread; Django's ORM calls in
# the same thread are safe there (pytest-playwright's documented setting).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_and_eager(settings):
    """Fast hashing and Celery tasks run in the test's own process.

    Tests marked ``worker`` start a real worker process instead.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Static files come from the finders, not a collected manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Tests speak plain HTTP to the live server, like a local run.
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    from dashboard.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    # Sign-in throttling counts in the cache, which outlives a test: start each one clean.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def team(db):
    return TeamFactory(name="Acme Recruiting", slug="acme-recruiting")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Globex Hiring", slug="globex-hiring")


def _member(team, role):
    return MembershipFactory(team=team, role=role, user__email=f"{role}@{team.slug}.test").user


@pytest.fixture
def owner(team):
    return _member(team, Role.OWNER)


@pytest.fixture
def admin_user(team):
    return _member(team, Role.ADMIN)


@pytest.fixture
def recruiter(team):
    return _member(team, Role.RECRUITER)


@pytest.fixture
def hiring_manager(team):
    return _member(team, Role.HIRING_MANAGER)


@pytest.fixture
def outsider(other_team):
    """An owner of another team: full rights there, none here."""
    return _member(other_team, Role.OWNER)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist, tests that start a real Celery worker share one Redis broker: keep
    them on one xdist worker, one after another (``--dist loadgroup``)."""
    for item in items:
        if item.get_closest_marker("worker"):
            item.add_marker(pytest.mark.xdist_group("celery-worker"))
