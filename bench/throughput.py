"""Dashboard and API list throughput, as ratios against four baselines in the same gunicorn.

    .venv/bin/python -m bench.throughput [--seconds 8] [--rounds 3] [--connections 4]

Run ``python -m bench.generate`` first: the pages are measured on whatever the bench team
holds. One gunicorn (2 sync workers, DEBUG off) serves the project with bench.urls, which adds
the old baselines, a bare Django JSON view (/bench/json/) and a signed-in 25-row constant page
in the dashboard's layout (/bench/constant/), and the fair ones: a JSON view that checks the
API key and reads 25 invites by an index (/bench/json-key/), and the 25 constant rows as a
django-tables2 table through components/table.html (/bench/table/). Every dashboard page gets
a ratio against both page baselines, the API list against both JSON ones. Each round
measures every URL once, one after the other, so a burst of load from elsewhere hits a round
rather than one URL; the figures are the medians of the rounds. The load generator is wrk
when installed, else a Python keep-alive client.

Before the load, each URL is requested once in-process with every SQL statement captured, to
show the query count and whether any ``count(*)`` over the invites table runs per request.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.db import connection
from django.test import Client

from bench.common import api_key as make_api_key
from bench.common import (
    ensure_fixture,
    gunicorn,
    have,
    load_average,
    prepare,
    session_cookie,
)

TARGETS = {
    "invite list / constant page": 0.70,
    "invite list / constant table": 0.70,
    "API list / bare JSON": 0.50,
    "API list / keyed JSON": 0.50,
}
# page -> its baselines (old, fair).
BASELINES = {
    "invite list": ("constant page", "constant table"),
    "results page": ("constant page", "constant table"),
    "interview list": ("constant page", "constant table"),
    "API list": ("bare JSON", "keyed JSON"),
}
# A statement whose result is a count (or counts) over rows of the invites table.
COUNT_RE = re.compile(r"\s*SELECT\s+COUNT\(", re.IGNORECASE)
SLOW_MS = 20.0


def urls(fixture: Any) -> dict[str, tuple[str, str]]:
    """name -> (path, auth) where auth is "session", "key" or ""."""
    interview = fixture.interviews[0]
    return {
        "bare JSON": ("/bench/json/", ""),
        "keyed JSON": ("/bench/json-key/", "key"),
        "constant page": ("/bench/constant/", "session"),
        "constant table": ("/bench/table/", "session"),
        "invite list": ("/invites/", "session"),
        "API list": ("/qsi/gather/candidate-interviews?pageSize=25", "key"),
        "results page": (f"/interviews/{interview.pk}/results/", "session"),
        "interview list": ("/interviews/", "session"),
    }


def capture_queries(
    fixture: Any, paths: dict[str, tuple[str, str]], key: str
) -> dict[str, list[tuple[str, float]]]:
    """Each URL's SQL and its milliseconds, from one in-process request (after a warm-up)."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(fixture.user)
    found: dict[str, list[tuple[str, float]]] = {}
    for name, (path, auth) in paths.items():
        headers = {"x-api-key": key} if auth == "key" else {}
        asker = client if auth == "session" else Client(HTTP_HOST="127.0.0.1")
        asker.get(path, headers=headers)
        statements: list[tuple[str, float]] = []

        def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                elapsed = (time.perf_counter() - began) * 1000
                statements.append((sql, elapsed))  # noqa: B023 -- read right after the request

        with connection.execute_wrapper(record):
            response = asker.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        found[name] = statements
    return found


def invite_counts(statements: list[str]) -> list[str]:
    return [
        sql
        for sql in statements
        if COUNT_RE.match(sql) and 'FROM "candidates_candidateinterview"' in sql
    ]


def wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> dict[str, float]:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "60s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    return {
        "rps": rate,
        "errors": float(errors.group(1) if errors else 0)
        + (sum(float(n) for n in socket.groups()) if socket else 0.0),
        "p50_ms": _ms(p50.group(1), p50.group(2)) if p50 else float("nan"),
    }


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def python_load(
    url: str, headers: dict[str, str], seconds: float, connections: int
) -> dict[str, float]:
    """wrk's job in Python: ``connections`` threads, each a keep-alive connection."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    stop = time.monotonic() + seconds
    done: list[int] = []
    errors: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        count = bad = 0
        mine: list[float] = []
        while time.monotonic() < stop:
            began = time.perf_counter()
            conn.request("GET", target, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            count += 1
            bad += response.status >= 400
        conn.close()
        with lock:
            done.append(count)
            errors.append(bad)
            latencies.extend(mine)

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "rps": sum(done) / elapsed,
        "errors": float(sum(errors)),
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
    }


def load_generator(python_client: bool = False) -> tuple[Callable[..., dict[str, float]], str]:
    """wrk when installed (and not refused), else the Python client; and its name."""
    if have("wrk") and not python_client:
        return wrk, "wrk"
    return python_load, "Python keep-alive threads"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    args = parser.parse_args(argv)

    prepare()
    return _measure(args)


def _measure(args: argparse.Namespace) -> dict[str, Any]:
    fixture = ensure_fixture()
    cookie = session_cookie(fixture.user)
    key = make_api_key(fixture)
    paths = urls(fixture)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM candidates_candidateinterview WHERE team_id = %s",
            [fixture.team.pk],
        )
        rows = cursor.fetchone()[0]
    print(f"bench team holds {rows:,} invites")

    print("\nqueries per request (in-process, second request):")
    captured = capture_queries(fixture, paths, key)
    count_hits: dict[str, list[str]] = {}
    for name, statements in captured.items():
        hits = invite_counts([sql for sql, _ in statements])
        count_hits[name] = hits
        total_ms = sum(ms for _, ms in statements)
        print(
            f"  {name:<16} {len(statements):>3} queries in {total_ms:7.1f} ms, "
            f"counts over the invites table: {len(hits)}"
        )
        for sql, ms in statements:
            if ms >= SLOW_MS or sql in hits:
                print(f"      {ms:7.1f} ms  {sql[:240]}")

    load, label = load_generator(args.python_client)
    print(
        f"\nload generator: {label}, "
        f"{args.connections} connections, {args.seconds:g} s per URL, {args.rounds} rounds"
    )
    results: dict[str, list[dict[str, float]]] = {name: [] for name in paths}
    # The API's per-key limit (600 a minute) still counts every request, but never answers
    # 429 here: a rate limited page would be measured as fast.
    with gunicorn(workers=2, API_RATE_LIMIT=str(10**9)) as (base, _process):
        for path, auth in paths.values():  # warm every worker's caches
            load(base + path, auth_headers(auth, cookie, key), 1, args.connections)
            drain(base)
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number} ({load_average()})")
            for name, (path, auth) in paths.items():
                figures = load(
                    base + path, auth_headers(auth, cookie, key), args.seconds, args.connections
                )
                results[name].append(figures)
                drain(base)
                print(
                    f"  {name:<16} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:7.1f} ms"
                    f"  errors {figures['errors']:.0f}"
                )

    medians = {name: statistics.median(r["rps"] for r in runs) for name, runs in results.items()}
    ratios = {
        f"{page} / {baseline}": _ratio(results, page, baseline)
        for page, baselines in BASELINES.items()
        if page in results
        for baseline in baselines
    }
    print("\nmedian req/s:")
    for name, value in medians.items():
        print(f"  {name:<16} {value:8.1f}")
    print("ratios (median of the per-round ratios):")
    for name, value in ratios.items():
        target = TARGETS.get(name)
        verdict = (
            ""
            if target is None
            else (f"  target >= {target:.2f}: {'met' if value >= target else 'NOT met'}")
        )
        print(f"  {name:<32} {value:.2f}{verdict}")
    return {"medians": medians, "ratios": ratios, "queries": captured, "counts": count_hits}


def drain(base: str, connections: int = 4, quick: float = 0.25) -> None:
    """Wait until both workers are idle again: a slow page's requests go on after the load
    generator stops, and would otherwise eat into the next URL's time."""
    parts = urlsplit(base)

    def probe() -> float:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=600)
        began = time.perf_counter()
        conn.request("GET", "/bench/json/")
        conn.getresponse().read()
        conn.close()
        return time.perf_counter() - began

    while True:
        times: list[float] = []
        threads = [
            threading.Thread(target=lambda found=times: found.append(probe()))
            for _ in range(connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if max(times) < quick:
            return


def auth_headers(auth: str, cookie: str, key: str) -> dict[str, str]:
    if auth == "session":
        return {"Cookie": f"sessionid={cookie}"}
    if auth == "key":
        return {"x-api-key": key}
    return {}


def _ratio(results: dict[str, list[dict[str, float]]], page: str, baseline: str) -> float:
    return statistics.median(
        p["rps"] / b["rps"] for p, b in zip(results[page], results[baseline], strict=True)
    )


if __name__ == "__main__":
    main()
