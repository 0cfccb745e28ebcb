"""What marking returns, shared by every activity type: a result per answer, a verdict per attempt."""

from dataclasses import dataclass

RANK = {"secure": 0, "developing": 1, "misconception": 2}


@dataclass(frozen=True)
class Result:
    """The verdict on one answer."""

    question_id: str
    answer: str
    correct: bool
    understanding: str
    feedback: tuple[str, ...]
    misconceptions: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()  # right answers the pupil did not choose (multiple-choice questions)


@dataclass(frozen=True)
class Verdict:
    """The verdict on a whole attempt."""

    results: tuple[Result, ...]
    score: int
    passed: bool


class AnswerError(ValueError):
    """An answer that does not fit the question (a tampered or stale form); the message is shown to the pupil."""


def percent(right: int, total: int) -> int:
    """A whole-number percentage, rounding halves up as people expect (5 of 8 is 63%, not Python's 62%)."""
    return (200 * right + total) // (2 * total) if total else 0
