"""Both evaluators for real: the ONNX similarity heuristic on hand-written answers, and the
language-model evaluator against a real OpenAI-compatible HTTP server on 127.0.0.1."""

import json
import re
from dataclasses import replace

import numpy as np
import pytest

from speech import llm
from speech.evaluation import (
    Criterion,
    EvaluationAbstained,
    EvaluationRefused,
    EvaluationRequest,
    TransientEvaluationError,
    get_evaluator,
)
from speech.evaluators import (
    EvaluatorUnavailable,
    LLMEvaluator,
    OfflineEvaluator,
    detect_language,
    embed,
    points,
    sentences,
    similarity,
    verbatim,
)
from tests.speech.openai_server import CHAT, openai_server_fixture  # noqa: F401

QUESTION = "Tell me about a production incident you handled."

CRITERIA = (
    Criterion(
        key="diagnosis",
        name="Diagnosis",
        description="Explains how they found the root cause of the outage using logs, metrics "
        "or traces.",
        ideal_answer="I checked the dashboards and logs, saw the error rate spike after the "
        "deploy, and traced it to a database migration that locked a table.",
        anchors={"1": "No diagnosis", "5": "Evidence-led root cause"},
    ),
    Criterion(
        key="mitigation",
        name="Mitigation",
        description="Describes the immediate action taken to restore service for users, such "
        "as a rollback or failover.",
        ideal_answer="We rolled back the deploy within ten minutes and service recovered.",
    ),
    Criterion(
        key="learning",
        name="Follow-up",
        description="Describes what changed afterwards to prevent a repeat: a postmortem, "
        "monitoring or process change.",
        ideal_answer="We wrote a blameless postmortem, added an alert on lock waits and now test "
        "migrations against production-sized data.",
    ),
)

STRONG = (
    "Last year our checkout service started failing right after a Friday deploy. I looked at "
    "the error-rate dashboard and the application logs and saw timeouts on every write. The "
    "traces pointed to a database migration that had locked the orders table. I rolled back the "
    "deploy and the service recovered within about ten minutes. Afterwards we wrote a blameless "
    "postmortem, added an alert on database lock waits, and we now run every migration against "
    "a copy of production data first."
)
PARTIAL = (
    "Once the site went down after a release. We rolled it back quickly and things were fine "
    "again. I think it was something with the database."
)
WEAK = (
    "I have not really had incidents. I usually work on frontend features and the team handles "
    "operations. I like writing clean code and working with people."
)
OFF_TOPIC = (
    "My favourite hobby is baking sourdough bread on weekends. I also enjoy hiking in the "
    "mountains with my dog and reading science fiction novels."
)


def ask(answer, criteria=CRITERIA, keywords=("rollback", "postmortem")):
    return EvaluationRequest(question=QUESTION, answer=answer, criteria=criteria, keywords=keywords)


def total(result):
    return sum(score.score for score in result.scores)


# --- the offline evaluator ------------------------------------------------------------------


def test_it_ranks_a_strong_answer_above_partial_weak_and_off_topic_ones():
    evaluator = OfflineEvaluator()
    strong, partial, weak, off_topic = (
        evaluator.evaluate(ask(a)) for a in (STRONG, PARTIAL, WEAK, OFF_TOPIC)
    )

    assert total(strong) > total(partial) >= total(weak) >= total(off_topic)
    assert min(s.score for s in strong.scores) >= 4
    assert max(s.score for s in off_topic.scores) == 1
    assert [s.key for s in strong.scores] == ["diagnosis", "mitigation", "learning"]
    assert (strong.provider, strong.model, strong.prompt_version) == (
        "offline",
        "multilingual-e5-small-q4",
        "offline-2",
    )


def test_it_quotes_the_best_matching_passage_verbatim():
    result = OfflineEvaluator().evaluate(ask(STRONG))
    evidence = {s.key: s.evidence for s in result.scores}

    assert all(e and e in STRONG for e in evidence.values())
    assert "rolled back" in evidence["mitigation"]
    assert "postmortem" in evidence["learning"]


