"""Scale-out: two web processes and two Celery workers sharing PostgreSQL, Redis and S3 media.

    .venv/bin/python -m bench.scaleout [--seconds 5] [--rounds 3] [--candidates 1000]
                                       [--questions 40] [--connections 2]

What each machine of a scaled-out install runs, twice over, on loopback: a local S3 server
(moto's, the one the tests use) holds the media, the bench database the data, Redis db 12 is
the Celery broker and db 11 the shared cache (both emptied at start and end: nothing else may
use them). Two gunicorn processes, 1 sync worker each (two one-core web machines), serve the
project with bench.urls on their own ports; two Celery workers (prefork ``-c 1``, named
scaleout-1 and scaleout-2, task events on) consume the one queue. Every process gets the same
environment, as every machine would.

Web: for the 25-row constant page, the invite list and the API list (bench.throughput's URLs,
load generator and drain), each process is measured alone, then both at once with one load
generator each; per process, the medians of the rounds' req/s and p50.

Workers: ``--questions`` audio questions are created through the service in one transaction,
so their text-to-speech tasks (eSpeak, MP3, saved to S3, the row updated) are queued together;
then a ``--candidates`` CSV takes bench.bulk_invite's path (the import task, then one email
task per 100 deliveries, written by the file mail backend and each Message-ID checked once).
Reported: tasks done per worker (``celery inspect stats``) and its peak memory; per task name,
the wait (published to started; only for the tasks this process publishes, the email tasks are
published by a worker) and the run time (started to succeeded), from the workers' task events;
the queue's depth (``LLEN celery``) every 0.2 s; PostgreSQL connections to the database.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, redirect_stdout, suppress
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings

BROKER = "redis://127.0.0.1:6379/12"
CACHE = "redis://127.0.0.1:6379/11"
if not settings.configured:
    # This process publishes the tasks and reads the queue: the bench's own broker and cache,
    # whatever the shell says; set before bench.common sets Django up (Celery reads them then).
    os.environ["CELERY_BROKER_URL"] = BROKER
    os.environ["CACHE_URL"] = CACHE
    # The speech tasks measure the queue, not a voice: eSpeak NG, as when the figures in
    # docs/scale-out.md were taken (Kokoro, the default voice, is measured by bench.tts_quality).
    os.environ.setdefault("TTS_DEFAULT_PROVIDER", "espeak")

from celery.signals import after_task_publish  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench import bulk_invite, throughput  # noqa: E402
from bench.common import (  # noqa: E402
    ROOT,
    Fixture,
    api_key,
    bench_env,
    children,
    ensure_fixture,
    gunicorn,
    load_average,
    prepare,
    session_cookie,
)
from dashboard.celery import app  # noqa: E402

QUEUE = "celery"  # the default queue; no task is routed elsewhere
BUCKET = "panelist-bench-media"
WEB_PROCESSES = 2
WEB_WORKERS = 1  # sync gunicorn workers per web process
WORKERS = 2
URLS = ("constant page", "invite list", "API list")
SAMPLE_SECONDS = 0.2
TEAM_SLUG = "bench-scaleout"
SCRIPT = "Question {n}: tell me about a project you are proud of, and what you would change."

# Task id -> when this process published it (the workers' events say when it started).
PUBLISHED: dict[str, float] = {}


@after_task_publish.connect
def _published(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers and "id" in headers:
        PUBLISHED[headers["id"]] = time.time()


# --- the shared services ------------------------------------------------------------------------


@contextmanager
def s3_server() -> Iterator[dict[str, str]]:
    """A local S3 server with the media bucket; yields the settings that point at it."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # not a line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    with redirect_stdout(io.StringIO()):  # it prints port 0, the port asked for
        server.start()
    try:
        host, port = server.get_host_and_port()
        env = {
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": f"http://{host}:{port}",
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "bench",
            "S3_SECRET_ACCESS_KEY": "bench",
        }
        s3_client(env).create_bucket(Bucket=BUCKET)
        yield env
    finally:
        server.stop()


def s3_client(env: dict[str, str]) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT_URL"],
        region_name=env["S3_REGION"],
        aws_access_key_id=env["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["S3_SECRET_ACCESS_KEY"],
    )


