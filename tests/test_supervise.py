"""``./panelist up`` runs the worker under dashboard/supervise.py: a worker that dies is started
again, and stopping the supervisor stops the worker."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = [sys.executable, "-c", "import time; time.sleep(600)"]


def _pids(log: Path) -> list[int]:
    return [int(pid) for pid in re.findall(r"started pid (\d+)", log.read_text())]


def _wait(check, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return bool(check())


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_it_restarts_a_killed_worker_and_stops_it_on_sigterm(tmp_path):
    log = tmp_path / "supervise.log"
    with log.open("w") as err:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "dashboard.supervise", "--", *CHILD], cwd=ROOT, stderr=err
        )
    try:
        assert _wait(lambda: len(_pids(log)) == 1), log.read_text()
        first = _pids(log)[0]
        os.kill(first, signal.SIGKILL)
        assert _wait(lambda: len(_pids(log)) == 2), log.read_text()
        second = _pids(log)[1]
        assert second != first
        assert _alive(second)

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(15) == 0
        assert not _alive(second), "the worker outlived its supervisor"
        assert "stopped" in log.read_text()
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()


def test_it_stops_the_worker_on_ctrl_c(tmp_path):
    log = tmp_path / "supervise.log"
    with log.open("w") as err:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "dashboard.supervise", "--", *CHILD], cwd=ROOT, stderr=err
        )
    try:
        assert _wait(lambda: len(_pids(log)) == 1), log.read_text()
        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(15) == 0
        assert not _alive(_pids(log)[0])
        assert len(_pids(log)) == 1, "it restarted the worker it was stopping"
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()


def test_it_kills_what_a_dead_worker_left_running_before_restarting_it(tmp_path):
    """A SIGKILLed Celery worker leaves its pool and embedded beat behind: two beats later."""
    left = tmp_path / "left.pid"
    child = [
        sys.executable,
        "-c",
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
        f"open({str(left)!r}, 'w').write(str(p.pid)); time.sleep(600)",
    ]
    log = tmp_path / "supervise.log"
    with log.open("w") as err:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "dashboard.supervise", "--", *child], cwd=ROOT, stderr=err
        )
    try:
        assert _wait(lambda: left.exists() and left.read_text()), log.read_text()
        orphan = int(left.read_text())
        left.unlink()
        os.kill(_pids(log)[0], signal.SIGKILL)
        assert _wait(lambda: len(_pids(log)) == 2), log.read_text()
        assert _wait(lambda: not _alive(orphan)), "the dead worker's child was left running"
    finally:
        supervisor.terminate()
        supervisor.wait(15)


def test_the_panelist_script_supervises_its_worker():
    up = (ROOT / "panelist").read_text().split("cmd_up()", 1)[1].split("\n}", 1)[0]
    assert re.search(r"-m dashboard\.supervise -- \"\$VENV/bin/celery\" -A dashboard worker", up)
