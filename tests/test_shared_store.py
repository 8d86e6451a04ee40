"""The default cache is one store for every process: throttles and rate limits count once.

Two gunicorn workers with the old per-process local-memory cache gave one email eight password
tries instead of five; here real separate processes share the counts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEvent
from dashboard.cache import SQLiteCache

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path):
    return SQLiteCache(str(tmp_path / "cache.sqlite3"), {})


def test_it_is_the_default_cache():
    if settings.CACHE_URL:
        pytest.skip("this run uses Redis (CACHE_URL)")
    assert isinstance(caches["default"], SQLiteCache)


def test_it_keeps_values_until_they_expire(store):
    store.set("n", 3)
    store.set("obj", {"a": [1, 2]}, timeout=60)
    store.set("gone", "x", timeout=0)
    assert (store.get("n"), store.get("obj"), store.get("gone", "missing")) == (
        3,
        {"a": [1, 2]},
        "missing",
    )
    assert store.get_many(["n", "obj", "nope"]) == {"n": 3, "obj": {"a": [1, 2]}}
    assert store.delete("n")
    assert not store.has_key("n")
    store.clear()
    assert store.get("obj") is None


def test_it_adds_only_what_is_absent_or_expired(store):
    assert store.add("k", 1)
    assert not store.add("k", 2)
    assert store.get("k") == 1
    store.set("old", 1, timeout=0)
    assert store.add("old", 5)
    assert store.get("old") == 5


def test_it_increments_integers_and_refuses_missing_keys(store):
    store.add("c", 0, timeout=60)
    assert [store.incr("c") for _ in range(3)] == [1, 2, 3]
    assert store.decr("c", 2) == 1
    with pytest.raises(ValueError, match="not found"):
        store.incr("missing")
    store.set("expired", 1, timeout=0)
    with pytest.raises(ValueError, match="not found"):
        store.incr("expired")


def test_it_touches_a_live_key(store):
    store.set("t", "v", timeout=1)
    assert store.touch("t", timeout=60)
    assert not store.touch("absent")


def _run(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_it_counts_every_increment_from_processes_racing(tmp_path):
    """``incr`` is one atomic statement: no count is lost between processes."""
    path = tmp_path / "race.sqlite3"
    script = f"""
        import sys
        from django.conf import settings
        settings.configure()
        from dashboard.cache import SQLiteCache
        store = SQLiteCache({str(path)!r}, {{}})
        store.add("hits", 0, timeout=600)
        for _ in range(300):
            store.incr("hits")
    """
    procs = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT)
        for _ in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0] * 4
    assert SQLiteCache(str(path), {}).get("hits") == 1200


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


_WEB_WORKER = """
    import django
    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment
    setup_test_environment()
    client = Client(REMOTE_ADDR="{ip}")
    for _ in range({tries}):
        response = client.post("{url}", {{"username": "{email}", "password": "wrong"}})
        print(response.status_code)
"""


@pytest.mark.django_db(transaction=True)
def test_it_gives_an_email_exactly_the_limit_of_tries_across_two_processes():
    """Two web processes (as two gunicorn workers), one after the other, on one email."""
    limit = settings.LOGIN_THROTTLE_EMAIL_LIMIT
    env = {
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DATABASE_URL": _database_url(),
        "DEBUG": "true",
        "SECURE_HTTPS": "false",
        "LOGIN_THROTTLE_EMAIL_LIMIT": str(limit),
    }
    statuses = []
    for ip in ("203.0.113.1", "203.0.113.2"):
        script = _WEB_WORKER.format(
            ip=ip, tries=limit - 1, url=reverse("accounts:login"), email="victim@example.test"
        )
        result = _run(script, **env)
        assert result.returncode == 0, result.stderr[-3000:]
        statuses.append([int(line) for line in result.stdout.split()])
    # The second process knew of the first one's failures: one more try, then the lock.
    assert statuses == [[200] * (limit - 1), [429] * (limit - 1)]
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == limit


def _settings_value(expression: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _run(
        f"from django.conf import settings; print({expression})",
        DJANGO_SETTINGS_MODULE="dashboard.settings",
        DEBUG="true",
        **env,
    )


def test_it_reads_the_api_rate_limit_and_trusted_proxies_from_the_environment():
    result = _settings_value(
        "settings.API_RATE_LIMIT, settings.API_RATE_WINDOW, settings.TRUSTED_PROXIES",
        API_RATE_LIMIT="7",
        API_RATE_WINDOW="30",
        TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8",
    )
    assert result.stdout.strip() == "7 30 ['127.0.0.1', '10.0.0.0/8']", result.stderr[-2000:]


def test_it_refuses_a_trusted_proxy_that_is_not_an_address():
    result = _settings_value("settings.TRUSTED_PROXIES", TRUSTED_PROXIES="proxy.internal")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.internal' is not an IP address" in result.stderr


def test_it_shares_the_cache_file_with_processes_it_starts(tmp_path):
    """The web and the Celery worker of one machine read the same store (a heartbeat, say)."""
    if settings.CACHE_URL:
        pytest.skip("this run uses Redis (CACHE_URL)")
    cache.set("heartbeat", time.time(), timeout=60)
    result = _run(
        "import django; django.setup(); from django.core.cache import cache; "
        "print(cache.get('heartbeat') is not None)",
        DJANGO_SETTINGS_MODULE="dashboard.settings",
        DEBUG="true",
    )
    assert result.stdout.strip() == "True", result.stderr[-2000:]
