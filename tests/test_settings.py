import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dashboard.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[1]


def _settings_in_subprocess(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}
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
        DEBUG="false", SECRET_KEY="x" * 50, DATABASE_URL="postgres://u@db:5432/panelist"
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
