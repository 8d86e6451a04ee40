"""Webhook fixtures: a real HTTP receiver on 127.0.0.1, and private addresses allowed."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    """Records each POST; answers with the next of ``statuses`` (the last one repeats)."""

    def __init__(self) -> None:
        self.statuses: list[int] = [200]
        self.requests: list[dict] = []
        self.received = threading.Event()
        self.url = ""

    def answer(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            state.requests.append({"headers": dict(self.headers), "body": body})
            code = state.answer()
            reply = json.dumps({"ok": code < 300}).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
            state.received.set()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _allow_private(settings):
    """The receiver is on loopback, which production refuses."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
