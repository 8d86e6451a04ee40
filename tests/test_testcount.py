"""Every collected test runs under the README's test command, or the run fails.

``bin/testcount`` compares the tests collected with the tests a run reported; the conftest
gives each test the id pytest-xdist schedules it by (see ``pytest_collection_modifyitems``).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine_free  # CI runs it once, on PostgreSQL

ROOT = Path(__file__).resolve().parent.parent
TESTCOUNT = [sys.executable, str(ROOT / "bin" / "testcount")]
PYTEST = str(Path(sys.executable).parent / "pytest")

PROJECT = """
import pytest

@pytest.mark.parametrize("n", range(6))
def test_it_runs(n):
    pass
"""

# Under pytest-xdist each process drops the last test after collecting, as a scheduler that
# loses a group would: the run itself passes.
DROP_ONE_UNDER_XDIST = """
def pytest_collection_modifyitems(config, items):
    if hasattr(config, "workerinput"):
        del items[-1]
"""


def _testcount(tmp_path, *args):
    (tmp_path / "test_project.py").write_text(PROJECT)
    (tmp_path / "conftest.py").write_text(DROP_ONE_UNDER_XDIST)
    plugins = ["-p", "no:django", "-p", "no:playwright", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*TESTCOUNT, PYTEST, *plugins, "-c", os.devnull, "--rootdir", str(tmp_path), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_fails_a_run_in_which_a_collected_test_never_ran(tmp_path):
    result = _testcount(tmp_path, "-n", "2", "test_project.py")

    assert "6 tests collected, 5 ran" in result.stdout
    assert "1 collected tests never ran" in result.stderr
    assert result.returncode == 1


def test_it_passes_a_run_in_which_every_collected_test_ran(tmp_path):
    result = _testcount(tmp_path, "-p", "no:xdist", "test_project.py")

    assert "6 tests collected, 6 ran" in result.stdout
    assert result.returncode == 0


COLLECTED = ["tests/api/test_schemathesis.py", "tests/test_worker.py"]


def test_it_gives_each_schemathesis_case_and_each_worker_test_its_xdist_id():
    ids = subprocess.run(
        [PYTEST, "--collect-only", "-q", "--dist", "loadgroup", *COLLECTED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout.splitlines()
    fuzz = [i for i in ids if "test_it_answers_every_operation_as_documented" in i]
    worker = [i for i in ids if i.startswith("tests/test_worker.py::")]

    assert len(fuzz) > 40
    assert len(set(fuzz)) == len(fuzz)
    assert "[GET /qsi/gather/interviews]" in " ".join(fuzz)
    assert worker
    assert all(i.endswith("@celery-worker") for i in worker)
