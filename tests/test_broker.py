"""The embedded broker (``filesystem://``, dashboard/broker.py) under real worker processes:
concurrent producers, a SIGKILLed worker, and a broken message file."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parent.parent

PRODUCER = """
import sys, time
from dashboard.celery import app
log, queue, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for n in range(first, first + count):
    app.send_task("tests.broker_tasks.broker_probe", args=[log, n], queue=queue)
    time.sleep(0.02)
"""


class Broker:
    """A broker folder, its queue, and ``celery worker`` processes (solo pool) that consume it."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.queue = f"broker-test-{os.getpid()}-{time.monotonic_ns()}"
        self.folder = tmp / "broker"
        self.log = tmp / "tasks.log"
        self.log.touch()
        self.env = {
            **os.environ,
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_BROKER_FOLDER": str(self.folder),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "SECRET_KEY": "broker-test",
            "DEBUG": "true",
            "PANELIST_DATA_DIR": str(tmp / "data"),
        }
        self.workers: list[subprocess.Popen[bytes]] = []

    @property
    def queue_folder(self) -> Path:
        return self.folder / "queue"

    def start_worker(self) -> subprocess.Popen[bytes]:
        with (self.tmp / f"worker-{len(self.workers)}.log").open("ab") as out:
            proc = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "dashboard", "worker"),
                    *("--pool=solo", "--loglevel=INFO", "-I", "tests.broker_tasks"),
                    *("-Q", self.queue, "--without-heartbeat", "--without-gossip"),
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.workers.append(proc)
        return proc

    def produce(self, first: int, count: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", PRODUCER, str(self.log), self.queue, str(first), str(count)],
            cwd=ROOT,
            env=self.env,
        )

    def lines(self) -> collections.Counter[str]:
        return collections.Counter(self.log.read_text().splitlines())

    def done(self) -> set[int]:
        return {int(line.split()[1]) for line in self.lines() if line.startswith("done ")}

    def stop(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        for log in sorted(self.tmp.glob("worker-*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def broker(tmp_path) -> Iterator[Broker]:
    b = Broker(tmp_path)
    yield b
    b.stop()


def wait_for(check: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return bool(check())


def test_it_runs_every_task_from_concurrent_producers_and_the_worker_lives(broker):
    worker = broker.start_worker()
    started = time.monotonic()
    producers = [broker.produce(first, 100) for first in (0, 100, 200)]
    for producer in producers:
        assert producer.wait(60) == 0
    rate = 300 / (time.monotonic() - started)
    assert rate >= 10, f"the producers queued only {rate:.1f} tasks/s"

    assert wait_for(lambda: len(broker.done()) == 300 or worker.poll() is not None, 50)
    assert worker.poll() is None, "the worker died"
    assert broker.done() == set(range(300))
    print(f"queued at {rate:.0f}/s; {len(broker.done())} run; worker alive")


def test_a_task_cut_off_by_a_killed_worker_runs_again(broker):
    from dashboard.celery import app

    worker = broker.start_worker()
    producer = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from dashboard.celery import app; app.send_task("
            "'tests.broker_tasks.broker_probe', args=[sys.argv[1], 7, 60.0], queue=sys.argv[2])",
            str(broker.log),
            broker.queue,
        ],
        cwd=ROOT,
        env=broker.env,
    )
    assert producer.returncode == 0
    assert wait_for(lambda: broker.lines()["start 7"] == 1, 30), "the task never started"
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)
    assert broker.done() == set()

    broker.start_worker()
    assert wait_for(lambda: broker.done() == {7}, 30), "the killed worker's task did not run again"
    assert broker.lines()["start 7"] == 2
    assert not any((broker.queue_folder / ".inflight").rglob("*.msg"))
    assert app.conf.task_acks_late


def test_a_broken_message_file_is_quarantined_and_the_worker_lives(broker):
    worker = broker.start_worker()
    assert wait_for(broker.queue_folder.is_dir, 20)
    # What kombu's own transport leaves when a reader wins the race with a writer (kombu#1551),
    # and a file that is not a message at all.
    (broker.queue_folder / f"00000000000000000001_empty.{broker.queue}.msg").write_bytes(b"")
    (broker.queue_folder / f"00000000000000000002_junk.{broker.queue}.msg").write_bytes(b'{"bo')
    broker.produce(0, 1).wait(30)

    assert wait_for(lambda: broker.done() == {0} or worker.poll() is not None, 30)
    assert worker.poll() is None, "the worker died on a broken message file"
    assert broker.done() == {0}
    quarantined = sorted(
        p.name.split("_")[1] for p in (broker.queue_folder / ".quarantine").iterdir()
    )
    assert quarantined == [f"empty.{broker.queue}.msg", f"junk.{broker.queue}.msg"]
