"""Owners and admins see when the background engine is down; /health/ tells monitors."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from dashboard.celery import app
from dashboard.engine import HEARTBEAT_KEY, engine_heartbeat_record
from dashboard.tasks import PUBLISHED_HEADER, engine_heartbeat

pytestmark = pytest.mark.django_db

HOME = "/"
BANNER = 'data-testid="engine-banner"'


@pytest.fixture
def engine(tmp_path) -> Iterator[Path]:
    """Tasks go to a real worker (not run in this process) through a file-system broker in
    the test's own folder; returns its queue folder."""
    queue = tmp_path / "queue"
    queue.mkdir()
    saved = {
        k: app.conf[k] for k in ("task_always_eager", "broker_url", "broker_transport_options")
    }
    app.conf.update(
        task_always_eager=False,
        broker_url="filesystem://",
        broker_transport_options={
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(tmp_path / "control"),
        },
    )
    _reset_connections()
    yield queue
    app.conf.update(saved)
    _reset_connections()


def _reset_connections() -> None:
    import kombu.pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


def _seen(seconds_ago: float) -> None:
    cache.set(HEARTBEAT_KEY, {"at": time.time() - seconds_ago, "lag": 0.0})


def _health(client) -> tuple[int, dict]:
    response = client.get(reverse("dashboard:health"))
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


# --- the banner


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_it_shows_owners_and_admins_a_banner_when_no_worker_was_ever_seen(
    engine, login, request, role
):
    page = login(request.getfixturevalue(role)).get(HOME).content.decode()
    assert BANNER in page
    assert "Background worker not running" in page
    assert "./panelist up" in page


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager"])
def test_it_shows_other_roles_no_banner(engine, login, request, role):
    assert BANNER not in login(request.getfixturevalue(role)).get(HOME).content.decode()


def test_it_shows_the_banner_when_the_heartbeat_is_stale(engine, login, owner):
    _seen(120)
    page = login(owner).get(HOME).content.decode()
    assert "Background worker not running" in page
    assert "last seen 120 s ago" in page


def test_it_shows_no_banner_when_the_heartbeat_is_fresh(engine, login, owner):
    engine_heartbeat_record(lag=0.5)
    assert BANNER not in login(owner).get(HOME).content.decode()


def test_it_shows_no_banner_when_tasks_run_in_the_web_process(login, owner):
    assert app.conf.task_always_eager
    assert BANNER not in login(owner).get(HOME).content.decode()


def test_it_shows_the_banner_when_queued_work_is_old(engine, login, owner):
    engine_heartbeat_record(lag=0.5)
    engine_heartbeat.delay()
    (message,) = [p for p in engine.iterdir() if p.name.endswith(".msg")]
    old = time.time() - 600
    os.utime(message, (old, old))
    page = login(owner).get(HOME).content.decode()
    assert "Background work is falling behind" in page
    assert "waited 600 s" in page


def test_it_reads_the_banner_state_from_the_cache_for_a_few_seconds(engine, login, owner):
    client = login(owner)
    assert BANNER in client.get(HOME).content.decode()
    engine_heartbeat_record(lag=0.5)
    assert BANNER in client.get(HOME).content.decode(), "state is cached, not read per page"
    cache.delete("engine:status:0")
    assert BANNER not in client.get(HOME).content.decode()


# --- the heartbeat


def test_the_heartbeat_records_how_long_it_waited_in_the_queue(engine):
    engine_heartbeat.delay()
    (message,) = [p for p in engine.iterdir() if p.name.endswith(".msg")]
    headers = json.loads(message.read_text())["headers"]
    assert time.time() - headers[PUBLISHED_HEADER] < 5

    engine_heartbeat.apply(headers={PUBLISHED_HEADER: time.time() - 42})
    beat = cache.get(HEARTBEAT_KEY)
    assert time.time() - beat["at"] < 5
    assert 41 < beat["lag"] < 50


# --- /health/


def test_health_answers_200_when_all_is_well_without_sign_in(engine, client):
    engine_heartbeat_record(lag=0.2)
    status, body = _health(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "worker": "ok",
        "workerLastSeenSeconds": 0,
        "queue": "ok",
        "queueOldestSeconds": 0,
    }


def test_health_answers_503_when_no_worker_was_seen(engine, client):
    status, body = _health(client)
    assert status == 503
    assert (body["status"], body["worker"], body["workerLastSeenSeconds"]) == (
        "unhealthy",
        "missing",
        None,
    )


def test_health_answers_503_when_the_worker_is_stale(engine, client):
    _seen(90)
    status, body = _health(client)
    assert status == 503
    assert (body["worker"], body["workerLastSeenSeconds"]) == ("stale", 90)


def test_health_answers_503_when_queued_work_is_old(engine, client):
    engine_heartbeat_record(lag=400)
    status, body = _health(client)
    assert status == 503
    assert (body["worker"], body["queue"], body["queueOldestSeconds"]) == ("ok", "stuck", 400)


def test_health_answers_503_when_the_broker_is_down(engine, client):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine_heartbeat_record(lag=0.2)
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    _reset_connections()
    status, body = _health(client)
    assert status == 503
    assert (body["broker"], body["database"], body["worker"]) == ("down", "ok", "ok")


def test_health_answers_503_when_the_broker_folder_is_gone(engine, client):
    engine_heartbeat_record(lag=0.2)
    engine.rmdir()
    status, body = _health(client)
    assert (status, body["broker"]) == (503, "down")


def test_health_needs_no_worker_when_tasks_run_in_the_web_process(client):
    status, body = _health(client)
    assert status == 200
    assert (body["worker"], body["queue"]) == ("eager", "eager")


def test_health_refuses_a_post(client):
    assert client.post(reverse("dashboard:health")).status_code == 405
