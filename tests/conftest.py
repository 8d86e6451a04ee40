"""Shared fixtures: personas, one per role, in one team; an outsider in another team."""

import contextlib
import importlib
import os
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest

from accounts.models import Role
from tests.factories import PASSWORD, MembershipFactory, TeamFactory

ROOT = Path(__file__).resolve().parents[1]


def _test_folder() -> tuple[Path, bool]:
    """The test run's temporary folder, and whether this process made it (and removes it).

    The first pytest process makes it; xdist workers, and pytest runs a test starts, inherit
    it through ``PANELIST_TEST_TMP``."""
    inherited = os.environ.get("PANELIST_TEST_TMP")
    if inherited:
        return Path(inherited), False
    folder = Path(tempfile.mkdtemp(prefix="panelist-tests-"))
    os.environ["PANELIST_TEST_TMP"] = str(folder)
    return folder, True


def _read_settings_again() -> None:
    """pytest-django loads the settings before any conftest is imported: load them again now
    that PANELIST_DATA_DIR has changed. Nothing has used them yet: no database connection is
    open and no cache or storage is made before the first test."""
    from django.conf import settings
    from django.core.cache import caches
    from django.core.files.storage import storages
    from django.db import connections
    from django.utils.functional import empty

    if not settings.configured:
        return  # not loaded yet: they will be read with the new value
    # An app's start-up may have made a database wrapper (not connected): it goes.
    for wrapper in connections.all(initialized_only=True):
        if wrapper.connection is not None:
            raise RuntimeError("tests/conftest.py: the database was opened before the settings")
        del connections[wrapper.alias]
    if caches.all(initialized_only=True) or storages._storages:
        raise RuntimeError("tests/conftest.py: a cache or storage was made before the settings")
    importlib.reload(sys.modules[settings.SETTINGS_MODULE])
    settings._wrapped = empty
    for handler in (connections, caches):
        handler.__dict__.pop("settings", None)
        handler._settings = None
    storages.__dict__.pop("backends", None)
    storages._backends = None


# Everything a test run writes goes under one temporary folder, never the working tree: the
# data folder (test databases, media, partial uploads, the cache file, the broker's folders,
# outgoing mail) and the browser tests' screenshots (tests/e2e/conftest.py). Processes a test
# starts inherit PANELIST_DATA_DIR. A caller's own PANELIST_DATA_DIR is used as it is.
TEST_TMP, _MADE_TEST_TMP = _test_folder()
_SET_DATA_DIR = not (
    os.environ.get("PANELIST_DATA_DIR") or os.environ.get("PANELIST_DATA_DIR_FILE")
)
if _SET_DATA_DIR:
    os.environ["PANELIST_DATA_DIR"] = str(TEST_TMP / "data")
    try:
        _read_settings_again()
    except BaseException:
        if _MADE_TEST_TMP:
            shutil.rmtree(TEST_TMP, ignore_errors=True)
        raise

# Hypothesis (schemathesis's engine) keeps its examples and caches there too, not in ./.hypothesis.
_SET_HYPOTHESIS_DIR = not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
if _SET_HYPOTHESIS_DIR:
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(TEST_TMP / "hypothesis")
    if "hypothesis.configuration" in sys.modules:  # its plugin may have looked already
        sys.modules["hypothesis.configuration"].set_hypothesis_home_dir(TEST_TMP / "hypothesis")

# The local OpenAI-compatible server (fixture ``openai_server``) for any test that needs one.
pytest_plugins = ["tests.speech.openai_server"]

# Playwright drives the browser from an event loop in the test thread; Django's ORM calls in
# the same thread are safe there (pytest-playwright's documented setting).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    """Each test process gets its own cache file, as it gets its own database, so parallel runs
    never clear each other's counters; processes a test starts inherit it through CACHE_FILE."""
    from django.conf import settings
    from django.test.utils import override_settings

    if settings.CACHES["default"]["BACKEND"] != "dashboard.cache.SQLiteCache":
        return
    path = str(settings.DATA_DIR / f"test-cache-{os.getpid()}.sqlite3")
    os.environ["CACHE_FILE"] = path
    override_settings(
        CACHE_FILE=path, CACHES={"default": {**settings.CACHES["default"], "LOCATION": path}}
    ).enable()


