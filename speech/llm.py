"""A small client for any OpenAI-compatible chat endpoint (OpenAI, Azure, Ollama, vLLM), or for
a GGUF model file run in this process by llama-cpp-python (``LLM_GGUF_PATH``).

``chat(messages)`` returns the reply's text; ``chat_json(messages, validate=...)`` asks for a
JSON object, checks its shape with ``validate`` and, when the shape is wrong, tells the model
what was wrong and asks again, up to ``LLM_MAX_ATTEMPTS`` times in all. Transport failures
(timeouts, refused connections, 429 and 5xx answers) are not retried here: they raise
:class:`LLMUnavailable` at once so the Celery task that called us can retry later with backoff.

Every request says how long its reply may be (``max_tokens``, chosen by the caller for what it
asks: a follow-up question is short, a rubric's scores longer), never more than
``LLM_MAX_TOKENS``. A reply the server cut at that length raises :class:`LLMReplyCut` at once:
half an answer is not used, and asking again would only be cut again. Every reply is bounded in
time by ``LLM_TIMEOUT`` too, from the request to its last byte (a server that streams without
end is cut off, as is the in-process generation), raising :class:`LLMUnavailable`. The API key
travels only in the ``Authorization`` header and is never logged.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings

from speech import openai_http
from speech.evaluation import EvaluationError, TransientEvaluationError

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger(__name__)

Message = dict[str, str]

_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


class LLMError(EvaluationError):
    """The language model server refused the request (a bad key, an unknown model, a 4xx)."""


class LLMNotConfigured(LLMError):
    """LLM_BASE_URL is not set: there is no language model to ask."""


class LLMMalformedReply(LLMError):
    """The model's replies could not be used, even after asking again."""


class LLMReplyCut(LLMError):
    """The reply reached the length the request allowed before it finished: not used, and not
    asked again (it would be cut again)."""


class LLMUnavailable(LLMError, TransientEvaluationError):
    """Worth retrying later: a timeout, a refused connection, a 429 or 5xx answer."""


def llm_configured() -> bool:
    return bool(settings.LLM_BASE_URL.strip() or settings.LLM_GGUF_PATH.strip())


def local_model_path() -> Path | None:
    """The operator's GGUF file when the model runs in this process, else None."""
    path = settings.LLM_GGUF_PATH.strip()
    return Path(path) if path else None


def model_name() -> str:
    local = local_model_path()
    return local.name.removesuffix(".gguf") if local else str(settings.LLM_MODEL)


def api_base(url: str) -> str:
    """``url`` without its trailing slash; a bare host (``https://api.openai.com``) gets ``/v1``.

    Servers put the API under a path (``/v1``, ``/openai/v1``), so a URL with a path is used as
    given and only a URL without one is completed.
    """
    base = url.strip().rstrip("/")
    if urlsplit(base).path in ("", "/"):
        base += "/v1"
    return base


def _endpoint() -> str:
    if not llm_configured():
        raise LLMNotConfigured(
            "No language model is configured: set LLM_BASE_URL to an OpenAI-compatible endpoint "
            "(for example http://127.0.0.1:11434/v1 for Ollama)."
        )
    base = api_base(settings.LLM_BASE_URL)
    if not base.startswith(("http://", "https://")):
        raise LLMNotConfigured("LLM_BASE_URL must start with http:// or https://.")
    return f"{base}/chat/completions"


