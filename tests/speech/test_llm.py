"""The OpenAI-compatible chat client against a real HTTP server on 127.0.0.1."""

import logging
import threading
import time

import pytest

from speech import llm
from speech.evaluation import EvaluationError, TransientEvaluationError
from tests.speech.openai_server import CHAT, openai_server_fixture  # noqa: F401

MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Say hello."},
]


def need_greeting(data):
    if not isinstance(data, dict) or data.get("greeting") != "hello":
        raise ValueError('"greeting" must be "hello"')
    return data["greeting"]


def test_it_posts_the_model_messages_and_key_and_returns_the_content(openai_server):
    openai_server.chat_reply("Hello.")

    assert llm.chat(MESSAGES, max_tokens=200, temperature=0.2) == "Hello."

    [request] = openai_server.requests
    assert request.path == CHAT
    assert request.headers["Authorization"] == "Bearer sk-llm-test"
    assert request.json == {
        "model": "test-model",
        "messages": MESSAGES,
        "temperature": 0.2,
        "max_tokens": 200,  # what the caller asked for (at most LLM_MAX_TOKENS)
    }


def test_it_asks_for_json_and_reads_a_fenced_reply(openai_server):
    openai_server.chat_reply('```json\n{"greeting": "hello"}\n```')

    assert llm.chat_json(
        MESSAGES, max_tokens=64, validate=need_greeting, json_schema_hint='{"greeting"}'
    ) == ("hello")

    [request] = openai_server.requests
    assert request.json["response_format"] == {"type": "json_object"}
    system = request.json["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith("You are terse.")
    assert '{"greeting"}' in system["content"]
    assert request.json["messages"][1:] == MESSAGES[1:]


def test_it_asks_again_with_the_problem_and_uses_the_corrected_reply(openai_server):
    openai_server.chat_reply("Sure! Here you go: not json")
    openai_server.chat_reply('{"greeting": "hi"}')
    openai_server.chat_reply('Here it is: {"greeting": "hello"} Hope that helps.')

    assert llm.chat_json(MESSAGES, max_tokens=64, validate=need_greeting) == "hello"

    first, second, third = openai_server.requests_to(CHAT)
    assert len(first.json["messages"]) == 2
    assert second.json["messages"][-2] == {
        "role": "assistant",
        "content": "Sure! Here you go: not json",
    }
    assert "not valid JSON" in second.json["messages"][-1]["content"]
    assert '"greeting" must be "hello"' in third.json["messages"][-1]["content"]


def test_it_gives_up_after_the_configured_attempts(openai_server, settings):
    settings.LLM_MAX_ATTEMPTS = 2
    openai_server.chat_reply('{"greeting": "bye"}', times=3)

    with pytest.raises(llm.LLMMalformedReply, match=r'2 attempts.*must be "hello"'):
        llm.chat_json(MESSAGES, max_tokens=64, validate=need_greeting)

    assert len(openai_server.requests) == 2
    assert issubclass(llm.LLMMalformedReply, EvaluationError)
    assert not issubclass(llm.LLMMalformedReply, TransientEvaluationError)


def test_it_retries_a_reply_that_is_not_a_chat_completion(openai_server):
    openai_server.reply(CHAT, json={"unexpected": True})
    openai_server.chat_reply('{"greeting": "hello"}')
    assert llm.chat_json(MESSAGES, max_tokens=64, validate=need_greeting) == "hello"
    assert len(openai_server.requests) == 2


@pytest.mark.parametrize("status", [429, 500, 503])
def test_it_treats_overload_and_server_errors_as_unavailable(openai_server, status):
    openai_server.reply(CHAT, status=status, json={"error": {"message": "try later"}})

    with pytest.raises(llm.LLMUnavailable, match=f"answered {status}: try later") as raised:
        llm.chat_json(MESSAGES, max_tokens=64, validate=need_greeting)

    assert isinstance(raised.value, TransientEvaluationError)
    assert len(openai_server.requests) == 1  # the Celery task retries, not the client


def test_it_treats_a_slow_server_as_unavailable(openai_server, settings):
    settings.LLM_TIMEOUT = 0.5
    openai_server.chat_reply('{"greeting": "hello"}', delay=3)

    with pytest.raises(llm.LLMUnavailable, match="could not be reached"):
        llm.chat_json(MESSAGES, max_tokens=64, validate=need_greeting)


def test_it_treats_a_refused_connection_as_unavailable(settings):
    settings.LLM_BASE_URL = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    with pytest.raises(llm.LLMUnavailable, match="could not be reached"):
        llm.chat(MESSAGES, max_tokens=64)


def test_it_reports_a_refusal_with_the_servers_message(openai_server):
    openai_server.reply(
        CHAT, status=404, json={"error": {"message": "The model `test-model` does not exist"}}
    )
    with pytest.raises(llm.LLMError, match=r"refused the request \(404\).*does not exist") as e:
        llm.chat(MESSAGES, max_tokens=64)
    assert not isinstance(e.value, TransientEvaluationError)


def test_it_sends_no_authorization_without_a_key(openai_server, settings):
    settings.LLM_API_KEY = ""
    openai_server.chat_reply("Hello.")
    llm.chat(MESSAGES, max_tokens=64)
    assert "Authorization" not in openai_server.requests[0].headers


def test_it_never_logs_the_key(openai_server, caplog):
    caplog.set_level(logging.DEBUG)
    openai_server.chat_reply("not json")
    openai_server.chat_reply('{"greeting": "hello"}')
    llm.chat_json(MESSAGES, max_tokens=64, validate=need_greeting)
    assert caplog.records
    assert "sk-llm-test" not in caplog.text


def test_it_needs_a_base_url(settings):
    settings.LLM_BASE_URL = ""
    assert not llm.llm_configured()
    with pytest.raises(llm.LLMNotConfigured, match="set LLM_BASE_URL"):
        llm.chat(MESSAGES, max_tokens=64)
    settings.LLM_BASE_URL = "ftp://example.com/v1"
    assert llm.llm_configured()
    with pytest.raises(llm.LLMNotConfigured, match="http:// or https://"):
        llm.chat(MESSAGES, max_tokens=64)


def test_it_names_the_configured_model(settings):
    settings.LLM_MODEL = "llama3.1:8b"
    assert llm.model_name() == "llama3.1:8b"


@pytest.mark.parametrize(
    ("configured", "base"),
    [
        ("https://api.openai.com", "https://api.openai.com/v1"),
        ("https://api.openai.com/", "https://api.openai.com/v1"),
        ("http://127.0.0.1:11434/v1/", "http://127.0.0.1:11434/v1"),
        ("https://x.openai.azure.com/openai/v1", "https://x.openai.azure.com/openai/v1"),
    ],
)
def test_it_completes_a_bare_host_with_v1(configured, base):
    assert llm.api_base(configured) == base


# --------------------------------------------------------------------------- bounds (issue 20)


def test_every_request_sends_the_callers_limit_capped_by_the_setting(openai_server, settings):
    openai_server.chat_reply("Hi.", times=2)
    llm.chat(MESSAGES, max_tokens=120)
    settings.LLM_MAX_TOKENS = 50
    llm.chat(MESSAGES, max_tokens=120)
    assert [r.json["max_tokens"] for r in openai_server.requests_to(CHAT)] == [120, 50]
    with pytest.raises(ValueError, match="max_tokens must be at least 1"):
        llm.chat(MESSAGES, max_tokens=0)


def test_a_reply_cut_at_its_limit_is_an_error_with_a_reason_and_not_asked_again(openai_server):
    openai_server.chat_reply('{"greeting": "hel', finish_reason="length", times=3)
    with pytest.raises(llm.LLMReplyCut, match="cut at its limit of 64 tokens"):
        llm.chat_json(MESSAGES, max_tokens=64, validate=need_greeting)
    assert len(openai_server.requests_to(CHAT)) == 1
    # Not worth retrying later either: the same request would be cut again.
    assert not isinstance(llm.LLMReplyCut("x"), llm.LLMUnavailable)


def test_a_server_that_streams_without_end_is_cut_off_at_the_timeout(openai_server, settings):
    settings.LLM_TIMEOUT = 1
    openai_server.stream_forever()
    outcome: list[BaseException] = []

    def ask() -> None:
        try:
            llm.chat(MESSAGES, max_tokens=64)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    began = time.monotonic()
    worker = threading.Thread(target=ask, daemon=True)
    worker.start()
    worker.join(15)
    assert not worker.is_alive(), "the client kept reading a reply without end"
    assert time.monotonic() - began < 5
    [error] = outcome
    assert isinstance(error, llm.LLMUnavailable)
    assert "did not finish answering within 1 s" in str(error)