def pytest_unconfigure(config):
    path = os.environ.get("CACHE_FILE", "")
    if f"test-cache-{os.getpid()}" in path:
        del os.environ["CACHE_FILE"]
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + suffix)
    # The process that made the run's folder removes it, and leaves the environment as it was
    # (bin/testcount collects in its own process before it starts the run).
    if _SET_DATA_DIR:
        os.environ.pop("PANELIST_DATA_DIR", None)
    if _SET_HYPOTHESIS_DIR:
        os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    if _MADE_TEST_TMP:
        os.environ.pop("PANELIST_TEST_TMP", None)
        shutil.rmtree(TEST_TMP, ignore_errors=True)


# --- the run leaves the working tree as it found it ----------------------------------------------

_NOT_SCANNED = {".git", ".venv", "node_modules"}
_NOT_SCANNED_ENDINGS = ("__pycache__", "_cache", ".egg-info")  # .mypy_cache, .ruff_cache…
TREE_BEFORE = pytest.StashKey[set[str]]()
LEFT_BEHIND = pytest.StashKey[tuple[list[str], bool]]()


def _tree_files() -> set[str]:
    """Every file in the working tree, ignored by git or not, but for .git, .venv and caches."""
    found: set[str] = set()
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [
            name
            for name in subfolders
            if name not in _NOT_SCANNED and not name.endswith(_NOT_SCANNED_ENDINGS)
        ]
        found.update(os.path.relpath(os.path.join(folder, name), ROOT) for name in files)
    return found


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controller (or the only process)
        session.config.stash[TREE_BEFORE] = _tree_files()


def pytest_sessionfinish(session, exitstatus):
    """Files that appeared in the working tree during the run are listed after the results.
    They fail the run on CI (CI=true), where nothing else writes to the tree; on a developer's
    machine a running server may, so there they are a warning."""
    before = session.config.stash.get(TREE_BEFORE, None)
    if before is None:
        return
    left = sorted(_tree_files() - before)
    fail = bool(left) and os.environ.get("CI", "").lower() in ("1", "true", "yes")
    session.config.stash[LEFT_BEHIND] = (left, fail)
    if fail and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    left, fail = config.stash.get(LEFT_BEHIND, ([], False))
    if not left:
        return
    terminalreporter.write_sep("=", f"files left in the working tree: {len(left)}", red=True)
    verdict = " and fail it (CI is set):" if fail else ":"
    terminalreporter.write_line(
        "Tests write under a temporary folder (PANELIST_TEST_TMP); these appeared in the "
        f"working tree ({ROOT}) during the run{verdict}"
    )
    for name in left[:30]:
        terminalreporter.write_line(f"  {name}")
    if len(left) > 30:
        terminalreporter.write_line(f"  … and {len(left) - 30} more")


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
    # Questions without a narrator speak with eSpeak NG (milliseconds) rather than each
    # language's clearest voice (Kokoro, about a second a prompt): hundreds of tests make audio
    # and none of them is about the voice. The tests of the default voice set "" again.
    settings.TTS_DEFAULT_PROVIDER = "espeak"
    from dashboard.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    # Sign-in throttling counts in the cache, which outlives a test: start each one clean.
    from django.core.cache import cache

    cache.clear()


# A public address that the documentation names (RFC 2606) resolve to in tests that need a
# resolver; nothing is ever sent to it.
PUBLIC_TEST_ADDRESS = "93.184.215.14"
_EXAMPLE_DOMAINS = ("example", "example.com", "example.net", "example.org")


