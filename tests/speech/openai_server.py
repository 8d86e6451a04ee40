"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests: scripted replies, recorded requests.

Use the ``openai_server`` fixture; it points LLM_BASE_URL and OPENAI_STT_BASE_URL at the server.
Import it into a test module with
``from tests.speech.openai_server import openai_server_fixture  # noqa: F401``: the fixture is
named ``openai_server`` while the imported name differs, so ruff sees no redefinition (F811)
when a test takes ``openai_server`` as an argument. (``openai_server`` is importable too.)

Script replies per path, in order::

    openai_server.chat_reply('{"criteria": []}')            # POST /v1/chat/completions
    openai_server.reply("/v1/audio/transcriptions", json={"text": "hi"}, status=200)
    openai_server.reply("/v1/chat/completions", status=500, json={"error": {"message": "x"}})
    openai_server.reply("/v1/chat/completions", delay=2.0, json=...)   # answer late
    openai_server.chat_reply("Once upon", finish_reason="length")     # cut at max_tokens
    openai_server.stream_forever()      # 200, then a byte at a time, never ending
    openai_server.echo_format_hint()    # answer with the example the reply format shows

A path with no scripted reply left answers 418 ``no scripted reply``, so a test that asks
more often than it planned fails with a clear message. ``requests`` records every request.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

CHAT = "/v1/chat/completions"
TRANSCRIPTIONS = "/v1/audio/transcriptions"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0
    forever: bool = False
    echo_hint: bool = False


@dataclass
class FilePart:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, str | FilePart] = field(default_factory=dict)

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def parse_multipart(content_type: str, body: bytes) -> dict[str, str | FilePart]:
    """The fields of a multipart/form-data body: text values, or FilePart for files."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart():
        raise ValueError("the body is not multipart")
    form: dict[str, str | FilePart] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        filename = part.get_filename()
        if filename is not None:
            form[str(name)] = FilePart(filename, part.get_content_type(), payload)
        else:
            form[str(name)] = payload.decode()
    return form


def chat_completion(
    content: str, *, model: str = "test-model", finish_reason: str = "stop"
) -> dict[str, Any]:
    """An OpenAI chat completion whose one choice says ``content``."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class OpenAIServer:
    def __init__(self) -> None:
        self.replies: dict[str, deque[Reply]] = defaultdict(deque)
        self.requests: list[Recorded] = []
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server._handle(self, "POST")

            def do_GET(self) -> None:
                server._handle(self, "GET")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.base_url = f"{self.url}/v1"
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def reply(
        self,
        path: str,
        *,
        json: Any = None,
        body: bytes | str = b"",
        status: int = 200,
        content_type: str = "application/json",
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """Queue ``times`` identical answers for the next requests to ``path``."""
        data = _json_bytes(json) if json is not None else body
        raw = data.encode() if isinstance(data, str) else data
        for _ in range(times):
            self.replies[path].append(Reply(status, raw, content_type, delay))

    def chat_reply(
        self, content: str, *, times: int = 1, delay: float = 0.0, finish_reason: str = "stop"
    ) -> None:
        """Queue a chat completion whose message content is ``content``."""
        completion = chat_completion(content, finish_reason=finish_reason)
        self.reply(CHAT, json=completion, times=times, delay=delay)

    def stream_forever(self, path: str = CHAT) -> None:
        """The next request to ``path`` gets a 200 and then a byte every 50 ms, never ending
        (until the client hangs up or the server stops)."""
        self.replies[path].append(Reply(forever=True))

    def echo_format_hint(self, *, times: int = 1) -> None:
        """The next chat requests are answered with the example object their system message
        shows ("shaped like: ..."), as a careless model copies it."""
        for _ in range(times):
            self.replies[CHAT].append(Reply(echo_hint=True))

    def requests_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        content_type = handler.headers.get("Content-Type", "")
        recorded = Recorded(method, handler.path, dict(handler.headers.items()), body)
        if content_type.startswith("multipart/form-data"):
            recorded.form = parse_multipart(content_type, body)
        self.requests.append(recorded)
        queue = self.replies.get(handler.path)
        reply = (
            queue.popleft()
            if queue
            else Reply(
                418, _json_bytes({"error": {"message": f"no scripted reply for {handler.path}"}})
            )
        )
        if reply.delay and self._stopping.wait(reply.delay):
            return
        if reply.forever:
            self._trickle(handler)
            return
        if reply.echo_hint:
            system = json.loads(body)["messages"][0]["content"]
            # The first of each "a | b" alternative, as a model filling in the example does.
            example = re.sub(r"\s*\|\s*null", "", system.rsplit("shaped like: ", 1)[-1])
            reply = Reply(body=_json_bytes(chat_completion(example)))
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            handler.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)

    def _trickle(self, handler: BaseHTTPRequestHandler) -> None:
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.end_headers()
            handler.wfile.write(b'{"choices": [{"message": {"content": "')
            while not self._stopping.wait(0.05):
                handler.wfile.write(b"and ")
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up: what it should do

    def close(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> OpenAIServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


@pytest.fixture(name="openai_server")
def openai_server_fixture(settings):
    """A running OpenAIServer that LLM_* and OPENAI_STT_* settings point at."""
    with OpenAIServer() as server:
        settings.LLM_BASE_URL = server.base_url
        settings.LLM_API_KEY = "sk-llm-test"
        settings.LLM_MODEL = "test-model"
        settings.LLM_TIMEOUT = 5
        settings.LLM_MAX_ATTEMPTS = 3
        settings.OPENAI_STT_BASE_URL = server.base_url
        settings.OPENAI_STT_API_KEY = "sk-stt-test"
        settings.OPENAI_STT_MODEL = "whisper-1"
        settings.OPENAI_STT_TIMEOUT = 5
        yield server


openai_server = openai_server_fixture
