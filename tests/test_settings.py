import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dashboard.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[1]


def _settings_in_subprocess(**env: str) -> subprocess.CompletedProcess[str]:
    # The test command's own switches (ALLOW_CONSOLE_DELIVERY among them) are not inherited.
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "DATABASE_URL",
            "ALLOW_CONSOLE_DELIVERY",
            "EMAIL_BACKEND",
            "SMS_PROVIDER",
        }
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; db = settings.DATABASES['default']; "
            "print(db['ENGINE'], db['CONN_MAX_AGE'])",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "dashboard.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _settings_in_subprocess(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_it_reads_postgres_from_database_url_with_persistent_connections():
    result = _settings_in_subprocess(
        DEBUG="false",
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://u@db:5432/panelist",
        ALLOW_CONSOLE_DELIVERY="true",
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "600"]


def test_it_defaults_to_sqlite_in_the_data_folder(tmp_path):
    result = _settings_in_subprocess(DEBUG="true", PANELIST_DATA_DIR=str(tmp_path))
    assert result.stdout.split() == ["django.db.backends.sqlite3", "0"]


def test_it_reads_a_secret_from_a_file(tmp_path, monkeypatch):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("PANELIST_T_FILE", str(secret))
    monkeypatch.setenv("PANELIST_T", "from-the-environment")
    assert env_str("PANELIST_T", "") == "from-a-file"


def test_it_names_the_variable_when_a_value_is_malformed(monkeypatch):
    monkeypatch.setenv("PANELIST_T", "maybe")
    with pytest.raises(ImproperlyConfigured, match="PANELIST_T must be true or false"):
        env_bool("PANELIST_T", False)
    monkeypatch.setenv("PANELIST_T", "ten")
    with pytest.raises(ImproperlyConfigured, match="PANELIST_T must be a whole number"):
        env_int("PANELIST_T", 1)


def test_it_splits_lists(monkeypatch):
    monkeypatch.setenv("PANELIST_T", "a.example, b.example,,")
    assert env_list("PANELIST_T", []) == ["a.example", "b.example"]


SMTP = {
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.com",
}


def test_a_production_start_refuses_console_email():
    result = _settings_in_subprocess(DEBUG="false", SECRET_KEY="x" * 50, SMS_PROVIDER="none")
    assert result.returncode != 0
    assert "EMAIL_BACKEND is django.core.mail.backends.console.EmailBackend" in result.stderr
    assert "set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend" in result.stderr
    assert "ALLOW_CONSOLE_DELIVERY=true" in result.stderr


def test_a_production_start_refuses_console_sms():
    result = _settings_in_subprocess(DEBUG="false", SECRET_KEY="x" * 50, **SMTP)
    assert result.returncode != 0
    assert "SMS_PROVIDER is console" in result.stderr
    assert "SMS_PROVIDER=twilio" in result.stderr
    assert "SMS_PROVIDER=none" in result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"DEBUG": "false", "ALLOW_CONSOLE_DELIVERY": "true"},  # ./panelist up, the tests
        {"DEBUG": "false", "SMS_PROVIDER": "none", **SMTP},
        {"DEBUG": "true"},
    ],
)
def test_console_delivery_starts_when_allowed_or_not_used(env):
    result = _settings_in_subprocess(SECRET_KEY="x" * 50, **env)
    assert result.returncode == 0, result.stderr


def _readme_deployment_env() -> dict[str, str]:
    """The variables the README's "typical deployment" block exports, as written."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("A typical deployment:", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    export = block.replace("\\\n", " ").strip().splitlines()[0]
    words = shlex.split(export)
    assert words[0] == "export", export
    return dict(word.split("=", 1) for word in words[1:])


def test_the_readmes_deployment_block_passes_check_deploy(tmp_path):
    env = _readme_deployment_env()
    assert {"EMAIL_BACKEND", "EMAIL_HOST", "SMS_PROVIDER", "SECRET_KEY_FILE"} <= set(env)
    for name in [name for name in env if name.endswith("_FILE")]:
        secret = tmp_path / name.lower()
        secret.write_text(secrets.token_urlsafe(50))
        env[name] = str(secret)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,  # exactly the README's variables: nothing of this test run's environment
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_a_broker_server_has_no_shared_cache(settings):
    from dashboard.checks import check_shared_store

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CACHE_URL = ""
    assert [w.id for w in check_shared_store(None)] == ["panelist.W001"]
    settings.CACHE_URL = "redis://127.0.0.1:6379/1"
    assert check_shared_store(None) == []
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CACHE_URL = ""
    assert check_shared_store(None) == []