@pytest.fixture
def public_dns(monkeypatch):
    """DNS is the outside world, and this machine may have none: names under the documentation
    domains resolve to one public address; every other name is looked up as usual."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.rstrip(".").lower() if isinstance(host, str) else ""
        if any(name == d or name.endswith(f".{d}") for d in _EXAMPLE_DOMAINS):
            host = PUBLIC_TEST_ADDRESS
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


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
    """A complete sign-in: for a user with a two-factor device, the code step too (without it
    ``TwoFactorEnforcementMiddleware`` signs the session out). Asking the middleware's own
    question caches its answer, as the first page after a real sign-in does, so query counts
    measure pages and not that first look-up."""
    from accounts import twofactor

    def _login(user):
        client.force_login(user)
        if twofactor.user_has_device(user=user):
            session = client.session
            session[twofactor.SESSION_VERIFIED] = True
            session.save()
        return client

    return _login


# Whole files whose subject does not depend on the database engine: CI runs them once, on
# PostgreSQL, the stricter engine (it refuses NUL bytes and over-long text that SQLite keeps),
# and the SQLite run skips them ("not engine_free"). The access, header and input sweeps, the
# API contract, speech and media, translations and the test tooling; about two thirds of the
# SQLite run's time went to them. Models, services, selectors, views and the API's behaviour
# still run on both engines.
ENGINE_FREE_FILES = (
    "security/",
    "api/test_schemathesis.py",
    "api/test_dialect.py",
    "speech/test_evaluators.py",
    "speech/test_http.py",
    "speech/test_llm.py",
    "speech/test_media.py",
    "speech/test_stt.py",
    "speech/test_stt_hints.py",
    "speech/test_stt_languages.py",
    "speech/test_tts.py",
    "test_i18n.py",
    "test_contrast.py",
    "test_layers.py",
    "test_testcount.py",
    "test_clean_tree.py",
    "test_supervise.py",
    "test_settings.py",
    "test_csp_headers.py",
    "test_error_pages.py",
    "test_bench_smoke.py",
)
_TESTS = Path(__file__).resolve().parent


def pytest_itemcollected(item):
    path = Path(item.fspath).resolve()
    if _TESTS in path.parents:
        relative = path.relative_to(_TESTS).as_posix()
        if relative.startswith(ENGINE_FREE_FILES) and not item.get_closest_marker("llama"):
            item.add_marker(pytest.mark.engine_free)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Give every test the id xdist schedules it by; this runs after xdist's own hook.

    Tests that start a real Celery worker share one Redis broker: under ``--dist loadgroup``
    they stay on one process, one after another. Since pytest 9.2 an item's id is a structured
    ``NodeId`` fixed when the item is made, and two plugins still write the old string:
    schemathesis names each operation only in ``item.name`` (its 43 cases shared one id, so
    xdist ran one), and xdist writes the ``@group`` suffix to the ignored ``_nodeid``
    (pytest-xdist#1386), so grouped tests were spread over processes. Two tests with one id
    cannot both run under xdist: refuse to start rather than drop one silently.
    """
    from _pytest.nodeid import NodeId

    # An xdist process runs with dist "no" and keeps the controller's choice as loadgroup.
    xdist_groups = getattr(config.option, "loadgroup", False) or (
        config.getoption("dist", "no") == "loadgroup"
    )
    for item in items:
        nodeid = item.nodeid
        if isinstance(item, pytest.Function) and "[" in item.name and "[" not in nodeid:
            nodeid = f"{item.parent.nodeid}::{item.name}"
        if xdist_groups:
            if item.get_closest_marker("worker"):
                item.add_marker(pytest.mark.xdist_group("celery-worker"))
            groups = sorted(
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            )
            if groups and "@" not in nodeid.rpartition("]")[2]:
                nodeid = f"{nodeid}@{'_'.join(groups)}"
        if nodeid != item.nodeid:
            item._id = NodeId.parse(nodeid)
    shared = [nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1]
    if shared:
        raise pytest.UsageError(
            f"these test ids are shared, so only one of each would run: {shared}"
        )