def test_it_explains_that_its_score_is_a_similarity_measure():
    result = OfflineEvaluator().evaluate(ask(PARTIAL))
    mitigation = next(s for s in result.scores if s.key == "mitigation")

    assert re.search(r"meets \d+ of the \d+ points a strong answer makes", mitigation.rationale)
    assert re.search(r"coverage 0\.\d{3}", mitigation.rationale)
    assert "not correctness" in mitigation.rationale
    assert result.summary.startswith("Offline estimate")


def test_it_gives_no_evidence_for_an_answer_that_does_not_bear_on_a_criterion():
    result = OfflineEvaluator().evaluate(ask(OFF_TOPIC))
    assert {s.evidence for s in result.scores} == {""}


def test_it_still_ranks_answers_on_a_rubric_without_ideal_answers_or_keywords():
    bare = tuple(replace(c, ideal_answer="") for c in CRITERIA)
    evaluator = OfflineEvaluator()
    strong = evaluator.evaluate(ask(STRONG, bare, ()))
    off_topic = evaluator.evaluate(ask(OFF_TOPIC, bare, ()))
    assert total(strong) > total(off_topic)


FRENCH_STRONG = (
    "L'an dernier, notre service de paiement a commencé à échouer juste après une mise en "
    "production un vendredi. J'ai regardé le tableau de bord des erreurs et les journaux de "
    "l'application : des délais dépassés à chaque écriture. Les traces montraient une migration "
    "de base de données qui avait verrouillé la table des commandes. J'ai annulé le déploiement "
    "et le service est revenu en dix minutes. Ensuite nous avons écrit un post-mortem sans "
    "reproche, ajouté une alerte sur les verrous et nous testons chaque migration sur une copie "
    "des données de production."
)
SPANISH_STRONG = (
    "El año pasado nuestro servicio de pagos empezó a fallar justo después de un despliegue un "
    "viernes. Miré el panel de errores y los registros de la aplicación y vi tiempos de espera "
    "en cada escritura. Las trazas apuntaban a una migración de la base de datos que había "
    "bloqueado la tabla de pedidos. Revertí el despliegue y el servicio se recuperó en unos "
    "diez minutos. Después escribimos un análisis sin culpables, añadimos una alerta sobre los "
    "bloqueos y ahora probamos cada migración con una copia de los datos de producción."
)


@pytest.mark.parametrize("answer", [FRENCH_STRONG, SPANISH_STRONG], ids=["fr", "es"])
def test_it_reads_a_good_french_or_spanish_answer_against_an_english_rubric(answer):
    evaluator = OfflineEvaluator()
    result = evaluator.evaluate(ask(answer))
    off_topic = evaluator.evaluate(ask(OFF_TOPIC))

    assert min(s.score for s in result.scores) >= 3
    assert total(result) > total(off_topic) + 4
    assert all(s.evidence in answer for s in result.scores)


def test_it_abstains_on_an_answer_too_short_to_advise_on():
    with pytest.raises(
        EvaluationAbstained, match="Not enough evidence to advise: the answer has 8"
    ):
        OfflineEvaluator().evaluate(ask("We rolled back the deploy and it recovered."))


def test_it_abstains_on_a_language_it_does_not_read():
    german = (
        "Ich habe die Protokolle gelesen, die Ursache in einer Datenbankmigration gefunden und "
        "die Auslieferung sofort zurückgenommen, danach haben wir eine Nachbesprechung gemacht."
    )
    with pytest.raises(EvaluationAbstained, match="not in a language the offline evaluator reads"):
        OfflineEvaluator().evaluate(ask(german))


def test_it_scores_a_list_of_the_rubrics_words_one_saying_why():
    stuffed = (
        "Rollback postmortem dashboards logs traces database migration locked table alert "
        "lock waits production-sized data root cause mitigation"
    )
    result = OfflineEvaluator().evaluate(ask(stuffed))
    assert {s.score for s in result.scores} == {1}
    assert "lists terms without sentences" in result.scores[0].rationale


def test_it_scores_the_question_said_back_one_saying_why():
    restated = (
        "You would like me to tell you about a production incident that I handled. A "
        "production incident I handled is what you are asking me to tell you about."
    )
    result = OfflineEvaluator().evaluate(ask(restated))
    assert {s.score for s in result.scores} == {1}
    assert "says the question back" in result.summary


