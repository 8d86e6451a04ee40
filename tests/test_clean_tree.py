"""A test run writes under a temporary folder of its own, never into the working tree
(tests/conftest.py): the data folder (databases, media, partial uploads, the cache, the broker's
folders) and the browser tests' screenshots (tests/e2e/conftest.py)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections

from dashboard.celery import app

pytestmark = pytest.mark.engine_free  # CI runs it once, on PostgreSQL

ROOT = Path(__file__).resolve().parents[1]


def test_what_a_test_writes_goes_under_the_data_folder(settings):
    data = Path(os.environ["PANELIST_DATA_DIR"])
    print(f"data folder: {settings.DATA_DIR}")
    assert data == settings.DATA_DIR
    # Each place follows the data folder unless the caller moved it on purpose.
    for name, env in (
        ("MEDIA_ROOT", "MEDIA_ROOT"),
        ("UPLOAD_TEMP_DIR", "UPLOAD_TEMP_DIR"),
        ("STATIC_ROOT", "STATIC_ROOT"),
        ("CELERY_BROKER_FOLDER", "CELERY_BROKER_FOLDER"),
    ):
        if not os.environ.get(env):
            assert Path(getattr(settings, name)).is_relative_to(data), name
    if isinstance(default_storage, FileSystemStorage) and not os.environ.get("MEDIA_ROOT"):
        assert Path(default_storage.path("x")).is_relative_to(data)
    database = connections["default"].settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        assert Path(database["TEST"]["NAME"]).is_relative_to(data)
    if settings.CACHES["default"]["BACKEND"] == "dashboard.cache.SQLiteCache":
        assert Path(settings.CACHES["default"]["LOCATION"]).is_relative_to(data)
    folders = app.conf.broker_transport_options or {}
    if app.conf.broker_url.startswith("filesystem://") and not os.environ.get(
        "CELERY_BROKER_FOLDER"
    ):
        assert Path(folders["data_folder_in"]).is_relative_to(data)


def test_a_run_makes_its_own_folder_and_removes_it(tmp_path):
    """A run started without PANELIST_DATA_DIR (as ./panelist test starts one) reads the
    settings again with a temporary data folder, and removes the folder when it ends."""
    inherited = {"PANELIST_DATA_DIR", "PANELIST_DATA_DIR_FILE", "PANELIST_TEST_TMP", "CACHE_FILE"}
    inherited |= {"HYPOTHESIS_STORAGE_DIRECTORY", "CI"}  # its own guard stays a warning
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in inherited and not name.startswith("PYTEST_")
    }
    env["TMPDIR"] = str(tmp_path)
    run = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider", "-s", "-q"),
            f"{__file__}::test_what_a_test_writes_goes_under_the_data_folder",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    found = re.search(r"data folder: (\S+)", run.stdout)
    assert found, run.stdout
    folder = Path(found[1]).parent
    assert folder.parent == tmp_path
    assert folder.name.startswith("panelist-tests-")
    assert not folder.exists()
