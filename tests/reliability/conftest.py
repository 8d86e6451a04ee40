"""Fault-injection fixtures: a real Celery worker on Redis that a test may SIGKILL and restart,
and the outside world (an SMTP server, speech and webhook receivers) as local servers whose
answers a test can hold back, so that it knows a task is mid-flight when it kills the worker.

The worker is started with a 5 s ``visibility_timeout`` (the production default is an hour), so
a task left unacknowledged by a killed worker comes back within seconds. Its broker keys carry
a prefix of their own, so its restore sweep never touches another test run's messages.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from dashboard.celery import app

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 5

# Runs the project's Celery app with the test's transport options and queue (tasks the worker
# enqueues itself, such as the webhook sweep's, must reach it too): no application code changes.
WORKER_MAIN = """
import json, os, sys
from dashboard.celery import app
app.conf.broker_transport_options = json.loads(os.environ["RELIABILITY_TRANSPORT_OPTIONS"])
app.conf.task_default_queue = os.environ["RELIABILITY_QUEUE"]
app.worker_main(["worker", *sys.argv[1:]])
"""


def wait_for(check: Callable[[], object], *, seconds: float = 30, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return bool(check())


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


def _reset_connections() -> None:
    import kombu.pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


def _redis_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


class Worker:
    """One ``celery worker`` subprocess (solo pool) in its own process group."""

    def __init__(self, env: dict[str, str], queue: str, log: Path) -> None:
        self.env, self.queue, self.log = env, queue, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.proc is None, "the worker is already running"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    *(sys.executable, "-c", WORKER_MAIN, "--pool=solo", "--loglevel=INFO"),
                    *("-Q", self.queue, "--without-heartbeat", "--without-gossip"),
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine would: no ack, no clean-up."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def make_worker(tmp_path, settings) -> Iterator[Callable[..., Worker]]:
    """``make_worker(**env)`` returns a stopped Worker on the test database and a Redis broker;
    this process becomes its producer. Media live in the test's own folder, shared by both."""
    broker = os.environ.get("PANELIST_TEST_BROKER_URL", "")
    if not broker.startswith("redis://"):
        pytest.skip("needs a Redis broker: set PANELIST_TEST_BROKER_URL=redis://…")
    if not _redis_up(broker):
        pytest.skip(f"Redis is not answering at {broker}")
    prefix = f"reliability-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
    options = {
        "visibility_timeout": VISIBILITY_TIMEOUT,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
        "global_keyprefix": prefix,
    }
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    queue = f"reliability-{uuid.uuid4().hex[:8]}"
    workers: list[Worker] = []
    saved = {
        k: app.conf[k]
        for k in (
            "task_always_eager",
            "broker_url",
            "broker_transport_options",
            "task_default_queue",
        )
    }
    app.conf.update(
        task_always_eager=False,
        broker_url=broker,
        broker_transport_options=options,
        task_default_queue=queue,
    )
    _reset_connections()

    def make(**extra: str) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker,
            "RELIABILITY_TRANSPORT_OPTIONS": json.dumps(options),
            "RELIABILITY_QUEUE": queue,
            "SECRET_KEY": "reliability-test",
            "DEBUG": "true",
            "PANELIST_DATA_DIR": str(tmp_path / "data"),
            "MEDIA_ROOT": str(media),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "WEBHOOK_ALLOW_PRIVATE": "true",
            **extra,
        }
        worker = Worker(env, queue, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker

    try:
        yield make
    finally:
        for worker in workers:
            worker.stop()
        app.conf.update(saved)
        _reset_connections()
        import redis

        client = redis.Redis.from_url(broker)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        for log in sorted(tmp_path.glob("worker-*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")


# --- the outside world -------------------------------------------------------------------------


class HttpDouble:
    """A local HTTP server: ``answer(handler, body)`` returns (status, content type, bytes).
    Every request is recorded; the first ``hold_first`` requests are held ``hold_seconds``
    before the answer, so a test can kill a worker while it waits."""

    def __init__(self, answer: Callable[[BaseHTTPRequestHandler, bytes], tuple[int, str, bytes]]):
        self.answer_fn = answer
        self.requests: list[dict[str, Any]] = []
        self.hold_first = 0
        self.hold_seconds = 0.0
        self.lock = threading.Lock()
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with double.lock:
                    double.requests.append({"path": self.path, "headers": dict(self.headers)})
                    held = len(double.requests) <= double.hold_first
                if held:
                    time.sleep(double.hold_seconds)
                status, content_type, reply = double.answer_fn(self, body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the client is gone (a killed worker)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_double() -> Iterator[Callable[..., HttpDouble]]:
    doubles: list[HttpDouble] = []

    def make(answer: Callable[[BaseHTTPRequestHandler, bytes], tuple[int, str, bytes]]):
        double = HttpDouble(answer)
        doubles.append(double)
        return double

    yield make
    for double in doubles:
        double.close()


class SmtpDouble:
    """A minimal SMTP server (RFC 5321 commands smtplib uses, no TLS, no auth).

    ``down`` answers every connection "421 service not available" and hangs up, as a server
    going down does. ``hold_after_data`` seconds pass between storing a message and answering
    "250" for the first ``hold_first`` messages: the window where a real MTA has queued the mail
    but the client has not heard so. ``hold_greeting`` seconds pass before the greeting of the
    first ``hold_first`` connections (nothing accepted yet). ``on_connect`` runs per connection.
    """

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.connections = 0
        self.down = False
        self.hold_first = 0
        self.hold_after_data = 0.0
        self.hold_greeting = 0.0
        self.on_connect: Callable[[int], None] | None = None
        self.lock = threading.Lock()
        double = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self) -> None:
                with double.lock:
                    double.connections += 1
                    number = double.connections
                if double.on_connect:
                    double.on_connect(number)
                with contextlib.suppress(OSError):  # the client is gone
                    self.converse(number)

            def converse(self, number: int) -> None:
                if double.down:
                    self.reply("421 127.0.0.1 Service not available, closing channel")
                    return
                if number <= double.hold_first and double.hold_greeting:
                    time.sleep(double.hold_greeting)
                self.reply("220 127.0.0.1 ESMTP test double")
                while line := self.rfile.readline():
                    verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        self.reply("250-127.0.0.1")
                        self.reply("250 8BITMIME")
                    elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        self.receive(number)
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

            def receive(self, number: int) -> None:
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                with double.lock:
                    double.messages.append(b"".join(lines))
                    held = len(double.messages) <= double.hold_first
                if held and double.hold_after_data:
                    time.sleep(double.hold_after_data)
                self.reply("250 OK queued")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp() -> Iterator[SmtpDouble]:
    double = SmtpDouble()
    yield double
    double.close()


def free_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