@pytest.mark.parametrize(
    ("answer", "reason"),
    [("", "no answer to evaluate"), ("Um, I don't know.", "has 4 words")],
)
def test_it_refuses_an_empty_or_near_empty_answer(answer, reason, settings):
    settings.LLM_BASE_URL = "http://127.0.0.1:9/v1"  # never asked: nothing listens there
    for evaluator in (OfflineEvaluator(), LLMEvaluator()):
        with pytest.raises(EvaluationRefused, match=reason):
            evaluator.evaluate(ask(answer))


def test_it_refuses_an_answer_without_words():
    with pytest.raises(EvaluationRefused, match="no words"):
        OfflineEvaluator().evaluate(ask("... --- ... --- ..."))


def test_it_embeds_normalised_vectors_that_measure_meaning_across_languages():
    vectors = embed(["The cat sat on the mat.", "A cat was sitting on a rug.", "Tax law."])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    english = "I rolled back the release to restore service."
    paraphrase = similarity(english, "We reverted the deploy so users could work again.")
    french = similarity(english, "J'ai annulé la mise en production pour rétablir le service.")
    unrelated = similarity(english, "I bake bread on Sundays.")
    assert paraphrase > unrelated + 0.05
    assert french > unrelated + 0.05


def test_it_detects_the_languages_it_reads():
    assert detect_language(STRONG) == "en"
    assert detect_language(FRENCH_STRONG) == "fr"
    assert detect_language(SPANISH_STRONG) == "es"
    assert detect_language("Datenbank Migration Protokolle") is None


def test_it_splits_passages_verbatim_and_cuts_run_on_transcripts():
    assert sentences("First one. Second one!\nThird, without a stop") == [
        "First one",
        "Second one",
        "Third, without a stop",
    ]
    run_on = " ".join(f"word{i}" for i in range(100))
    parts = sentences(run_on)
    assert len(parts) == 14  # 14-word windows every 7 words
    assert all(p in run_on for p in parts)
    assert parts[0].split()[0] == "word0"
    assert parts[-1].split()[-1] == "word99"


def test_it_cuts_an_ideal_answer_into_points():
    assert points(
        "I checked the logs, saw the error rate spike after the deploy, and traced it to a lock."
    ) == ["I checked the logs", "saw the error rate spike after the deploy", "traced it to a lock"]


# --- the language-model evaluator ----------------------------------------------------------------

GOOD_REPLY = {
    "criteria": [
        {
            "key": "mitigation",
            "score": 5,
            "evidence": "I rolled back the deploy and the service recovered",
            "rationale": "Restored service quickly with a rollback.",
        },
        {
            "key": "diagnosis",
            "score": 4,
            "evidence": "the traces pointed to a DATABASE migration  that had locked",
            "rationale": "Used traces to find the cause.",
        },
        {"key": "learning", "score": 4, "evidence": "", "rationale": "Postmortem and alerting."},
    ],
    "summary": "A clear, evidence-led incident story.",
}


def reply_with(**changes):
    reply = json.loads(json.dumps(GOOD_REPLY))
    for key, value in changes.items():
        reply["criteria"][0][key] = value
    return json.dumps(reply)


def test_it_parses_a_good_reply_in_rubric_order(openai_server):
    openai_server.chat_reply(json.dumps(GOOD_REPLY))

    result = LLMEvaluator().evaluate(ask(STRONG))

    assert [(s.key, s.name, s.score) for s in result.scores] == [
        ("diagnosis", "Diagnosis", 4),
        ("mitigation", "Mitigation", 5),
        ("learning", "Follow-up", 4),
    ]
    # The stored quote is the candidate's own text, whatever case or spacing the model used.
    assert result.scores[0].evidence == "The traces pointed to a database migration that had locked"
    assert result.scores[0].evidence in STRONG
    assert result.scores[2].evidence == ""
    assert result.summary == "A clear, evidence-led incident story."
    assert (result.provider, result.model, result.prompt_version) == ("llm", "test-model", "llm-1")


