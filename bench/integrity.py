"""How well the near-duplicate threshold separates copied answers from different candidates'
own answers to the same question (integrity facts, issue 18 item 8).

    .venv/bin/python -m bench.integrity

The answers are the graded cases of ``bench.ai_quality`` (ten questions, ten different answers
each, English, French and Spanish; written and transcript-like). Compared, with the embedding
the pipeline uses (``speech.evaluators.embed``), only answers of at least
``NEAR_DUPLICATE_MIN_WORDS`` words, as the pipeline does:

- **different answers**: every pair of answers to the same question (different people): how
  close they come, and how many would be noted at ``NEAR_DUPLICATE_AT`` (false flags);
- **copies**: each answer against itself edited the way a copier edits: a few words changed,
  the sentences in another order, the last sentence dropped, and everything lower-cased
  without punctuation (as a transcript of it read aloud would be): how many stay above the
  threshold (copies found).
"""

from __future__ import annotations

import re
import statistics
from itertools import combinations

import bench.common  # noqa: F401 - sets up Django
from bench.ai_quality.cases import QUESTIONS
from candidates.services.integrity import NEAR_DUPLICATE_AT, NEAR_DUPLICATE_MIN_WORDS
from speech.evaluators import EMBEDDING_MODEL, embed

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
SWAPS = {"i": "we", "my": "our", "the": "that", "and": "then", "a": "one", "we": "they"}


def words(text: str) -> int:
    return len(_WORD.findall(text))


def few_words_changed(text: str) -> str:
    out, changed = [], 0
    for token in text.split(" "):
        key = token.lower()
        if changed < 4 and key in SWAPS:
            out.append(SWAPS[key])
            changed += 1
        else:
            out.append(token)
    return " ".join(out)


def reordered(text: str) -> str:
    sentences = _SENTENCE.split(text.strip())
    return " ".join(reversed(sentences)) if len(sentences) > 1 else text


def last_sentence_dropped(text: str) -> str:
    sentences = _SENTENCE.split(text.strip())
    return " ".join(sentences[:-1]) if len(sentences) > 2 else text


def as_transcript(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


EDITS = {
    "a few words changed": few_words_changed,
    "sentences reordered": reordered,
    "last sentence dropped": last_sentence_dropped,
    "lower case, no punctuation": as_transcript,
}


def main() -> None:
    different: list[float] = []
    copies: dict[str, list[float]] = {name: [] for name in EDITS}
    compared = 0
    for question in QUESTIONS:
        texts = [a.text for a in question.answers if words(a.text) >= NEAR_DUPLICATE_MIN_WORDS]
        compared += len(texts)
        vectors = embed(texts)
        different += [float(vectors[i] @ vectors[j]) for i, j in combinations(range(len(texts)), 2)]
        for name, edit in EDITS.items():
            edited = embed([edit(t) for t in texts])
            copies[name] += [float(vectors[n] @ edited[n]) for n in range(len(texts))]

    print(f"model {EMBEDDING_MODEL}, threshold {NEAR_DUPLICATE_AT}")
    print(
        f"answers of at least {NEAR_DUPLICATE_MIN_WORDS} words: {compared} answers to "
        f"{len(QUESTIONS)} questions\n"
    )
    flagged = sum(1 for s in different if s >= NEAR_DUPLICATE_AT)
    ordered = sorted(different)
    print(f"different answers to one question ({len(different)} pairs)")
    print(
        f"  median {statistics.median(ordered):.3f}  95th percentile "
        f"{ordered[int(0.95 * (len(ordered) - 1))]:.3f}  highest {ordered[-1]:.3f}"
    )
    print(f"  noted as near-duplicates (false flags): {flagged} of {len(different)}\n")
    print("copies, edited as a copier would (each answer against its edited copy)")
    for name, scores in copies.items():
        found = sum(1 for s in scores if s >= NEAR_DUPLICATE_AT)
        print(
            f"  {name:<28} lowest {min(scores):.3f}  median {statistics.median(scores):.3f}  "
            f"found {found} of {len(scores)}"
        )


if __name__ == "__main__":
    main()