def _with_hint(messages: list[Message], hint: str) -> list[Message]:
    """The conversation with the JSON instruction added to its system message."""
    instruction = (
        f"Answer with one JSON object only, no prose and no code fence, shaped like: {hint}"
    )
    if messages and messages[0].get("role") == "system":
        first = {**messages[0], "content": f"{messages[0]['content']}\n\n{instruction}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]


def reply_limit(max_tokens: int) -> int:
    """The tokens a reply may take: what the caller asks for, at most ``LLM_MAX_TOKENS``."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    return min(max_tokens, settings.LLM_MAX_TOKENS)


def _cut(limit: int) -> LLMReplyCut:
    return LLMReplyCut(
        f"The language model's reply was cut at its limit of {limit} tokens (max_tokens) "
        "before it finished, so it was not used. A model that rambles needs a firmer prompt; "
        "LLM_MAX_TOKENS caps every limit."
    )


def chat(
    messages: list[Message],
    *,
    max_tokens: int,
    json_schema_hint: str | None = None,
    temperature: float = 0.0,
    timeout: float | None = None,
) -> str:
    """The text of the model's reply to ``messages``, at most ``max_tokens`` long (capped by
    ``LLM_MAX_TOKENS``); a reply cut at that length raises :class:`LLMReplyCut`.

    With ``json_schema_hint`` the request asks for JSON mode (``response_format``
    ``json_object``) and the system message says what the object looks like.
    """
    limit = reply_limit(max_tokens)
    if local_model_path() is not None:
        return _local_chat(
            _with_hint(messages, json_schema_hint) if json_schema_hint else messages,
            json_mode=bool(json_schema_hint),
            temperature=temperature,
            timeout=timeout if timeout is not None else settings.LLM_TIMEOUT,
            max_tokens=limit,
        )
    endpoint = _endpoint()
    payload: dict[str, Any] = {
        "model": model_name(),
        "messages": _with_hint(messages, json_schema_hint) if json_schema_hint else messages,
        "temperature": temperature,
        "max_tokens": limit,
    }
    if json_schema_hint:
        payload["response_format"] = {"type": "json_object"}
    started = time.monotonic()
    body = openai_http.post(  # the URL's scheme is checked in _endpoint
        endpoint,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        api_key=settings.LLM_API_KEY,
        timeout=timeout if timeout is not None else settings.LLM_TIMEOUT,
        server="language model server",
        transient=LLMUnavailable,
        refused=LLMError,
    )
    logger.info("LLM reply from %s in %.1f s", model_name(), time.monotonic() - started)
    try:
        choice = json.loads(body)["choices"][0]
        content = choice["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMMalformedReply(
            "The language model server answered something that is not a chat completion."
        ) from exc
    if isinstance(choice, dict) and choice.get("finish_reason") == "length":
        raise _cut(limit)
    if not isinstance(content, str):
        raise LLMMalformedReply("The language model's reply has no text.")
    return content


# --- a GGUF model in this process ---------------------------------------------------------------

_local_load_lock = threading.Lock()
_local_run_lock = threading.Lock()  # a llama.cpp context serves one generation at a time


@functools.cache
def _load_local(path: str, threads: int, context: int) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise LLMNotConfigured(
            "LLM_GGUF_PATH is set but llama-cpp-python is not installed: "
            "pip install 'panelist[llama]' (or .[llama] in a checkout), or unset LLM_GGUF_PATH."
        ) from exc
    if not Path(path).is_file():
        raise LLMNotConfigured(f"LLM_GGUF_PATH={path} is not a file.")
    try:
        model = Llama(model_path=path, n_ctx=context, n_threads=threads, n_batch=256, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:
        raise LLMNotConfigured(f"The GGUF model at {path} could not be loaded: {exc}") from exc
    atexit.register(model.close)  # before the interpreter tears down what close() calls
    return model


def _local_model() -> Any:
    from speech.models import ModelRefused, verify_operator_file

    path = local_model_path()
    assert path is not None
    if path.is_file():
        try:
            # The operator's file: trusted when first loaded, refused if it changes after.
            verify_operator_file(path, kind="Language model (GGUF, LLM_GGUF_PATH)")
        except ModelRefused as exc:
            raise LLMNotConfigured(str(exc)) from exc
    with _local_load_lock:  # functools.cache alone may load the model twice
        return _load_local(
            str(path), max(1, settings.LLM_GGUF_THREADS), max(512, settings.LLM_GGUF_CONTEXT)
        )


def _local_chat(
    messages: list[Message], *, json_mode: bool, temperature: float, timeout: float, max_tokens: int
) -> str:
    """The reply of the operator's GGUF model, generated here, bounded in tokens and time.

    JSON mode constrains the sampling to a JSON object (llama.cpp's grammar), so even a small
    model answers with parseable JSON; whether its content is usable is for the caller's
    ``validate`` to say.
    """
    model = _local_model()
    deadline = time.monotonic() + timeout
    pieces: list[str] = []
    finish = ""
    started = time.monotonic()
    with _local_run_lock:
        try:
            # Streamed, so the deadline is checked after every token; a reply cut short by it
            # is not used (half an answer is no answer).
            for chunk in model.create_chat_completion(
                messages=messages,
                temperature=temperature,
                max_tokens=max_tokens,
                response_format={"type": "json_object"} if json_mode else None,
                stream=True,
            ):
                delta = chunk["choices"][0].get("delta", {})
                pieces.append(str(delta.get("content") or ""))
                finish = chunk["choices"][0].get("finish_reason") or finish
                if time.monotonic() > deadline:
                    raise LLMUnavailable(
                        f"The local model did not finish within LLM_TIMEOUT={timeout:g} s; "
                        "try a smaller model, more LLM_GGUF_THREADS or a longer timeout."
                    )
        except ValueError as exc:  # e.g. the prompt does not fit the context window
            raise LLMError(f"The local model refused the request: {exc}") from exc
        except (KeyError, IndexError, TypeError) as exc:
            raise LLMMalformedReply("The local model's reply has no text.") from exc
    logger.info("Local LLM reply from %s in %.1f s", model_name(), time.monotonic() - started)
    if finish == "length":
        raise _cut(max_tokens)
    return "".join(pieces)


def parse_json_reply(content: str) -> Any:
    """The JSON value in a reply, without the ```json fence some models wrap it in."""
    fenced = _FENCE.match(content)
    text = fenced.group(1) if fenced else content.strip()
    try:
        return json.loads(text)
    except ValueError:
        # Some models write a sentence before or after the object despite JSON mode.
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            try:
                return json.loads(text[start : end + 1])
            except ValueError:
                pass
        raise ValueError("the reply is not valid JSON") from None


def chat_json[T](
    messages: list[Message],
    *,
    max_tokens: int,
    validate: Callable[[Any], T],
    attempts: int | None = None,
    json_schema_hint: str = "an object",
    temperature: float = 0.0,
    timeout: float | None = None,
) -> T:
    """The model's JSON reply, checked by ``validate`` (which raises ValueError on a bad shape).

    A reply that is not JSON or fails ``validate`` is answered with the error and the model
    asked again; after ``attempts`` (default ``LLM_MAX_ATTEMPTS``) unusable replies this raises
    :class:`LLMMalformedReply`. :class:`LLMUnavailable` and :class:`LLMReplyCut` (the reply
    reached ``max_tokens``) are raised at once, never retried here.
    """
    attempts = max(1, attempts if attempts is not None else settings.LLM_MAX_ATTEMPTS)
    conversation = list(messages)
    problem = ""
    for attempt in range(1, attempts + 1):
        try:
            content = chat(
                conversation,
                max_tokens=max_tokens,
                json_schema_hint=json_schema_hint,
                temperature=temperature,
                timeout=timeout,
            )
        except LLMMalformedReply as exc:
            problem = str(exc)
            continue
        try:
            return validate(parse_json_reply(content))
        except ValueError as exc:
            problem = str(exc) or exc.__class__.__name__
            logger.warning("LLM reply %d of %d unusable: %s", attempt, attempts, problem)
            conversation = [
                *conversation,
                {"role": "assistant", "content": content},
                {
                    "role": "user",
                    "content": f"That reply could not be used: {problem}. "
                    "Answer again with the corrected JSON object only.",
                },
            ]
    raise LLMMalformedReply(
        f"The language model gave no usable answer in {attempts} "
        f"attempt{'s' if attempts != 1 else ''}; the last problem: {problem}"
    )