def s3_objects(env: dict[str, str], prefix: str) -> int:
    pages = s3_client(env).get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return sum(page.get("KeyCount", 0) for page in pages)


def flush_redis() -> None:
    import redis

    for url in (BROKER, CACHE):
        redis.Redis.from_url(url).flushdb()


# --- the Celery workers -------------------------------------------------------------------------


@contextmanager
def celery_workers(
    count: int, log_dir: Path, **env: str
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """``count`` worker processes, ``-c 1`` each, with task events: [(name, process)]. Each
    is its own process group, so a pool child left behind is killed with it."""
    connection.close()
    host = socket.gethostname()
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for n in range(1, count + 1):
            name = f"scaleout-{n}@{host}"
            with (log_dir / f"worker-{n}.log").open("wb") as log:
                process = subprocess.Popen(
                    [
                        str(ROOT / ".venv" / "bin" / "celery"),
                        "-A",
                        "dashboard",
                        "worker",
                        "-n",
                        name,
                        "--concurrency",
                        "1",
                        "--task-events",
                        "--without-gossip",
                        "--without-mingle",
                        "--loglevel",
                        "INFO",
                    ],
                    cwd=ROOT,
                    env=bench_env(**env),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append((name, process))
        yield started
    finally:
        for _name, process in started:
            process.terminate()
        for _name, process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def wait_for_workers(workers: list[tuple[str, subprocess.Popen[bytes]]], timeout: float = 90):
    names = {name for name, _ in workers}
    deadline = time.monotonic() + timeout
    while True:
        for name, process in workers:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}")
        replies = app.control.ping(destination=sorted(names), timeout=0.5)
        if names <= {name for reply in replies for name in reply}:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the workers did not all answer a ping in {timeout:.0f} s")


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a worker and its pool, in MB (VmHWM, summed)."""
    total = 0
    for each in [pid, *children(pid)]:
        with suppress(OSError):
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    return total / 1024


class TaskEvents:
    """The workers' task events, gathered by a thread: per task id its name, the worker that
    ran it, and when it started and ended (the workers' clocks: one machine here)."""

    def __init__(self) -> None:
        self.tasks: dict[str, dict[str, Any]] = defaultdict(dict)
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.receiver: Any = None

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type", "")
        if not kind.startswith("task-"):
            return
        with self.lock:
            task = self.tasks[event["uuid"]]
            if kind == "task-received":
                task["name"] = event.get("name", "?")
            elif kind == "task-started":
                task["started"] = event["timestamp"]
                task["worker"] = event["hostname"]
            elif kind == "task-succeeded":
                task["ended"] = event["timestamp"]
            elif kind in ("task-failed", "task-rejected", "task-revoked"):
                task["failed"] = kind

    def run(self) -> None:
        with app.connection_for_read() as conn:
            self.receiver = app.events.Receiver(conn, handlers={"*": self.on_event})
            self.receiver.on_consume_ready = lambda *_args, **_kwargs: self.ready.set()
            self.receiver.capture(limit=None, timeout=None, wakeup=False)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self.lock:
            return {uuid: dict(task) for uuid, task in self.tasks.items()}


@contextmanager
def task_events() -> Iterator[TaskEvents]:
    events = TaskEvents()
    thread = threading.Thread(target=events.run, daemon=True)
    thread.start()
    if not events.ready.wait(30):
        raise RuntimeError("the task event receiver did not start")
    try:
        yield events
    finally:
        events.receiver.should_stop = True
        thread.join(timeout=5)


class Sampler:
    """Every SAMPLE_SECONDS: the queue's depth and the PostgreSQL connections to the bench
    database (every process's, this one's included), labelled with the phase of the run."""

    def __init__(self) -> None:
        self.phase = "start"
        self.samples: list[tuple[float, str, int, int]] = []  # (time, phase, depth, connections)
        self.stop = threading.Event()

    def run(self) -> None:
        import redis

        client = redis.Redis.from_url(BROKER)
        try:
            while not self.stop.is_set():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    )
                    connections = int(cursor.fetchone()[0])
                depth = int(client.llen(QUEUE))
                self.samples.append((time.time(), self.phase, depth, connections))
                self.stop.wait(SAMPLE_SECONDS)
        finally:
            connection.close()

    def of(self, phase: str) -> list[tuple[float, str, int, int]]:
        return [sample for sample in self.samples if sample[1] == phase]


@contextmanager
def sampling() -> Iterator[Sampler]:
    sampler = Sampler()
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    try:
        yield sampler
    finally:
        sampler.stop.set()
        thread.join(timeout=10)


# --- web ------------------------------------------------------------------------------------------

Load = Callable[..., dict[str, float]]
WebFigures = dict[tuple[str, str, str], list[dict[str, float]]]  # (url, process, mode) -> rounds


def measure_web(
    bases: dict[str, str],
    paths: dict[str, tuple[str, str]],
    headers: Callable[[str], dict[str, str]],
    args: argparse.Namespace,
    load: Load,
    sampler: Sampler,
) -> WebFigures:
    """Each URL on each process alone, then on both at once; every process idle in between."""

    def drain_all() -> None:
        for base in bases.values():
            throughput.drain(base)

    for base in bases.values():  # warm every worker's caches
        for name in URLS:
            path, auth = paths[name]
            load(base + path, headers(auth), min(1.0, args.seconds / 2), args.connections)
    drain_all()
    results: WebFigures = defaultdict(list)
    for round_number in range(1, args.rounds + 1):
        print(f"round {round_number} ({load_average()})")
        for name in URLS:
            path, auth = paths[name]
            sampler.phase = "web alone"
            for label, base in bases.items():
                figures = load(base + path, headers(auth), args.seconds, args.connections)
                results[(name, label, "alone")].append(figures)
                drain_all()
            sampler.phase = "web together"
            together = at_once(
                {label: base + path for label, base in bases.items()}, headers(auth), args, load
            )
            sampler.phase = "web alone"
            drain_all()
            for label in bases:
                results[(name, label, "together")].append(together[label])
            print(
                f"  {name:<14} "
                + "  ".join(
                    f"{label} alone {results[(name, label, 'alone')][-1]['rps']:7.1f} "
                    f"together {together[label]['rps']:7.1f} req/s"
                    for label in bases
                )
            )
    return results


def at_once(
    targets: dict[str, str], headers: dict[str, str], args: argparse.Namespace, load: Load
) -> dict[str, dict[str, float]]:
    """One load generator per process, all running at the same time."""
    found: dict[str, dict[str, float]] = {}

    def measure(label: str, url: str) -> None:
        found[label] = load(url, headers, args.seconds, args.connections)

    threads = [threading.Thread(target=measure, args=item) for item in targets.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def web_table(results: WebFigures, labels: list[str], sampler: Sampler) -> list[str]:
    def median(name: str, label: str, mode: str, field: str) -> float:
        return statistics.median(r[field] for r in results[(name, label, mode)])

    lines = [
        f"  {'URL':<14} {'process':<8} {'alone req/s':>12} {'p50 ms':>8} "
        f"{'together req/s':>15} {'p50 ms':>8} {'errors':>7}"
    ]
    for name in URLS:
        for label in labels:
            errors = sum(
                r["errors"] for mode in ("alone", "together") for r in results[(name, label, mode)]
            )
            lines.append(
                f"  {name:<14} {label:<8} {median(name, label, 'alone', 'rps'):12.1f} "
                f"{median(name, label, 'alone', 'p50_ms'):8.1f} "
                f"{median(name, label, 'together', 'rps'):15.1f} "
                f"{median(name, label, 'together', 'p50_ms'):8.1f} {errors:7.0f}"
            )
        both = sum(median(name, label, "together", "rps") for label in labels)
        lines.append(f"  {name:<14} {'sum':<8} {'':>12} {'':>8} {both:15.1f}")
    peak = max((s[3] for s in sampler.samples if s[1].startswith("web")), default=0)
    lines.append(f"  PostgreSQL connections to the database, peak: {peak}")
    return lines


# --- workers --------------------------------------------------------------------------------------


def run_tasks(
    fixture: Fixture, args: argparse.Namespace, s3: dict[str, str], mail_dir: Path
) -> dict[str, float]:
    """The speech tasks, then a bulk invite; both checked for every item done once."""
    from interviews.models import AudioQuestion
    from interviews.services.audio import audio_question_create

    began = time.perf_counter()
    with transaction.atomic():  # every task is published at the commit
        created = [
            audio_question_create(
                team=fixture.team,
                by=fixture.user,
                title=f"Scale-out question {n}",
                question_script=SCRIPT.format(n=n),
            ).pk
            for n in range(1, args.questions + 1)
        ]
    questions = AudioQuestion.objects.filter(pk__in=created)
    Status = AudioQuestion.TranscriptionStatus
    try:
        while questions.filter(
            transcription_status__in=[Status.PENDING, Status.PROCESSING]
        ).exists():
            if time.perf_counter() - began > args.timeout:
                raise RuntimeError(f"speech not done after {args.timeout:.0f} s")
            time.sleep(0.1)
        speech_s = time.perf_counter() - began
        failed = list(
            questions.filter(transcription_status=Status.FAILED).values_list(
                "failure_reason", flat=True
            )
        )
        if failed:
            raise RuntimeError(f"{len(failed)} speech tasks failed: {failed[0]}")
        stored = s3_objects(s3, "questions/audio/")
        if stored != len(created):
            raise RuntimeError(f"{len(created)} questions spoken, {stored} files on S3")
    finally:
        questions.delete()
    bulk = bulk_invite.one_round(fixture, args.candidates, args.timeout, mail_dir)
    return {"speech_s": speech_s, "stored": float(stored), **bulk}


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..1) of a few values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def task_table(tasks: dict[str, dict[str, Any]]) -> list[str]:
    by_name: dict[str, dict[str, list[float]]] = defaultdict(lambda: {"wait": [], "run": []})
    for uuid, task in tasks.items():
        if "started" not in task or "ended" not in task:
            continue
        figures = by_name[task.get("name", "?").rsplit(".", 1)[-1]]
        figures["run"].append((task["ended"] - task["started"]) * 1000)
        if uuid in PUBLISHED:
            figures["wait"].append((task["started"] - PUBLISHED[uuid]) * 1000)
    lines = [
        f"  {'task':<28} {'n':>4} {'wait p50 ms':>11} {'wait p95 ms':>11} "
        f"{'run p50 ms':>10} {'run p95 ms':>10}"
    ]
    for name, figures in sorted(by_name.items()):
        wait = figures["wait"]
        waits = (
            f"{percentile(wait, 0.5):11.0f} {percentile(wait, 0.95):11.0f}"
            if wait
            else f"{'(a worker':>11} {'queued it)':>11}"
        )
        lines.append(
            f"  {name:<28} {len(figures['run']):>4} {waits} "
            f"{percentile(figures['run'], 0.5):10.0f} {percentile(figures['run'], 0.95):10.0f}"
        )
    return lines


def worker_table(
    workers: list[tuple[str, subprocess.Popen[bytes]]],
    stats: dict[str, Any],
    tasks: dict[str, dict[str, Any]],
) -> list[str]:
    names = sorted({task.get("name", "?") for task in tasks.values()})
    started = Counter((task.get("worker"), task.get("name", "?")) for task in tasks.values())
    short = [name.rsplit(".", 1)[-1] for name in names]
    lines = [
        f"  {'worker':<32} {'tasks':>6} "
        + " ".join(f"{s:>{len(s)}}" for s in short)
        + f" {'peak RSS MB':>12}"
    ]
    for name, process in workers:
        total = sum((stats.get(name) or {}).get("total", {}).values())
        lines.append(
            f"  {name:<32} {total:>6} "
            + " ".join(f"{started[(name, n)]:>{len(s)}}" for n, s in zip(names, short, strict=True))
            + f" {peak_rss_mb(process.pid):12.0f}"
        )
    return lines


def depth_lines(sampler: Sampler) -> list[str]:
    samples = sampler.of("tasks")
    if not samples:
        return ["  no samples"]
    start = samples[0][0]
    busy = [s for s in samples if s[2] > 0]
    step = max(1, math.ceil(len(samples) / 16))
    series = ", ".join(f"{s[0] - start:.1f} s: {s[2]}" for s in samples[::step])
    drained = f"{busy[-1][0] - start:.1f} s" if busy else "never queued"
    return [
        f"  queue depth (LLEN {QUEUE}, every {SAMPLE_SECONDS:g} s): "
        f"peak {max(s[2] for s in samples)}, last non-empty at {drained}",
        f"    {series}",
        f"  PostgreSQL connections to the database, peak: {max(s[3] for s in samples)}",
    ]


# --- the run --------------------------------------------------------------------------------------


def _terminated(signum: int, _frame: Any) -> NoReturn:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--connections", type=int, default=2, help="per web process")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    args = parser.parse_args(argv)
    # A kill runs the clean-up below, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _terminated)

    prepare()
    fixture = ensure_fixture()  # the team the pages read
    workload = ensure_fixture(slug=TEAM_SLUG, email=f"{TEAM_SLUG}@example.com")
    cookie = session_cookie(fixture.user)
    key = api_key(fixture)
    paths = throughput.urls(fixture)
    load, label = throughput.load_generator(args.python_client)
    flush_redis()
    print(
        f"{WEB_PROCESSES} gunicorn processes x {WEB_WORKERS} sync worker, {WORKERS} Celery "
        f"workers x -c 1; PostgreSQL {connection.settings_dict['NAME']}, broker {BROKER}, "
        f"cache {CACHE}, media on a local S3 server (moto); load generator: {label}, "
        f"{args.connections} connections per process, {args.seconds:g} s per measurement, "
        f"{args.rounds} rounds ({load_average()})"
    )
    log_dir = Path(tempfile.mkdtemp(prefix="panelist-scaleout-"))
    mail_dir = log_dir / "mail"
    mail_dir.mkdir()
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, log_dir, True)
        stack.callback(flush_redis)
        try:
            s3 = stack.enter_context(s3_server())
            env = {"CELERY_BROKER_URL": BROKER, "CACHE_URL": CACHE, **s3}
            workers = stack.enter_context(
                celery_workers(
                    WORKERS,
                    log_dir,
                    EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                    EMAIL_FILE_PATH=str(mail_dir),
                    **env,
                )
            )
            # The API's per-key limit is counted, never answered 429 (as in bench.throughput).
            bases = {
                f"web-{n}": stack.enter_context(
                    gunicorn(workers=WEB_WORKERS, API_RATE_LIMIT=str(10**9), **env)
                )[0]
                for n in range(1, WEB_PROCESSES + 1)
            }
            wait_for_workers(workers)
            events = stack.enter_context(task_events())
            sampler = stack.enter_context(sampling())

            def headers(auth: str) -> dict[str, str]:
                return throughput.auth_headers(auth, cookie, key)

            web = measure_web(bases, paths, headers, args, load, sampler)
            sampler.phase = "tasks"
            print(
                f"tasks: {args.questions} speech, then {args.candidates:,} candidates "
                f"({load_average()})"
            )
            done = run_tasks(workload, args, s3, mail_dir)
            time.sleep(2 * SAMPLE_SECONDS)  # the queue's last, empty sample
            sampler.phase = "end"
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(
                "started" in t and "ended" not in t and "failed" not in t
                for t in events.snapshot().values()
            ):
                time.sleep(0.1)
            tasks = events.snapshot()
            stats = (
                app.control.inspect(destination=[n for n, _ in workers], timeout=2).stats() or {}
            )
            lines = [
                "",
                f"web ({WEB_PROCESSES} gunicorn processes, {WEB_WORKERS} sync worker each; "
                f"medians of {args.rounds} rounds of {args.seconds:g} s):",
                *web_table(web, list(bases), sampler),
                "",
                f"workers ({WORKERS} x celery -c 1; tasks done from inspect stats, by name from "
                "task events):",
                *worker_table(workers, stats, tasks),
                "",
                f"speech: {args.questions} tasks done in {done['speech_s']:.1f} s, "
                f"{done['stored']:.0f} MP3s on S3; bulk invite: {args.candidates:,} candidates "
                f"imported at {done['import_s']:.1f} s, every email sent at "
                f"{done['total_s']:.1f} s ({done['written']:,.0f} messages, each Message-ID once)",
                *task_table(tasks),
                *depth_lines(sampler),
                f"({load_average()})",
            ]
            print("\n".join(lines))
        except BaseException:
            for log in sorted(log_dir.glob("worker-*.log")):
                print(f"--- {log.name} (last lines)\n{log.read_text(errors='replace')[-3000:]}")
            raise
    return {"web": web, "stats": stats, "tasks": tasks, "done": done}


if __name__ == "__main__":
    main()