def test_it_sends_the_rubric_answer_and_rules_to_the_model(openai_server):
    openai_server.chat_reply(json.dumps(GOOD_REPLY))

    LLMEvaluator().evaluate(ask(STRONG))

    [request] = openai_server.requests
    assert request.headers["Authorization"] == "Bearer sk-llm-test"
    body = request.json
    assert body["model"] == "test-model"
    assert body["response_format"] == {"type": "json_object"}
    system, user = body["messages"]
    assert system["role"] == "system"
    for rule in ("1 (poor) to 5", "verbatim", "emotion", "tone of voice", "protected"):
        assert rule in system["content"]
    assert STRONG in user["content"]
    assert QUESTION in user["content"]
    assert "Evidence-led root cause" in user["content"]  # the anchors
    assert '"key": "learning"' in user["content"]
    # A reply long enough for a summary and three criteria, not a runaway one.
    assert body["max_tokens"] == 160 + 3 * 200


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("I think the candidate did well.", "not valid JSON"),
        (json.dumps({"scores": [], "summary": "x"}), '"criteria" must be a list'),
        (reply_with(key="root-cause"), '"root-cause" is not a criterion key'),
        (reply_with(score=7), "integer from 1 to 5"),
        (reply_with(score="5"), "integer from 1 to 5"),
        (reply_with(evidence="I fixed the database very quickly"), "not a verbatim quote"),
        (
            json.dumps({**GOOD_REPLY, "criteria": GOOD_REPLY["criteria"][:2]}),
            r"criteria \['learning'\] have no score",
        ),
        (
            json.dumps(
                {**GOOD_REPLY, "criteria": [*GOOD_REPLY["criteria"], GOOD_REPLY["criteria"][0]]}
            ),
            "scored more than once",
        ),
    ],
)
def test_it_retries_a_malformed_reply_then_gives_up(openai_server, reply, problem):
    openai_server.chat_reply(reply, times=3)

    with pytest.raises(llm.LLMMalformedReply, match=problem):
        LLMEvaluator().evaluate(ask(STRONG))

    requests = openai_server.requests_to(CHAT)
    assert len(requests) == 3
    assert re.search(problem, requests[-1].json["messages"][-1]["content"])


def test_it_uses_a_corrected_reply(openai_server):
    openai_server.chat_reply(reply_with(evidence="I fixed the database very quickly"))
    openai_server.chat_reply(json.dumps(GOOD_REPLY))

    result = LLMEvaluator().evaluate(ask(STRONG))

    assert result.scores[1].score == 5
    assert len(openai_server.requests) == 2


def test_it_says_a_slow_model_is_unavailable(openai_server, settings):
    settings.LLM_TIMEOUT = 0.5
    openai_server.chat_reply(json.dumps(GOOD_REPLY), delay=3)

    with pytest.raises(llm.LLMUnavailable) as raised:
        LLMEvaluator().evaluate(ask(STRONG))

    assert isinstance(raised.value, TransientEvaluationError)


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("“I rolled back the deploy…”", "I rolled back the deploy"),
        ("i ROLLED back\n the deploy", "I rolled back the deploy"),
        ("I rolled back the release", None),
        ("   ", ""),
    ],
)
def test_it_finds_a_quote_in_the_answer_ignoring_case_spacing_and_quote_marks(quote, found):
    assert verbatim(quote, STRONG) == found


# --- choosing the evaluator ----------------------------------------------------------------------


def test_it_uses_the_configured_evaluator(settings):
    settings.EVALUATOR = "offline"
    evaluator = get_evaluator()
    assert (evaluator.name, evaluator.label, evaluator.is_heuristic) == (
        "offline",
        "Built-in multilingual similarity (offline)",
        True,
    )
    settings.EVALUATOR = "llm"
    settings.LLM_BASE_URL = "http://127.0.0.1:11434/v1"
    settings.LLM_MODEL = "llama3.1:8b"
    evaluator = get_evaluator()
    assert (evaluator.name, evaluator.label, evaluator.is_heuristic) == (
        "llm",
        "Language model (llama3.1:8b)",
        False,
    )


def test_it_says_the_llm_evaluator_needs_a_base_url(settings):
    settings.LLM_BASE_URL = ""
    with pytest.raises(EvaluatorUnavailable, match="needs LLM_BASE_URL"):
        get_evaluator("llm")
    with pytest.raises(EvaluatorUnavailable, match="no evaluator called “magic”"):
        get_evaluator("magic")
