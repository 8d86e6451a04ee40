"""The evaluation-quality benchmark as a test: its statistics, its cases, and the offline
evaluator held to the figures docs/ai.md reports (a change that makes the advice worse fails)."""

import math
import statistics

import pytest

from bench.ai_quality.__main__ import Report, run, spearman
from bench.ai_quality.cases import ADVERSARIAL, FAMILIES, QUESTIONS, cases
from speech.evaluators import OfflineEvaluator

# One process runs the benchmark once for all of these (about 15 s on an idle core).
pytestmark = [pytest.mark.xdist_group("ai-quality"), pytest.mark.engine_free]


def test_spearman_is_rank_correlation_with_shared_ranks_for_ties():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # Ties share their mean rank: ranks (1.5, 1.5, 3, 4) against (1, 2, 3, 4).
    assert spearman([1, 1, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486832980505138)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_the_cases_cover_every_family_role_and_both_media():
    all_cases = cases()
    assert len(all_cases) >= 80
    assert {c.answer.family for c in all_cases} == set(FAMILIES)
    assert len({q.role for q in QUESTIONS}) == len(QUESTIONS)
    assert {q.medium for q in QUESTIONS} == {"written", "transcript"}
    assert {c.answer.language for c in all_cases} == {"en", "fr", "es"}
    for case in all_cases:
        assert len(case.answer.grades) == len(case.question.criteria), case.label
        assert all(1 <= g <= 5 for g in case.answer.grades), case.label
    assert len(cases("dev")) + len(cases("held-out")) == len(all_cases)


@pytest.fixture(scope="module")
def report() -> Report:
    return run(OfflineEvaluator(), cases())


def test_the_offline_evaluator_ranks_answers_as_a_careful_reader_does(report):
    assert report.spearman >= 0.85  # docs/ai.md: 0.896 (target 0.7)
    assert report.spearman_abstain_as_midpoint >= 0.75  # 0.834
    assert report.mae <= 0.65  # 0.51
    held_out = Report([o for o in report.outcomes if o.case.question.split == "held-out"])
    assert held_out.spearman >= 0.8  # 0.869


def test_no_adversarial_answer_but_one_known_miss_scores_above_the_midpoint(report):
    # docs/ai.md: one confidently wrong answer (Q4) scores 3.5; similarity cannot see it.
    assert [o.case.label for o in report.adversarial_above_midpoint] in ([], ["Q4/confident_wrong"])
    for family in set(ADVERSARIAL) - {"confident_wrong"}:
        assert all(o.score is None or o.score <= 1.5 for o in report.family(family)), family


def test_plain_words_and_foreign_excellent_answers_are_never_below_the_midpoint(report):
    assert not report.plain_words_below_midpoint
    for outcome in report.family("plain_words") + report.family("foreign"):
        assert outcome.state == "scored", outcome.case.label
        assert outcome.score >= 3, outcome.case.label


def test_very_short_answers_get_no_advice_rather_than_a_low_score(report):
    states = {o.state for o in report.family("very_short")}
    assert states <= {"abstained", "refused"}
    assert "abstained" in states


def test_rubrics_without_ideal_answers_still_rank_answers(report):
    # docs/ai.md: 0.808 with only "what a strong answer shows" (0.896 with ideal answers).
    without = run(OfflineEvaluator(), cases(), rubric="without-ideal")
    assert without.spearman >= 0.75
    assert len(without.adversarial_above_midpoint) <= 2
    assert statistics.fmean(o.score for o in without.family("excellent")) > statistics.fmean(
        o.score for o in without.family("mediocre")
    )


def test_on_a_generic_scorecard_it_gives_no_advice_rather_than_a_misleading_figure():
    # docs/ai.md: before this rule, excellent answers averaged 1.9 against the default scorecard.
    some = [c for c in cases() if c.answer.family in ("excellent", "off_topic")][:6]
    generic = run(OfflineEvaluator(), some, rubric="default-scorecard")
    assert {o.state for o in generic.outcomes} == {"abstained"}
    assert all("judged on the interview's generic scorecard" in o.detail for o in generic.outcomes)
